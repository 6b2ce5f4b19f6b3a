"""Offline entry: the provincial report's XLSForm converts with pyxform, and ODK Central /
KoboToolbox submission exports import through the provincial workflow."""

from __future__ import annotations

import shlex
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tipdata.cli import app
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.provincial import ReportImportError
from tipdata.provincial.datasets import TOTAL
from tipdata.provincial.workflow import default_workflow
from tipdata.standards.odk import (
    FORM_ID,
    field_name,
    import_submissions,
    leaf_keys,
    read_submissions,
    submission_export,
    xform,
    xlsform,
)
from tipdata.store import Database, metadata
from tipdata.store.refdata import sync_reference_data

SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "tipdata/standards/data/odk/pwg_biweekly_submissions_odk_central.csv"
)


@pytest.fixture
def provinces_db(db: Database) -> Database:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def _stored(db: Database) -> dict[tuple[str, str, str, str], int | None]:
    t = metadata.tables
    report, value = t["provincial_report"], t["provincial_report_value"]
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(report.c.province_code, report.c.period_code, value.c.data_element_code,
                      value.c.disaggregation, value.c.value)
            .join(value, value.c.report_id == report.c.id)
        ).all()  # fmt: skip
    return {(p, c, e, d): v for p, c, e, d, v in rows}


def test_the_xlsform_has_one_question_per_leaf_value_and_converts_with_pyxform() -> None:
    form = xlsform()
    names = [row[1] for row in form.survey[1:]]
    keys = leaf_keys(default_workflow().data_set)
    assert names[:2] == ["province", "period"]
    assert names[2:-2] == [field_name(k) for k in keys]
    assert "victims_identified_female_child" in names and "victims_identified_female" not in names
    assert ("cases_investigated", TOTAL) in keys
    assert len(form.choices) - 1 == len(load_codelists().provinces)
    xml = xform(form)
    assert f'id="{FORM_ID}"' in xml
    for key in keys:  # every count a non-negative integer
        bind = f'nodeset="/data/{field_name(key)}"'
        assert bind in xml
        tail = xml.split(bind, 1)[1].split("/>", 1)[0]
        assert 'type="int"' in tail and "&gt;= 0" in tail
    assert "ខេត្ត" in xml  # the Khmer label travels


def test_the_sample_odk_central_export_imports_into_the_provincial_workflow(
    provinces_db: Database,
) -> None:
    with provinces_db.session() as session:
        summary, rejected = import_submissions(session, SAMPLE, "odk-import")
    assert (summary.reports, summary.submitted, rejected) == (2, 2, 1)
    stored = _stored(provinces_db)
    assert stored[("01", "2009BW26", "victims_identified", "female_child")] == 2
    assert stored[("07", "2009BW27", "victims_identified", "female_adult")] == 3
    # a question left blank is not reported (not zero)
    assert stored.get(("07", "2009BW27", "victims_identified", "male_child")) is None
    assert not any(key[0] == "07" and key[3] == "female_child" and value == 40
                   for key, value in stored.items())  # the rejected submission  # fmt: skip
    t = metadata.tables
    with provinces_db.connect() as connection:
        statuses = (
            connection.execute(sa.select(sa.cast(t["provincial_report"].c.status, sa.String)))
            .scalars()
            .all()
        )
    assert statuses == ["submitted", "submitted"]
    with provinces_db.session() as session:  # the same export again: nothing changes
        again, _ = import_submissions(session, SAMPLE, "odk-import")
    assert (again.submitted, again.unchanged) == (0, 2)


def test_a_changed_resubmission_of_a_received_report_is_refused_not_overwritten(
    provinces_db: Database, tmp_path: Path
) -> None:
    with provinces_db.session() as session:
        import_submissions(session, SAMPLE, "odk-import")
    changed = tmp_path / "later.csv"
    changed.write_text(
        submission_export([{"SubmissionDate": "2010-01-02T00:00:00Z", "province": "01",
                            "period": "2009BW26", "victims_identified_female_child": "5"}]),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ReportImportError) as raised, provinces_db.session() as session:
        import_submissions(session, changed, "odk-import")
    assert "reopen" in str(raised.value)
    assert _stored(provinces_db)[("01", "2009BW26", "victims_identified", "female_child")] == 2


def test_two_submissions_of_one_report_in_an_export_name_both_rows(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(
        submission_export([
            {"SubmissionDate": "2010-01-02T00:00:00Z", "province": "01", "period": "2009BW26",
             "cases_investigated": "1"},
            {"SubmissionDate": "2010-01-03T00:00:00Z", "province": "01", "period": "2009BW26",
             "cases_investigated": "2"},
            {"SubmissionDate": "2010-01-03T00:00:00Z", "province": "01", "period": "2009W26",
             "cases_investigated": "two"},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ReportImportError) as raised:
        read_submissions(path)
    found = {(p.line, p.field) for p in raised.value.problems}
    assert (3, "period") in found  # the second submission, naming the first (row 2)
    assert any("row 2" in str(problem) for problem in raised.value.problems)
    assert (4, "period") in found and (4, "cases_investigated") in found


def test_a_kobo_xlsx_export_imports(provinces_db: Database, tmp_path: Path) -> None:
    text = submission_export(
        [{"_submission_time": "2009-12-30T08:15:04", "province": "01", "period": "2009BW26",
          "_uuid": "3c1f7b4e", "cases_investigated": "1", "suspects_arrested": "2"}],
        kobo=True,
    )  # fmt: skip
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for line in text.splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "kobo.xlsx"
    workbook.save(path)
    with provinces_db.session() as session:
        summary, _ = import_submissions(session, path, "odk-import")
    assert summary.submitted == 1
    assert _stored(provinces_db)[("01", "2009BW26", "suspects_arrested", "total")] == 2


def test_the_documented_odk_commands_run_as_written(
    provinces_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "provincial-reporting.md"
    text = docs.read_text(encoding="utf-8")
    block = text.split("<!-- odk commands -->\n```console\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines()
                if line.startswith("tipdata ")]  # fmt: skip
    assert [c.split()[2] for c in commands] == ["xlsform", "import-odk"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / SAMPLE.name).write_bytes(SAMPLE.read_bytes())

    class _System:
        db = provinces_db

    monkeypatch.setattr("tipdata.cli.provincial.system_for", lambda _home: _System())
    for command in commands:
        outcome = CliRunner().invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
    assert (tmp_path / "pwg_biweekly.xlsx").stat().st_size > 0
    assert "2 reports — 2 submitted" in outcome.output


def test_a_negative_count_is_refused_by_the_data_sets_rules_as_on_the_web_form(
    provinces_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "negative.csv"
    path.write_text(
        submission_export([{"SubmissionDate": "2010-01-02T00:00:00Z", "province": "01",
                            "period": "2009BW26", "cases_investigated": "-1"}]),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ReportImportError) as raised, provinces_db.session() as session:
        import_submissions(session, path, "odk-import")
    assert any(p.field == "cases_investigated" for p in raised.value.problems)
    assert _stored(provinces_db) == {}


def _grouped(text: str, separator: str) -> str:
    """The export with every question in a group, as a form with groups exports it."""
    header, rest = text.split("\n", 1)
    header = header.rstrip("\r")
    meta = {"SubmissionDate", "start", "end", "KEY", "SubmitterID", "SubmitterName",
            "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
            "Edits", "FormVersion", "meta-instanceID"}  # fmt: skip
    names = []
    for name in header.split(","):
        group = "where" if name in ("province", "period") else "counts"
        names.append(name if name in meta else f"report{separator}{group}{separator}{name}")
    return ",".join(names) + "\n" + rest


@pytest.mark.parametrize("separator", ["-", "/"])  # ODK Central, KoboToolbox
def test_grouped_question_names_are_read_and_errors_name_the_grouped_column(
    provinces_db: Database, tmp_path: Path, separator: str
) -> None:
    path = tmp_path / "grouped.csv"
    path.write_text(_grouped(SAMPLE.read_text(encoding="utf-8"), separator), encoding="utf-8")
    assert f"report{separator}counts{separator}cases_investigated" in path.read_text()
    with provinces_db.session() as session:
        summary, rejected = import_submissions(session, path, "odk-import")
    assert (summary.reports, summary.submitted, rejected) == (2, 2, 1)
    assert _stored(provinces_db)[("01", "2009BW26", "suspects_arrested", "total")] == 2
    bad = tmp_path / "grouped_bad.csv"
    bad.write_text(
        _grouped(submission_export([{"SubmissionDate": "2010-01-02T00:00:00Z", "province": "03",
                                     "period": "2009BW25", "cases_investigated": "-1"}]),
                 separator),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ReportImportError) as raised, provinces_db.session() as session:
        import_submissions(session, bad, "odk-import")
    assert [p.field for p in raised.value.problems] == [
        f"report{separator}counts{separator}cases_investigated"
    ]


def test_two_groups_giving_one_question_are_refused(tmp_path: Path) -> None:
    text = (
        SAMPLE.read_text(encoding="utf-8")
        .replace(",cases_investigated,", ",a-cases_investigated,", 1)
        .replace(",suspects_arrested,", ",b-cases_investigated,", 1)
    )
    path = tmp_path / "twice.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Exception, match="a-cases_investigated, b-cases_investigated"):
        read_submissions(path)


@pytest.mark.parametrize(
    ("column", "held_back"),
    [("ReviewState", "hasIssues"), ("_validation_status", "On Hold")],
)
def test_a_submission_held_back_by_a_reviewer_is_stored_as_a_draft(
    provinces_db: Database, tmp_path: Path, column: str, held_back: str
) -> None:
    rows = [
        {"SubmissionDate": "2010-01-02T00:00:00Z", "_submission_time": "2010-01-02T00:00:00",
         "province": "01", "period": "2009BW26", "cases_investigated": "1", column: held_back},
        {"SubmissionDate": "2010-01-03T00:00:00Z", "_submission_time": "2010-01-03T00:00:00",
         "province": "02", "period": "2009BW26", "cases_investigated": "2"},
    ]  # fmt: skip
    path = tmp_path / "review.csv"
    path.write_text(submission_export(rows, kobo=column != "ReviewState"), encoding="utf-8")
    with provinces_db.session() as session:
        summary, rejected = import_submissions(session, path, "odk-import")
    assert (summary.submitted, summary.drafts, rejected) == (1, 1, 0)
    t = metadata.tables
    with provinces_db.connect() as connection:
        statuses = dict(
            connection.execute(
                sa.select(t["provincial_report"].c.province_code,
                          sa.cast(t["provincial_report"].c.status, sa.String))
            ).all()
        )  # fmt: skip
    assert statuses == {"01": "draft", "02": "submitted"}
