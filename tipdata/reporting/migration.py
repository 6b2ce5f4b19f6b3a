"""The migration pathway and recruiter accountability, per licensed company and destination.

departed → (complaint / hotline) → deported or returned → screened → identified as a
victim → assisted. For each company and destination with departures in the period,
counted once per person (linkage decides who is one person):

* ``workers_departed`` — persons with a ``departed`` event naming the company and country;
* ``returned_early`` — of them, persons back from that country after the departure: a
  ``returned`` event naming the country, or a ``deported`` event from it (the period's
  departures are inside one contract, so every return in the period is early);
* ``deported`` — of them, persons with a ``deported`` event from the country;
* ``victims_identified`` — of them, persons identified as victims after the departure
  (a victim's record with an identifying event, as ``victims_identified`` counts them);
* ``complaints`` — of them, persons a ``hotline_report`` about that country was made for;
* ``agents_prosecuted`` — defendants charged in a court case whose victims include one
  of them (the company's agents: the report found "no cases of labor agents being held
  responsible"; the generator's recruiters are such defendants);
* ``median_days_to_identification`` — median days from the departure to the first
  identifying event, over the victims identified (a separate table: a median is not a
  count, so it is published only where at least ``threshold`` victims stand behind it).

Every count carries its range over the review queue
(:mod:`tipdata.reporting.uncertainty`). The count table goes through the publication gate
like every TIP table (small per-company counts are suppressed); :func:`publish_migration`
adds the medians the gate allows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from tipdata.reporting.engine import Cell
from tipdata.reporting.publish import PublishedCell, PublishedReport, publish
from tipdata.reporting.report import Report, ReportTable
from tipdata.reporting.suppression import DEFAULT_THRESHOLD
from tipdata.reporting.uncertainty import (
    Alternatives,
    FigureRange,
    alternatives_from_pairs,
    load_alternatives,
    ranges_of,
)
from tipdata.store import Database, metadata

COUNT_TABLE = "migration_accountability"
DAYS_TABLE = "migration_days_to_identification"
COLUMNS: tuple[str, ...] = (
    "workers_departed",
    "returned_early",
    "deported",
    "victims_identified",
    "complaints",
    "agents_prosecuted",
)
LABELS: dict[str, str] = {
    "workers_departed": "Workers departed",
    "returned_early": "Returned early",
    "deported": "Deported",
    "victims_identified": "Identified as victims",
    "complaints": "Complaints (hotline)",
    "agents_prosecuted": "Agents prosecuted",
    "median_days": "Median days, departure to identification",
}
IDENTIFYING_EVENTS: tuple[str, ...] = (
    "identified",
    "rescued",
    "determined_victim",
    "referred",
    "sheltered",
    "returned",
    "repatriated",
)
"""Events of a victim's record that identify the person (as ``victims_identified`` counts)."""
KeyMap = Callable[[int], int]


@dataclass(frozen=True)
class MigrationFacts:
    """The events the figures are computed from, each with its record's person key."""

    departures: tuple[tuple[int, str, str, date], ...]
    """(person key, company, destination, date)."""
    returns: tuple[tuple[int, str, date, bool], ...]
    """(person key, destination, date, deported)."""
    hotline: tuple[tuple[int, str, date], ...]
    """(person key, destination, date)."""
    identified: tuple[tuple[int, date], ...]
    """(person key, date) of identifying events of victims' records."""
    court_cases: tuple[tuple[frozenset[int], frozenset[int]], ...]
    """(defendants' keys, victims' keys) of each case with a charge."""


@dataclass(frozen=True)
class CompanyFigures:
    """The figures of one company and destination."""

    counts: Mapping[str, int]
    median_days: float | None


def load_facts(
    db: Database, start: date, end: date, rekey: Callable[[int, int], int] | None = None
) -> MigrationFacts:
    """Read the migration events of the period (and identifications and court cases).

    ``rekey(person key, person record)``: the key to count a fact under instead (a split
    person's part, :meth:`~tipdata.reporting.uncertainty.Alternatives.rekey`).
    """

    def unit(k: Any, record_id: Any) -> int:
        return int(k) if rekey is None else rekey(int(k), int(record_id))

    t = metadata.tables
    event, record, country = t["event"], t["person_record"], t["country"]
    key = sa.func.coalesce(record.c.person_id, -record.c.id)
    kind = sa.cast(event.c.event_type, sa.String)
    destination = sa.func.coalesce(country.c.name, event.c.destination_country, "unknown")
    joined = event.join(record, record.c.id == event.c.person_record_id).outerjoin(
        country, country.c.iso3 == event.c.destination_country
    )
    in_period = event.c.event_date.between(start, end)
    with db.connect() as connection:
        departures = tuple(
            (unit(k, rid), company or "unknown", dest, day)
            for k, rid, company, dest, day in connection.execute(
                sa.select(key, record.c.id, event.c.company, destination, event.c.event_date)
                .select_from(joined)
                .where(kind == "departed", in_period)
            )
        )
        returns = tuple(
            (unit(k, rid), dest, day, what == "deported")
            for k, rid, dest, day, what in connection.execute(
                sa.select(key, record.c.id, destination, event.c.event_date, kind)
                .select_from(joined)
                .where(
                    in_period,
                    sa.or_(
                        kind == "deported",
                        sa.and_(kind == "returned", event.c.destination_country.is_not(None)),
                    ),
                )
            )
        )
        hotline = tuple(
            (unit(k, rid), dest, day)
            for k, rid, dest, day in connection.execute(
                sa.select(key, record.c.id, destination, event.c.event_date)
                .select_from(joined)
                .where(kind == "hotline_report", in_period)
            )
        )
        identified = tuple(
            (unit(k, rid), day)
            for k, rid, day in connection.execute(
                sa.select(key, record.c.id, event.c.event_date)
                .select_from(joined)
                .where(
                    kind.in_(IDENTIFYING_EVENTS),
                    sa.cast(record.c.role, sa.String) == "victim",
                    event.c.event_date <= end,
                    event.c.event_date.is_not(None),
                )
            )
        )
        charge, case_person = t["charge"], t["case_person"]
        defendant = record.alias()
        defendants: dict[int, set[int]] = defaultdict(set)
        for case_id, k, rid in connection.execute(
            sa.select(
                charge.c.case_id,
                sa.func.coalesce(defendant.c.person_id, -defendant.c.id),
                defendant.c.id,
            )
            .select_from(charge.join(defendant, defendant.c.id == charge.c.suspect_record_id))
            .where(sa.or_(charge.c.verdict_date.is_(None), charge.c.verdict_date <= end))
        ):
            defendants[int(case_id)].add(unit(k, rid))
        victims: dict[int, set[int]] = defaultdict(set)
        for case_id, k, rid in connection.execute(
            sa.select(case_person.c.case_id, key, record.c.id)
            .select_from(case_person.join(record, record.c.id == case_person.c.person_record_id))
            .where(
                sa.cast(case_person.c.role, sa.String) == "victim",
                case_person.c.case_id.in_(sorted(defendants)),
            )
        ):
            victims[int(case_id)].add(unit(k, rid))
    cases = tuple(
        (frozenset(keys), frozenset(victims[case_id]))
        for case_id, keys in sorted(defendants.items())
        if victims.get(case_id)
    )
    return MigrationFacts(departures, returns, hotline, identified, cases)


def compute(facts: MigrationFacts, key_of: KeyMap = int) -> dict[tuple[str, str], CompanyFigures]:
    """The figures per (company, destination), with person keys passed through ``key_of``.

    ``key_of`` is how :mod:`tipdata.reporting.uncertainty` asks "and if these persons were
    one?": the identity gives the figures of the linkage as it stands.
    """
    departed: dict[tuple[str, str], dict[int, date]] = defaultdict(dict)
    for k, company, dest, day in facts.departures:
        person = key_of(k)
        cohort = departed[(company, dest)]
        if person not in cohort or day < cohort[person]:
            cohort[person] = day
    back: dict[tuple[int, str], list[tuple[date, bool]]] = defaultdict(list)
    for k, dest, day, deported in facts.returns:
        back[(key_of(k), dest)].append((day, deported))
    calls: dict[tuple[int, str], list[date]] = defaultdict(list)
    for k, dest, day in facts.hotline:
        calls[(key_of(k), dest)].append(day)
    identified: dict[int, list[date]] = defaultdict(list)
    for k, day in facts.identified:
        identified[key_of(k)].append(day)
    cases = [
        ({key_of(k) for k in accused}, {key_of(k) for k in victims})
        for accused, victims in facts.court_cases
    ]
    # each victim's cases: a cohort finds its cases through its workers, not by reading
    # every case once per company (companies × cases grows with the square of the scale)
    cases_of: dict[int, list[int]] = defaultdict(list)
    for index, (_accused, victims) in enumerate(cases):
        for victim in victims:
            cases_of[victim].append(index)
    result: dict[tuple[str, str], CompanyFigures] = {}
    for (company, dest), cohort in departed.items():
        counts = dict.fromkeys(COLUMNS, 0)
        counts["workers_departed"] = len(cohort)
        days: list[int] = []
        for person, left in cohort.items():
            returns = [deported for day, deported in back.get((person, dest), ()) if day >= left]
            counts["returned_early"] += bool(returns)
            counts["deported"] += any(returns)
            counts["complaints"] += any(day >= left for day in calls.get((person, dest), ()))
            found = [day for day in identified.get(person, ()) if day >= left]
            if found:
                counts["victims_identified"] += 1
                days.append((min(found) - left).days)
        accused: set[int] = set()
        for index in {index for person in cohort for index in cases_of.get(person, ())}:
            accused |= cases[index][0]
        counts["agents_prosecuted"] = len(accused)
        result[(company, dest)] = CompanyFigures(
            counts, float(statistics.median(days)) if days else None
        )
    return result


def row_code(company: str, destination: str) -> str:
    """The row of a company and destination in the tables (``MOLVT/LIC/003 | Malaysia``)."""
    return f"{company} | {destination}"


def migration_tables(
    db: Database,
    start: date,
    end: date,
    *,
    alternatives: Alternatives | None = None,
) -> list[ReportTable]:
    """The migration accountability table (counts with ranges) and the median-days table.

    Args:
        db: the database.
        start: first day of the period (departures in it form the cohorts).
        end: last day (inclusive).
        alternatives: the pending review pairs (default: read from ``db``).

    Returns:
        ``migration_accountability`` and ``migration_days_to_identification``.
    """
    facts = load_facts(db, start, end)
    if alternatives is None:
        alternatives = load_alternatives(db) if facts.departures else alternatives_from_pairs(())
    figures = compute(facts)
    keys = sorted(figures, key=lambda k: (k[1] == "unknown", k[1], k[0]))
    rows = tuple(row_code(*k) for k in keys)
    cells: dict[tuple[str, str], Cell] = {}
    days: dict[tuple[str, str], Cell] = {}
    naive = _naive_counts(facts)
    for key, row in zip(keys, rows, strict=True):
        for column in COLUMNS:
            value = figures[key].counts[column]
            cells[(row, column)] = Cell(value, naive.get((key, column), value))
        median = figures[key].median_days
        if median is not None:
            victims = figures[key].counts["victims_identified"]
            days[(row, "median_days")] = Cell(round(median), victims)
    # the ranges see a split person's facts under its parts (its uncertain merge undone)
    split_facts = load_facts(db, start, end, alternatives.rekey) if alternatives.parts else facts
    ranges = _ranges(
        split_facts, alternatives, keys, rows, figures if split_facts is facts else None
    )
    labels = {**LABELS, **{row_code(*k): f"{k[0]} → {k[1]}" for k in keys}}
    counts_table = ReportTable(
        name=COUNT_TABLE,
        title="Labour migration and recruiter accountability, by licensed company and destination",
        definitions=(
            "Workers who departed in the period through the company to the country, and of "
            "them: returned early (back from the country, deported included), deported, "
            "identified as victims, the subject of a hotline complaint; agents prosecuted: "
            "defendants in court cases whose victims include the company's workers. Counted "
            "once per person.",
            "Beside each figure, its range over the linkage review queue: its smallest and "
            "largest value whatever the reviewers answer to the pending pairs and to the "
            "merges linkage made below 0.95 (each kept or undone).",
        ),
        row_header="Company → destination",
        rows=rows,
        columns=COLUMNS,
        cells=cells,
        labels=labels,
        ranges=ranges,
    )
    days_table = ReportTable(
        name=DAYS_TABLE,
        title="Median days from departure to identification as a victim, by company",
        definitions=("Over the workers identified as victims (the naive column gives how many).",),
        row_header="Company → destination",
        rows=tuple(r for r in rows if (r, "median_days") in days),
        columns=("median_days",),
        cells=days,
        labels=labels,
        unit="days",
    )
    return [counts_table, days_table]


def _naive_counts(facts: MigrationFacts) -> dict[tuple[tuple[str, str], str], int]:
    """Records (not persons) behind the departures; the other figures show no naive sum
    (a cohort's events are counted per person only)."""
    naive: dict[tuple[tuple[str, str], str], int] = defaultdict(int)
    for _, company, dest, _ in facts.departures:
        naive[((company, dest), "workers_departed")] += 1
    return naive


def _ranges(
    facts: MigrationFacts,
    alternatives: Alternatives,
    keys: list[tuple[str, str]],
    rows: tuple[str, ...],
    full: dict[tuple[str, str], CompanyFigures] | None = None,
) -> dict[tuple[str, str], FigureRange]:
    """Each count's range: the table under each alternative, recomputed only where it moves.

    Only the persons of a pending pair (``touched``) change under an alternative: a person
    count is the untouched persons' part (as it stands) plus the touched persons' part
    recomputed; the agents prosecuted (a union over court cases) are recomputed from the
    untouched cohort and the touched departures. A national table thus costs one pass over
    the events plus one small pass per draw.
    """
    row_of = dict(zip(keys, rows, strict=True))
    touched = alternatives.touched
    full = full if full is not None else compute(facts)
    part = MigrationFacts(
        tuple(d for d in facts.departures if d[0] in touched),
        tuple(r for r in facts.returns if r[0] in touched),
        tuple(h for h in facts.hotline if h[0] in touched),
        tuple(i for i in facts.identified if i[0] in touched),
        facts.court_cases,
    )
    part_now = compute(part)
    untouched_cohort: dict[tuple[str, str], set[int]] = defaultdict(set)
    for k, company, dest, _day in facts.departures:
        if k not in touched:
            untouched_cohort[(company, dest)].add(k)
    touched_departures: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, company, dest, _day in part.departures:
        touched_departures[(company, dest)].append(k)
    additive = [c for c in COLUMNS if c != "agents_prosecuted"]

    def table(key_of: KeyMap) -> dict[tuple[str, str], float]:
        moved = compute(part, key_of)
        cases = [
            ({key_of(k) for k in accused}, {key_of(k) for k in victims})
            for accused, victims in facts.court_cases
        ]
        out: dict[tuple[str, str], float] = {}
        for key, row in row_of.items():
            before, now = part_now.get(key), moved.get(key)
            for column in additive:
                out[(row, column)] = (
                    full[key].counts[column]
                    - (before.counts[column] if before else 0)
                    + (now.counts[column] if now else 0)
                )
            if not cases:
                out[(row, "agents_prosecuted")] = 0
                continue
            untouched = untouched_cohort.get(key, set())
            moved_in = {key_of(k) for k in touched_departures.get(key, ())}
            accused: set[int] = set()
            for defendants, victims in cases:
                if not untouched.isdisjoint(victims) or not moved_in.isdisjoint(victims):
                    accused |= defendants
            out[(row, "agents_prosecuted")] = len(accused)
        return out

    return ranges_of(alternatives, table)


def migration_report(db: Database, start: date, end: date) -> Report:
    """The migration tables of a period as a report of their own (dashboard, release)."""
    return Report(
        title=f"Labour migration and recruiter accountability, {start} to {end}",
        start=start,
        end=end,
        tables=tuple(migration_tables(db, start, end)),
        generated_at=datetime.now(UTC),
    )


def publish_migration(
    report: Report, threshold: int = DEFAULT_THRESHOLD
) -> tuple[PublishedReport, dict[str, int | None]]:
    """The count table through the publication gate, and the medians it allows.

    The count table goes through :func:`tipdata.web.figures`' publisher (the gate: primary
    and secondary suppression, the LP audit). A median is shown only for a row whose
    victims' count was published unsuppressed and is at least ``threshold``; others are
    None.

    Raises:
        DisclosureError: the release is unsafe.
    """
    counts = tuple(t for t in report.tables if t.name == COUNT_TABLE and t.rows)
    published = publish(replace(report, tables=counts), threshold=threshold)
    medians: dict[str, int | None] = {}
    days = next((t for t in report.tables if t.name == DAYS_TABLE), None)
    if days is not None and counts:
        victims = published.table(COUNT_TABLE)
        for row in days.rows:
            shown: PublishedCell = victims.cell(row, "victims_identified")
            allowed = shown.status == "free" and (shown.value or 0) >= threshold
            medians[row] = days.cell(row, "median_days").value if allowed else None
    return published, medians
