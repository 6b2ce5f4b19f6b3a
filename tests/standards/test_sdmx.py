"""SDG 16.2.2 as SDMX-CSV: the SDG DSD read from its file, the export released through the
gate, checked against the code lists and parsed by an SDMX library (pysdmx)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import shlex
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.cli import app
from tipdata.settings import load_settings
from tipdata.standards.sdmx import (
    POPULATION_FILE,
    STRUCTURE_FILE,
    Population,
    SdmxError,
    check_sdmx_rows,
    form_series,
    load_population,
    population_for,
    release_sdg,
    sdg_report,
    sdg_structure,
)
from tipdata.store import Database


def test_the_sdg_structure_is_read_from_the_kept_file() -> None:
    with gzip.open(STRUCTURE_FILE, "rb") as handle:  # unchanged since it was taken (SOURCE.md)
        assert hashlib.sha256(handle.read()).hexdigest() == (
            "cc1d3b3d036fa12b77906701c6b08228356379cc694840e55b1d2aa87800a451"
        )
    structure = sdg_structure()
    assert structure.dimensions[:6] == (
        "FREQ",
        "REPORTING_TYPE",
        "SERIES",
        "REF_AREA",
        "SEX",
        "AGE",
    )
    assert structure.dimensions[-1] == "TIME_PERIOD" and len(structure.dimensions) == 16
    assert {"OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE"} <= structure.mandatory
    assert {"VC_HTF_DETV", "VC_HTF_DETVR", "VC_HTF_DETVSXR"} <= structure.codes["SERIES"]
    assert structure.series_names["VC_HTF_DETVFL"].startswith(
        "Detected victims of human trafficking for forced labour, servitude and slavery"
    )
    assert {"Y0T17", "Y_GE18", "_T"} <= structure.codes["AGE"]
    assert "116" in structure.codes["REF_AREA"]  # Cambodia, M49
    assert "PER_100000_POP" in structure.codes["UNIT_MEASURE"]


def test_every_form_of_exploitation_has_a_series_of_the_dsd() -> None:
    series = form_series()
    assert series.groups == ("VC_HTF_DETVSX", "VC_HTF_DETVFL", "VC_HTF_DETVOP", "VC_HTF_DETVOG")
    assert series.forms["begging"] == "VC_HTF_DETVOP"
    assert series.rate("VC_HTF_DETVOG") == "VC_HTF_DETVOGR"


def test_population_is_chosen_by_year_with_its_source() -> None:
    figures = load_population()
    assert population_for(2008, figures)[("total", "total")].population == 13_395_682
    later = population_for(2015, figures)  # no projection in the file: the 2008 census
    assert later[("female", "total")].year == 2008
    assert population_for(2019, figures)[("male", "total")].population == 7_571_336
    assert population_for(2007, figures) == {}
    projection = Population(2015, "total", "total", 15_000_000, "projection", "NIS projection")
    assert population_for(2015, (*figures, projection)) == {("total", "total"): projection}
    assert all(f.source.startswith("National Institute of Statistics") for f in figures)


def test_the_2008_census_by_age_band_confirms_the_totals_and_gives_no_child_denominator() -> None:
    """The 2008 census by sex and 5-year band (SOURCE.md) sums to population.csv's figures;
    its bands straddle 18, so no under-18 rate can be computed from it."""
    bands_file = POPULATION_FILE.with_name("population_2008_age_bands.csv")
    with bands_file.open(encoding="utf-8") as handle:
        bands = list(csv.DictReader(handle))
    assert all(row["source"] and row["kind"] == "census" for row in bands)
    totals = {
        sex: sum(int(row["population"]) for row in bands if row["sex"] == sex)
        for sex in ("female", "male")
    }
    census = population_for(2008, load_population())
    assert totals == {sex: census[(sex, "total")].population for sex in ("female", "male")}
    assert totals == {"female": 6_879_628, "male": 6_516_054}
    starts = sorted({int(row["age_from"]) for row in bands})
    assert 18 not in starts and 15 in starts  # 15-19 holds children and adults
    assert ("female", "child") not in census  # so the export writes no rate by age


def test_a_population_row_without_source_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_text(
        "year,sex,age,population,kind,source\n2020,total,total,16000000,projection,\n",
        encoding="utf-8",
    )
    with pytest.raises(SdmxError) as raised:
        load_population(path)
    assert raised.value.line == 2 and raised.value.field == "source"


def test_the_export_is_released_checked_and_parsed_by_pysdmx(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    db, _truth, _delivery = sqlite_demo_db
    path, released = release_sdg(db, 2008, tmp_path, actor=None, threshold=3)
    assert released.release.report_kind == "sdg_16_2_2"
    assert path.name in released.release.files  # stored with the release
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    check_sdmx_rows(rows, path)
    structure = sdg_structure()
    assert list(rows[0]) == list(structure.columns)
    # the published counts, nothing else: the all-forms total is the gate's figure
    published = released.published.table("sdg_victims")
    total = published.cell("Total", "Total").value
    by_key = {(r["SERIES"], r["SEX"], r["AGE"]): r for r in rows}
    assert by_key[("VC_HTF_DETV", "_T", "_T")]["OBS_VALUE"] == str(total)
    assert by_key[("VC_HTF_DETV", "_T", "_T")]["UNIT_MEASURE"] == "NUMBER"
    # the rate is a decimal per 100,000 of the 2008 census, with its source
    rate = by_key[("VC_HTF_DETVR", "_T", "_T")]
    assert rate["UNIT_MEASURE"] == "PER_100000_POP" and rate["UNIT_MULT"] == "0"
    assert Decimal(rate["OBS_VALUE"]) == (Decimal(total) * 100_000 / 13_395_682).quantize(
        Decimal("0.001")
    )
    assert "13395682 (census 2008" in rate["SOURCE_DETAIL"]
    # no rate by age: the population file has no age breakdown
    assert ("VC_HTF_DETVR", "_T", "Y0T17") not in by_key
    # each form series by sex (all ages) and by age (both sexes), with rates by sex
    for code in form_series().groups:
        assert {(code, "F", "_T"), (code, "_T", "Y0T17"), (code, "_T", "_T")} <= set(by_key)
        assert (code + "R", "M", "_T") in by_key
    assert ("VC_HTF_DETVSX", "F", "Y0T17") not in by_key  # three-way cells are not released
    # a suppressed count has no value and status Q, and so has its rate
    suppressed = [r for r in rows if r["OBS_STATUS"] == "Q"]
    assert all(r["OBS_VALUE"] == "" for r in suppressed)
    free = [r for r in rows if r["SERIES"].endswith("DETV") or r["UNIT_MEASURE"] == "NUMBER"]
    assert all(r["OBS_VALUE"] == "" or int(r["OBS_VALUE"]) == 0 or int(r["OBS_VALUE"]) >= 3
               for r in free)  # fmt: skip
    # an SDMX library reads it as SDMX-CSV 2.0 and binds it to the SDG structure
    import io

    from pysdmx.io import get_datasets

    with gzip.open(STRUCTURE_FILE, "rb") as handle:
        (dataset,) = get_datasets(path, io.BytesIO(handle.read()))
    assert dataset.short_urn.endswith("IAEG-SDGs:SDG(1.14)")
    assert dataset.structure.id == "SDG"  # the schema the library found for the rows
    assert {c.id for c in dataset.structure.components} >= set(structure.dimensions)
    assert len(dataset.data) == len(rows)
    assert set(dataset.data["SERIES"]) <= structure.codes["SERIES"]


def test_a_code_outside_the_code_list_is_refused_naming_row_and_column() -> None:
    structure = sdg_structure()
    row = dict.fromkeys(structure.columns, "_T")
    row.update(STRUCTURE="datastructure", STRUCTURE_ID="IAEG-SDGs:SDG(1.14)", ACTION="I",
               FREQ="A", REPORTING_TYPE="N", SERIES="VC_HTF_DETV", REF_AREA="KHM",
               TIME_PERIOD="2008", OBS_VALUE="1", OBS_STATUS="A", UNIT_MULT="0",
               UNIT_MEASURE="NUMBER")  # fmt: skip
    for name in structure.attributes:
        if name not in structure.mandatory:
            row[name] = ""
    with pytest.raises(SdmxError) as raised:
        check_sdmx_rows([row])
    assert raised.value.line == 1 and raised.value.field == "REF_AREA"


def test_the_form_tables_add_up_to_the_all_forms_figures(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
) -> None:
    report = sdg_report(sqlite_demo_db[0], 2008)
    assert report.start == date(2008, 1, 1)
    overall = report.table("sdg_victims")
    by_age, by_sex = report.table("sdg_forms_by_age"), report.table("sdg_forms_by_sex")
    assert by_age.rows == (*form_series().groups, "not_recorded", "Total")
    for column in by_age.columns:
        parts = sum(by_age.cell(form, column).value for form in by_age.rows if form != "Total")
        assert parts == by_age.cell("Total", column).value == overall.cell("Total", column).value
    for column in by_sex.columns:
        parts = sum(by_sex.cell(form, column).value for form in by_sex.rows if form != "Total")
        assert parts == overall.cell(column, "Total").value
    assert overall.cell("Total", "Total").value > 0


class _System:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.settings = load_settings(home=Path("home"))


def test_the_sdmx_command_of_the_docs_runs_as_written(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "sdmx.md").read_text(encoding="utf-8")
    block = text.split("```console\n", 1)[1].split("```", 1)[0]
    (command,) = [line for line in block.splitlines() if line.startswith("tipdata ")]
    monkeypatch.setattr("tipdata.cli.report.system_for", lambda _home: _System(sqlite_demo_db[0]))
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(app, shlex.split(command)[1:])
    assert outcome.exit_code == 0, outcome.output
    written = tmp_path / "reports" / "sdg-16-2-2-2008.sdmx.csv"
    assert written.is_file() and "cells suppressed" in outcome.output
    assert (tmp_path / "reports" / "sdg-16-2-2-2008-published.csv").is_file()
