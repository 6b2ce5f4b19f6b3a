"""Mappings written only from docs/mappings.md import correctly (the docs cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import count, people
from tipdata.ingest import import_file, parse_mapping, provenance
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.targets import targets
from tipdata.store import Database, metadata

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mappings.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_the_worked_example_imports_as_the_docs_say(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping_text = _blocks("yaml")[0]
    data_text = _blocks("text")[0]
    mapping = parse_mapping(mapping_text, tmp_path / "kampot_dosavy.yaml")
    path = tmp_path / "kampot_dosavy_2019.csv"
    path.write_text(data_text, encoding="utf-8")

    result = import_file(ref_db, path, mapping=mapping, lookups=lookups)

    assert result.status == "committed", [str(i) for i in result.issues]
    assert (count(ref_db, "source_record"), count(ref_db, "person_record")) == (2, 2)
    t = metadata.tables
    shown = people(
        ref_db,
        "full_name",
        "full_name_khmer",
        "sex",
        "age_years",
        "age_reference_date",
        "birth_year",
        "province_code",
    )
    with ref_db.connect() as connection:
        events = connection.execute(
            sa.select(
                t["event"].c.event_type, t["event"].c.event_date, t["event"].c.place
            ).order_by(t["event"].c.id)
        ).all()
    assert shown == [
        ("Sok Dara", "សុខ ដារា", "female", 16, __import__("datetime").date(2019, 4, 3), None, "07"),
        ("Keo Lina", None, "female", None, None, 1990, "05"),
    ]
    assert sorted(e.event_type for e in events) == ["reintegrated", "sheltered", "sheltered"]
    assert (
        "sheltered",
        __import__("datetime").date(2019, 4, 3),
        "Kampot DOSAVY (referred by police)",
    ) in [tuple(e) for e in events]


def test_every_field_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for target in targets().values():
        for name in target.fields:
            assert f"`{name}`" in text, f"{target.kind}.{name} is not in docs/mappings.md"


SVAY_RIENG_MAPPING = """\
# Written from docs/mappings.md only, for a layout tipdata has never seen.
source: svay_rieng_dosavy_register
name: Svay Rieng DOSAVY register
agency: DOSAVY-20
file:
  type: csv
  encoding: utf-8
  delimiter: ";"
recognise:
  pattern: "svay_rieng_*.csv"
  required_columns: [File, Line, Role, Surname, First name, Sex, Birth, Seen on]
record_id: {template: "{File}-{Line}"}
date_formats: ["%d.%m.%Y", "%d-%b-%y"]
value_maps:
  role: {V: victim, Victim: victim, S: suspect, Suspect: suspect}
  sex: {F: female, M: male, ស្រី: female, ប្រុស: male}
  form: {sex: sexual_exploitation, lab: forced_labour, beg: begging}
  answer: {Y: "yes", N: "no", "?": unknown}
records:
  - kind: case
    name: file
    fields:
      case_number: {template: "SR/{File}"}
      kind: {const: investigation}
      destination_country: {lookup: country, value: Taken to}
      exploitation_types: {split: Forms, separator: "+", map: form}
  - kind: person_record
    name: victim
    when: {column: Role, map: role, equals: victim}
    fields:
      role: {const: victim}
      family_name: Surname
      given_name: First name
      sex: {column: Sex, map: sex}
      birth: {birth: Birth, at: {date: Seen on}}
      province_code: Village province
      case: {ref: file}
  - kind: person_record
    name: suspect
    when: {column: Role, map: role, equals: suspect}
    fields:
      role: {const: suspect}
      family_name: Surname
      given_name: First name
      sex: {column: Sex, map: sex}
      birth: {birth: Birth, at: {date: Seen on}}
      case: {ref: file}
  - kind: event
    name: identified
    when: {column: Role, map: role, equals: victim}
    fields:
      person_record_id: {ref: victim}
      case_id: {ref: file}
      event_type: {const: identified}
      event_date: {date: Seen on}
  - kind: referral
    when: {all: [{column: Role, map: role, equals: victim}, {column: Sent to, empty: false}]}
    fields:
      person_record_id: {ref: victim}
      to_agency_id: {lookup: agency, value: Sent to}
      referral_date: {date: Seen on}
      status: {const: sent}
      consent_recorded: Consent
  - kind: screening
    when: {column: Role, map: role, equals: victim}
    fields:
      person_record_id: {ref: victim}
      screening_date: {date: Seen on}
      final_determination: {const: victim}
    answers:
      debt_bondage: {column: Debt, map: answer}
      threats: {column: Threats, map: answer}
  - kind: event
    name: arrested
    when: {not: {column: Role, map: role, in: [victim]}}
    fields:
      person_record_id: {ref: suspect}
      case_id: {ref: file}
      event_type: {const: arrested}
      event_date: {date: Seen on}
"""

SVAY_RIENG_DATA = (
    "File;Line;Role;Surname;First name;Sex;Birth;Village province;Seen on;Taken to;Forms;"
    "Sent to;Consent;Debt;Threats\n"
    """\
17;1;Victim;Chea;Sopheap;ស្រី;2001;Svay Rieng;12.03.2019;Thailand;sex+lab;MOSAVY;Y;Y;N
17;2;S;Nuon;Rith;M;45;;12-Mar-19;Thailand;sex+lab;;;;
18;1;V;Long;Kosal;ប្រុស;01.02.2005;Prey Veng;02.05.2019;Vietnam;beg;;N;?;
"""
)


def test_a_layout_never_seen_imports_from_the_docs_alone(
    ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping_file = tmp_path / "svay_rieng.yaml"
    mapping_file.write_text(SVAY_RIENG_MAPPING, encoding="utf-8")
    path = tmp_path / "svay_rieng_2019.csv"
    path.write_text(SVAY_RIENG_DATA, encoding="utf-8")

    result = import_file(ref_db, path, mapping=mapping_file, lookups=lookups)

    assert result.status == "committed", [str(i) for i in result.issues]
    assert (result.rows_read, result.rows_stored) == (3, 3)
    counts = {
        name: count(ref_db, name)
        for name in (
            "case",
            "case_exploitation",
            "case_person",
            "person_record",
            "event",
            "referral",
            "screening",
            "screening_answer",
        )
    }
    assert counts == {
        "case": 2,
        "case_exploitation": 5,  # SR/17: sex and labour as rows 17-1 and 17-2 state them
        "case_person": 3,
        "person_record": 3,
        "event": 3,
        "referral": 1,
        "screening": 2,
        "screening_answer": 3,
    }
    t = metadata.tables
    shown = people(
        ref_db,
        "family_name",
        "role",
        "sex",
        "birth_year",
        "birth_date",
        "age_years",
        "province_code",
    )
    with ref_db.connect() as connection:
        cases = connection.execute(
            sa.select(t["case"].c.case_number, t["case"].c.destination_country).order_by(
                t["case"].c.id
            )
        ).all()
        referral = connection.execute(
            sa.select(t["referral"].c.consent_recorded, t["referral"].c.status)
        ).one()
    import datetime

    assert shown == [
        ("Chea", "victim", "female", 2001, None, None, "20"),
        ("Nuon", "suspect", "male", None, None, 45, None),
        # birth year and the exact age at the row's first event (14) are kept in clear
        # from the encrypted date of birth
        ("Long", "victim", "male", 2005, datetime.date(2005, 2, 1), 14, "14"),
    ]
    assert [tuple(c) for c in cases] == [("SR/17", "THA"), ("SR/18", "VNM")]
    assert tuple(referral) == (True, "sent")
    trace = provenance(ref_db, "referral", 1, actor=None)
    assert (trace.source, trace.source_key, trace.row_number) == (
        "svay_rieng_dosavy_register",
        "17-1",
        2,
    )


def test_the_network_example_credits_each_row_to_the_shelter_it_names(
    db: Database, tmp_path: Path
) -> None:
    from datetime import date

    from tests.ingest.conftest import load_reference_data
    from tests.ingest.test_transforms import _example

    load_reference_data(db)
    mapping = parse_mapping(_example("example: network_intake.yaml"), tmp_path / "n.yaml")
    path = tmp_path / "network_intake_2010.csv"
    path.write_text(_example("example: network_intake_2010.csv"), encoding="utf-8")

    result = import_file(db, path, mapping=mapping)

    assert result.status == "committed", [str(i) for i in result.issues]
    t = metadata.tables
    event, agency = t["event"], t["agency"]
    owner, credited = agency.alias("owner"), agency.alias("credited")
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(owner.c.code, credited.c.code, event.c.event_date)
            .select_from(
                event.join(owner, owner.c.id == event.c.owner_agency_id).join(
                    credited, credited.c.id == event.c.agency_id
                )
            )
            .order_by(event.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("COSECAM", "HAGAR", date(2010, 2, 3)),
        ("COSECAM", "FI", date(2010, 2, 17)),
        ("COSECAM", "HAGAR", None),
    ]


def test_the_required_fields_example_runs_as_the_docs_say(
    ref_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The `required:` example of docs/mappings.md, run with the command it names."""
    import shlex

    from typer.testing import CliRunner

    from tipdata.cli import app

    text = DOCS.read_text(encoding="utf-8")
    mapping_text = next(b for b in _blocks("yaml") if "source: shelter_intake" in b)
    data_text = next(b for b in _blocks("text") if b.startswith("Ref,Name,Sex,Age"))
    command = re.search(r"`(tipdata import shelter_intake[^`]*)`", text.replace("\n", " "))
    said = re.search(r"rejects the file: `([^`]*)`", " ".join(text.split()))
    assert command and said
    (tmp_path / "shelter_intake.yaml").write_text(mapping_text, encoding="utf-8")
    (tmp_path / "shelter_intake_2019.csv").write_text(data_text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIPDATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TIPDATA_DATABASE_URL", ref_db.url.render_as_string(hide_password=False))

    result = CliRunner().invoke(app, shlex.split(command.group(1))[1:])

    assert result.exit_code == 1, result.output
    assert said.group(1) in " ".join(result.output.split())
