"""Provincial reports to DHIS2 and back: round trip, leaf combos, refusals, the CLI and docs."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tipdata.cli import app
from tipdata.errors import DataFileError
from tipdata.model.enums import ReportStatus
from tipdata.provincial.datasets import load_data_set
from tipdata.provincial.report_rows import report_values
from tipdata.provincial.submissions import submit
from tipdata.standards.dhis2_exchange import (
    PartialMarginError,
    export_reports,
    import_file,
    leaf_values,
)
from tipdata.standards.dhis2_formats import read_adx, read_json
from tipdata.standards.dhis2_mapping import load_mapping
from tipdata.store import Database, ProvincialReport

DOCS = Path(__file__).resolve().parents[2] / "docs" / "dhis2-exchange.md"


def _figures(db: Database) -> dict[tuple[str, str], tuple[str, dict[str, int]]]:
    """Every stored report: its status and its leaf values, entered or implied."""
    data_set, mapping = load_data_set(), load_mapping()
    with db.session() as session:
        rows = session.scalars(sa.select(ProvincialReport)).all()
        return {
            (r.province_code, r.period_code): (
                r.status.value,
                {
                    ".".join(k): v
                    for k, v in leaf_values(data_set, mapping, report_values(r)).items()
                },
            )
            for r in rows
        }


def _entered(db: Database) -> dict[tuple[str, str], dict[tuple[str, str], int | None]]:
    with db.session() as session:
        rows = session.scalars(sa.select(ProvincialReport)).all()
        return {(r.province_code, r.period_code): report_values(r) for r in rows}


def _delete_reports(db: Database) -> None:
    with db.session() as session:
        for row in session.scalars(sa.select(ProvincialReport)).all():
            session.delete(row)


@pytest.mark.parametrize("file_format", ["json", "csv", "adx"])
@pytest.mark.parametrize("id_scheme", ["uid", "code"])
def test_export_then_import_gives_identical_values(
    reports_db: Database, tmp_path: Path, file_format: str, id_scheme: str
) -> None:
    with reports_db.session() as session:
        result = export_reports(session, file_format=file_format, id_scheme=id_scheme)  # type: ignore[arg-type]
    assert (result.reports, result.values) == (2, 9 + 7)  # drafts are not sent
    before = {k: v for k, v in _figures(reports_db).items() if v[0] == "submitted"}
    entered = _entered(reports_db)
    file = tmp_path / f"out.{'xml' if file_format == 'adx' else file_format}"
    file.write_text(result.text, encoding="utf-8")
    _delete_reports(reports_db)
    with reports_db.session() as session:
        summary = import_file(session, file, "dhis2")
    after = _figures(reports_db)
    # every figure entered before is the same after: entered again, or implied by the leaves
    data_set = load_data_set()
    for key, values in _entered(reports_db).items():
        for value_key, value in entered[key].items():
            assert data_set.value(values, value_key) == value, (key, value_key)
    if file_format == "adx":  # ADX carries the completion date: reports come back submitted
        assert summary.submitted == 2
        assert after == before
        with reports_db.session() as session:
            row = session.scalars(
                sa.select(ProvincialReport).where(ProvincialReport.province_code == "02")
            ).one()
            assert row.submitted_at is not None
    else:  # the bulk form has no completion date: drafts, same figures
        assert summary.drafts == 2
        assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}


def test_the_53rd_week_travels_as_biw27_and_its_14_days(reports_db: Database) -> None:
    with reports_db.session() as session:
        text = export_reports(session, file_format="adx", id_scheme="code").text
    assert 'period="2009-12-28/P14D"' in text
    assert 'completeDate="2010-01-08"' in text
    assert {v.period for v in read_adx(text).values} == {"2008BiW3", "2009BiW27"}


def test_every_exported_value_has_a_leaf_combo_and_the_implied_leaf_is_sent(
    reports_db: Database,
) -> None:
    mapping = load_mapping()
    with reports_db.session() as session:
        content = read_json(export_reports(session, file_format="json", id_scheme="code").text)
    combos = set(
        mapping.definition.category_option_combos[k].code
        for k in mapping.definition.category_option_combos
    )
    assert {v.category_option_combo for v in content.values} <= combos
    province_02 = {
        (v.data_element, v.category_option_combo): v.value
        for v in content.values
        if v.org_unit == "KH_PROV_02"
    }
    assert province_02 == {
        ("TIP_VICTIMS_IDENTIFIED", "FEMALE_CHILD"): "3",
        ("TIP_VICTIMS_IDENTIFIED", "FEMALE_ADULT"): "2",  # female 5 - female_child 3
        ("TIP_VICTIMS_IDENTIFIED", "MALE_CHILD"): "1",
        ("TIP_VICTIMS_IDENTIFIED", "MALE_ADULT"): "3",
        ("TIP_VICTIMS_REFERRED", "FEMALE_CHILD"): "1",
        ("TIP_VICTIMS_REFERRED_UNALLOCATED", "default"): "3",  # 4 - 1
        ("TIP_CASES_INVESTIGATED", "default"): "0",
    }


def test_a_partial_margin_is_refused_naming_the_report(reports_db: Database) -> None:
    with reports_db.session() as session:
        submit(
            session,
            "pwg",
            "04",
            "2008BW04",
            {"victims_identified.female": 3, "cases_investigated": 1},
            at=datetime(2008, 2, 20, tzinfo=UTC),
        )
    with reports_db.session() as session, pytest.raises(PartialMarginError) as caught:
        export_reports(session, file_format="json")
    assert caught.value.province == "04"
    assert caught.value.key == ("victims_identified", "female")
    assert "2008BiW4" in str(caught.value) and "female_child, female_adult" in str(caught.value)


def test_a_total_smaller_than_its_known_parts_is_refused() -> None:
    values = {("victims_referred", "total"): 1, ("victims_referred", "male_adult"): 2}
    with pytest.raises(PartialMarginError, match="male_child"):
        leaf_values(load_data_set(), load_mapping(), values)


def test_leaf_values_refuses_a_margin_its_parts_contradict() -> None:
    data_set = load_data_set()
    values = {
        ("victims_identified", "female"): 4,
        ("victims_identified", "female_child"): 1,
        ("victims_identified", "female_adult"): 1,
    }
    with pytest.raises(PartialMarginError, match="is 4 while its parts add up to 2"):
        leaf_values(data_set, load_mapping(), values)


def _single_set(**changes: object) -> dict[str, object]:
    """A document in the documented single-set form, with the shipped mapping's uids."""
    mapping = load_mapping()
    document: dict[str, object] = {
        "dataSet": mapping.data_set_id("uid"),
        "completeDate": "2008-02-12",
        "period": "2008BiW3",
        "orgUnit": mapping.org_unit_id("05", "uid"),
        "attributeOptionCombo": mapping.attribute_option_combo_id("uid"),
        "dataValues": [
            {
                "dataElement": mapping.element_id("victims_identified", "uid"),
                "categoryOptionCombo": mapping.combo_id("female_child", "uid"),
                "value": "2",
                "comment": "from the district",
            },
            {
                "dataElement": mapping.element_id("suspects_arrested", "uid"),
                "categoryOptionCombo": mapping.combo_id("total", "uid"),
                "value": "1",
            },
        ],
    }
    document.update(changes)
    return document


def test_the_documented_single_set_json_imports_as_a_submitted_report(
    reports_db: Database, tmp_path: Path
) -> None:
    file = tmp_path / "set.json"
    file.write_text(json.dumps(_single_set()), encoding="utf-8")
    with reports_db.session() as session:
        summary = import_file(session, file, "dhis2")
    assert (summary.reports, summary.submitted) == (1, 1)
    with reports_db.session() as session:
        row = session.scalars(
            sa.select(ProvincialReport).where(ProvincialReport.province_code == "05")
        ).one()
        assert row.status is ReportStatus.SUBMITTED
        assert report_values(row) == {
            ("victims_identified", "female_child"): 2,
            ("suspects_arrested", "total"): 1,
        }
        assert row.submitted_at is not None
        assert row.submitted_at.replace(tzinfo=UTC).astimezone().date() >= date(2008, 2, 12)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"orgUnit": "Zz000000000"}, "orgUnit", "org unit not in the mapping"),
        ({"period": "200802"}, "period", "reported by bi_week"),
        ({"period": "2008BiW27"}, "period", "bi-week number"),
        ({"attributeOptionCombo": "Zz000000000"}, "attributeOptionCombo", "attribute option"),
    ],
)
def test_bad_values_are_refused_naming_file_row_and_field(
    reports_db: Database, tmp_path: Path, change: dict[str, object], field: str, message: str
) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(_single_set(**change)), encoding="utf-8")
    with reports_db.session() as session, pytest.raises(DataFileError) as caught:
        import_file(session, file, "dhis2")
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(file), 1, field)
    assert message in str(caught.value)


def test_a_margin_combo_is_refused(reports_db: Database, tmp_path: Path) -> None:
    mapping = load_mapping()
    document = _single_set()
    values = document["dataValues"]
    assert isinstance(values, list)
    values[1]["dataElement"] = mapping.element_id("victims_identified", "uid")  # default combo
    file = tmp_path / "margin.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    with reports_db.session() as session, pytest.raises(DataFileError) as caught:
        import_file(session, file, "dhis2")
    assert caught.value.line == 2 and caught.value.field == "categoryOptionCombo"
    assert "not a leaf category option combo" in str(caught.value)


def _documented_commands() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("```console\n", 1)[1].split("```", 1)[0]
    return [
        line.split("  #", 1)[0].strip()
        for line in block.splitlines()
        if line.startswith("tipdata ")
    ]


class _System:
    def __init__(self, db: Database) -> None:
        self.db = db


def test_the_dhis2_commands_of_the_docs_run_as_written(
    reports_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tipdata.cli.dhis2.system_for", lambda _home: _System(reports_db))
    monkeypatch.chdir(tmp_path)
    commands = _documented_commands()
    assert [c.split()[2] for c in commands] == ["export", "export", "export", "import"]
    runner = CliRunner()
    before = _figures(reports_db)
    for command in commands:
        if command.startswith("tipdata dhis2 import"):
            _delete_reports(reports_db)  # the receiving database: another instance
        outcome = runner.invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
    assert (tmp_path / "reports.json").is_file() and (tmp_path / "reports.csv").is_file()
    assert "2 reports — 2 submitted, 0 drafts, 0 unchanged" in outcome.output
    assert _figures(reports_db) == {k: v for k, v in before.items() if v[0] == "submitted"}
    csv_lines = (tmp_path / "reports.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 1 + 7  # --year 2009: province 02's seven values
