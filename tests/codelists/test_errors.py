"""Broken data files give a CodelistError naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.errors import CodelistError


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


def test_the_copy_loads(lists_copy: Path) -> None:
    assert load_codelists(lists_copy).sizes()["provinces (today)"] == 25
    assert len(load_law_catalogue(lists_copy).articles) > 52


def test_duplicate_province_code_in_csv(lists_copy: Path) -> None:
    path = lists_copy / "provinces.csv"
    replace(path, "02,Battambang", "01,Battambang")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    error = caught.value
    assert error.file == str(path)
    assert error.line == 3
    assert "duplicate code" in str(error)
    assert str(error).startswith(f"{path}, line 3")


def test_bad_province_row(lists_copy: Path) -> None:
    path = lists_copy / "provinces.csv"
    replace(path, "07,Kampot,កំពត,province", "07,Kampot,កំពត,district")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert (caught.value.line, caught.value.field) == (8, "kind")


def test_unknown_key_in_agencies(lists_copy: Path) -> None:
    path = lists_copy / "agencies.yaml"
    replace(path, "    short_name: CWCC\n", "    short_name: CWCC\n    shortname: CWCC\n")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    error = caught.value
    assert error.file == str(path)
    assert error.line == line_of(path, "shortname: CWCC")
    assert "unknown key" in str(error)
    assert error.field is not None and error.field.endswith("shortname")


def test_duplicate_agency_code(lists_copy: Path) -> None:
    path = lists_copy / "agencies.yaml"
    replace(path, "  - code: HCC\n", "  - code: IJM\n")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if "- code: IJM" in text]
    assert caught.value.line == lines[1]
    assert f"duplicate code (first on line {lines[0]})" in str(caught.value)


def test_unknown_parent_agency(lists_copy: Path) -> None:
    path = lists_copy / "agencies.yaml"
    replace(
        path, "    parent: MOSAVY\n    variants: [Seva", "    parent: MOSAVYY\n    variants: [Seva"
    )
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert "unknown parent" in str(caught.value)
    assert caught.value.line == line_of(path, "parent: MOSAVYY")


def test_min_greater_than_max_in_law(lists_copy: Path) -> None:
    path = lists_copy / "law" / "lshtse-2008.yaml"
    replace(
        path,
        "{condition: base, min_months: 60, max_months: 120}",
        "{condition: base, min_months: 130, max_months: 120}",
    )
    with pytest.raises(CodelistError) as caught:
        load_law_catalogue(lists_copy)
    error = caught.value
    assert error.file == str(path)
    assert error.line == line_of(path, "min_months: 130")
    assert "min_months (130) is greater than max_months (120)" in str(error)


def test_invented_penalty_on_unverified_article(lists_copy: Path) -> None:
    path = lists_copy / "law" / "lshtse-2008.yaml"
    replace(
        path,
        "{number: 9, verified: false, confidence: unverified}",
        "{number: 9, verified: false, confidence: unverified, penalties: []}",
    )
    with pytest.raises(CodelistError) as caught:
        load_law_catalogue(lists_copy)
    assert caught.value.line == line_of(path, "{number: 9,")
    assert "no invented penalties" in str(caught.value)


def test_missing_article_number(lists_copy: Path) -> None:
    path = lists_copy / "law" / "lshtse-2008.yaml"
    replace(path, "  - {number: 50, verified: false, confidence: unverified}\n", "")
    with pytest.raises(CodelistError) as caught:
        load_law_catalogue(lists_copy)
    assert "missing [50]" in str(caught.value)
    assert caught.value.line == line_of(path, "article_count:")


def test_unknown_citation(lists_copy: Path) -> None:
    path = lists_copy / "law" / "labour-1997.yaml"
    replace(path, 'source: [L1, "S0:913-915"]', "source: [L9]")
    with pytest.raises(CodelistError) as caught:
        load_law_catalogue(lists_copy)
    assert caught.value.value == "L9"


def test_bad_type_in_stages(lists_copy: Path) -> None:
    path = lists_copy / "stages.yaml"
    replace(path, "pathway: victim, order: 20,", "pathway: victim, order: second,")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert caught.value.line == line_of(path, "order: second")
    assert caught.value.field == "stages.1.order"


def test_ambiguous_hint(lists_copy: Path) -> None:
    path = lists_copy / "exploitation_types.yaml"
    replace(path, "hints: [brothel, brothel-based]", "hints: [brothel, karaoke]")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert "ambiguous" in str(caught.value)


def test_yaml_syntax_error(lists_copy: Path) -> None:
    path = lists_copy / "roles.yaml"
    replace(path, "  - {code: witness,", "  - {code: [witness,")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert caught.value.file == str(path)
    assert caught.value.line is not None


def test_duplicate_yaml_key(lists_copy: Path) -> None:
    path = lists_copy / "age_groups.yaml"
    replace(path, "source: ", "source: x\nsource: ")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert "key given twice" in str(caught.value)


def test_age_band_gap(lists_copy: Path) -> None:
    path = lists_copy / "age_groups.yaml"
    replace(path, '{code: "25-34", min: 25,', '{code: "25-34", min: 26,')
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert "gap" in str(caught.value)
    assert caught.value.line == line_of(path, '"25-34", min: 26')


def test_the_adult_age_is_where_the_adult_band_starts(lists_copy: Path) -> None:
    from tipdata.codelists.ages import adult_age, load_age_groups

    path = lists_copy / "age_groups.yaml"
    assert load_codelists(lists_copy).age_groups.adult_age == adult_age() == 18
    replace(path, "{code: child, min: 0, max: 17,", "{code: child, min: 0, max: 20,")
    replace(path, "{code: adult, min: 18,", "{code: adult, min: 21,")
    assert load_age_groups(path).adult_age == 21


def test_child_adult_scheme_must_name_child_and_adult(lists_copy: Path) -> None:
    path = lists_copy / "age_groups.yaml"
    replace(path, "{code: adult, min: 18,", "{code: grown, min: 18,")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert "exactly the bands child, adult" in str(caught.value)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert caught.value.line == lines.index("  child_adult:") + 1


def test_variant_equal_to_name(lists_copy: Path) -> None:
    path = lists_copy / "provinces.csv"
    replace(path, ",Svay Ring,", ",Svay Ring|SVAY-RIENG,")
    with pytest.raises(CodelistError) as caught:
        load_codelists(lists_copy)
    assert caught.value.line == 21
    assert "is the same as 'Svay Rieng'" in str(caught.value)
