"""Re-trafficking, follow-ups and NGO-only victims on the demo, linked by ground truth.

Each expected figure comes from the generator's ground truth (``retrafficked.csv``,
``followups.csv``, ``records.csv``), not from the database.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_db, demo_delivery, identified_in  # noqa: F401
from tipdata.codelists import load_codelists
from tipdata.reporting.report import TOTAL, Report
from tipdata.reporting.tip import tip_report
from tipdata.store import Database

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]


def _truth(delivery: Path, name: str) -> list[dict[str, str]]:
    with (delivery / "ground_truth" / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def report(demo_db: DemoDb) -> Report:  # noqa: F811
    return tip_report(demo_db[0], START, END)


def test_re_trafficked_equals_the_truth(demo_db: DemoDb, report: Report) -> None:  # noqa: F811
    delivery = demo_db[2]
    again = {
        line["true_person_id"]
        for line in _truth(delivery, "retrafficked.csv")
        if START <= date.fromisoformat(line["handed_over_again"]) <= END
    }
    reported = {
        line["true_person_id"]
        for line in _truth(delivery, "followups.csv")
        if line["status"] == "Re-trafficked"
    }
    table = report.table("re_trafficked")
    assert again and reported  # the demo plants both
    assert table.cell("again", "persons").value == len(again)
    assert table.cell("reported", "persons").value == len(reported)
    assert table.cell(TOTAL, "persons").value == len(again | reported)


def test_follow_ups_by_status_at_the_last_visit(demo_db: DemoDb, report: Report) -> None:  # noqa: F811
    visits: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in _truth(demo_db[2], "followups.csv"):
        visits[line["true_person_id"]].append((line["visit_date"], line["status"]))
    status_of = {"Reintegrated": "reintegrated", "Re-trafficked": "re_trafficked"}
    persons: dict[str, int] = defaultdict(int)
    counted: dict[str, int] = defaultdict(int)
    for seen in visits.values():
        status = status_of.get(max(seen)[1], "other")
        persons[status] += 1
        counted[status] += len(seen)
    table = report.table("follow_ups")
    assert len(visits) >= 3
    for status in ("reintegrated", "re_trafficked", "other"):
        assert table.cell(status, "persons").value == persons[status], status
        assert table.cell(status, "visits").value == counted[status], status
    assert table.cell(TOTAL, "persons").value == len(visits)
    assert table.cell(TOTAL, "visits").value == sum(len(seen) for seen in visits.values())


def test_victims_known_only_to_ngos(demo_db: DemoDb, report: Report) -> None:  # noqa: F811
    database, truth, delivery = demo_db
    kinds = {code: agency.kind for code, agency in load_codelists().agencies.by_code.items()}
    agencies: dict[str, set[str]] = defaultdict(set)
    for line in _truth(delivery, "records.csv"):
        agencies[line["true_victim_person_id"] or line["true_person_id"]].add(line["agency"])
    identified = identified_in(database, truth, START, END)  # not the engine's own query
    only_ngo = {p for p in identified if all(kinds[a] == "ngo" for a in agencies[p])}
    table = report.table("known_only_to_ngos")
    assert only_ngo
    assert table.cell(TOTAL, "victims").value == len(only_ngo)
    for ngo in {a for p in only_ngo for a in agencies[p]}:
        expected = sum(ngo in agencies[p] for p in only_ngo)
        assert table.cell(ngo, "victims").value == expected, ngo
