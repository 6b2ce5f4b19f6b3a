"""The standards' files written beside a TIP report (``make demo`` lists them)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from tipdata.reporting.suppression import DEFAULT_THRESHOLD, DisclosureError
from tipdata.standards.ctdc import CtdcError
from tipdata.standards.ctdc_release import release_ctdc
from tipdata.standards.dhis2_exchange import PartialMarginError, export_reports
from tipdata.standards.htcds import htcds_victims, write_htcds_victims
from tipdata.standards.sdmx import release_sdg
from tipdata.store import Database

log = logging.getLogger(__name__)


def write_standard_files(
    db: Database, year: int, folder: Path, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[str, Path]:
    """Write the HTCDS 2.0 victim export, the CTDC-profile file, the DHIS2 files and the
    SDG 16.2.2 SDMX-CSV of ``year`` into ``folder``.

    Args:
        db: the database.
        year: the calendar year (HTCDS) and ISO year of the bi-weeks (DHIS2).
        folder: where the TIP report of the year is written.
        threshold: the disclosure-control threshold of the published files.

    Returns:
        Name → path: ``htcds`` (CSV, owner-readable only), ``ctdc`` (CSV for
        publication: k-anonymous over every column, k = 11, its counts released through
        the gate and the file stored with the release; left out, with a logged reason,
        when the gate refuses), ``dhis2_json`` and ``dhis2_adx``
        (the received provincial reports; left out, with a logged reason, when a report
        holds a value DHIS2 cannot store), ``sdmx`` (SDG 16.2.2, released through the
        disclosure-control gate by the local operator; left out, with a logged reason, when
        the gate refuses the release).
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = {
        "htcds": write_htcds_victims(
            htcds_victims(db, date(year, 1, 1), date(year, 12, 31)),
            folder / f"htcds-victims-{year}.csv",
        )
    }
    try:
        written["ctdc"] = release_ctdc(db, year, folder, actor=None, threshold=threshold).path
    except (DisclosureError, CtdcError) as error:
        log.warning("CTDC-profile file not written: %s", error)
    with db.session() as session:
        for name, file_format, suffix in (
            ("dhis2_json", "json", "json"),
            ("dhis2_adx", "adx", "xml"),
        ):
            try:
                result = export_reports(session, file_format=file_format, year=year)  # type: ignore[arg-type]
            except PartialMarginError as error:
                log.warning("DHIS2 %s not written: %s", file_format, error)
                continue
            path = folder / f"dhis2-provincial-{year}.{suffix}"
            path.write_text(result.text, encoding="utf-8")
            written[name] = path
    try:
        written["sdmx"], _released = release_sdg(db, year, folder, actor=None, threshold=threshold)
    except DisclosureError as error:
        log.warning("SDG 16.2.2 SDMX-CSV not written: %s", error)
    return written
