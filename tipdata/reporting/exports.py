"""Files of TIP tables leaving the system: each one is written to the audit log.

One rule for both fronts: a download of the web's report pages and API, and a
``tipdata report tip --out`` folder of files, are each an ``export`` event (who, the
period, the format, internal or published figures). A release is audited as
``report_release`` by :func:`tipdata.reporting.releases.release_report` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from tipdata.access import audit
from tipdata.access.policy import Acting, Actor
from tipdata.store import Database


def record_export(
    db: Database,
    actor: Acting,
    start: date,
    end: date,
    file_format: str,
    detail: Mapping[str, str | int],
    remote_addr: str | None = None,
) -> None:
    """Audit one export of TIP tables (object ``tip_report``; never a figure in the detail).

    Args:
        db: the database.
        actor: who exports; the local operator is recorded without a user.
        start: first day of the period.
        end: last day of the period.
        file_format: ``xlsx``, ``csv``, or the formats of a folder (``csv,html,xlsx``).
        detail: more to record, e.g. ``{"kind": "internal"}`` or the release id.
        remote_addr: the client's address (web).
    """
    with db.session() as session:
        audit.record(
            session,
            actor if isinstance(actor, Actor) else None,
            "export",
            "tip_report",
            [],
            {"start": start.isoformat(), "end": end.isoformat(), "format": file_format, **detail},
            remote_addr,
        )
