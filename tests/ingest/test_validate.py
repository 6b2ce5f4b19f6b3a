"""Row validation internals that must not change what is stored: canonical JSON, caches."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.ingest.conftest import TEST_HEADER
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping
from tipdata.ingest.validate import CanonicalJson, RowValidator, canonical_json

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)


@given(st.lists(st.dictionaries(texts, texts, max_size=8), min_size=1, max_size=4))
def test_fast_canonical_json_is_the_canonical_json(payloads: list[dict[str, str]]) -> None:
    encode = CanonicalJson()
    for payload in [*payloads, *payloads]:  # the same keys again use the prepared header
        assert encode(payload) == canonical_json(payload)


def test_fast_canonical_json_falls_back_for_values_that_are_not_text() -> None:
    encode = CanonicalJson()
    assert encode({"b": "x", "a": "ស្រី"}) == '{"a":"ស្រី","b":"x"}'
    assert encode({"b": "x", "a": 1}) == '{"a":1,"b":"x"}'  # type: ignore[dict-item]
    assert encode({}) == "{}"


def _row(age: str) -> dict[str, str]:
    values = ["R1", "V", "Sok Dara", "F", age, "Kandal", "", "03/04/2019"]
    return dict(zip(TEST_HEADER, values, strict=True))


def test_a_wrong_cell_is_an_error_every_time_it_appears(
    lookups: Lookups, test_mapping: Mapping, tmp_path: Path
) -> None:
    validator = RowValidator(test_mapping, lookups, file="t.csv", agency_id=1)
    for row_number in (2, 3):  # the second time comes after the cell's text was seen
        outcome = validator.validate(row_number, _row("240"))
        assert [(i.row, i.column, i.value, i.message) for i in outcome.issues] == [
            (row_number, "Age", "240", "age 240 is out of range 0–110")
        ]
    ages = [validator.validate(4, _row(age)).records[0].values for age in ("16", "16", "1990")]
    assert [(v.get("age_years"), v.get("birth_year")) for v in ages] == [
        (16, None),
        (16, None),
        (None, 1990),
    ]
