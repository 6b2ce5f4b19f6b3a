"""A merge the linkage run made below the confident level is split by the ranges.

The demo linked by ground truth, then one false merge planted as a run would store it: two
victims of different provinces made one person by a link scored 0.7 (``merge_part``,
``uncertain_merge``). Without the stored merge the range cannot split the person and the
true figures fall outside; with it every true person count lies inside its range.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reporting.tipdemo import demo_db, demo_delivery  # noqa: F401
from tipdata.reporting.engine import members
from tipdata.reporting.indicators import default_catalogue
from tipdata.reporting.report import Report
from tipdata.reporting.splits import load_splits
from tipdata.reporting.tip import tip_report
from tipdata.reporting.uncertainty import load_alternatives, part_key
from tipdata.store import Database, metadata

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]
Counts = dict[tuple[str, str, str], int]


def person_counts(report: Report) -> Counts:
    return {
        (table.name, row, column): table.cell(row, column).value
        for table in report.tables
        for row, column in table.ranges
        if (row, column) not in table.not_recorded
    }


def outside(truth: Counts, report: Report) -> dict[tuple[str, str, str], tuple[int, str]]:
    ranges = {
        (t.name, row, column): figure
        for t in report.tables
        for (row, column), figure in t.ranges.items()
    }
    return {
        key: (value, str(ranges[key]) if key in ranges else "absent")
        for key, value in truth.items()
        if not (ranges[key].contains(value) if key in ranges else value == 0)
    }


def two_victims(database: Database) -> tuple[int, int]:
    """Records of two persons of one record each, identified in 2008, provinces known and
    different."""
    t = metadata.tables
    record = t["person_record"]
    found = members(database, default_catalogue()["victims_identified"], START, END)
    identified = {m.key: m.record_id for m in found if m.key > 0}
    with database.connect() as connection:
        single = {
            person: province
            for person, province, count in connection.execute(
                sa.select(record.c.person_id, sa.func.max(record.c.province_code), sa.func.count())
                .where(record.c.person_id.in_(sorted(identified)))
                .group_by(record.c.person_id)
            )
            if count == 1 and province is not None
        }
    first = min(single)
    second = min(p for p, province in single.items() if province != single[first])
    return identified[first], identified[second]


@pytest.fixture(scope="module")
def planted(demo_db: DemoDb) -> Iterator[tuple[Database, Counts, tuple[int, int]]]:  # noqa: F811
    """The demo with one false merge (records ``a``, ``b``), its truth, and the records."""
    database = demo_db[0]
    truth = person_counts(tip_report(database, START, END))
    a, b = two_victims(database)
    record = metadata.tables["person_record"]
    with database.connect() as connection:
        person_of_a = connection.execute(
            sa.select(record.c.person_id).where(record.c.id == a)
        ).scalar_one()
        connection.execute(record.update().where(record.c.id == b).values(person_id=person_of_a))
        connection.commit()
    yield database, truth, (a, b)


def store_merge(database: Database, a: int, b: int, probability: float) -> None:
    t = metadata.tables
    with database.connect() as connection:
        connection.execute(t["uncertain_merge"].delete())
        connection.execute(t["merge_part"].delete())
        connection.execute(
            t["merge_part"].insert(),
            [{"person_record_id": a, "part_id": a}, {"person_record_id": b, "part_id": b}],
        )
        low, high = sorted((a, b))
        connection.execute(
            t["uncertain_merge"].insert(),
            [{"left_part_id": low, "right_part_id": high, "match_probability": probability}],
        )
        connection.commit()


def test_a_false_merge_no_run_stored_lies_outside_the_ranges(
    planted: tuple[Database, Counts, tuple[int, int]],
) -> None:
    database, truth, _records = planted
    missed = outside(truth, tip_report(database, START, END))
    # the merged person counts once, in one province: the truth is above the range
    assert ("victims_by_province", "Total", "Total") in missed, missed


def test_a_false_merge_stored_at_0_7_is_split_and_every_count_holds_the_truth(
    planted: tuple[Database, Counts, tuple[int, int]],
) -> None:
    database, truth, (a, b) = planted
    store_merge(database, a, b, 0.7)
    splits = load_splits(database)
    assert splits.parts == {a: part_key(a), b: part_key(b)}
    assert splits.merges == ((part_key(min(a, b)), part_key(max(a, b)), 0.7),)
    alternatives = load_alternatives(database)
    assert (alternatives.pending, alternatives.uncertain_merges) == (0, 1)
    report = tip_report(database, START, END)
    assert outside(truth, report) == {}
    # today's figure is one answer (the merge kept): inside its own range everywhere
    assert all(
        figure.contains(t.cell(*key).value)
        for t in report.tables
        for key, figure in t.ranges.items()
    )
    total = next(t for t in report.tables if t.name == "victims_by_province")
    figure = total.ranges[("Total", "Total")]
    now = total.cell("Total", "Total").value
    # the split count (one person more) is the top of the range; today's figure its bottom
    assert (figure.low, figure.high) == (now, now + 1)
    assert truth[("victims_by_province", "Total", "Total")] == now + 1
    assert now < figure.expected < now + 1  # split with probability 0.3 in the draws


def test_stored_parts_that_no_longer_describe_the_person_are_not_split(
    planted: tuple[Database, Counts, tuple[int, int]],
) -> None:
    database, _truth, (a, b) = planted
    store_merge(database, a, b, 0.7)
    parts = metadata.tables["merge_part"]
    with database.connect() as connection:  # a record of the person without a part
        connection.execute(parts.delete().where(parts.c.person_record_id == b))
        connection.commit()
    assert load_splits(database).parts == {}
    assert load_alternatives(database).uncertain_merges == 0
