"""The counting rules, each proven against the demo's ground truth (linked by ground truth).

* a conviction is one defendant x one charge x one judgment (the court register lists a
  defendant's conviction once per victim: ``ground_truth/court_charges.csv`` lists it once);
* a victim identified is a person, counted once, in the period of the earliest
  identifying event;
* an event with no date is on the "date not recorded" line, never in a period;
* the agency credited with an event is the one its row names where the mapping reads it
  (the NGO network's joint file), while the file's owner stays the network;
* a figure a contributing source cannot produce is "not recorded", naming the field.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reporting.tipdemo import demo_db, demo_delivery  # noqa: F401
from tipdata.demo.targets import read_rows
from tipdata.reporting.engine import evaluate
from tipdata.reporting.indicators import default_catalogue
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import tip_report
from tipdata.store import Database, metadata

START, END = date(2008, 1, 1), date(2008, 12, 31)
DemoDb = tuple[Database, dict[int, str], Path]
IDENTIFYING = {"identified", "rescued", "determined_victim", "referred", "sheltered"}
IDENTIFYING |= {"returned", "repatriated"}
"""The events that identify a victim (the definition of "victims identified")."""


def _truth_file(delivery: Path, name: str) -> list[dict[str, str]]:
    with (delivery / "ground_truth" / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def report(demo_db: DemoDb):  # type: ignore[no-untyped-def]  # noqa: F811
    return tip_report(demo_db[0], START, END)


def test_a_conviction_is_one_defendant_one_charge_one_judgment(
    demo_db: DemoDb,  # noqa: F811
    report,  # type: ignore[no-untyped-def]
) -> None:
    _db, _truth, delivery = demo_db
    charges = [c for c in _truth_file(delivery, "court_charges.csv") if c["verdict"] == "convicted"]
    true = {
        (c["true_defendant_id"], c["article_convicted"], c["court"], c["case_no"]) for c in charges
    }
    rows = sum(max(1, int(c["victims"])) for c in charges)
    assert rows > len(true)  # the register repeats convictions once per victim
    cell = report.table("law_enforcement_by_victim_age").cell("convictions", TOTAL)
    assert (cell.value, cell.naive) == (len(true), rows)
    by_article: dict[str, int] = defaultdict(int)
    for _defendant, article, _court, _case in true:
        by_article[f"lshtse-2008 art. {article}"] += 1
    table = report.table("convictions_by_article")
    shown = {row: table.cell(row, TOTAL).value for row in table.rows if row != TOTAL}
    assert shown == dict(by_article)


def _identifying_events(database: Database, truth: dict[int, str]) -> dict[str, list[date | None]]:
    t = metadata.tables
    event, record = t["event"], t["person_record"]
    query = (
        sa.select(event.c.person_record_id, event.c.event_date)
        .select_from(event.join(record, record.c.id == event.c.person_record_id))
        .where(
            sa.type_coerce(record.c.role, sa.String) == "victim",
            sa.type_coerce(event.c.event_type, sa.String).in_(sorted(IDENTIFYING)),
        )
    )
    dates: dict[str, list[date | None]] = defaultdict(list)
    with database.connect() as connection:
        for record_id, day in connection.execute(query):
            dates[truth[record_id]].append(day)
    return dates


def test_a_victim_is_identified_once_by_the_earliest_identifying_event(
    demo_db: DemoDb,  # noqa: F811
    report,  # type: ignore[no-untyped-def]
) -> None:
    database, truth, _delivery = demo_db
    dates = _identifying_events(database, truth)
    first = {p: min(d for d in days if d) for p, days in dates.items() if any(days)}
    in_year = {p for p, day in first.items() if START <= day <= END}
    assert report.table("pathway_funnel").cell("victims_identified", TOTAL).value == len(in_year)
    months = report.table("victims_by_month")
    by_month: dict[str, int] = defaultdict(int)
    for person in in_year:
        by_month[f"{first[person]:%Y-%m}"] += 1
    assert {r: months.cell(r, TOTAL).value for r in months.rows if r != TOTAL} == by_month
    undated_only = {p for p, days in dates.items() if not any(days)}
    assert undated_only  # the network left intake dates blank
    line = report.table("date_not_recorded").cell("victims_identified", TOTAL)
    assert line.value == len(undated_only)

    # A person identified in 2007 is not identified again by a 2008 event.
    t = metadata.tables
    event, record = t["event"], t["person_record"]
    person = sorted(in_year)[0]
    record_id = min(r for r, p in truth.items() if p == person and r in _victim_records(database))
    indicator = default_catalogue()["victims_identified"]
    with database.connect() as connection:
        source_record_id, owner = connection.execute(
            sa.select(record.c.source_record_id, record.c.owner_agency_id).where(
                record.c.id == record_id
            )
        ).one()
        connection.execute(
            event.insert().values(
                person_record_id=record_id,
                event_type="rescued",
                event_date=date(2007, 12, 30),
                agency_id=owner,
                owner_agency_id=owner,
                source_record_id=source_record_id,
            )
        )
        connection.commit()
    try:
        assert evaluate(database, indicator, START, END)[()].value == len(in_year) - 1
        assert evaluate(database, indicator, date(2007, 1, 1), date(2007, 12, 31))[()].value == 1
    finally:
        with database.connect() as connection:
            connection.execute(event.delete().where(event.c.event_date == date(2007, 12, 30)))
            connection.commit()


def _victim_records(database: Database) -> set[int]:
    record = metadata.tables["person_record"]
    with database.connect() as connection:
        return set(
            connection.execute(
                sa.select(record.c.id).where(sa.type_coerce(record.c.role, sa.String) == "victim")
            ).scalars()
        )


def test_events_with_no_date_are_on_their_own_line_never_in_a_period(
    demo_db: DemoDb,  # noqa: F811
    report,  # type: ignore[no-untyped-def]
) -> None:
    database, _truth, delivery = demo_db
    records = {
        (r["file"], r["source_record_id"]): r["true_person_id"]
        for r in _truth_file(delivery, "records.csv")
    }
    afesip = "ngo_afesip_intake_2008.xlsx"
    reintegrated = {  # AFESIP's register has no exit date: every reintegration is undated
        records[(afesip, row["Ref No"])]
        for row in read_rows(delivery / afesip)
        if row["Status"] == "reintegrated"
    }
    undated_intakes = {
        r["true_person_id"]
        for r in _truth_file(delivery, "network_intakes.csv")
        if r["date_recorded"] == "0"
    }
    assert reintegrated and undated_intakes
    line = report.table("date_not_recorded")
    assert line.cell("victims_reintegrated", TOTAL).value == len(reintegrated)
    assert line.cell("victims_sheltered", TOTAL).value == len(undated_intakes)
    # a year with no data has no figures: the undated events are not in it
    empty = tip_report(database, date(2026, 1, 1), date(2026, 12, 31))
    for table in empty.tables:
        if table.name in ("date_not_recorded", "coverage_by_source"):
            continue
        assert all(cell.value == 0 for cell in table.cells.values()), table.name
    assert empty.table("date_not_recorded").cells == line.cells
    funnel = report.table("pathway_funnel").cell("victims_reintegrated", TOTAL)
    dated = evaluate(database, default_catalogue()["victims_reintegrated"], START, END)[()]
    assert funnel == dated


def test_the_agency_credited_is_the_shelter_the_row_names_the_owner_the_network(
    demo_db: DemoDb,  # noqa: F811
    report,  # type: ignore[no-untyped-def]
) -> None:
    database, _truth, delivery = demo_db
    by_shelter: dict[str, set[str]] = defaultdict(set)
    for row in _truth_file(delivery, "network_intakes.csv"):
        if row["date_recorded"] == "1":
            by_shelter[row["shelter"]].add(row["true_person_id"])
    assert len(by_shelter) >= 2
    table = report.table("victims_by_agency")
    for shelter, persons in by_shelter.items():
        assert table.cell(shelter, TOTAL).value == len(persons), shelter
    assert "COSECAM" not in table.rows
    t = metadata.tables
    event, raw, run, source, agency = (
        t["event"],
        t["source_record"],
        t["import_run"],
        t["source"],
        t["agency"],
    )
    owner, credited = agency.alias("owner"), agency.alias("credited")
    query = (
        sa.select(owner.c.code, credited.c.code, sa.func.count())
        .select_from(
            event.join(raw, raw.c.id == event.c.source_record_id)
            .join(run, run.c.id == raw.c.import_run_id)
            .join(source, source.c.id == run.c.source_id)
            .join(owner, owner.c.id == event.c.owner_agency_id)
            .join(credited, credited.c.id == event.c.agency_id)
        )
        .where(source.c.code == "ngo_network_intake")
        .group_by(owner.c.code, credited.c.code)
    )
    with database.connect() as connection:
        found = {(o, c) for o, c, _n in connection.execute(query)}
        run_owners = set(
            connection.execute(
                sa.select(agency.c.code)
                .select_from(
                    run.join(source, source.c.id == run.c.source_id).join(
                        agency, agency.c.id == run.c.owner_agency_id
                    )
                )
                .where(source.c.code == "ngo_network_intake")
            ).scalars()
        )
    assert {o for o, _c in found} == {"COSECAM"} == run_owners
    assert {c for _o, c in found} == {"HAGAR", "SSC", "FI", "WVC"} & {c for _o, c in found}
    assert {c for _o, c in found} >= set(by_shelter)


def test_a_figure_a_source_cannot_produce_is_not_recorded_naming_the_field(
    demo_db: DemoDb,  # noqa: F811
    report,  # type: ignore[no-untyped-def]
) -> None:
    _db, _truth, delivery = demo_db
    persons = {p["true_person_id"]: p for p in _truth_file(delivery, "persons.csv")}
    true_arrests = [p for p in persons.values() if p["group"] == "srp_foreign_suspect"]
    assert true_arrests  # foreigners arrested with child victims, in a log without ages
    table = report.table("foreign_child_sex_offenders")
    key = ("foreign_child_sex_offenders_arrested", TOTAL)
    note = table.not_recorded[key]
    assert "not recorded" in note
    assert "police_srp_arrests" in note and "victim age" in note
    assert table.cell(*key).value < len(true_arrests)  # what a 0 would have hidden
    coverage = report.table("coverage_by_source")
    assert ("police_srp_arrests", "victim_age_group") in coverage.not_recorded
    assert ("moi_police_register", "victim_age_group") not in coverage.not_recorded
    # the court records victim ages: its figures by child or adult victim are figures
    by_age = report.table("law_enforcement_by_victim_age")
    assert ("convictions", "child") not in by_age.not_recorded
    assert ("suspects_arrested", "child") in by_age.not_recorded
    assert ("suspects_arrested", TOTAL) not in by_age.not_recorded


def test_not_recorded_is_written_in_every_format(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tipdata.reporting.render import write_report

    paths = write_report(report, tmp_path)
    html = paths["html"].read_text(encoding="utf-8")
    assert ">not recorded</td>" in html and "does not record victim age" in html
    with paths["csv"].open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["table"] == "foreign_child_sex_offenders"]
    arrested = next(r for r in rows if r["row"] == "foreign_child_sex_offenders_arrested")
    assert (arrested["value"], arrested["status"]) == ("", "not_recorded")
