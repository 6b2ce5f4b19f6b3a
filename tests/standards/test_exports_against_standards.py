"""Every file tipdata writes for another system, checked against that system's own
definitions as kept in the repository: HTCDS 2.0's field list and picklists (the ODS and
the toolkit's form), CTDC's codebook columns and categories, the SDG global DSD (read with
pysdmx), and for DHIS2 the metadata mapping and DHIS2's period grammar (DHIS2 publishes no
schema file of dataValueSets; the documented payloads are tested in test_dhis2_exchange).

Each export is written to a file, read back from that file, and checked by reading the
standard's files, never a list typed in the test.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.standards.ctdc import check_ctdc_rows, ctdc_victims, publish_ctdc, write_ctdc
from tipdata.standards.dhis2_exchange import export_reports
from tipdata.standards.dhis2_formats import read_file
from tipdata.standards.dhis2_mapping import load_mapping as load_dhis2_mapping
from tipdata.standards.htcds import (
    EXPORT_FIELDS,
    check_rows,
    htcds_victims,
    load_standard,
    write_htcds_victims,
)
from tipdata.standards.sdmx import check_sdmx_rows, release_sdg
from tipdata.store import Database

FIRST, LAST = date(2008, 1, 1), date(2008, 12, 31)
DHIS2_BIWEEK = re.compile(r"^(\d{4})BiW([1-9]|1\d|2[0-7])$")
"""DHIS2's bi-weekly period code (dhis2-core's BiWeeklyPeriodType: yyyyBiWn, n 1..27)."""


def test_the_htcds_export_file_fits_htcds_2(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    db, _truth, _delivery = sqlite_demo_db
    path = write_htcds_victims(htcds_victims(db, FIRST, LAST), tmp_path / "htcds.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    check_rows(rows, path)
    standard = load_standard()
    for name in EXPORT_FIELDS:  # every column a live field of the ODS, every value listed
        field = standard.fields[name]
        assert field.status != "DEPRECATED", name
        allowed = standard.allowed(name)
        for row in rows:
            values = row[name].split(";") if field.multi_select else [row[name]]
            assert allowed is None or set(values) - {""} <= allowed, (name, row[name])
    methods = {v for row in rows for v in row["vic_MethodsOfControl"].split(";") if v}
    assert methods and methods <= set(standard.fields["vic_MethodsOfControl"].values)
    # the historic trafficking event: a type from the hte_Type picklist, an alpha-2 country
    # of the toolkit's list, and a country only with its type
    events = {(row["hte_Type"], row["hte_Country"]) for row in rows}
    assert {t for t, _ in events} - {""} <= set(standard.fields["hte_Type"].values)
    assert {c for _, c in events} - {""} <= standard.countries
    assert any(c for _, c in events) and all(bool(t) == bool(c) for t, c in events)


def test_the_ctdc_file_fits_the_codebook(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    db, _truth, _delivery = sqlite_demo_db
    path = write_ctdc(publish_ctdc(ctdc_victims(db, FIRST, LAST)), tmp_path / "ctdc.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        check_ctdc_rows(list(csv.DictReader(handle)), path)


def test_the_sdmx_file_fits_the_sdg_dsd(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    db, _truth, _delivery = sqlite_demo_db
    path, _released = release_sdg(db, 2008, tmp_path, actor=None)
    with path.open(encoding="utf-8", newline="") as handle:
        check_sdmx_rows(csv.DictReader(handle), path)


@pytest.mark.parametrize("file_format", ["json", "csv", "adx"])
@pytest.mark.parametrize("id_scheme", ["uid", "code"])
def test_every_dhis2_file_names_only_mapped_metadata_and_dhis2_periods(
    reports_db: Database, tmp_path: Path, file_format: str, id_scheme: str
) -> None:
    with reports_db.session() as session:
        result = export_reports(session, file_format=file_format, id_scheme=id_scheme)  # type: ignore[arg-type]
    path = tmp_path / f"out.{'xml' if file_format == 'adx' else file_format}"
    path.write_text(result.text, encoding="utf-8")
    content = read_file(path)
    mapping = load_dhis2_mapping()
    assert content.values
    if file_format != "csv":  # DHIS2's CSV form has no data set column
        assert mapping.is_data_set(content.data_set or "")
    for value in content.values:
        assert mapping.lookup("data element", value.data_element) or mapping.lookup(
            "unallocated element", value.data_element
        ), value
        assert mapping.lookup("org unit", value.org_unit), value
        assert DHIS2_BIWEEK.match(value.period), value
        if value.category_option_combo is not None:
            assert mapping.lookup("category option combo", value.category_option_combo), value
        for category, option in value.categories:
            assert mapping.lookup(f"category {category}", option), value
        if value.attribute_option_combo is not None:
            assert mapping.is_attribute_option_combo(value.attribute_option_combo), value
        assert value.value.isdigit(), value
