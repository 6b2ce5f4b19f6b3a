"""The US Trafficking in Persons report tables, from the consolidated, de-duplicated data.

:func:`tip_report` computes every table the annual TIP questionnaire asks for
(law enforcement, sentences, victims identified, referred and assisted, foreign
child sex offenders, repatriations, labour migration beside returned victims,
re-trafficking, follow-ups and victims known only to NGOs: :mod:`.followup`).
Each figure counts canonical persons (or cases, or charges) once and shows beside
it the naive sum of the agencies' own records, so the overlap the 2009 report
warned of ("statistics may overlap") is visible.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa

from tipdata.errors import TipdataError
from tipdata.reporting.coverage import apply_coverage, coverage_table, source_fields
from tipdata.reporting.engine import Cell, person_key
from tipdata.reporting.followup import followup_tables
from tipdata.reporting.indicators import Catalogue, default_catalogue
from tipdata.reporting.migration import COUNT_TABLE, migration_tables
from tipdata.reporting.report import (
    TOTAL,
    Crosstab,
    IndicatorRows,
    Report,
    ReportTable,
    TableSpec,
    UndatedRows,
    build_tables,
    sex_by_age_group,
)
from tipdata.reporting.uncertainty import (
    Alternatives,
    FigureRange,
    alternatives_from_pairs,
    load_alternatives,
)
from tipdata.store import Database, metadata

logger = logging.getLogger(__name__)

EXPLOITATION_COLUMNS = ("sexual_exploitation", "forced_labour")

TIP_TABLES: tuple[TableSpec, ...] = (
    IndicatorRows(
        "law_enforcement",
        "Investigations, prosecutions and convictions, sex vs labour trafficking",
        (
            "investigations",
            "suspects_arrested",
            "persons_prosecuted",
            "persons_convicted",
            "persons_acquitted",
        ),
        columns="exploitation_type",
        column_of={"investigations": "case_exploitation_type"},
        column_order=EXPLOITATION_COLUMNS,
        definitions=(
            "Sex vs labour trafficking is the form of exploitation of the case (for persons: "
            "of the cases they are linked to); court cases often do not record it (Unknown).",
        ),
    ),
    IndicatorRows(
        "law_enforcement_by_victim_age",
        "Arrests, prosecutions and convictions, child vs adult victims",
        ("suspects_arrested", "persons_prosecuted", "persons_convicted", "convictions"),
        columns="victim_age_group",
        column_order=("child", "adult"),
        definitions=(
            "Child victim: a victim in the case was under 18 at the date of the arrest or verdict.",
        ),
    ),
    Crosstab(
        "convictions_by_article",
        "Convictions by law article",
        "convictions",
        rows="law_article",
        columns="victim_age_group",
        column_order=("child", "adult"),
        definitions=(
            "Articles not yet resolved to the law catalogue are shown as the court wrote them.",
        ),
    ),
    Crosstab(
        "sentences",
        "Sentences imposed (charges ending in conviction)",
        "convictions",
        rows="sentence_range",
        columns="victim_age_group",
        row_order=(
            "no prison term",
            "under 1 year",
            "1 to under 5 years",
            "5 to under 10 years",
            "10 to under 15 years",
            "15 years and over",
        ),
        column_order=("child", "adult"),
        definitions=("Prison term in months, suspended part included.",),
    ),
    IndicatorRows(
        "sentence_outcomes",
        "Suspended sentences, fine-only outcomes and compensation",
        (
            "persons_convicted",
            "convicted_suspended",
            "convicted_fine_only",
            "convicted_with_compensation",
        ),
        columns="victim_age_group",
        column_order=("child", "adult"),
    ),
    sex_by_age_group(
        "victims_by_sex_age", "Victims identified by sex and age group", "victims_identified"
    ),
    Crosstab(
        "victims_by_age_band",
        "Victims identified by age band and sex",
        "victims_identified",
        rows="age_band",
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "victims_by_nationality",
        "Victims identified by nationality and sex",
        "victims_identified",
        rows="nationality",
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "victims_by_exploitation",
        "Victims identified by form of exploitation and age group",
        "victims_identified",
        rows="exploitation_type",
        columns="age_group",
        row_order=EXPLOITATION_COLUMNS,
        column_order=("child", "adult"),
    ),
    Crosstab(
        "victims_by_destination",
        "Victims identified by destination and sex",
        "victims_identified",
        rows="destination",
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "victims_by_province",
        "Victims identified by province of origin and sex",
        "victims_identified",
        rows="province",
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "victims_by_agency",
        "Victims identified by reporting agency",
        "victims_identified",
        rows="agency",
        definitions=(
            "A person recorded by several agencies counts in each agency's row and once in "
            "the total: the total is smaller than the sum of the rows by the overlap.",
        ),
    ),
    Crosstab(
        "victims_by_month",
        "Victims identified by month",
        "victims_identified",
        rows="month",
        definitions=("A person counts once, in the month of their earliest identifying event.",),
    ),
    IndicatorRows(
        "victims_referred",
        "Victims referred by law enforcement and by social services",
        ("victims_referred_by_law_enforcement", "victims_referred_by_social_services"),
        columns="sex",
        column_order=("female", "male"),
    ),
    Crosstab(
        "victims_assisted",
        "Victims assisted by government and by NGOs",
        "victims_assisted",
        rows="agency_kind",
        columns="age_group",
        row_order=("government", "ngo"),
        column_order=("child", "adult"),
        definitions=(
            "A person assisted by both a government agency and an NGO counts in both rows "
            "and once in the total.",
        ),
    ),
    IndicatorRows(
        "foreign_child_sex_offenders",
        "Foreign child sex offenders arrested and convicted, by nationality",
        ("foreign_child_sex_offenders_arrested", "foreign_child_sex_offenders_convicted"),
        columns="nationality",
    ),
    sex_by_age_group(
        "repatriations",
        "Victims returned or repatriated, by sex and age group",
        "victims_repatriated",
    ),
    IndicatorRows(
        "pathway_funnel",
        "Victim pathway: identified, referred, sheltered, reintegrated",
        ("victims_identified", "victims_referred", "victims_sheltered", "victims_reintegrated"),
        definitions=("Each stage counts persons with that step in the period.",),
    ),
    UndatedRows(
        "date_not_recorded",
        "Date not recorded: persons whose step has no date (counted in no period)",
        (
            "victims_identified",
            "victims_referred",
            "victims_sheltered",
            "victims_reintegrated",
            "victims_assisted",
            "suspects_arrested",
        ),
    ),
)
"""The TIP tables, in report order (the LMIS tables are built by :func:`lmis_tables`)."""


MAX_REPORT_DAYS = 731
"""A report covers at most two years: at most this many days from its first to its last
day (two calendar years with a leap day). Longer periods are refused on every front."""


class ReportPeriodError(TipdataError, ValueError):
    """The report period is missing, inverted or longer than two years."""


def report_period(
    year: int | None = None, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """The period of a report: a calendar year, or an explicit range (e.g. April–March).

    Args:
        year: calendar year (used when ``start``/``end`` are not both given).
        start: first day (``--from``).
        end: last day (``--to``).

    Raises:
        ReportPeriodError: neither a year nor both dates, ``start > end``, or a period
            longer than two years (:data:`MAX_REPORT_DAYS`).
    """
    if start is None or end is None:
        if year is None:
            raise ReportPeriodError("give --year, or both --from and --to")
        start, end = start or date(year, 1, 1), end or date(year, 12, 31)
    if start > end:
        raise ReportPeriodError(f"the period starts ({start}) after it ends ({end})")
    if (end - start).days > MAX_REPORT_DAYS:
        raise ReportPeriodError(f"a report covers at most two years; {start} to {end} is longer")
    return start, end


def tip_report(
    db: Database,
    start: date,
    end: date,
    *,
    catalogue: Catalogue | None = None,
    specs: Sequence[TableSpec] = TIP_TABLES,
    title: str | None = None,
) -> Report:
    """Compute the TIP-report tables for a period.

    Args:
        db: the database.
        start: first day of the period.
        end: last day (inclusive).
        catalogue: the indicator catalogue (default: the built-in one).
        specs: the tables to build (default: all TIP tables).
        title: report title.

    Returns:
        The report: the indicator tables, the LMIS tables and the migration
        accountability table (:mod:`tipdata.reporting.migration`).
    """
    catalogue = catalogue or default_catalogue()
    # every de-duplicated person count carries its range over the review queue
    pending = load_alternatives(db)
    fields = source_fields(db)  # read once: it scans every stored row
    tables = apply_coverage(
        db,
        build_tables(db, catalogue, specs, start, end, alternatives=pending),
        catalogue,
        start,
        end,
        fields=fields,
    )
    if specs is TIP_TABLES:
        tables.extend(lmis_tables(db, start, end, alternatives=pending))
        tables.append(coverage_table(db, fields=fields))
        # the per-company counts (each with its range over the review queue); the median
        # days are in :func:`tipdata.reporting.migration.migration_report` (not a count)
        tables.extend(
            t
            for t in migration_tables(db, start, end, alternatives=pending)
            if t.name == COUNT_TABLE
        )
        tables.extend(followup_tables(db, catalogue, start, end, alternatives=pending))
    notes = [_linkage_note(db)]
    notes += [
        f"{table.title}: {table.label(row)}, {table.label(column)}: {note}"
        for table in tables
        if table.name != "coverage_by_source"
        for (row, column), note in table.not_recorded.items()
        if row == TOTAL or column == TOTAL
    ]
    return Report(
        title=title
        or f"Trafficking in persons: figures for {start.isoformat()} to {end.isoformat()}",
        start=start,
        end=end,
        tables=tuple(tables),
        generated_at=datetime.now(UTC),
        notes=tuple(notes),
    )


def _linkage_note(db: Database) -> str:
    record = metadata.tables["person_record"]
    with db.connect() as connection:
        total, linked = connection.execute(
            sa.select(sa.func.count(), sa.func.count(record.c.person_id))
        ).one()
    if total and linked < total:
        return (
            f"{total - linked} of {total} person records are not yet linked to a canonical "
            "person; each counts as its own person, so de-duplicated figures are upper bounds."
        )
    return f"All {total} person records are linked to canonical persons."


MIGRATION_COLUMNS: dict[str, str] = {
    "returned": "workers_returned",
    "deported": "workers_deported",
    "hotline_report": "hotline_reports",
}
"""Labour-migration event type → its column in ``lmis_by_destination`` (persons counted)."""


def _migration_events(
    connection: sa.Connection, start: date, end: date
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], tuple[set[int], set[int]]]]:
    """Departures by (destination, company); other migration events by (destination, column).

    Every source's events count: a mapping declares a departure as an ``event`` of type
    ``departed`` with ``destination_country``, ``company`` and ``contract``. Returns count
    only when they name a country (a labour-migration return; the border screening log's
    returns without a country belong to the victim pathway); deportations and hotline
    reports count always (``unknown`` destination when none is named).
    """
    t = metadata.tables
    event, record, person, country = t["event"], t["person_record"], t["person"], t["country"]
    event_type = sa.type_coerce(event.c.event_type, sa.String)
    destination = sa.func.coalesce(country.c.name, event.c.destination_country)
    in_period = event.c.event_date.between(start, end)
    departures: dict[tuple[str, str], int] = defaultdict(int)
    rows = connection.execute(
        sa.select(destination, event.c.company, sa.func.count())
        .select_from(event.outerjoin(country, country.c.iso3 == event.c.destination_country))
        .where(event_type == "departed", in_period)
        .group_by(destination, event.c.company)
    )
    for dest, company, count in rows:
        departures[(dest or "unknown", company or "unknown")] += count
    others: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    query = (
        sa.select(event_type, destination, person_key(record, person), record.c.id)
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .outerjoin(country, country.c.iso3 == event.c.destination_country)
        )
        .where(
            in_period,
            event_type.in_(sorted(MIGRATION_COLUMNS)),
            sa.or_(event_type != "returned", event.c.destination_country.is_not(None)),
        )
    )
    for kind, dest, key, record_id in connection.execute(query):
        keys, records = others.setdefault(
            (dest or "unknown", MIGRATION_COLUMNS[kind]), (set(), set())
        )
        keys.add(key)
        records.add(record_id)
    return departures, others


def lmis_tables(
    db: Database, start: date, end: date, *, alternatives: Alternatives | None = None
) -> list[ReportTable]:
    """Labour-migration departures by destination and recruitment company, beside returns.

    Departures are ``departed`` events of any source (the MOLVT LMIS export, a company's
    own departure list, ...), counted one per departure; beside each destination, the
    workers returned and deported from it and the hotline reports about workers there
    (events of any source, counted once per canonical person), and the victims returned
    from it (returned and repatriated events of victims whose place or destination
    names the country, counted once per canonical person).

    Every person count (not the departures, counted one per departure) carries its range
    over the review queue when ``alternatives`` are given.

    Returns:
        ``lmis_by_destination`` and ``lmis_by_agency``.
    """
    pending = alternatives or alternatives_from_pairs(())
    ranges: dict[tuple[str, str], FigureRange] = {}
    with db.connect() as connection:
        departures, others = _migration_events(connection, start, end)
        returned = _victims_returned_by_country(connection, start, end)
    destinations = sorted(
        {d for d, _ in departures} | {d for d, _ in others} | set(returned),
        key=lambda name: (name == "unknown", name),
    )
    agencies = sorted({a for _, a in departures}, key=lambda name: (name == "unknown", name))
    migration_columns = tuple(MIGRATION_COLUMNS.values())
    cells: dict[tuple[str, str], Cell] = {}
    for dest in destinations:
        count = sum(n for (d, _), n in departures.items() if d == dest)
        cells[(dest, "departures")] = Cell(count, count)
        for column in migration_columns:
            keys, records = others.get((dest, column), (set(), set()))
            cells[(dest, column)] = Cell(len(keys), len(records))
            ranges[(dest, column)] = pending.distinct_range(keys, records)
        keys, records = returned.get(dest, (set(), set()))
        cells[(dest, "victims_returned")] = Cell(len(keys), len(records))
        ranges[(dest, "victims_returned")] = pending.distinct_range(keys, records)
    total_departures = sum(departures.values())
    cells[(TOTAL, "departures")] = Cell(total_departures, total_departures)
    for column in migration_columns:
        parts = [pair for (_d, c), pair in others.items() if c == column]
        column_keys: set[int] = set().union(*(k for k, _ in parts))
        cells[(TOTAL, column)] = Cell(len(column_keys), len(set().union(*(r for _, r in parts))))
        ranges[(TOTAL, column)] = pending.distinct_range(
            column_keys, set().union(*(r for _, r in parts))
        )
    all_keys = set().union(*(k for k, _ in returned.values())) if returned else set()
    all_records = set().union(*(r for _, r in returned.values())) if returned else set()
    cells[(TOTAL, "victims_returned")] = Cell(len(all_keys), len(all_records))
    ranges[(TOTAL, "victims_returned")] = pending.distinct_range(all_keys, all_records)
    by_destination = ReportTable(
        name="lmis_by_destination",
        title="Labour migration departures (LMIS) and returns, by destination",
        definitions=(
            "Departures: workers leaving through a licensed recruitment company, as recorded "
            "by MOLVT's Labour Migration Information System or any other source declaring "
            "departures (one per departure).",
            "Workers returned, deported; hotline reports: labour-migration events of any "
            "source naming the country (returns only when they name it), counted once per "
            "person.",
            "Victims returned: victims with a return or repatriation event whose place names "
            "the destination country, counted once per person.",
        ),
        row_header="Destination",
        rows=(*destinations, TOTAL),
        columns=("departures", *migration_columns, "victims_returned"),
        cells=cells,
        labels={
            "departures": "Departures (LMIS)",
            "workers_returned": "Workers returned",
            "workers_deported": "Workers deported",
            "hotline_reports": "Hotline reports",
            "victims_returned": "Victims returned",
        },
        unit="records",
        ranges=ranges,
    )
    agency_cells: dict[tuple[str, str], Cell] = {}
    lmis_destinations = sorted({d for d, _ in departures}, key=lambda n: (n == "unknown", n))
    for (dest, agency), count in departures.items():
        agency_cells[(agency, dest)] = Cell(count, count)
    for agency in agencies:
        count = sum(n for (_, a), n in departures.items() if a == agency)
        agency_cells[(agency, TOTAL)] = Cell(count, count)
    for dest in lmis_destinations:
        count = sum(n for (d, _), n in departures.items() if d == dest)
        agency_cells[(TOTAL, dest)] = Cell(count, count)
    agency_cells[(TOTAL, TOTAL)] = Cell(total_departures, total_departures)
    by_agency = ReportTable(
        name="lmis_by_agency",
        title="Labour migration departures (LMIS) by licensed recruitment agency and destination",
        definitions=(
            "Departures of every source declaring them, by the recruitment company as the "
            "source names it (licence number or name).",
        ),
        row_header="Licensed agency",
        rows=(*agencies, TOTAL),
        columns=(*lmis_destinations, TOTAL),
        cells=agency_cells,
        unit="records",
    )
    return [by_destination, by_agency]


def _victims_returned_by_country(
    connection: sa.Connection, start: date, end: date
) -> dict[str, tuple[set[int], set[int]]]:
    """Per country name: (canonical persons, person records) returned from it in the period."""
    t = metadata.tables
    event, record, person, country = t["event"], t["person_record"], t["person"], t["country"]
    names = {
        name.casefold().replace(" ", ""): name
        for (name,) in connection.execute(sa.select(country.c.name))
    }
    query = (
        sa.select(event.c.place, country.c.name, person_key(record, person), record.c.id)
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id)
            .outerjoin(person, person.c.id == record.c.person_id)
            .outerjoin(country, country.c.iso3 == event.c.destination_country)
        )
        .where(
            sa.cast(event.c.event_type, sa.String).in_(
                ["returned", "repatriated", "handed_over", "received"]
            ),
            sa.cast(record.c.role, sa.String) == "victim",
            event.c.event_date.between(start, end),
        )
    )
    found: dict[str, tuple[set[int], set[int]]] = {}
    for place, named, key, record_id in connection.execute(query):
        text = (place or "").casefold().replace(" ", "")
        match = named or next((name for key, name in names.items() if key in text), None)
        keys, records = found.setdefault(match or "unknown", (set(), set()))
        keys.add(key)
        records.add(record_id)
    return found
