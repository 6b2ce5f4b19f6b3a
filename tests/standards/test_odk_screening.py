"""The victim screening form offline: the XLSForm generated from the indicators converts
with pyxform, and ODK Central / KoboToolbox exports of it (grouped question names) import
through a generated source mapping."""

from __future__ import annotations

import csv
import shlex
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from defusedxml import ElementTree as SafeET
from typer.testing import CliRunner

from tipdata.cli import app
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.ingest import import_file
from tipdata.ingest.mapping import load_mapping as load_source_mapping
from tipdata.ingest.readers import ImportFileError
from tipdata.screening.indicators import indicator_set
from tipdata.standards.odk import xform
from tipdata.standards.odk_screening import (
    SCREENING_FORM_ID,
    screening_mapping,
    screening_source_mapping,
    screening_xlsform,
)
from tipdata.store import Database, metadata
from tipdata.store.refdata import sync_reference_data

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "tipdata/standards/data/odk/tipdata_victim_screening_odk_central.csv"
)
KOBO_CSV = SAMPLE.with_name("tipdata_victim_screening_kobo.csv")
"""A synthetic KoboToolbox CSV export: ";" between quoted fields, groups joined by "/"."""
_XFORMS = "{http://www.w3.org/2002/xforms}"


@pytest.fixture
def screening_db(db: Database) -> Database:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def export_columns(xml: str, separator: str) -> list[str]:
    """The question columns a server's export of the converted form has: each leaf of the
    XForm's instance, its groups joined by ``separator`` (ODK Central ``-``, Kobo ``/``)."""
    root = SafeET.fromstring(xml)
    data = next(iter(next(root.iter(f"{_XFORMS}instance"))))

    def walk(node: object, path: list[str]) -> list[str]:
        found: list[str] = []
        for child in node:  # type: ignore[attr-defined]
            name = child.tag.split("}")[-1]
            found += walk(child, [*path, name]) if len(child) else [separator.join([*path, name])]
        return found

    return walk(data, [])


def test_the_screening_form_asks_every_indicator_and_converts_with_pyxform() -> None:
    form = screening_xlsform()
    xml = xform(form)
    assert f'id="{SCREENING_FORM_ID}"' in xml
    codes = [indicator.code for indicator in indicator_set().indicators]
    asked = [row[1] for row in form.survey if row[0] == "select_one answer"]
    assert asked == codes  # the web form's questions, in its order
    for code in codes:  # each one required, in the group "screening"
        bind = f'nodeset="/data/screening/{code}"'
        assert bind in xml and 'required="true()"' in xml.split(bind, 1)[1].split("/>", 1)[0]
    lists = {(row[0], row[1]) for row in form.choices[1:]}
    assert {("answer", "yes"), ("answer", "no"), ("answer", "unknown")} <= lists
    assert ("determination", "possible_victim") in lists and ("country", "KHM") in lists


@pytest.mark.parametrize(
    ("server", "separator"), [("central", "-"), ("kobo", "/"), ("kobo-csv", "/")]
)
def test_the_mapping_reads_exactly_the_columns_the_forms_export_has(
    server: str, separator: str
) -> None:
    columns = set(export_columns(xform(screening_xlsform()), separator))
    assert f"screening{separator}debt_bondage" in columns
    mapping = screening_source_mapping("IOM", server=server)  # type: ignore[arg-type]
    data = screening_mapping("IOM", server=server)  # type: ignore[arg-type]
    read = set(mapping.columns_used()) - {data["record_id"], data["records"][0]["when"]["column"]}
    assert read and read <= columns, read - columns
    questions = {c for c in columns if c.split(separator)[0] in ("person", "screening", "outcome")}
    assert questions == read  # every question of the form is read


def _stored(db: Database) -> tuple[list[tuple], list[tuple], list[tuple]]:
    t = metadata.tables
    record, screening, answer, event = (t["person_record"], t["screening"],
                                        t["screening_answer"], t["event"])  # fmt: skip
    with db.connect() as connection:
        people = connection.execute(
            sa.select(sa.cast(record.c.role, sa.String), sa.cast(record.c.sex, sa.String),
                      record.c.nationality, record.c.birth_year,
                      record.c.age_years).order_by(record.c.id)
        ).all()  # fmt: skip
        screenings = connection.execute(
            sa.select(screening.c.screening_date,
                      sa.cast(screening.c.final_determination, sa.String),
                      screening.c.determined_by).order_by(screening.c.id)
        ).all()  # fmt: skip
        yes = connection.execute(
            sa.select(answer.c.indicator_code, sa.cast(answer.c.answer, sa.String))
            .where(sa.cast(answer.c.answer, sa.String) != "no")
            .order_by(answer.c.screening_id, answer.c.indicator_code)
        ).all()  # fmt: skip
        events = connection.execute(
            sa.select(sa.cast(event.c.event_type, sa.String), event.c.event_date)
        ).all()  # fmt: skip
    return people, screenings, [*yes, *events]


def test_the_sample_odk_central_export_imports(screening_db: Database) -> None:
    result = import_file(screening_db, SAMPLE, mapping=screening_source_mapping("IOM"))
    assert result.status == "committed", result.issues
    assert result.rows_read == 3  # the third, rejected by a reviewer, makes no record
    people, screenings, rest = _stored(screening_db)
    assert people == [
        ("victim", "female", "KHM", 1991, 17),  # age at the screening
        ("returnee", "male", "KHM", None, 17),
    ]
    assert [(str(d), f, b) for d, f, b in screenings] == [
        ("2009-03-13", "victim", "IOM case worker"), ("2009-03-16", None, None)]  # fmt: skip
    assert [r for r in rest if r[0] != "screened"] == [
        ("debt_bondage", "yes"), ("deceived_recruitment", "yes"),
        ("documents_confiscated", "yes"), ("movement_restricted", "yes"),
        ("excessive_working_hours", "yes"), ("wages_withheld", "unknown"),
    ]  # fmt: skip
    assert sorted(str(r[1]) for r in rest if r[0] == "screened") == ["2009-03-13", "2009-03-16"]
    again = import_file(screening_db, SAMPLE, mapping=screening_source_mapping("IOM"))
    assert again.status == "unchanged"
    assert _stored(screening_db)[0] == people  # the same export twice changes nothing


def test_a_kobo_xlsx_export_imports(screening_db: Database, tmp_path: Path) -> None:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    questions = [c for c in rows[0] if c.split("-")[0] in ("person", "screening", "outcome")]
    sheet.append([*(c.replace("-", "/") for c in questions), "_id", "_uuid",
                  "_submission_time", "_validation_status"])  # fmt: skip
    kobo_review = {"approved": "Approved", "rejected": "Not Approved", "": ""}
    for number, row in enumerate(rows, start=1):
        sheet.append([*(row[c] for c in questions), number, row["meta-instanceID"][5:],
                      row["SubmissionDate"][:19], kobo_review[row["ReviewState"]]])  # fmt: skip
    path = tmp_path / f"{SCREENING_FORM_ID}_kobo.xlsx"
    workbook.save(path)
    result = import_file(screening_db, path, mapping=screening_source_mapping("IOM", server="kobo"))
    assert result.status == "committed", result.issues
    people, screenings, _ = _stored(screening_db)
    assert [p[:2] for p in people] == [("victim", "female"), ("returnee", "male")]
    assert len(screenings) == 2


def test_an_answer_outside_the_form_names_row_and_column(
    screening_db: Database, tmp_path: Path
) -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(",2009-03-16,no,", ",2009-03-16,maybe,", 1)
    path = tmp_path / f"{SCREENING_FORM_ID}_bad.csv"
    path.write_text(text, encoding="utf-8")
    result = import_file(screening_db, path, mapping=screening_source_mapping("IOM"))
    assert result.status == "rejected"
    (issue,) = result.issues
    assert issue.row == 3 and issue.column == "screening-deceived_recruitment"
    assert _stored(screening_db)[0] == []  # nothing half-written


def test_the_documented_screening_commands_run_as_written(
    screening_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "provincial-reporting.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("<!-- screening odk commands -->\n```console\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines()
                if line.startswith("tipdata ")]  # fmt: skip
    assert len(commands) == 3
    monkeypatch.chdir(tmp_path)
    (tmp_path / SAMPLE.name).write_bytes(SAMPLE.read_bytes())

    class _System:
        db = screening_db

    monkeypatch.setattr("tipdata.cli.imports.system_for", lambda _home: _System())
    for command in commands:
        outcome = CliRunner().invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
    assert (tmp_path / "victim_screening.xlsx").stat().st_size > 0
    load_source_mapping(tmp_path / "screening_iom.yaml")
    assert len(_stored(screening_db)[0]) == 2


def test_a_kobo_csv_export_imports(screening_db: Database) -> None:
    # the sample is read as Kobo writes it (";" between fields), not as a comma file
    with KOBO_CSV.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle, delimiter=";"))
    assert "person/given_name" in header and "_validation_status" in header
    mapping = screening_source_mapping("IOM", server="kobo-csv")
    result = import_file(screening_db, KOBO_CSV, mapping=mapping)
    assert result.status == "committed", result.issues
    assert result.rows_read == 3  # the third, Not Approved, makes no record
    people, screenings, rest = _stored(screening_db)
    assert people == [
        ("victim", "female", "KHM", None, 19),  # the age given, at the screening
        ("returnee", "male", "THA", 1985, 23),
    ]
    assert [(str(d), f, b) for d, f, b in screenings] == [
        ("2009-05-04", "victim", "Koh Kong DoSVY; screening team"),  # ";" inside quotes
        ("2009-05-06", "possible_victim", "Koh Kong DoSVY"),
    ]
    assert [r for r in rest if r[0] != "screened"] == [
        ("deceived_recruitment", "yes"), ("documents_confiscated", "yes"),
        ("excessive_working_hours", "yes"), ("movement_restricted", "yes"),
        ("physical_violence", "yes"), ("wages_withheld", "yes"),
        ("abusive_conditions", "yes"), ("debt_bondage", "yes"),
        ("documents_confiscated", "unknown"), ("threats", "yes"),
    ]  # fmt: skip
    again = import_file(screening_db, KOBO_CSV, mapping=mapping)
    assert again.status == "unchanged"


def test_a_kobo_csv_read_as_comma_separated_is_refused_naming_the_columns(
    screening_db: Database,
) -> None:
    # the XLSX or Central mapping on Kobo's CSV: its header is one ";"-joined column
    with pytest.raises(ImportFileError, match=r"line 1: missing required column.*meta-instanceID"):
        import_file(screening_db, KOBO_CSV, mapping=screening_source_mapping("IOM"))
    assert _stored(screening_db)[0] == []


def test_the_documented_kobo_csv_commands_run_as_written(
    screening_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "provincial-reporting.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("<!-- screening kobo csv commands -->\n```console\n", 1)[1]
    commands = [line.split("  #", 1)[0].strip() for line in block.split("```", 1)[0].splitlines()
                if line.startswith("tipdata ")]  # fmt: skip
    assert len(commands) == 2
    monkeypatch.chdir(tmp_path)
    (tmp_path / KOBO_CSV.name).write_bytes(KOBO_CSV.read_bytes())

    class _System:
        db = screening_db

    monkeypatch.setattr("tipdata.cli.imports.system_for", lambda _home: _System())
    for command in commands:
        outcome = CliRunner().invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
    assert len(_stored(screening_db)[0]) == 2
