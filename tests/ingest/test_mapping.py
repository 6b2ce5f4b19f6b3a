"""Mapping files: validation with file and line, the expression shorthand, YAML quirks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ingest.conftest import TEST_MAPPING
from tipdata.ingest.dates import DateParser
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import (
    ColumnExpr,
    ConstExpr,
    MappingError,
    builtin_mappings,
    load_mapping,
    parse_mapping,
)
from tipdata.ingest.validate import RowValidator

NO_LOOKUPS = Lookups(
    province=lambda _t: None,
    country=lambda _t: None,
    exploitation_type=lambda _t: None,
    agency=lambda _t: None,
)


def _error(text: str, tmp_path: Path) -> MappingError:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    return caught.value


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("  pattern:", "  patern:"), 7, "recognise", "unknown key 'patern'"),
        (
            ("record_id: ID", "record_id: {colum: ID}"),
            9,
            "record_id",
            "an expression needs one of the keys",
        ),
        (
            ("kind: {const: investigation}", "kind: {const: investigation, extra: 1}"),
            20,
            "records[0].fields.kind",
            "unknown key 'extra'",
        ),
        (("  - kind: event", "  - kind: meeting"), 30, "records[2].kind", "Input should be"),
        (
            ("when: {column: Case, empty: false}", "when: {column: Case}"),
            17,
            "records[0].when",
            "exactly one of: equals, in, not_in, empty",
        ),
        (
            ("{column: Sex, map: sex}", "{column: Sex, map: gender}"),
            26,
            "records[1].fields.sex",
            "value map 'gender' is not declared",
        ),
        (
            ("person_record_id: {ref: person}", "person_record_id: {ref: nobody}"),
            32,
            "records[2].fields.person_record_id",
            "refers to record 'nobody'",
        ),
        (
            ('date_formats: ["%d/%m/%Y"]', 'date_formats: "%d/%m/%Y"'),
            10,
            "date_formats",
            "valid list",
        ),
    ],
)
def test_mapping_errors_name_the_file_and_line(
    change: tuple[str, str], line: int, field: str, message: str, tmp_path: Path
) -> None:
    old, new = change
    assert old in TEST_MAPPING
    error = _error(TEST_MAPPING.replace(old, new, 1), tmp_path)
    assert error.file.endswith("broken.yaml")
    assert message in error.message, str(error)
    assert error.field is not None and error.field.startswith(field), str(error)
    assert error.line == line, str(error)


def test_yaml_syntax_errors_and_duplicates(tmp_path: Path) -> None:
    error = _error("source: a\nname: [unclosed\n", tmp_path)
    assert "not valid YAML" in error.message and error.line == 3
    error = _error(TEST_MAPPING + "source: again\n", tmp_path)
    assert error.message == "key 'source' appears twice" and error.line == 36


def test_unknown_target_field_is_named(tmp_path: Path) -> None:
    mapping = parse_mapping(
        TEST_MAPPING.replace("full_name: Name", "fullname: Name"), tmp_path / "m.yaml"
    )
    with pytest.raises(MappingError, match="unknown field 'fullname'; fields of a person_record: "):
        RowValidator(mapping, NO_LOOKUPS, file="f.csv", agency_id=1)


def test_shorthand_and_yaml_codes_stay_text(tmp_path: Path) -> None:
    text = TEST_MAPPING.replace(
        "sex: {F: female, M: male, ស្រី: female}", "sex: {F: female, N: male, no: male, 1: female}"
    )
    mapping = parse_mapping(text, tmp_path / "m.yaml")
    assert mapping.value_maps["sex"] == {"F": "female", "N": "male", "no": "male", "1": "female"}
    person = mapping.records[1]
    assert person.fields["full_name"] == ColumnExpr(column="Name")
    assert person.fields["role"] == ColumnExpr(column="Role", map="role")
    assert mapping.records[0].fields["kind"] == ConstExpr(const="investigation")


def test_builtin_mappings_load() -> None:
    mappings = builtin_mappings()
    assert len(mappings) == 20
    for mapping in mappings.values():
        RowValidator(mapping, NO_LOOKUPS, file="x", agency_id=1)  # every field exists


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_parser_reads_what_strftime_writes(day: date) -> None:
    for pattern in ("%d/%m/%Y", "%d-%b-%Y", "%d.%m.%Y", "%d %B %Y", "%Y-%m-%d"):
        assert DateParser([pattern]).parse(day.strftime(pattern)) == day


def test_date_parser_refuses_impossible_dates() -> None:
    parser = DateParser(["%d/%m/%Y"])
    assert parser.parse("31/02/2019") is None
    assert parser.parse("2019-02-28") == date(2019, 2, 28)  # ISO always understood
    assert parser.parse("7/3/08") is None
    assert DateParser(["%d/%m/%y"]).parse("7/3/08") == date(2008, 3, 7)
