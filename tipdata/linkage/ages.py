"""Ages at a dated event turned into birth-year ranges, and their comparison.

Sources often give "aged 16" at the date of a rescue or an interview instead of a
date of birth. Someone aged 16 on 2008-03-07 was born between 1991-03-08 and
1992-03-07, so in 1991 or 1992; two records are compatible when their ranges overlap
(within a tolerance for the usual errors in stated ages).
"""

from __future__ import annotations

from datetime import date

from tipdata.errors import TipdataError

YearRange = tuple[int, int]


class InvalidAgeError(TipdataError, ValueError):
    """An age or a year range that cannot be right (negative, reversed)."""


def birth_year_range(age: int, at: date) -> YearRange:
    """The calendar years in which someone of ``age`` full years on ``at`` was born.

    Args:
        age: completed years on the date ``at`` (0 or more).
        at: the date the age was stated for (interview, rescue, hearing).

    Returns:
        ``(earliest, latest)`` birth year. The range has two years, except when
        ``at`` is 31 December: only the people born that year have had their birthday.

    Raises:
        InvalidAgeError: the age is negative.

    Examples:
        >>> birth_year_range(16, date(2008, 3, 7))
        (1991, 1992)
    """
    if age < 0:
        raise InvalidAgeError(f"age must be 0 or more, got {age}")
    latest = at.year - age
    # Born in the year before `latest` only if the birthday falls after `at` in the year.
    earliest = latest if (at.month, at.day) == (12, 31) else latest - 1
    return earliest, latest


def birth_year_range_from_fields(
    *,
    birth_date: date | None = None,
    birth_year: int | None = None,
    age: int | None = None,
    reference_date: date | None = None,
) -> YearRange | None:
    """The birth-year range from whatever a record has, most precise first.

    Args:
        birth_date: the date of birth, if recorded.
        birth_year: the year of birth, if recorded without a date.
        age: the age stated at ``reference_date``.
        reference_date: the date the age refers to (the event or interview date).

    Returns:
        ``(year, year)`` from a birth date or year; the two-year range from an age and
        its date; None when the record has nothing usable (an age without a date).

    Raises:
        InvalidAgeError: the age is negative.
    """
    if birth_date is not None:
        return birth_date.year, birth_date.year
    if birth_year is not None:
        return birth_year, birth_year
    if age is not None and reference_date is not None:
        return birth_year_range(age, reference_date)
    return None


def years_compatible(range_a: YearRange, range_b: YearRange, tolerance: int = 1) -> bool:
    """Whether two birth-year ranges can belong to one person.

    Args:
        range_a: ``(earliest, latest)`` of one record.
        range_b: ``(earliest, latest)`` of the other.
        tolerance: years of slack allowed between the ranges (stated ages are often a
            year off); 0 asks for overlap.

    Returns:
        True when the ranges, widened by ``tolerance``, overlap.

    Raises:
        InvalidAgeError: a range is reversed or the tolerance negative.
    """
    for low, high in (range_a, range_b):
        if low > high:
            raise InvalidAgeError(f"year range ({low}, {high}) is reversed")
    if tolerance < 0:
        raise InvalidAgeError(f"tolerance must be 0 or more, got {tolerance}")
    return range_a[0] <= range_b[1] + tolerance and range_b[0] <= range_a[1] + tolerance


def year_gap(range_a: YearRange, range_b: YearRange) -> int:
    """Years between two ranges: 0 when they overlap (a comparison level for linkage)."""
    return max(0, range_a[0] - range_b[1], range_b[0] - range_a[1])
