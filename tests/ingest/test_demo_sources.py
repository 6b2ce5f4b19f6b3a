"""Every layout the demo generator writes imports with the built-in mappings, counts exact."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import load_reference_data, people
from tipdata.ingest import (
    builtin_mappings,
    import_directory,
    import_file,
    list_import_runs,
    provenance,
)
from tipdata.store import Database, metadata


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo delivery (scale 0.02), generated once for the module."""
    from tipdata.demo import generate

    out = tmp_path_factory.mktemp("demo") / "delivery"
    generate(scale=0.02, seed=1, out=out)
    return out


def _truth(delivery: Path) -> Counter[str]:
    with (delivery / "ground_truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        return Counter(row["file"] for row in csv.DictReader(handle))


def test_every_demo_file_has_a_builtin_mapping(delivery: Path) -> None:
    files = sorted(p.name for p in delivery.iterdir() if p.is_file())
    patterns = [m.recognise.pattern for m in builtin_mappings().values()]
    import fnmatch

    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


def test_all_demo_sources_import_with_ground_truth_counts(db: Database, delivery: Path) -> None:
    load_reference_data(db)
    results = import_directory(db, delivery, imported_by="demo")

    problems = [str(issue) for result in results for issue in result.issues[:3]]
    assert problems == []
    assert all(result.status == "committed" for result in results)
    truth = _truth(delivery)
    assert {r.file.name: r.rows_stored for r in results} == dict(truth)

    sr, source = metadata.tables["source_record"], metadata.tables["source"]
    with db.connect() as connection:
        stored = dict(
            connection.execute(
                sa.select(source.c.code, sa.func.count(sr.c.id))
                .join(sr, sr.c.source_id == source.c.id)
                .group_by(source.c.code)
            ).all()
        )
        some_person = connection.execute(
            sa.select(sa.func.min(metadata.tables["person_record"].c.id))
        ).scalar_one()
    by_source = {r.source: truth[r.file.name] for r in results}
    assert stored == by_source
    assert len(list_import_runs(db, actor=None)) == len(results)

    trace = provenance(db, "person_record", some_person, actor=None)
    assert trace.row_number >= 2 and trace.file_name in truth

    again = import_directory(db, delivery)
    assert {r.status for r in again} == {"unchanged"}
    assert sum(r.rows_unchanged for r in again) == sum(truth.values())


COUNTRIES = {"Thailand": "THA", "Malaysia": "MYS", "Vietnam": "VNM"}
"""Destinations abroad the generator writes; any other destination is a Cambodian province."""


def _iso(destination: str) -> str:
    return COUNTRIES.get(destination, "KHM")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _stored_cases(db: Database, agency: str) -> dict[str, tuple[str | None, str, set[str]]]:
    """An agency's cases: number -> (destination, kind, forms of exploitation)."""
    t = metadata.tables
    case, ce, ag = t["case"], t["case_exploitation"], t["agency"]
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(
                case.c.case_number,
                case.c.destination_country,
                sa.cast(case.c.kind, sa.String),
                ce.c.exploitation_type,
            )
            .join(ag, ag.c.id == case.c.owner_agency_id)
            .outerjoin(ce, ce.c.case_id == case.c.id)
            .where(ag.c.code == agency)
        ).all()
    found: dict[str, tuple[str | None, str, set[str]]] = {}
    for number, destination, kind, form in rows:
        entry = found.setdefault(number, (destination, kind, set()))
        if form is not None:
            entry[2].add(form)
    return found


def test_destinations_and_forms_of_exploitation_equal_the_ground_truth(
    db: Database, delivery: Path
) -> None:
    """Police cases carry the true destination and form; NGO case files the coarse form."""
    load_reference_data(db)
    results = import_directory(db, delivery)
    assert all(result.status == "committed" for result in results)
    truth = delivery / "ground_truth"
    persons = {row["true_person_id"]: row for row in _csv(truth / "persons.csv")}

    police = {
        row["moi_case_no"]: (_iso(row["destination"]), "investigation", {row["exploitation_type"]})
        for row in _csv(truth / "cases.csv")
        if row["moi_case_no"]
    }
    assert police  # the demo has police cases
    assert _stored_cases(db, "MOI") == police
    by_destination = Counter(destination for destination, _k, _f in police.values())
    stored_by_destination = Counter(d for d, _k, _f in _stored_cases(db, "MOI").values())
    assert stored_by_destination == by_destination

    # NGO shelters write "sex" or "labour" (every other form); HCC also where to
    for agency, with_destination in (("CWCC", False), ("WHI", False), ("HCC", True)):
        expected: dict[str, tuple[str | None, str, set[str]]] = {}
        for record in _csv(truth / "records.csv"):
            if record["agency"] != agency or "_intake_" not in record["file"]:
                continue  # the intake registers hold the case files (not CWCC's follow-ups)
            person = persons[record["true_person_id"]]
            if not person["exploitation_type"]:
                continue
            form = (
                "sexual_exploitation"
                if person["exploitation_type"] == "sexual_exploitation"
                else "forced_labour"
            )
            destination = _iso(person["destination"]) if with_destination else None
            expected[record["source_record_id"]] = (destination, "assistance", {form})
        assert expected, agency
        assert _stored_cases(db, agency) == expected, agency


def test_exact_age_at_the_first_event_is_kept_where_the_birth_date_is_encrypted(
    db: Database, delivery: Path
) -> None:
    """Ages come from the date of birth at import (it is encrypted after): never a year high."""
    from datetime import date

    from tipdata.access.protected import keyring_for, reveal_person_record

    load_reference_data(db)
    import_directory(db, delivery, imported_by="demo")
    pr, event = metadata.tables["person_record"], metadata.tables["event"]
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(
                pr.c.id,
                pr.c.birth_date,
                pr.c.age_years,
                pr.c.age_reference_date,
                sa.func.min(event.c.event_date),
            )
            .join(event, event.c.person_record_id == pr.c.id)
            .where(pr.c.birth_date.is_not(None))
            .group_by(pr.c.id, pr.c.birth_date, pr.c.age_years, pr.c.age_reference_date)
        ).all()
    cipher = keyring_for(db).cipher
    assert len(rows) >= 10
    for record_id, token, age, reference, first_event in rows:
        birth = reveal_person_record(cipher, record_id, {"birth_date": token})["birth_date"]
        assert isinstance(birth, date)
        assert reference == first_event
        exact = (
            first_event.year
            - birth.year
            - ((first_event.month, first_event.day) < (birth.month, birth.day))
        )
        assert age == exact, record_id


def test_partner_handover_and_followup_values_as_written(db: Database, delivery: Path) -> None:
    """The Thai list and the follow-up register through their built-in mappings' transforms.

    Expected values are read from the files here, independently of the transforms: the
    name between the title and the nickname, the Buddhist-Era date less 543 years (Thai
    digits too), the number of an age with a unit, ``-`` as no value, two-digit years.
    """
    load_reference_data(db)
    mappings = builtin_mappings()
    handover = next(delivery.glob("th_msdhs_handover_*.csv"))
    followup = next(delivery.glob("ngo_cwcc_followup_*.csv"))
    for source in ("th_msdhs_handover", "ngo_cwcc_followup"):
        # no value map longer than the code list it maps (sex: female, male)
        assert max(len(v) for v in mappings[source].value_maps.values()) <= 2
    thai = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
    expected = []
    for row in _csv(handover):
        name = re.sub(r"^(Mr\.|MR|Nai|Ms\.|MS\.|Mrs\.|Miss|Nangsao) ", "", row["Name"])
        name = re.sub(r" \(A [^)]*\)$", "", name)
        day, month, year = (int(p) for p in row["Handed over"].translate(thai).split("/"))
        age = re.match(r"\d+", row["Age"])
        expected.append(
            (name.title(), date(year - 543, month, day), int(age.group()) if age else None)
        )
    result = import_file(db, handover, mapping=mappings["th_msdhs_handover"])
    assert result.status == "committed", [str(i) for i in result.issues]
    t = metadata.tables
    event = t["event"]
    with db.connect() as connection:
        rows = connection.execute(sa.select(event.c.person_record_id, event.c.event_date))
        dates = {record_id: when for record_id, when in rows}
    stored = [
        (name, dates[record_id], age)
        for record_id, name, age in people(db, "id", "full_name", "age_years")
    ]
    assert stored == expected
    assert all(when.year == 2008 for _, when, _ in stored)

    result = import_file(db, followup, mapping=mappings["ngo_cwcc_followup"])
    assert result.status == "committed", [str(i) for i in result.issues]
    with db.connect() as connection:
        kinds = Counter(
            str(kind)
            for kind, when in connection.execute(sa.select(event.c.event_type, event.c.event_date))
            if str(kind) != "repatriated" and when.year == 2008
        )
    cells = [(row[f"Visit {n}"], row[f"Status {n}"]) for row in _csv(followup) for n in (1, 2, 3)]
    expected_kinds = Counter(
        {
            "followed_up": sum(bool(visit) for visit, _ in cells),
            "reintegrated": sum(status == "Reintegrated" for _, status in cells),
            "re_trafficked": sum(status == "Re-trafficked" for _, status in cells),
        }
    )
    assert kinds == +expected_kinds
