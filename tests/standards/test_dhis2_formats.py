# ruff: noqa: E501 - the documented payloads are kept as DHIS2 prints them
"""DHIS2's formats against the example payloads of DHIS2's own documentation.

The payloads are restated from the DHIS2 developer manual (Web API, "Data values":
"Sending data values" and "Sending bulks of data values"; "ADX data format"), with the
identifiers they use.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tipdata.periods import parse_period
from tipdata.standards.dhis2_formats import (
    CSV_HEADER,
    DataValueSet,
    Dhis2FormatError,
    Dhis2Value,
    adx_period,
    read_adx,
    read_csv,
    read_json,
    write_adx,
    write_csv,
    write_json,
)

DOCUMENTED_JSON = """{
  "dataSet": "dataSetID",
  "completeDate": "2014-02-03",
  "period": "201401",
  "orgUnit": "orgUnitID",
  "attributeOptionCombo": "aocID",
  "dataValues": [
    { "dataElement": "dataElementID", "categoryOptionCombo": "cocID", "value": "1", "comment": "comment1" },
    { "dataElement": "dataElementID", "categoryOptionCombo": "cocID", "value": "2", "comment": "comment2" },
    { "dataElement": "dataElementID", "categoryOptionCombo": "cocID", "value": "3", "comment": "comment3" }
  ]
}"""

DOCUMENTED_BULK_JSON = """{
  "dataValues": [
    { "dataElement": "f7n9E0hX8qk", "period": "201201", "orgUnit": "DiszpKrYNg8", "value": "12" },
    { "dataElement": "f7n9E0hX8qk", "period": "201201", "orgUnit": "FNnj3jKGS7i", "value": "14" },
    { "dataElement": "f7n9E0hX8qk", "period": "201202", "orgUnit": "DiszpKrYNg8", "value": "16" },
    { "dataElement": "f7n9E0hX8qk", "period": "201202", "orgUnit": "Jkhdsf8sdf4", "value": "18" }
  ]
}"""

DOCUMENTED_CSV = """"dataelement","period","orgunit","catoptcombo","attroptcombo","value","storedby","lastupd","comment"
"dataElementID","period","orgUnitID","cocID","aocID","1","username","2015-04-01","comment1"
"dataElementID","period","orgUnitID","cocID","aocID","2","username","2015-04-01","comment2"
"""

DOCUMENTED_ADX = """<adx xmlns="urn:ihe:qrph:adx:2015" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="urn:ihe:qrph:adx:2015 ../schema/adx_loose.xsd" exported="2015-02-08T19:30:00Z">
  <group orgUnit="OU_559" period="2015-06-01/P1M" completeDate="2015-07-01" dataSet="(TB/HIV)VCCT">
    <dataValue dataElement="VCCT_0" GENDER="FMLE" HIV_AGE="AGE0-14" value="32"/>
    <dataValue dataElement="VCCT_1" GENDER="FMLE" HIV_AGE="AGE0-14" value="20"/>
    <dataValue dataElement="VCCT_0" GENDER="MLE" HIV_AGE="AGE0-14" value="32"/>
  </group>
</adx>"""


def test_the_documented_single_set_json() -> None:
    content = read_json(DOCUMENTED_JSON)
    assert content.data_set == "dataSetID"
    assert content.complete_dates == {("orgUnitID", "201401"): date(2014, 2, 3)}
    assert content.values == [
        Dhis2Value(
            "dataElementID", "201401", "orgUnitID", str(n), "cocID", "aocID", (), f"comment{n}", n
        )
        for n in (1, 2, 3)
    ]


def test_the_documented_bulk_json() -> None:
    content = read_json(DOCUMENTED_BULK_JSON)
    assert content.data_set is None and content.complete_dates == {}
    assert [(v.period, v.org_unit, v.value) for v in content.values] == [
        ("201201", "DiszpKrYNg8", "12"),
        ("201201", "FNnj3jKGS7i", "14"),
        ("201202", "DiszpKrYNg8", "16"),
        ("201202", "Jkhdsf8sdf4", "18"),
    ]
    assert {v.category_option_combo for v in content.values} == {None}


def test_the_documented_csv_is_read_by_position() -> None:
    content = read_csv(DOCUMENTED_CSV)
    assert content.values == [
        Dhis2Value(
            "dataElementID",
            "period",
            "orgUnitID",
            str(n),
            "cocID",
            "aocID",
            (),
            f"comment{n}",
            n + 1,
        )
        for n in (1, 2)
    ]


def test_the_documented_adx_message() -> None:
    content = read_adx(DOCUMENTED_ADX)
    assert content.data_set == "(TB/HIV)VCCT"
    assert content.complete_dates == {("OU_559", "201506"): date(2015, 7, 1)}
    assert [
        (v.data_element, v.period, v.org_unit, v.categories, v.value) for v in content.values
    ] == [
        ("VCCT_0", "201506", "OU_559", (("GENDER", "FMLE"), ("HIV_AGE", "AGE0-14")), "32"),
        ("VCCT_1", "201506", "OU_559", (("GENDER", "FMLE"), ("HIV_AGE", "AGE0-14")), "20"),
        ("VCCT_0", "201506", "OU_559", (("GENDER", "MLE"), ("HIV_AGE", "AGE0-14")), "32"),
    ]


def _bulk() -> DataValueSet:
    return DataValueSet(
        values=[
            Dhis2Value("DE1", "2009BiW27", "OU1", "4", "COC1", "AOC", (("SEX", "F"),)),
            Dhis2Value("DE2", "2009BiW27", "OU1", "0", "COC0", "AOC", ()),
            Dhis2Value("DE1", "2010BiW1", "OU2", "7", "COC1", "AOC", (("SEX", "F"),)),
        ],
        data_set="DS",
        complete_dates={("OU1", "2009BiW27"): date(2010, 1, 8)},
    )


def test_written_files_have_the_documented_shapes_and_read_back() -> None:
    content = _bulk()
    bulk = read_json(write_json(content))
    assert [(v.data_element, v.period, v.org_unit, v.value) for v in bulk.values] == [
        (v.data_element, v.period, v.org_unit, v.value) for v in content.values
    ]
    csv_text = write_csv(content)
    assert csv_text.splitlines()[0] == ",".join(CSV_HEADER)
    assert [v.value for v in read_csv(csv_text).values] == ["4", "0", "7"]
    adx = read_adx(write_adx(content, exported="2010-01-10T00:00:00+00:00"))
    assert adx.complete_dates == content.complete_dates
    assert [(v.period, v.categories, v.value) for v in adx.values] == [
        (v.period, v.categories, v.value) for v in content.values
    ]
    single = DataValueSet(
        values=content.values[:2], data_set="DS", complete_dates=content.complete_dates
    )
    assert set(__import__("json").loads(write_json(single))) == {
        "dataSet", "completeDate", "period", "orgUnit", "dataValues"
    }  # fmt: skip


def test_adx_periods() -> None:
    assert adx_period(parse_period("2009BW27")) == "2009-12-28/P14D"
    assert adx_period(parse_period("2009W53")) == "2009-12-28/P7D"
    assert adx_period(parse_period("200902")) == "2009-02-01/P1M"
    bad = DOCUMENTED_ADX.replace("2015-06-01/P1M", "2009-12-29/P14D")
    with pytest.raises(Dhis2FormatError, match="does not start on 2009-12-29"):
        read_adx(bad)


@pytest.mark.parametrize(
    ("reader", "text", "field"),
    [
        (
            read_json,
            '{"dataValues": [{"period": "201401", "orgUnit": "O", "value": "1"}]}',
            "dataValues[0].dataElement",
        ),
        (
            read_json,
            '{"dataValues": [{"dataElement": "D", "period": "201401", "orgUnit": "O"}]}',
            "dataValues[0].value",
        ),
        (read_csv, "D,201401,,C,A,1\n", "orgunit"),
    ],
)
def test_missing_fields_are_named(reader, text: str, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Dhis2FormatError) as caught:
        reader(text, Path("in.file"))
    assert (caught.value.line, caught.value.field) == (1, field)


def test_adx_with_an_entity_is_refused() -> None:
    hostile = '<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY a "aaaa">]><adx xmlns="urn:ihe:qrph:adx:2015">&a;</adx>'
    with pytest.raises(Dhis2FormatError, match="refused XML"):
        read_adx(hostile)
