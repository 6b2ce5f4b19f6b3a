"""Releases: publish a report, write its files, and store what was released.

:func:`release_report` is the one service behind every release: it runs the
publication gate (:func:`~tipdata.reporting.publish.publish`), writes the published
files, and stores a :class:`~tipdata.store.ReportRelease` (tables, threshold, rounding,
digest of the figures, SHA-256 of each file, who and when) with an audit event, in one
transaction. :func:`list_releases` is what the publisher and the auditor read
(``tipdata report releases``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.errors import AccessDenied
from tipdata.access.policy import Actor, can, require
from tipdata.reporting.publish import PublishedReport, publish
from tipdata.reporting.render import FORMATS, Format, write_report
from tipdata.reporting.report import Report
from tipdata.store import Database, ReportRelease

LOCAL_OPERATOR = "local operator"
"""``released_by`` of a release made from the CLI on the server (no signed-in user)."""

READ_PERMISSIONS = ("reports:publish", "audit:read")
"""Either lets a user list releases: the publisher and the auditor."""


@dataclass(frozen=True)
class ReleaseInfo:
    """A stored release, as the services return it (no ORM state).

    Attributes:
        release_id: ``report_release.id``.
        report_kind: e.g. ``tip_report``.
        period_start: first day of the figures.
        period_end: last day.
        tables: names of the tables released.
        threshold: primary-suppression threshold.
        rounding_base: rounding base, or None.
        digest: SHA-256 of the published figures (:attr:`PublishedReport.digest`).
        files: file name -> SHA-256 of the published file.
        released_by: username, or ``local operator``.
        released_at: when.
    """

    release_id: int
    report_kind: str
    period_start: date
    period_end: date
    tables: tuple[str, ...]
    threshold: int
    rounding_base: int | None
    digest: str
    files: Mapping[str, str]
    released_by: str
    released_at: datetime


@dataclass(frozen=True)
class Released:
    """What :func:`release_report` made: the published report, its files and the record."""

    published: PublishedReport
    paths: dict[Format, Path]
    release: ReleaseInfo


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release_report(
    db: Database,
    report: Report,
    out: str | Path,
    *,
    actor: Actor | None,
    threshold: int,
    rounding_base: int | None = None,
    report_kind: str = "tip_report",
    stem: str | None = None,
    formats: tuple[Format, ...] = FORMATS,
) -> Released:
    """Publish a report, write the published files and store the release.

    Args:
        db: the database the release is recorded in.
        report: the internal report.
        out: folder for the published files.
        actor: the releasing user; None for the local operator (CLI).
        threshold: counts ``1 <= n < threshold`` are suppressed.
        rounding_base: round published values to this base.
        report_kind: what kind of report this is (``tip_report``, ``unodc``, ...).
        stem: file name without extension (default ``<kind>-<start>-<end>-published``).
        formats: which files to write.

    Returns:
        The published report, the paths written and the stored release.

    Raises:
        AccessDenied: the actor may not publish.
        DisclosureError: the release is unsafe; nothing is written or recorded.
    """
    if actor is not None:
        require(actor, "reports:publish")
    published = publish(report, threshold=threshold, rounding_base=rounding_base)
    stem = stem or f"{report_kind}-{report.start.isoformat()}-{report.end.isoformat()}-published"
    paths = write_report(report, out, published=published, formats=formats, stem=stem)
    files = {path.name: file_sha256(path) for path in paths.values()}
    with db.session() as session:
        row = ReportRelease(
            report_kind=report_kind,
            period_start=report.start,
            period_end=report.end,
            tables=[table.name for table in report.tables],
            threshold=threshold,
            rounding_base=rounding_base,
            digest=published.digest,
            files=files,
            released_by=actor.username if actor else LOCAL_OPERATOR,
            released_by_user_id=actor.user_id if actor else None,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "report_release", "report_release", [row.id],
            {"kind": report_kind, "start": report.start.isoformat(),
             "end": report.end.isoformat(), "threshold": threshold, "digest": published.digest},
        )  # fmt: skip
        info = _info(row)
        session.commit()
    return Released(published, paths, info)


def list_releases(
    db: Database, *, actor: Actor | None, report_kind: str | None = None
) -> list[ReleaseInfo]:
    """The stored releases, newest first.

    Args:
        db: the database.
        actor: the reader (a publisher or an auditor); None for the local operator.
        report_kind: only releases of this kind.

    Returns:
        The releases.

    Raises:
        AccessDenied: the actor may neither publish nor read the audit log.
    """
    if actor is not None and not any(can(actor, p) for p in READ_PERMISSIONS):
        raise AccessDenied(" or ".join(READ_PERMISSIONS))
    query = sa.select(ReportRelease).order_by(
        ReportRelease.released_at.desc(), ReportRelease.id.desc()
    )
    if report_kind is not None:
        query = query.where(ReportRelease.report_kind == report_kind)
    with db.session() as session:
        return [_info(row) for row in session.scalars(query)]


def _info(row: ReportRelease) -> ReleaseInfo:
    return ReleaseInfo(
        release_id=row.id,
        report_kind=row.report_kind,
        period_start=row.period_start,
        period_end=row.period_end,
        tables=tuple(row.tables),
        threshold=row.threshold,
        rounding_base=row.rounding_base,
        digest=row.digest,
        files=dict(row.files),
        released_by=row.released_by,
        # SQLite returns the stored UTC time without its zone
        released_at=row.released_at.replace(tzinfo=row.released_at.tzinfo or UTC),
    )
