"""Bulk import and completeness of provincial reports, on the demo file and tiny inline files."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tipdata.cli import app
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model.enums import ReportStatus
from tipdata.periods import bi_week_of, parse_period
from tipdata.provincial import (
    ReportImportError,
    completeness_report,
    get_report,
    import_reports,
    submit,
)
from tipdata.store import Database, ProvincialReport
from tipdata.store.refdata import sync_reference_data

ELEMENTS = (
    "victims_identified_female_child",
    "victims_identified_female_adult",
    "victims_identified_male_child",
    "victims_identified_male_adult",
    "victims_referred",
    "cases_investigated",
    "suspects_arrested",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo files at a small scale (the PWG file has the same size at every scale)."""
    from tipdata.demo import generate

    out = tmp_path_factory.mktemp("demo")
    generate(year=2008, scale=0.02, seed=7, out=out)
    return out


@pytest.fixture
def pwg_db(db: Database) -> Database:
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def _count_reports(db: Database) -> int:
    with db.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(ProvincialReport)) or 0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_demo_file_imports_as_sent_and_matches_the_ground_truth(
    pwg_db: Database, demo: Path
) -> None:
    file = demo / "pwg_biweekly_2008.csv"
    sent = _rows(file)
    truth = {
        (row["province_code"], int(row["period"])): row
        for row in _rows(demo / "ground_truth" / "pwg_true_values.csv")
    }
    with pwg_db.session() as session:
        summary = import_reports(session, file, "demo")
    assert (summary.format, summary.reports, summary.submitted) == (
        "wide_csv",
        len(sent),
        len(sent),
    )

    with pwg_db.session() as session:
        stored = {
            (r.province_code, r.period_code): r
            for r in session.scalars(sa.select(ProvincialReport))
        }
        # exactly the reports the truth says were sent, one per province and period
        expected_keys = {
            (code, f"2008BW{number:02d}")
            for (code, number), row in truth.items()
            if row["submitted"] == "1"
        }
        assert set(stored) == expected_keys
        exact = total = 0
        for row in sent:
            code = row["Report ID"].split("-")[1]
            view = get_report(session, code, f"2008BW{int(row['Period']):02d}")
            assert view is not None and view.status is ReportStatus.SUBMITTED
            true_row = truth[(code, int(row["Period"]))]
            for column in ELEMENTS:
                element, _, rest = (
                    column.partition("_female_")
                    if "_female_" in column
                    else (column.partition("_male_"))
                )
                key = (element, column[len(element) + 1 :]) if rest else (column, "total")
                assert view.values[key] == int(row[column])  # stored exactly as sent
                assert view.values[key] <= int(true_row[column])  # under-reported, never over
                total += 1
                exact += view.values[key] == int(true_row[column])
    assert exact / total > 0.9  # the generator under-reports a few values on purpose


def test_reimporting_the_same_file_changes_nothing(pwg_db: Database, demo: Path) -> None:
    file = demo / "pwg_biweekly_2008.csv"
    with pwg_db.session() as session:
        first = import_reports(session, file, "demo")
    with pwg_db.session() as session:
        again = import_reports(session, file, "demo")
    assert (again.submitted, again.unchanged) == (0, first.reports)


def test_completeness_of_the_demo_shows_missing_and_late_reports(
    pwg_db: Database, demo: Path
) -> None:
    file = demo / "pwg_biweekly_2008.csv"
    sent = _rows(file)
    with pwg_db.session() as session:
        import_reports(session, file, "demo")
        result = completeness_report(session, year=2008, as_of=date(2009, 3, 31))
    national = result.report.national
    assert national.expected == 24 * 26
    assert national.received == len(sent)
    assert national.overdue == 24 * 26 - len(sent) == len(result.overdue)
    assert national.pending == 0
    assert 0 < national.on_time < national.received
    assert len(result.late) == national.received - national.on_time
    assert all(0 <= r.completeness <= 1 for r in result.report.by_org_unit.values())  # type: ignore[operator]
    assert sum(p.missing for p in result.provinces) == national.overdue
    assert result.national_missing == national.overdue
    assert result.national_statuses["submitted"] == len(sent)
    assert sum(result.national_statuses.values()) == len(sent)
    listed = result.late_and_overdue  # the one list both fronts show
    assert len(listed) == len(result.late) + len(result.overdue)
    assert [r.days_late for r in listed] == sorted((r.days_late for r in listed), reverse=True)
    assert result.overdue[0].days_late >= result.overdue[-1].days_late
    # the file's own dates agree with the late list for the reports it calls late
    late_keys = {(r.org_unit, r.period.code) for r in result.late}
    for row in sent:
        period = bi_week_of(date.fromisoformat(row["Period Start"]))
        submitted = date.fromisoformat(row["Submitted At"][:10])
        if (submitted - date.fromisoformat(row["Period End"])).days > 6:
            assert (row["Report ID"].split("-")[1], period.code) in late_keys


def test_on_time_boundary_is_the_end_of_the_due_day(pwg_db: Database) -> None:
    period = parse_period("2008BW03")  # ends Sunday 2008-02-10, due 2008-02-15 (5 days)
    from datetime import datetime

    with pwg_db.session() as session:
        submit(
            session,
            "pwg",
            "01",
            period,
            {"cases_investigated": 0},
            at=datetime(2008, 2, 15, 23, 59),
        )
        submit(
            session, "pwg", "02", period, {"cases_investigated": 0}, at=datetime(2008, 2, 16, 0, 0)
        )
        result = completeness_report(session, periods=[period], as_of=date(2008, 2, 20))
    assert result.report.by_org_unit["01"].on_time == 1
    assert [(r.org_unit, r.days_late, r.kind) for r in result.late] == [("02", 1, "late")]
    assert result.report.national.expected == 24
    assert result.report.national.overdue == 22
    early = None
    with pwg_db.session() as session:
        early = completeness_report(session, periods=[period], as_of=date(2008, 2, 15))
    assert (early.report.national.received, early.report.national.pending) == (1, 23)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


WIDE_HEADER = "Report ID,Province,Period,Period Start,Period End,Submitted At," + ",".join(ELEMENTS)


def test_bad_rows_name_file_row_and_field_and_nothing_is_stored(
    pwg_db: Database, tmp_path: Path
) -> None:
    file = _write(
        tmp_path / "bad.csv",
        "\n".join(
            [
                WIDE_HEADER,
                "A,Kampot,3,2008-01-29,2008-02-11,2008-02-14 09:00,0,1,0,0,1,0,0",
                "B,Atlantis,3,2008-01-29,2008-02-11,2008-02-14 09:00,0,1,0,0,1,0,0",
                "C,Takeo,3,2008-01-29,2008-02-11,2008-02-14 09:00,0,x,0,0,1,0,0",
                "D,Kep,3,2008-01-29,11/02/2008,2008-02-14 09:00,0,1,0,0,1,0,0",
            ]
        )
        + "\n",
    )
    with pwg_db.session() as session, pytest.raises(ReportImportError) as caught:
        import_reports(session, file, "test")
    assert [(p.file, p.line, p.field) for p in caught.value.problems] == [
        (str(file), 3, "Province"),
        (str(file), 4, "victims_identified_female_adult"),
        (str(file), 5, "Period End"),
    ]
    assert "bad.csv, line 3, field 'Province'" in str(caught.value)
    assert _count_reports(pwg_db) == 0


def test_a_report_breaking_an_error_rule_rejects_the_whole_file(
    pwg_db: Database, tmp_path: Path
) -> None:
    file = _write(
        tmp_path / "long.csv",
        "province,period,data_element,disaggregation,value,submitted_at\n"
        "01,2008BW03,cases_investigated,,1,2008-02-12 10:00\n"
        "02,2008BW03,victims_identified,female,2,2008-02-12 10:00\n"
        "02,2008BW03,victims_identified,male,0,2008-02-12 10:00\n"
        "02,2008BW03,victims_identified,total,3,2008-02-12 10:00\n",
    )
    with pwg_db.session() as session, pytest.raises(ReportImportError) as caught:
        import_reports(session, file, "test")
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "victims_identified.total")]
    assert _count_reports(pwg_db) == 0


def test_long_csv_and_json_import(pwg_db: Database, tmp_path: Path) -> None:
    long_file = _write(
        tmp_path / "long.csv",
        "province,period,data_element,disaggregation,value,submitted_at\n"
        "Kampot,2008BW03,victims_identified,female,2,2008-02-12 10:00\n"
        "Kampot,2008BW03,victims_identified,male,0,2008-02-12 10:00\n"
        "Kampot,2008BW03,cases_investigated,,,2008-02-12 10:00\n"
        "Takeo,2008BW04,suspects_arrested,total,1,\n",
    )
    json_file = _write(
        tmp_path / "reports.json",
        json.dumps(
            {
                "data_set": "PWG_BIWEEKLY",
                "reports": [
                    {
                        "province": "Kep",
                        "period": "2008BW03",
                        "submitted_at": "2008-02-13T08:30",
                        "values": {"victims_referred": 0, "victims_identified.child": 1},
                    }
                ],
            }
        ),
    )
    with pwg_db.session() as session:
        long_summary = import_reports(session, long_file, "test")
        json_summary = import_reports(session, json_file, "test")
        kampot = get_report(session, "07", "2008BW03")
        takeo = get_report(session, "21", "2008BW04")
        kep = get_report(session, "23", "2008BW03")
    assert (long_summary.format, long_summary.submitted, long_summary.drafts) == ("long_csv", 1, 1)
    assert (json_summary.format, json_summary.submitted) == ("json", 1)
    assert kampot is not None and kampot.values == {
        ("cases_investigated", "total"): None,
        ("victims_identified", "female"): 2,
        ("victims_identified", "male"): 0,
    }
    assert takeo is not None and takeo.status is ReportStatus.DRAFT
    assert kep is not None and kep.values[("victims_referred", "total")] == 0


def test_json_errors_name_the_report_and_field(pwg_db: Database, tmp_path: Path) -> None:
    file = _write(
        tmp_path / "bad.json",
        json.dumps([{"province": "Kep", "period": "2008BW03", "values": {"victims_found": 1}}]),
    )
    with pwg_db.session() as session, pytest.raises(ReportImportError) as caught:
        import_reports(session, file, "test")
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (1, "reports[0].values.victims_found")
    ]


def test_a_second_report_of_a_province_and_period_is_refused_in_both_layouts(
    pwg_db: Database, tmp_path: Path
) -> None:
    wide = _write(
        tmp_path / "twice.csv",
        "\n".join(
            [
                WIDE_HEADER,
                "A,Kampot,3,2008-01-29,2008-02-11,2008-02-14 09:00,0,1,0,0,1,0,0",
                "B,Takeo,3,2008-01-29,2008-02-11,2008-02-14 09:00,0,1,0,0,1,0,0",
                "C,Kampot,3,2008-01-29,2008-02-11,2008-02-15 09:00,0,2,0,0,1,0,0",
            ]
        )
        + "\n",
    )
    report = {"province": "Kep", "period": "2008BW03", "values": {"victims_referred": 0}}
    per_report = _write(tmp_path / "twice.json", json.dumps([report, report]))
    refusals = []
    for file in (wide, per_report):
        with pwg_db.session() as session, pytest.raises(ReportImportError) as caught:
            import_reports(session, file, "test")
        refusals += [(p.file, p.line, p.field, p.message) for p in caught.value.problems]
    assert refusals == [
        (str(wide), 4, "Period", "second report of the same province and period (row 2)"),
        (
            str(per_report),
            2,
            "reports[1].period",
            "second report of the same province and period (report 1)",
        ),
    ]
    assert _count_reports(pwg_db) == 0


def test_cli_import_submit_and_completeness(tmp_path: Path, demo: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    assert runner.invoke(app, ["codelists", "load", *home]).exit_code == 0
    imported = runner.invoke(
        app, ["provincial", "import", str(demo / "pwg_biweekly_2008.csv"), *home]
    )
    assert imported.exit_code == 0, imported.output
    assert "submitted" in imported.output
    values = _write(tmp_path / "values.json", json.dumps({"cases_investigated": 1}))
    missing_period = None
    for row in _rows(demo / "ground_truth" / "pwg_true_values.csv"):
        if row["submitted"] == "0":
            missing_period = (row["province_code"], f"2008BW{int(row['period']):02d}")
            break
    assert missing_period is not None
    submitted = runner.invoke(
        app, ["provincial", "submit", *missing_period, "--values", str(values), *home]
    )
    assert submitted.exit_code == 0, submitted.output
    assert "submitted" in submitted.output
    report = runner.invoke(
        app, ["provincial", "completeness", "--year", "2008", "--as-of", "2009-03-31", *home]
    )
    assert report.exit_code == 0, report.output
    assert "624" in report.output and "overdue" in report.output
    bad = runner.invoke(app, ["provincial", "submit", "Atlantis", "2008BW03", *home])
    assert bad.exit_code == 2
    assert "unknown province" in bad.output


def test_cli_refused_submission_keeps_the_values_as_the_draft_as_the_web_does(
    tmp_path: Path,
) -> None:
    from tipdata.settings import Settings
    from tipdata.system import System

    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    assert runner.invoke(app, ["db", "upgrade", *home]).exit_code == 0
    assert runner.invoke(app, ["codelists", "load", *home]).exit_code == 0
    wrong = {
        "victims_identified": 5,  # its parts add up to 3
        "victims_identified.female_child": 1,
        "victims_identified.female_adult": 2,
        "victims_identified.male_child": 0,
        "victims_identified.male_adult": 0,
        "cases_investigated": 1,
    }
    values = _write(tmp_path / "wrong.json", json.dumps(wrong))
    refused = runner.invoke(
        app, ["provincial", "submit", "12", "2008BW03", "--values", str(values), *home]
    )
    assert refused.exit_code == 2
    assert "error breakdowns_sum_to_totals:" in refused.output
    assert "not submitted: the values are kept as the draft" in refused.output

    system = System.from_settings(Settings(home=tmp_path / "home"))
    with system.db.session() as session:
        draft = get_report(session, "12", "2008BW03")
    assert draft is not None
    assert (draft.status, draft.version) == (ReportStatus.DRAFT, 1)
    assert draft.values[("victims_identified", "total")] == 5

    fixed = _write(
        tmp_path / "fixed.csv",
        "data_element,disaggregation,value\n"
        "victims_identified,,3\n"
        "victims_identified,female_child,1\n"
        "victims_identified,female_adult, 2 \n"
        "victims_identified,male_child,0\n"
        "victims_identified,male_adult,0\n"
        "cases_investigated,,1\n",
    )
    submitted = runner.invoke(
        app, ["provincial", "submit", "12", "2008BW03", "--values", str(fixed), *home]
    )
    assert submitted.exit_code == 0, submitted.output
    assert (
        "province 12 2008BW03: submitted (version 3)" in submitted.output
    )  # saved, then submitted


def test_cli_values_file_counts_are_read_as_the_web_form_reads_them(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    bad = _write(
        tmp_path / "bad.csv",
        "data_element,disaggregation,value\ncases_investigated,,1\nsuspects_arrested,,1.5\n",
    )
    result = runner.invoke(
        app, ["provincial", "submit", "12", "2008BW03", "--values", str(bad), *home]
    )
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "line 3" in result.output
    assert "value" in result.output and "a count must be a whole number or blank" in result.output
