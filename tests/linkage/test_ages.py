"""Tests for tipdata.linkage.ages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.linkage.ages import (
    InvalidAgeError,
    birth_year_range,
    birth_year_range_from_fields,
    year_gap,
    years_compatible,
)


def _age_on(birth: date, at: date) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def test_example_from_the_issue() -> None:
    # Aged 16 on 2008-03-07: born 1991-03-08 .. 1992-03-07.
    assert birth_year_range(16, date(2008, 3, 7)) == (1991, 1992)


def test_new_year_edges() -> None:
    assert birth_year_range(16, date(2008, 12, 31)) == (1992, 1992)
    assert birth_year_range(16, date(2008, 1, 1)) == (1991, 1992)
    assert birth_year_range(0, date(2008, 6, 1)) == (2007, 2008)


def test_negative_age_is_refused() -> None:
    with pytest.raises(InvalidAgeError):
        birth_year_range(-1, date(2008, 1, 1))


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    days_later=st.integers(min_value=0, max_value=120 * 366),
)
def test_range_contains_true_birth_year(birth: date, days_later: int) -> None:
    at = date.fromordinal(min(birth.toordinal() + days_later, date.max.toordinal()))
    low, high = birth_year_range(_age_on(birth, at), at)
    assert low <= birth.year <= high
    assert high - low <= 1


def test_from_fields_prefers_the_most_precise() -> None:
    assert birth_year_range_from_fields(birth_date=date(1992, 5, 1), age=30) == (1992, 1992)
    assert birth_year_range_from_fields(birth_year=1990) == (1990, 1990)
    assert birth_year_range_from_fields(age=16, reference_date=date(2008, 3, 7)) == (
        1991,
        1992,
    )
    assert birth_year_range_from_fields(age=16) is None
    assert birth_year_range_from_fields() is None


def test_years_compatible() -> None:
    assert years_compatible((1991, 1992), (1992, 1992))
    assert years_compatible((1991, 1992), (1993, 1993))  # one year of slack
    assert not years_compatible((1991, 1992), (1993, 1993), tolerance=0)
    assert not years_compatible((1991, 1992), (1995, 1996))
    assert year_gap((1991, 1992), (1995, 1996)) == 3
    assert year_gap((1991, 1992), (1992, 1993)) == 0
    with pytest.raises(InvalidAgeError):
        years_compatible((1993, 1991), (1991, 1991))
