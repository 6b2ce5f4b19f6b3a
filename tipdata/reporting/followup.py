"""TIP tables no indicator gives: re-trafficking, follow-up and reintegration, NGO-only victims.

The NTF asked for three figures the indicator engine cannot express (each needs a
person's whole history, not one fact in the period):

* ``re_trafficked``: victims identified, rescued, returned or handed over in the
  period at least :data:`SAME_RETURN_DAYS` days after an earlier return or
  repatriation of the same person (any year), and victims a follow-up visit found
  re-trafficked (``re_trafficked`` events);
* ``follow_ups``: victims visited after going home (``followed_up`` events), by the
  reintegration status found at their last visit in the period;
* ``known_only_to_ngos``: victims identified in the period whose every record, in any
  year, comes from an NGO's source: no government agency, court or international
  organisation knows them.

Every figure counts canonical persons once (the naive figure beside it counts the
records behind it), like the indicator tables of :mod:`tipdata.reporting.tip`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from tipdata.reporting.engine import Cell, Member, members, person_key
from tipdata.reporting.indicators import Catalogue
from tipdata.reporting.report import TOTAL, ReportTable
from tipdata.reporting.uncertainty import (
    Alternatives,
    KeyMap,
    alternatives_from_pairs,
    units_ranges,
)
from tipdata.store import Database, metadata

SAME_RETURN_DAYS = 30
"""A return within this many days of an earlier one is the same return recorded by two
agencies (a border screening, then the ministry receiving the victim), not a new one."""

RETURNS = ("returned", "repatriated", "handed_over", "received")
AGAIN = ("identified", "rescued", "returned", "repatriated", "handed_over", "received")
STATUSES = ("reintegrated", "re_trafficked", "other")


def followup_tables(
    db: Database,
    catalogue: Catalogue,
    start: date,
    end: date,
    *,
    alternatives: Alternatives | None = None,
) -> list[ReportTable]:
    """The three tables, for a period.

    Args:
        db: the database.
        catalogue: the indicator catalogue (``victims_identified`` defines who is a
            victim identified in the period).
        start: first day of the period.
        end: last day (inclusive).
        alternatives: the pending review pairs: every person count gets its range
            (:mod:`tipdata.reporting.uncertainty`); none when not given.

    Returns:
        ``re_trafficked``, ``follow_ups`` and ``known_only_to_ngos``.
    """
    pending = alternatives or alternatives_from_pairs(())
    identified = members(db, catalogue["victims_identified"], start, end)
    with db.connect() as connection:
        events = _victim_events(connection, end)
        # the persons a pending pair may merge with them too: a merge can change who knows them
        owners = _record_owners(
            connection, {member.key for member in identified} | set(pending.touched_persons)
        )
        # end the transaction with the temporary table dropped (see _record_owners)
        connection.commit()
    return [
        _re_trafficked_table(events, start, end, pending),
        _follow_up_table(events, start, end, pending),
        _ngo_only_table(identified, owners, pending),
    ]


Event = tuple[int, int, str, date]
"""(canonical person key, person record id, event type, date)."""


def _victim_events(connection: sa.Connection, end: date) -> list[Event]:
    t = metadata.tables
    event, record, person = t["event"], t["person_record"], t["person"]
    kinds = sorted({*RETURNS, *AGAIN, "re_trafficked", "followed_up", "reintegrated"})
    query = (
        sa.select(
            person_key(record, person),
            record.c.id,
            sa.cast(event.c.event_type, sa.String),
            event.c.event_date,
        )
        .select_from(
            event.join(record, record.c.id == event.c.person_record_id).outerjoin(
                person, person.c.id == record.c.person_id
            )
        )
        .where(
            sa.cast(record.c.role, sa.String) == "victim",
            sa.cast(event.c.event_type, sa.String).in_(kinds),
            event.c.event_date.is_not(None),
            event.c.event_date <= end,
        )
    )
    return [(key, rid, kind, when) for key, rid, kind, when in connection.execute(query)]


def _re_trafficked_table(
    events: list[Event], start: date, end: date, pending: Alternatives
) -> ReportTable:
    found = _re_trafficked(events, start, end, _same)
    cells = {(row, "persons"): Cell(len(k), len(r)) for row, (k, r) in found.items()}
    cells[(TOTAL, "persons")] = Cell(
        len(found["again"][0] | found["reported"][0]),
        len(found["again"][1] | found["reported"][1]),
    )

    # a split person's events count under their parts (its uncertain merge undone)
    split = [(pending.rekey(k, rid), rid, kind, when) for k, rid, kind, when in events]
    events_of: dict[int, list[Event]] = defaultdict(list)
    for one in split:
        events_of[one[0]].append(one)

    def counted(key_of: KeyMap, only: frozenset[int] | None) -> dict[tuple[str, str], set[int]]:
        mine = split if only is None else [e for key in only for e in events_of.get(key, ())]
        rows = _re_trafficked(mine, start, end, key_of)
        units = {(row, "persons"): keys for row, (keys, _records) in rows.items()}
        units[(TOTAL, "persons")] = rows["again"][0] | rows["reported"][0]
        return units

    # a merge can add a person: an earlier return on the other record makes a return "again"
    ranges = units_ranges(pending, counted)
    return ReportTable(
        name="re_trafficked",
        title="Victims re-trafficked in the period",
        definitions=(
            "Handed over or returned again: a victim identified, rescued, returned or "
            f"repatriated in the period at least {SAME_RETURN_DAYS} days after an earlier "
            "return or repatriation of the same person (closer returns are one return "
            "recorded by two agencies).",
            "Found re-trafficked at a follow-up visit: a re-trafficked event in the period.",
        ),
        row_header="How it is known",
        rows=("again", "reported", TOTAL),
        columns=("persons",),
        cells=cells,
        labels={
            "again": "Handed over or returned again after a repatriation",
            "reported": "Found re-trafficked at a follow-up visit",
            "persons": "Persons",
        },
        unit="persons",
        ranges=ranges,
    )


def _same(key: int) -> int:
    return key


def _re_trafficked(
    events: list[Event], start: date, end: date, key_of: KeyMap
) -> dict[str, tuple[set[int], set[int]]]:
    """The persons (keys through ``key_of``) and records of each row of ``re_trafficked``."""
    mine = events
    returns: dict[int, list[date]] = defaultdict(list)
    for key, _rid, kind, when in mine:
        if kind in RETURNS:
            returns[key_of(key)].append(when)
    found: dict[str, tuple[set[int], set[int]]] = {
        "again": (set(), set()),
        "reported": (set(), set()),
    }
    gap = timedelta(days=SAME_RETURN_DAYS)
    for key, rid, kind, when in mine:
        if not start <= when <= end:
            continue
        unit = key_of(key)
        if kind == "re_trafficked":
            row = "reported"
        elif kind in AGAIN and any(earlier <= when - gap for earlier in returns[unit]):
            row = "again"
        else:
            continue
        found[row][0].add(unit)
        found[row][1].add(rid)
    return found


def _follow_up_table(
    events: list[Event], start: date, end: date, pending: Alternatives
) -> ReportTable:
    visits: dict[int, set[tuple[int, date]]] = defaultdict(set)
    found_on: dict[tuple[int, date], set[str]] = defaultdict(set)
    for key, rid, kind, when in events:
        if not start <= when <= end:
            continue
        if kind == "followed_up":
            visits[key].add((rid, when))
        elif kind in ("reintegrated", "re_trafficked"):
            found_on[(rid, when)].add(kind)
    by_status: dict[str, tuple[set[int], set[tuple[int, date]]]] = {
        status: (set(), set()) for status in STATUSES
    }
    for key, seen in visits.items():
        last = max(seen, key=lambda visit: (visit[1], visit[0]))
        kinds = found_on.get(last, set())
        status = next((s for s in ("re_trafficked", "reintegrated") if s in kinds), "other")
        by_status[status][0].add(key)
        by_status[status][1].update(seen)
    cells: dict[tuple[str, str], Cell] = {}
    for status, (keys, seen) in by_status.items():
        cells[(status, "persons")] = Cell(len(keys), len({rid for rid, _ in seen}))
        cells[(status, "visits")] = Cell(len(seen), len(seen))
    all_visits = sum(len(seen) for seen in visits.values())
    records = len({rid for seen in visits.values() for rid, _ in seen})
    cells[(TOTAL, "persons")] = Cell(len(visits), records)
    cells[(TOTAL, "visits")] = Cell(all_visits, all_visits)
    # a person's status is the one found at their last visit: the range of each status
    # row counts its persons as they are (a merge could move a person between rows)
    ranges = {
        (s, "persons"): pending.distinct_range(keys, {rid for rid, _ in seen})
        for s, (keys, seen) in by_status.items()
    }
    ranges[(TOTAL, "persons")] = pending.distinct_range(
        visits, {rid for seen in visits.values() for rid, _ in seen}
    )
    return ReportTable(
        name="follow_ups",
        title="Victims followed up after going home, by reintegration status at the last visit",
        definitions=(
            "Persons with a follow-up visit in the period, by what their last visit in the "
            "period found: reintegrated or re-trafficked (recorded on that visit), or "
            "anything else (in progress, lost contact, not written).",
            "Visits: follow-up visits in the period (one per record and date).",
        ),
        row_header="Status at the last visit",
        rows=(*STATUSES, TOTAL),
        columns=("persons", "visits"),
        cells=cells,
        labels={
            "reintegrated": "Reintegrated",
            "re_trafficked": "Re-trafficked",
            "other": "Not (yet) reintegrated or not recorded",
            "persons": "Persons",
            "visits": "Visits",
        },
        unit="persons",
        ranges=ranges,
    )


def _record_owners(
    connection: sa.Connection, keys: set[int]
) -> dict[int, dict[str, tuple[str, set[int]]]]:
    """Per canonical person of ``keys``: each agency credited with its records (any year),
    with the agency's kind and the records.

    The agency credited is the one the record's events name (a network's joint file
    names the shelter on each row, see the counting rules), else the source's owner.
    Only the persons asked for are read (their ids, and the unlinked records, in a
    temporary table): reading every record of the database cost a national report more
    than every indicator table together.
    """
    t = metadata.tables
    record, person, agency, event = t["person_record"], t["person"], t["agency"], t["event"]
    wanted = sa.Table(
        "owner_key",
        sa.MetaData(),
        sa.Column("k", sa.Integer, primary_key=True),
        prefixes=["TEMPORARY"],
    )
    wanted.create(connection)
    try:
        if keys:
            connection.execute(wanted.insert(), [{"k": k} for k in sorted(keys)])
        chosen = sa.union(
            # a person merged into another counts under the surviving person's id
            sa.select(record.c.id.label("id"))
            .join(person, person.c.id == record.c.person_id)
            .join(wanted, wanted.c.k == sa.func.coalesce(person.c.merged_into_id, person.c.id)),
            sa.select((-wanted.c.k).label("id")).where(wanted.c.k < 0),
        ).subquery("chosen")
        credited = (
            sa.select(event.c.person_record_id, event.c.agency_id)
            .join(chosen, chosen.c.id == event.c.person_record_id)
            .where(event.c.agency_id.is_not(None))
            .distinct()
            .subquery()
        )
        agency_id = sa.func.coalesce(credited.c.agency_id, record.c.owner_agency_id)
        query = sa.select(
            person_key(record, person), record.c.id, agency.c.code,
            sa.cast(agency.c.kind, sa.String),
        ).select_from(
            chosen.join(record, record.c.id == chosen.c.id)
            .outerjoin(credited, credited.c.person_record_id == record.c.id)
            .join(agency, agency.c.id == agency_id)
            .outerjoin(person, person.c.id == record.c.person_id)
        )  # fmt: skip
        owners: dict[int, dict[str, tuple[str, set[int]]]] = defaultdict(dict)
        for key, rid, code, kind in connection.execute(query):
            owners[key].setdefault(code, (kind, set()))[1].add(rid)
    finally:
        wanted.drop(connection)
    return owners


def _ngo_only(
    identified: set[int],
    owners: dict[int, dict[str, tuple[str, set[int]]]],
    key_of: KeyMap,
    only: frozenset[int] | None,
) -> tuple[dict[str, tuple[set[int], set[int]]], tuple[set[int], set[int]]]:
    """Per NGO and in all, the persons (keys through ``key_of``) known only to NGOs and
    their records, among the persons in ``only`` (None: every person)."""
    merged: dict[int, dict[str, tuple[str, set[int]]]] = {}
    counted: set[int] = set()
    for key in set(owners) | identified if only is None else only:
        unit = key_of(key)
        if key in identified:
            counted.add(unit)
        for code, (kind, records) in owners.get(key, {}).items():
            merged.setdefault(unit, {}).setdefault(code, (kind, set()))[1].update(records)
    by_ngo: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    every: tuple[set[int], set[int]] = (set(), set())
    for unit in sorted(counted):
        known_by = merged.get(unit, {})
        if not known_by or any(kind != "ngo" for kind, _ in known_by.values()):
            continue
        for ngo, (_kind, records) in known_by.items():
            for keys, found in (by_ngo[ngo], every):
                keys.add(unit)
                found.update(records)
    return dict(by_ngo), every


def _ngo_only_table(
    identified: list[Member],
    owners: dict[int, dict[str, tuple[str, set[int]]]],
    pending: Alternatives,
) -> ReportTable:
    identified_keys = {member.key for member in identified}
    by_ngo, every = _ngo_only(identified_keys, owners, _same, None)
    ngos = sorted(by_ngo)
    cells = {(ngo, "victims"): Cell(len(k), len(r)) for ngo, (k, r) in by_ngo.items()}
    cells[(TOTAL, "victims")] = Cell(len(every[0]), len(every[1]))

    # a split person counts as its parts: identified where the identifying record is
    split_identified = {pending.rekey(m.key, m.record_id) for m in identified}
    split_owners: dict[int, dict[str, tuple[str, set[int]]]] = defaultdict(dict)
    for key, known_by in owners.items():
        for code, (kind, records) in known_by.items():
            for rid in records:
                unit = pending.rekey(key, rid)
                split_owners[unit].setdefault(code, (kind, set()))[1].add(rid)

    def counted(key_of: KeyMap, only: frozenset[int] | None) -> dict[tuple[str, str], set[int]]:
        rows, total = _ngo_only(split_identified, split_owners, key_of, only)
        units = {(ngo, "victims"): keys for ngo, (keys, _records) in rows.items()}
        units[(TOTAL, "victims")] = total[0]
        return units

    # a merge can remove a person (another agency's record joins) or add one to an NGO
    ranges = {
        key: figure
        for key, figure in units_ranges(pending, counted).items()
        if key[0] in by_ngo or key[0] == TOTAL
    }
    return ReportTable(
        name="known_only_to_ngos",
        title="Victims known only to NGOs",
        definitions=(
            "Victims identified in the period (as in victims_identified) whose every "
            "record, in any year, comes from an NGO's source: no government agency, court "
            "or international organisation recorded them.",
            "A person known to several NGOs counts in each NGO's row and once in the total; "
            "the naive figure counts their records of any year.",
        ),
        row_header="NGO",
        rows=(*ngos, TOTAL),
        columns=("victims",),
        cells=cells,
        labels={"victims": "Victims"},
        unit="persons",
        ranges=ranges,
    )
