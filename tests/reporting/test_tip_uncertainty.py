"""Every TIP person count carries its range over the review queue, and the range holds the truth.

Linked by ground truth no pair waits for review, so every range is the figure itself. With
every linkage error waiting for review (the demo linked by ground truth, then persons split
with the pair pending), the true figure of each person count must lie inside its range:
the smallest and largest value over every answer to the pending pairs. Linked by the model
(``tipdata link`` on the demo) the ranges also split the merges the run made below 0.95;
the model's confident errors (and the pairs it never scored) are in no range: the share of
counts that hold the truth is measured and bounded.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reporting.tipdemo import build_demo_database, demo_delivery, sqlite_demo_db
from tests.shared_demo import SCALE, SEED, DemoTemplate, copy_of
from tipdata.linkage.service import link
from tipdata.reporting.report import Report
from tipdata.reporting.tip import tip_report
from tipdata.reporting.uncertainty import load_alternatives
from tipdata.store import Database, metadata

__all__ = ["demo_delivery", "sqlite_demo_db"]

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]


def person_counts(report: Report) -> dict[tuple[str, str, str], int]:
    """Every de-duplicated person count of a report: (table, row, column) -> value."""
    found = {}
    for table in report.tables:
        for row, column in table.ranges:
            if (row, column) not in table.not_recorded:
                found[(table.name, row, column)] = table.cell(row, column).value
    return found


@pytest.fixture(scope="module")
def truth_report(sqlite_demo_db: DemoDb) -> Report:
    return tip_report(sqlite_demo_db[0], START, END)


@pytest.fixture(scope="module")
def model_linked(demo_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The demo imported and linked by the model (``tipdata link``), on SQLite."""
    from tests.conftest import TEST_MASTER_KEY

    path = tmp_path_factory.mktemp("model-linked") / "demo.db"
    database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
    database.upgrade()
    build_demo_database(database, demo_files)
    link(database, mode="full", actor=None)
    return database


def split_into_the_queue(database: Database) -> tuple[int, int]:
    """Undo part of a perfect linkage, leaving every error in the review queue.

    Every true person with several records loses its newest record to a person of
    its own, and the pair (that record, one it left) waits for review; forty pairs of
    records of two different persons wait too. Returns (persons split, other pairs).
    """
    t = metadata.tables
    record, person, pair, agency = t["person_record"], t["person"], t["review_pair"], t["agency"]
    with database.connect() as connection:
        owner = connection.execute(
            sa.select(agency.c.id).where(agency.c.code == "NTF")
        ).scalar_one()
        by_person: dict[int, list[tuple[int, int, str]]] = {}
        for record_id, person_id, source_record_id, role in connection.execute(
            sa.select(record.c.id, record.c.person_id, record.c.source_record_id, record.c.role)
            .where(record.c.person_id.is_not(None))
            .order_by(record.c.person_id, record.c.id)
        ):
            by_person.setdefault(person_id, []).append((record_id, source_record_id, str(role)))
        several = [records for records in by_person.values() if len(records) > 1]
        singles = [records[0] for records in by_person.values() if len(records) == 1]
        queued = []
        for number, records in enumerate(several):
            moved, kept = records[-1], records[0]
            new_person = connection.execute(
                person.insert()
                .values(public_id=f"SPLIT{number}", owner_agency_id=owner)
                .returning(person.c.id)
            ).scalar_one()
            connection.execute(
                record.update().where(record.c.id == moved[0]).values(person_id=new_person)
            )
            queued.append((moved, kept, 0.4))
        others = list(zip(singles[0:80:2], singles[1:80:2], strict=True))
        queued += [(a, b, 0.3) for a, b in others]
        for a, b, probability in queued:
            left, right = sorted((a[1:], b[1:]))
            connection.execute(
                pair.insert().values(
                    origin="model",
                    left_source_record_id=left[0],
                    left_role=left[1],
                    right_source_record_id=right[0],
                    right_role=right[1],
                    match_probability=probability,
                    status="pending",
                    owner_agency_id=owner,
                )
            )
        connection.commit()
    return len(several), len(others)


@pytest.fixture(scope="module")
def queue_only_errors(
    request: pytest.FixtureRequest,
    sqlite_demo_template: DemoTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    """The demo linked by ground truth, then split so that its only errors are pending pairs."""
    with copy_of(sqlite_demo_template, request, tmp_path_factory.mktemp("queued")) as database:
        split, others = split_into_the_queue(database)
        assert split > 50 and others == 40
        yield database


def test_every_person_count_has_a_range_and_linked_by_truth_it_is_the_figure(
    truth_report: Report,
) -> None:
    tables_with_ranges = {t.name for t in truth_report.tables if t.ranges}
    # every table counting persons carries ranges (cases, charges and departures do not)
    assert {
        "victims_by_sex_age", "victims_by_agency", "victims_by_month", "victims_assisted",
        "victims_referred", "pathway_funnel", "repatriations", "date_not_recorded",
        "law_enforcement_by_victim_age", "re_trafficked", "follow_ups", "known_only_to_ngos",
        "lmis_by_destination", "migration_accountability",
    } <= tables_with_ranges  # fmt: skip
    assert "convictions_by_article" not in tables_with_ranges  # charges, not persons
    for table in truth_report.tables:
        for key, figure in table.ranges.items():
            value = table.cell(*key).value
            assert (figure.low, figure.high, figure.expected) == (value, value, value), (
                table.name,
                key,
            )


def outside_their_range(
    truth_report: Report, model_linked: Database
) -> tuple[dict[tuple[str, str, str], tuple[int, str]], int]:
    """The true person counts outside the model's range (true value, range); how many counts."""
    model = tip_report(model_linked, START, END)
    pending = load_alternatives(model_linked).pending
    truth = person_counts(truth_report)
    ranges = {
        (t.name, row, column): figure
        for t in model.tables
        for (row, column), figure in t.ranges.items()
        if (row, column) not in t.not_recorded
    }
    # a cell the model's linkage does not produce (no person in it) counts 0 there
    outside = {
        key: (value, str(ranges[key]) if key in ranges else "absent")
        for key, value in truth.items()
        if not (ranges[key].contains(value) if key in ranges else value == 0)
    }
    widths = sum(r.width for r in ranges.values())
    print(
        f"\nseed {SEED} scale {SCALE}: {pending} pending pairs, {len(truth)} person counts, "
        f"range widths {widths} (median {statistics.median(r.width for r in ranges.values())}, "
        f"mean {widths / len(ranges):.2f}), outside {len(outside)}: {sorted(outside.items())}"
    )
    assert pending > 0 and widths > 0  # the model leaves pairs to review: ranges are wide
    assert all(r.low <= r.expected <= r.high for r in ranges.values())
    # today's figure is one answer (uncertain merges kept, no pending pair a match)
    assert all(
        figure.contains(t.cell(*key).value)
        for t in model.tables
        for key, figure in t.ranges.items()
    )
    return outside, len(truth)


@pytest.mark.slow
def test_most_person_counts_lie_inside_their_range_when_linked_by_the_model(
    truth_report: Report, model_linked: Database
) -> None:
    # Measured at seed 1, scale 0.05 (85 pending pairs): 543 of 559 counts inside (540
    # before merged persons' attributes were resolved anew). The 16 others trace to the
    # model's confident errors, which no pending pair holds (docs/statistics.md,
    # "What it does not cover"): a false merge at 0.60, a record never scored against
    # the rest of its person, NGO-only victims merged with IOM screening records at
    # 0.54-0.68, a recruiter's court records kept apart from his departure (0.02-0.09).
    # After model 7 was merged with the chain veto judged on evidence (which raised the
    # migration pairs' F1 0.836 -> 0.921): 149 pending pairs, 528 of 559 inside (31
    # outside, most in victims by sex and age); the same code with the old probability
    # veto 0.05: 150 pending pairs, 542 inside. A trade-off to settle in the model, not
    # here: the floor follows the merged figure. Model 8 (the company comparison, name
    # term frequencies against their own u, the hand-over list repeating people) with
    # blocking chosen per database: 525 of 559 inside (34 outside), from a clean-clone
    # run of stop 28; benchmarks/bench_range_blindness.py traces such misses to false
    # merges at 0.5-0.95, which a range built from pending pairs cannot split.
    # Since the run stores its uncertain merges (merge_part, uncertain_merge) and the range
    # splits them too: 549 of 559 inside (10 outside, median width 0 before and after,
    # mean 0.20 -> 0.28); the 10 come from errors no answer undoes (bench_range_blindness:
    # 3 false merges at 0.95 or more, 3 missed merges never scored or below the floor).
    outside, counts = outside_their_range(truth_report, model_linked)
    assert (counts - len(outside)) / counts >= 0.98, outside


def test_every_person_count_lies_inside_its_range_when_every_linkage_error_waits_for_review(
    truth_report: Report, queue_only_errors: Database
) -> None:
    """What the range claims: whatever the reviewers answer, the figure stays inside it.

    Here the truth is one of those answers (the split pairs a match, the others not), so
    every true count must lie in its range. The split records often differ from the
    records they left (an unknown age or province beside a known one): a merge moves the
    person between rows, so a range is more than "the count with none and with all".
    """
    outside, counts = outside_their_range(truth_report, queue_only_errors)
    assert counts > 500
    assert outside == {}
    report = tip_report(queue_only_errors, START, END)
    raised = [
        (t.name, key)
        for t in report.tables
        for key, figure in t.ranges.items()
        if figure.high > t.cell(*key).value
    ]
    assert raised  # some merge moves a person into a row: its count can rise
