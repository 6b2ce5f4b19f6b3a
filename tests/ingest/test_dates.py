"""Properties of the date parser: every calendar, numeral and month-name spelling round-trips."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from tipdata.ingest.dates import MONTH_NAMES, DateParser, two_digit_year
from tipdata.ingest.transforms import parse_age, strip_titles

KHMER = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@given(days, st.sampled_from([None, KHMER, THAI]))
def test_buddhist_era_dates_in_any_digits_read_back(day: date, digits: dict[int, str]) -> None:
    text = f"{day.day:02d}/{day.month:02d}/{day.year + 543}"
    if digits is not None:
        text = text.translate(digits)
    assert DateParser(["%d/%m/%Y"], calendar="buddhist").parse(text) == day


@given(days, st.data())
def test_every_month_name_reads_as_its_month(day: date, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(MONTH_NAMES[day.month]))
    assert DateParser(["%d %b %Y"]).parse(f"{day.day} {name} {day.year}") == day


@given(st.integers(0, 99), st.integers(1800, 2100), days)
def test_two_digit_years_fall_in_their_window(short: int, pivot: int, today: date) -> None:
    pivoted = two_digit_year(short, pivot)
    assert pivoted % 100 == short and pivot <= pivoted < pivot + 100
    recent = two_digit_year(short, None, today)
    assert recent % 100 == short and today.year - 100 < recent <= today.year


@given(st.integers(0, 110), st.sampled_from(["", " yrs", "y", " years", " ឆ្នាំ", " ปี"]))
def test_ages_with_units_read_as_the_number(age: int, unit: str) -> None:
    assert parse_age(f"{age}{unit}") == age
    assert parse_age(f"{age}{unit}".translate(KHMER)) == age


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30))
def test_stripping_titles_never_empties_a_name_nor_adds_to_it(name: str) -> None:
    stripped = strip_titles(name)
    assert stripped in name.strip()
    assert bool(stripped) == bool(name.strip())
