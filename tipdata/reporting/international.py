"""International formats from the same data: UNODC / SDG 16.2.2 aggregates and an HTCDS export.

* :func:`unodc_report`: victims detected by sex, age group, form of exploitation
  and citizenship; persons suspected, prosecuted and convicted by sex and
  citizenship (UNODC Global Report questionnaire), and SDG indicator 16.2.2
  (victims detected per 100,000 population, by sex and age group).
* :func:`htcds_export`: one row per victim in the style of the Human Trafficking
  Case Data Standard (IOM / UNMigration HTCDS), for authorised users; with
  ``for_publication=True`` the export is made k-anonymous (k = 11) over all its
  columns (:func:`~tipdata.reporting.kanonymity.enforce_k_anonymity`).
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tipdata.reporting.engine import Cell, age_at, person_key
from tipdata.reporting.indicators import Catalogue, default_catalogue
from tipdata.reporting.kanonymity import (
    DEFAULT_K,
    KAnonymityResult,
    check_k_anonymity,
    enforce_k_anonymity,
)
from tipdata.reporting.report import (
    TOTAL,
    Crosstab,
    IndicatorRows,
    Report,
    ReportTable,
    TableSpec,
    build_tables,
    sex_by_age_group,
)
from tipdata.store import Database, metadata

CAMBODIA_POPULATION_2008 = 13_395_682
"""Population of Cambodia at the 2008 General Population Census (National Institute of
Statistics), the default denominator of SDG 16.2.2 for 2008."""

UNODC_TABLES: tuple[TableSpec, ...] = (
    sex_by_age_group(
        "unodc_victims_sex_age",
        "Victims detected by sex and age group (UNODC; SDG 16.2.2 numerator)",
        "victims_identified",
    ),
    Crosstab(
        "unodc_victims_exploitation",
        "Victims detected by form of exploitation and sex (UNODC)",
        "victims_identified",
        rows="exploitation_type",
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "unodc_victims_citizenship",
        "Victims detected by citizenship and sex (UNODC)",
        "victims_identified",
        rows="nationality",
        columns="sex",
        column_order=("female", "male"),
    ),
    IndicatorRows(
        "unodc_offenders",
        "Persons suspected, prosecuted and convicted, by sex (UNODC)",
        ("suspects_arrested", "persons_prosecuted", "persons_convicted"),
        columns="sex",
        column_order=("female", "male"),
    ),
    IndicatorRows(
        "unodc_offenders_citizenship",
        "Persons suspected, prosecuted and convicted, by citizenship (UNODC)",
        ("suspects_arrested", "persons_prosecuted", "persons_convicted"),
        columns="nationality",
    ),
)

HTCDS_COLUMNS = (
    "year_identified",
    "vic_Gender",
    "vic_AgeBroad",
    "vic_Citizenship",
    "vic_TypeOfExploitation",
    "vic_CountryOfExploitation",
    "identifying_agency_kind",
)
"""Columns of the HTCDS-style export (field names after the HTCDS ``vic_`` fields)."""

_HTCDS_EXPLOITATION = {
    "sexual_exploitation": "SexualExploitation",
    "forced_labour": "ForcedLabour",
}


def unodc_report(
    db: Database,
    start: date,
    end: date,
    *,
    population: int = CAMBODIA_POPULATION_2008,
    catalogue: Catalogue | None = None,
) -> Report:
    """UNODC-style aggregates and SDG 16.2.2 for a period.

    Args:
        db: the database.
        start: first day.
        end: last day (inclusive).
        population: the population the SDG rate is per 100,000 of.
        catalogue: indicator catalogue.

    Returns:
        A report with the UNODC tables and ``sdg_16_2_2`` (victims per 100,000
        population by sex and age group; ``naive`` holds the rate from agency records).
    """
    catalogue = catalogue or default_catalogue()
    tables = build_tables(db, catalogue, UNODC_TABLES, start, end)
    victims = tables[0]
    rates: dict[tuple[str, str], Cell] = {}
    for key, cell in victims.cells.items():
        rates[key] = Cell(
            round(cell.value * 100_000 / population * 1000),
            round(cell.naive * 100_000 / population * 1000),
        )
    sdg = ReportTable(
        name="sdg_16_2_2",
        title="SDG 16.2.2: victims detected per 100,000 population (× 1000)",
        definitions=(
            "Victims of trafficking detected per 100,000 population, by sex and age group; "
            "shown multiplied by 1000 (so 12 means 0.012 per 100,000).",
            f"Population: {population:,} (2008 General Population Census).",
        ),
        row_header="Sex",
        rows=victims.rows,
        columns=victims.columns,
        cells=rates,
        sources=victims.sources,
        unit="rate",
    )
    return Report(
        title=f"UNODC / SDG 16.2.2 aggregates, {start.isoformat()} to {end.isoformat()}",
        start=start,
        end=end,
        tables=(*tables, sdg),
        generated_at=datetime.now(UTC),
    )


@dataclass(frozen=True)
class HtcdsExport:
    """An HTCDS-style case-level export.

    Attributes:
        rows: one mapping per victim (columns :data:`HTCDS_COLUMNS`, plus
            ``case_ref`` for internal exports).
        for_publication: whether k-anonymity was enforced.
        k: the k the rows satisfy (for publication).
        dropped: rows removed to reach k-anonymity.
        levels: the generalisation level per column (for publication).
    """

    rows: list[dict[str, Any]]
    for_publication: bool
    k: int | None = None
    dropped: int = 0
    levels: dict[str, str] | None = None


def htcds_export(
    db: Database,
    start: date,
    end: date,
    *,
    for_publication: bool = False,
    k: int = DEFAULT_K,
) -> HtcdsExport:
    """One row per victim identified in the period, HTCDS style.

    Internal exports (for authorised users) carry an opaque ``case_ref`` per
    canonical person; exports for publication drop it and are made k-anonymous
    over all released columns.

    Args:
        db: the database.
        start: first day.
        end: last day (inclusive).
        for_publication: enforce k-anonymity and drop the reference.
        k: the k for publication.

    Returns:
        The export.
    """
    t = metadata.tables
    event, record, person, agency = t["event"], t["person_record"], t["person"], t["agency"]
    link, case, exploitation, types = (
        t["case_person"],
        t["case"],
        t["case_exploitation"],
        t["exploitation_type"],
    )
    key = person_key(record, person)
    query = (
        sa.select(
            key.label("k"),
            event.c.event_date,
            sa.cast(record.c.sex, sa.String),
            age_at(record, event.c.event_date),
            record.c.nationality,
            sa.func.coalesce(types.c.parent_code, exploitation.c.exploitation_type),
            case.c.destination_country,
            sa.cast(agency.c.kind, sa.String),
        )
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .join(agency, agency.c.id == event.c.owner_agency_id)
            .outerjoin(link, link.c.person_record_id == record.c.id)
            .outerjoin(case, case.c.id == link.c.case_id)
            .outerjoin(exploitation, exploitation.c.case_id == case.c.id)
            .outerjoin(types, types.c.code == exploitation.c.exploitation_type)
        )
        .where(
            sa.cast(record.c.role, sa.String) == "victim",
            event.c.event_date.between(start, end),
        )
        .order_by(key, event.c.event_date)
    )
    people: dict[int, dict[str, Any]] = {}
    with db.connect() as connection:
        for k_, day, sex, age, nationality, form, country, kind in connection.execute(query):
            row = people.setdefault(
                k_,
                {
                    "year_identified": day.year if day else None,
                    "vic_Gender": None,
                    "vic_AgeBroad": None,
                    "age": None,
                    "vic_Citizenship": None,
                    "vic_TypeOfExploitation": None,
                    "vic_CountryOfExploitation": None,
                    "identifying_agency_kind": kind,
                },
            )
            if sex in ("female", "male") and row["vic_Gender"] is None:
                row["vic_Gender"] = "Female" if sex == "female" else "Male"
            if age is not None and row["age"] is None:
                row["age"] = int(age)
            row["vic_Citizenship"] = row["vic_Citizenship"] or nationality
            row["vic_TypeOfExploitation"] = row["vic_TypeOfExploitation"] or (
                _HTCDS_EXPLOITATION.get(form, "Other") if form else None
            )
            row["vic_CountryOfExploitation"] = row["vic_CountryOfExploitation"] or country
    rows: list[dict[str, Any]] = []
    for k_, row in people.items():
        age = row.pop("age")
        row["vic_AgeBroad"] = None if age is None else ("Minor" if age < 18 else "Adult")
        if not for_publication:
            row = {"case_ref": hashlib.sha256(f"htcds:{k_}".encode()).hexdigest()[:12], **row}
        rows.append(row)
    if not for_publication:
        return HtcdsExport(rows, False)
    result: KAnonymityResult = enforce_k_anonymity(rows, list(HTCDS_COLUMNS), k)
    assert not check_k_anonymity(result.rows, None, k)
    return HtcdsExport(result.rows, True, k, len(result.dropped), result.level_names)


__all__ = [
    "CAMBODIA_POPULATION_2008",
    "HTCDS_COLUMNS",
    "TOTAL",
    "HtcdsExport",
    "htcds_export",
    "unodc_report",
]


def write_htcds(export: HtcdsExport, out: Path) -> Path:
    """Write an HTCDS export as CSV into ``out``; internal exports are readable by the owner only.

    Args:
        export: the export from :func:`htcds_export`.
        out: the folder (created if needed).

    Returns:
        The file written: ``htcds-public.csv`` or ``htcds-internal.csv``.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / ("htcds-public.csv" if export.for_publication else "htcds-internal.csv")
    mode = 0o644 if export.for_publication else 0o600
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        if export.rows:
            writer = csv.DictWriter(handle, fieldnames=list(export.rows[0]))
            writer.writeheader()
            writer.writerows(export.rows)
    return path
