"""The indicator catalogue: the built-in files load; mistakes name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.reporting.indicators import IndicatorError, load_catalogue, load_indicator_file

GOOD = """\
indicators:
  - code: victims_identified
    name: Victims identified
    definition: Persons recorded as victims.
    unit: persons
    numerator:
      any_of:
        - source: events
          filters: {role: [victim], event_type: [rescued]}
    disaggregations: [sex, age_group]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_catalogue_loads() -> None:
    catalogue = load_catalogue()
    assert {"victims_identified", "persons_convicted", "investigations"} <= set(
        catalogue.indicators
    )


def test_good_file(tmp_path: Path) -> None:
    [indicator] = load_indicator_file(_write(tmp_path, GOOD))
    assert (indicator.code, indicator.unit, indicator.disaggregations) == (
        "victims_identified",
        "persons",
        ["sex", "age_group"],
    )


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("disaggregations: [sex, age_group]", "disaggregations: [sex, shoe_size]", 10, "shoe_size"),
        ("    unit: persons", "    unit: persons\n    colour: red", 6, "unknown key"),
        ("{role: [victim], event_type: [rescued]}", "{role: [victim], hair: [red]}", 8, "hair"),
        ("event_type: [rescued]", "event_type: [kidnapped]", 8, "kidnapped"),
        ("unit: persons", "unit: cases", 2, "cases indicator counts facts of cases"),
    ],
)
def test_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(IndicatorError) as caught:
        load_indicator_file(path)
    assert caught.value.file == str(path)
    assert caught.value.line == line
    assert message in str(caught.value)


def test_disaggregation_not_available_for_unit(tmp_path: Path) -> None:
    text = GOOD.replace("disaggregations: [sex, age_group]", "disaggregations: [law_article]")
    with pytest.raises(IndicatorError, match="not available"):
        load_indicator_file(_write(tmp_path, text))


def test_duplicate_code(tmp_path: Path) -> None:
    first = _write(tmp_path, GOOD)
    second = tmp_path / "again.yaml"
    second.write_text(GOOD, encoding="utf-8")
    with pytest.raises(IndicatorError, match="also defined"):
        load_catalogue([first, second])


def test_counting_rules_and_needs_are_checked_on_load(tmp_path: Path) -> None:

    base = """\
indicators:
  - code: x
    name: X
    definition: x
    unit: {unit}
    numerator:
      any_of:
        - source: charges
    {extra}
"""
    good = tmp_path / "good.yaml"
    good.write_text(
        base.format(
            unit="charges",
            extra="counting: {once_per: [defendant, article, judgment]}\n    needs: [law_article]",
        ),
        encoding="utf-8",
    )
    [indicator] = load_indicator_file(good)
    assert indicator.counting.once_per == ["defendant", "article", "judgment"]
    assert indicator.counting.dated_by == "each"
    for unit, extra, message in (
        ("persons", "counting: {once_per: [defendant]}", "unit charges"),
        ("charges", "counting: {once_per: [victim]}", "once_per"),
        ("charges", "counting: {dated_by: latest}", "dated_by"),
        ("charges", "needs: [court]", "unknown coverage rule"),
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(base.format(unit=unit, extra=extra), encoding="utf-8")
        with pytest.raises(IndicatorError, match=message):
            load_indicator_file(bad)
