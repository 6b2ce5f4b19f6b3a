"""HTCDS 2.0 read from the standard's own files; the victim export checked against it."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.standards.htcds import (
    EXPORT_FIELDS,
    FROM_TIPDATA,
    HtcdsError,
    check_rows,
    htcds_victims,
    load_mapping,
    load_standard,
    write_htcds_victims,
)
from tipdata.store import Database


def test_the_standard_is_read_from_its_own_files() -> None:
    standard = load_standard()
    core = [f for f in standard.fields.values() if f.core and f.status != "DEPRECATED"]
    assert len(core) == 38  # HTCDS 2.0's core fields
    exploitation = standard.fields["vic_TypeOfExploitation"]
    assert exploitation.multi_select and exploitation.core
    assert exploitation.values == (
        "ForcedLabour",
        "SexualExploitation",
        "ChildLabour",
        "ForcedMarriage",
        "Servitude",
        "ForcedMilitaryByNonStateActors",
        "OrganRemoval",
        "ForcedBegging",
        "ForcedAdoption",
        "Surrogacy",
        "Other",
    )
    assert standard.fields["prs_Gender"].values[:2] == ("Feminine", "Masculine")
    assert not standard.fields["vic_ForcedLabourIndustry"].multi_select
    assert standard.fields["vic_ForcedLabourIndustry"].values[5] == "F_Construction"
    assert standard.fields["vic_Vulnerabilities"].status == "DEPRECATED"
    assert {"KH", "TH", "VN"} <= standard.countries and "KHM" not in standard.countries
    assert len(standard.countries) == 249


def test_every_export_field_is_a_current_htcds_2_field() -> None:
    standard = load_standard()
    for name in EXPORT_FIELDS:
        assert standard.fields[name].status == "DRAFT", (
            name
        )  # HTCDS 2.0 marks all live fields DRAFT


def test_the_mapping_covers_every_exploitation_type_of_tipdata() -> None:
    from tipdata.codelists import load_codelists

    mapping = load_mapping()
    codes = {t.code for t in load_codelists().exploitation_types}
    assert set(mapping.exploitation) == codes
    assert mapping.exploitation["begging"] == {"vic_TypeOfExploitation": "ForcedBegging"}
    assert mapping.exploitation["labour_fishing"]["vic_ForcedLabourIndustry"] == (
        "A_AgricultureForestryAndFishing"
    )
    assert mapping.gender == {
        "female": "Feminine",
        "male": "Masculine",
        "other": "NonConforming",
        "unknown": "NonSpecifiedUnknown",
    }


def test_a_mapping_value_outside_the_picklist_names_file_and_line(tmp_path: Path) -> None:
    text = FROM_TIPDATA.read_text(encoding="utf-8").replace("female: Feminine", "female: Female")
    path = tmp_path / "from_tipdata.yaml"
    path.write_text(text, encoding="utf-8")
    load_mapping.cache_clear()
    try:
        with pytest.raises(HtcdsError) as caught:
            load_mapping(path)
    finally:
        load_mapping.cache_clear()
    assert caught.value.line == 9 and caught.value.field == "prs_Gender.female"
    assert caught.value.value == "Female"


@pytest.mark.parametrize(
    ("row", "field", "value"),
    [
        ({"prs_Gender": "Female"}, "prs_Gender", "Female"),  # HTCDS 0.1's value
        ({"prs_Citizenship": "KHM"}, "prs_Citizenship", "KHM"),  # alpha-3
        (
            {"vic_TypeOfExploitation": "ForcedLabour,ForcedBegging"},
            "vic_TypeOfExploitation",
            "ForcedLabour,ForcedBegging",
        ),
        (
            {"vic_ForcedLabourIndustry": "F_Construction;C_Manufacturing"},
            "vic_ForcedLabourIndustry",
            "F_Construction;C_Manufacturing",
        ),
        ({"vic_AgeBroad": "Minor"}, "vic_AgeBroad", None),  # a CTDC column, not HTCDS
        ({"vic_Vulnerabilities": ""}, "vic_Vulnerabilities", None),  # deprecated in 2.0
    ],
)
def test_check_rows_refuses_what_is_not_htcds_2(
    row: dict[str, str], field: str, value: str | None
) -> None:
    with pytest.raises(HtcdsError) as caught:
        check_rows([{"prs_Gender": "Feminine"}, row])
    assert (caught.value.line, caught.value.field, caught.value.value) == (2, field, value)


def test_multi_select_is_semicolon_separated() -> None:
    check_rows([{"vic_TypeOfExploitation": "ForcedLabour;ForcedBegging", "prs_Citizenship": "KH"}])


def test_the_demo_victims_export_validates_against_the_standard(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    db, _truth, _delivery = sqlite_demo_db
    export = htcds_victims(db, date(2008, 1, 1), date(2008, 12, 31))
    assert export.rows
    path = write_htcds_victims(export, tmp_path / "htcds.csv")
    with path.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert list(written[0]) == list(EXPORT_FIELDS)
    check_rows(written, path)  # every value of the file in the standard's picklists
    genders = {row["prs_Gender"] for row in written}
    assert genders <= {"Feminine", "Masculine", "NonConforming", "NonSpecifiedUnknown"}
    assert "Feminine" in genders and "Masculine" in genders
    assert {row["prs_Citizenship"] for row in written} - {""} <= load_standard().countries
    assert any(row["prs_Citizenship"] == "KH" for row in written)
    forms = {v for row in written for v in row["vic_TypeOfExploitation"].split(";") if v}
    assert {"SexualExploitation", "ForcedLabour"} <= forms
    assert path.stat().st_mode & 0o077 == 0  # case-level: owner only


def test_means_of_control_and_indicators_use_htcds_2_value_names() -> None:
    from tipdata.codelists import load_codelists
    from tipdata.screening.indicators import indicator_set
    from tipdata.standards.htcds import methods_given

    picklist = load_standard().fields["vic_MethodsOfControl"]
    assert picklist.multi_select and "RestrictsMovement" not in picklist.values
    means = {term.code: term.htcds for term in load_codelists().means_of_control}
    assert set(means.values()) <= set(picklist.values)  # read from the ODS, not typed
    for indicator in indicator_set().indicators:
        assert indicator.htcds in picklist.values, indicator.code
        if indicator.means:  # the indicator's own value agrees with its means'
            assert indicator.htcds == means[indicator.means], indicator.code
    given = methods_given()
    assert given["debt_bondage"] == "DebtBondage"
    assert given["movement_restricted"] == "Other"  # HTCDS 2.0 names no restricted movement
    # each value the import reads answers an indicator whose means gives it back
    assert all(given[i] == v for v, i in load_mapping().methods_read_as.items())


def test_a_methods_entry_whose_indicator_gives_another_value_names_file_and_line(
    tmp_path: Path,
) -> None:
    text = FROM_TIPDATA.read_text(encoding="utf-8").replace(
        "DebtBondage: debt_bondage", "DebtBondage: threats"
    )
    path = tmp_path / "from_tipdata.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HtcdsError) as raised:
        load_mapping.__wrapped__(path)
    assert raised.value.line is not None and "threats" in str(raised.value)
