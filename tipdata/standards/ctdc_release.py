"""The CTDC-profile file of a year released through the release gate, as SDMX is.

The file is case-level (one k-anonymous row per victim, :mod:`tipdata.standards.ctdc`), so
the gate cannot suppress inside it. What the gate can check is what the file discloses as
counts: :func:`ctdc_report` makes one table per column of the file (victims by each value,
withheld values as ``not given``), and :func:`release_ctdc` releases those tables with
:func:`tipdata.reporting.releases.release_report` (small-cell suppression, the audit of the
table totals and against earlier overlapping releases) and stores the file with the
release only when the gate published every count unchanged. With k = 11 every count of a
value is the size of one or more groups of at least 11 rows, so a threshold of 11 or less
never suppresses; a threshold above k is refused before anything is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from tipdata.access.policy import Actor
from tipdata.reporting.engine import Cell
from tipdata.reporting.kanonymity import DEFAULT_K
from tipdata.reporting.releases import Released, attach_release_file, release_report
from tipdata.reporting.report import TOTAL, Report, ReportTable
from tipdata.reporting.suppression import DEFAULT_THRESHOLD
from tipdata.standards.ctdc import (
    CtdcError,
    CtdcRelease,
    ctdc_victims,
    load_profile,
    publish_ctdc,
    write_ctdc,
)
from tipdata.store import Database

REPORT_KIND = "ctdc_profile"
CTDC_MEDIA_TYPE = "text/csv"
NOT_GIVEN = "not_given"
"""The row of a column's table counting the rows where the file writes NULL."""


@dataclass(frozen=True)
class CtdcReleased:
    """A released CTDC-profile file.

    Attributes:
        path: the file, stored with the release.
        file: the k-anonymous rows written.
        released: the gate's release of the file's counts.
    """

    path: Path
    file: CtdcRelease
    released: Released


def ctdc_report(file: CtdcRelease, year: int) -> Report:
    """The counts the file discloses: victims by each value of each column it fills."""
    profile = load_profile()
    tables: list[ReportTable] = []
    for name in profile.columns:
        counts = Counter(
            NOT_GIVEN if row[name] in ("", profile.missing) else row[name] for row in file.rows
        )
        if set(counts) <= {NOT_GIVEN}:
            continue  # a column the file never fills discloses nothing
        cells = {(value, TOTAL): Cell(n, n) for value, n in counts.items()}
        cells[(TOTAL, TOTAL)] = Cell(len(file.rows), len(file.rows))
        tables.append(
            ReportTable(
                name=f"ctdc_{name}",
                title=f"Victims in the CTDC-profile file by {name}",
                definitions=(
                    f"Rows of ctdc-victims-{year}.csv by the value of {name} "
                    f"(k = {file.k}; NULL counted as not given).",
                ),
                row_header=name,
                rows=(*sorted(counts), TOTAL),
                columns=(TOTAL,),
                cells=cells,
                labels={NOT_GIVEN: "Not given"},
            )
        )
    return Report(
        title=f"CTDC profile {year}",
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        tables=tuple(tables),
        generated_at=datetime.now(UTC),
        notes=(f"{file.dropped} rows dropped to reach k = {file.k}.",),
    )


def release_ctdc(
    db: Database,
    year: int,
    out: Path,
    *,
    actor: Actor | None,
    threshold: int = DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
) -> CtdcReleased:
    """Release the CTDC-profile file of ``year`` through the gate and store it with the release.

    Args:
        db: the database (the release is stored in it).
        year: the calendar year of the victims.
        out: the folder: ``ctdc-victims-<year>.csv`` and the gate's CSV of the counts,
            ``ctdc-<year>-published.csv``.
        actor: the releasing user; None for the local operator.
        threshold: the gate's threshold; counts ``1 <= n < threshold`` are suppressed.
        k: the k-anonymity of the file (11, as CTDC's k-anonymised global dataset).

    Returns:
        The file, its rows and the release.

    Raises:
        CtdcError: ``threshold`` above ``k``, or the gate withheld a count the file would
            show (the file is not written).
        DisclosureError: the gate refuses the release (nothing is written).
        AccessDenied: the actor may not publish.
    """
    if threshold > k:
        raise CtdcError("<ctdc>", f"a threshold of {threshold} needs k >= {threshold}, not {k}")
    file = publish_ctdc(ctdc_victims(db, date(year, 1, 1), date(year, 12, 31)), k)
    report = ctdc_report(file, year)
    released = release_report(
        db, report, out, actor=actor, threshold=threshold, report_kind=REPORT_KIND,
        stem=f"ctdc-{year}-published", formats=("csv",),
    )  # fmt: skip
    for published in released.published.tables:
        table = published.table
        for row in table.rows:
            if published.cell(row, TOTAL).value != table.cell(row, TOTAL).value:
                raise CtdcError(
                    "<ctdc>",
                    f"the gate withheld the count of {table.row_header} = {row}, which the "
                    "file would show; the file is not written",
                )
    path = write_ctdc(file, Path(out) / f"ctdc-victims-{year}.csv")
    stored = attach_release_file(db, released.release.release_id, path, CTDC_MEDIA_TYPE)
    return CtdcReleased(path, file, replace(released, release=stored))


__all__ = ["REPORT_KIND", "CtdcReleased", "ctdc_report", "release_ctdc"]
