"""The CTDC profile: the field list kept with its source, the mapping checked against it,
and the demo's victims published k-anonymous (k = 11) and validated column by column."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.reporting.kanonymity import check_k_anonymity
from tipdata.standards.ctdc import (
    FROM_TIPDATA,
    CtdcError,
    age_broad,
    check_ctdc_rows,
    ctdc_victims,
    load_mapping,
    load_profile,
    publish_ctdc,
    write_ctdc,
)
from tipdata.store import Database


def test_the_field_list_is_the_codebooks_27_variables_in_order() -> None:
    profile = load_profile()
    assert len(profile.columns) == 27
    assert profile.columns[:6] == (
        "yearOfRegistration", "gender", "ageBroad", "citizenship", "CountryOfExploitation",
        "traffickMonths",
    )  # fmt: skip
    assert profile.columns[-1] == "recruiterRelationOther"
    assert "meansWithholdDocs" in profile.columns  # Appendix II's name
    assert profile.field("gender").values == ("Man", "Woman", "Trans/Transgender/NonConforming")
    assert profile.field("ageBroad").values[1] == "9--17"
    assert profile.field("citizenship").format == "iso3166_alpha3"
    assert profile.missing == ""


def test_the_mapping_covers_every_exploitation_type_and_names_only_ctdc_columns() -> None:
    mapping = load_mapping()
    assert mapping.exploitation["begging"] == ("isForcedLabour",)
    assert mapping.exploitation["organ_removal"] == ("isOtherExploit",)
    assert mapping.means["withholds_wages"] == "meansDebtBondageEarnings"
    assert mapping.means["other"] is None
    assert mapping.gender == {
        "female": "Woman",
        "male": "Man",
        "other": "Trans/Transgender/NonConforming",
    }


def test_a_mapping_to_a_column_ctdc_does_not_have_names_file_and_line(tmp_path: Path) -> None:
    text = FROM_TIPDATA.read_text(encoding="utf-8").replace(
        "begging: [isForcedLabour]", "begging: [isBegging]"
    )
    path = tmp_path / "from_tipdata.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CtdcError) as raised:
        load_mapping.__wrapped__(path)
    assert raised.value.field == "begging" and raised.value.line is not None


def test_age_bands_follow_the_codebook() -> None:
    assert [age_broad(a) for a in (0, 8, 9, 17, 18, 30, 47, 48, 90, None)] == [
        "0--8", "0--8", "9--17", "9--17", "18--20", "30--38", "39--47", "48+", "48+", "",
    ]  # fmt: skip


def test_a_value_outside_the_categories_is_refused_naming_row_and_column() -> None:
    row = dict.fromkeys(load_profile().columns, "")
    row.update(gender="Woman", citizenship="KHM", isForcedLabour="1")
    check_ctdc_rows([row])
    with pytest.raises(CtdcError) as raised:
        check_ctdc_rows([row, {**row, "citizenship": "KH"}])
    assert (raised.value.line, raised.value.field) == (2, "citizenship")
    with pytest.raises(CtdcError) as raised:
        check_ctdc_rows([{**row, "gender": "Female"}])
    assert raised.value.field == "gender"
    with pytest.raises(CtdcError):
        check_ctdc_rows([{"vic_AgeBroad": "Adult", **row}])  # a column CTDC does not have


def test_the_demo_victims_are_published_k_anonymous_and_fit_the_profile(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    db = sqlite_demo_db[0]
    rows = ctdc_victims(db, date(2008, 1, 1), date(2008, 12, 31))
    check_ctdc_rows(rows)
    assert rows and all(r["yearOfRegistration"] == "2008" for r in rows)
    genders = Counter(r["gender"] for r in rows)
    assert genders["Woman"] > 0 and genders["Man"] > 0
    assert any(r["isSexualExploit"] == "1" for r in rows)
    assert all(r["citizenship"] in ("", *{r["citizenship"] for r in rows}) for r in rows)
    assert all(r["traffickMonths"] == "" and r["recruiterRelationFamily"] == "" for r in rows)
    # means of control from screening indicators answered "yes"
    assert any(r["meansDebtBondageEarnings"] == "1" for r in rows)
    assert any(r["meansWithholdDocs"] == "1" for r in rows)
    release = publish_ctdc(rows)
    assert release.k == 11
    assert check_k_anonymity(release.rows, None, 11) == []
    assert len(release.rows) + release.dropped == len(rows)
    path = write_ctdc(release, tmp_path / "ctdc.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == load_profile().columns
        written = list(reader)
    check_ctdc_rows(written, path)
    assert check_k_anonymity(written, None, 11) == []
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_the_ctdc_command_of_the_docs_runs_as_written(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shlex

    from typer.testing import CliRunner

    from tipdata.cli import app

    text = (Path(__file__).resolve().parents[2] / "docs" / "htcds.md").read_text(encoding="utf-8")
    commands = [
        line
        for block in text.split("```console\n")[1:]
        for line in block.split("```", 1)[0].splitlines()
        if line.startswith("tipdata report ctdc")
    ]
    assert commands == ["tipdata report ctdc --year 2008 --out reports"]

    class _System:
        db = sqlite_demo_db[0]

    monkeypatch.setattr("tipdata.cli.report.system_for", lambda _home: _System())
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(app, shlex.split(commands[0])[1:])
    assert outcome.exit_code == 0, outcome.output
    written = tmp_path / "reports" / "ctdc-victims-2008.csv"
    with written.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    check_ctdc_rows(rows, written)
    assert check_k_anonymity(rows, None, 11) == []
    assert "k = 11" in outcome.output


def test_the_file_is_released_through_the_gate_and_stored_with_the_release(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    from tipdata.reporting.releases import file_sha256
    from tipdata.standards.ctdc_release import NOT_GIVEN, release_ctdc

    db = sqlite_demo_db[0]
    result = release_ctdc(db, 2008, tmp_path, actor=None)
    release = result.released.release
    assert release.report_kind == "ctdc_profile" and release.threshold == 10
    assert release.files[result.path.name] == file_sha256(result.path)  # stored with it
    assert (tmp_path / "ctdc-2008-published.csv").exists()  # the gate's own file
    with result.path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and check_k_anonymity(rows, None, 11) == []
    # every count the file discloses went through the gate and was published unchanged
    published = {t.table.name: t for t in result.released.published.tables}
    assert "ctdc_yearOfRegistration" in published
    for name, table in published.items():
        column = name.removeprefix("ctdc_")
        counts = Counter(row[column] or NOT_GIVEN for row in rows)
        for value, count in counts.items():
            assert table.cell(value, "Total").value == count, (name, value)
        assert all(c == 0 or c >= 11 for c in counts.values())


def test_a_threshold_above_k_is_refused_before_anything_is_written(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    from tipdata.standards.ctdc_release import release_ctdc

    with pytest.raises(CtdcError, match="threshold of 12 needs k >= 12"):
        release_ctdc(sqlite_demo_db[0], 2008, tmp_path, actor=None, threshold=12)
    assert list(tmp_path.iterdir()) == []
