"""Fast, cached parsing of dates written with strftime patterns, in the region's calendars.

Agency exports repeat the same few thousand dates over and over, and
``datetime.strptime`` costs several microseconds a call, so each parser compiles
its patterns into regular expressions where it can (``%d %m %Y %y %b %B`` and
literal separators) and remembers the dates it has already parsed.

Clerks of the region write dates in their own ways, all understood here:

* Khmer (``០``–``៩``) and Thai (``๐``–``๙``) digits are read as ASCII digits.
* ``%b`` / ``%B`` accept month names in English, Khmer, Thai (full and abbreviated,
  ``ม.ค.``) and Vietnamese (``tháng 3``); see :data:`MONTH_NAMES`.
* ``calendar="buddhist"``: years of the Buddhist Era (Thai documents: year + 543) are
  turned into Common-Era years; a year below 2400 is taken as already Common Era (an
  Excel date cell, or a clerk who wrote ``2009``).
* Two-digit years (``%y``): with no ``century_pivot``, the most recent year with those
  two digits that is not after the current year (in 2026, ``26`` is 2026 and ``27``
  is 1927: dates in these files are never in the future). ``century_pivot=1950``
  reads them as 1950–2049. In the Buddhist calendar a two-digit year ``52`` is BE 2552.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

ISO_FORMAT = "%Y-%m-%d"
"""Always tried last: XLSX cells holding real dates arrive as ISO text."""

Calendar = Literal["gregorian", "buddhist"]
"""How the years of a file are counted."""

BUDDHIST_ERA_OFFSET = 543
"""Buddhist Era year = Common Era year + 543 (Thai usage)."""

FIRST_BUDDHIST_YEAR = 2400
"""In the Buddhist calendar, years from this one on are BE; lower ones are Common Era."""

DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩๐๑๒๓๔๕๖๗๘๙", "01234567890123456789")
"""Khmer and Thai digits to ASCII (``text.translate(DIGITS)``)."""

MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("jan", "january", "មករា", "មករ", "มกราคม", "ม.ค.", "ม.ค", "tháng 1", "thang 1"),
    2: ("feb", "february", "កុម្ភៈ", "កុម្ភះ", "กุมภาพันธ์", "ก.พ.", "ก.พ", "tháng 2", "thang 2"),
    3: ("mar", "march", "មីនា", "มีนาคม", "มี.ค.", "มี.ค", "tháng 3", "thang 3"),
    4: ("apr", "april", "មេសា", "เมษายน", "เม.ย.", "เม.ย", "tháng 4", "thang 4"),
    5: ("may", "ឧសភា", "พฤษภาคม", "พ.ค.", "พ.ค", "tháng 5", "thang 5"),
    6: ("jun", "june", "មិថុនា", "มิถุนายน", "มิ.ย.", "มิ.ย", "tháng 6", "thang 6"),
    7: ("jul", "july", "កក្កដា", "กรกฎาคม", "ก.ค.", "ก.ค", "tháng 7", "thang 7"),
    8: ("aug", "august", "សីហា", "สิงหาคม", "ส.ค.", "ส.ค", "tháng 8", "thang 8"),
    9: ("sep", "sept", "september", "កញ្ញា", "กันยายน", "ก.ย.", "ก.ย", "tháng 9", "thang 9"),
    10: ("oct", "october", "តុលា", "ตุลาคม", "ต.ค.", "ต.ค", "tháng 10", "thang 10"),
    11: ("nov", "november", "វិច្ឆិកា", "พฤศจิกายน", "พ.ย.", "พ.ย", "tháng 11", "thang 11"),
    12: ("dec", "december", "ធ្នូ", "ธันวาคม", "ธ.ค.", "ธ.ค", "tháng 12", "thang 12"),
}
"""Month names by number: English, Khmer, Thai (full and abbreviated), Vietnamese.

Khmer names may be written after ``ខែ`` ("month"): ``ខែមីនា`` is March.
Sources: the Khmer and Thai month names of the Unicode CLDR calendars (``km``, ``th``
locales, Gregorian calendar), Vietnamese ``tháng N`` ("month N")."""

_MONTHS = {name.casefold(): number for number, names in MONTH_NAMES.items() for name in names}

_MONTH_TEXT = r"(?P<b>th[aá]ng\s*\d{1,2}|[^\W\d_][^\s\d/,\-]*)"

_DIRECTIVES = {
    "%d": r"(?P<d>\d{1,2})",
    "%m": r"(?P<m>\d{1,2})",
    "%Y": r"(?P<Y>\d{4})",
    "%y": r"(?P<y>\d{2})",
    "%b": _MONTH_TEXT,
    "%B": _MONTH_TEXT,
}


def month_number(name: str) -> int | None:
    """The month a name denotes (any language of :data:`MONTH_NAMES`), or None."""
    key = " ".join(name.casefold().split())
    key = key.removeprefix("ខែ").strip()
    found = _MONTHS.get(key)
    if found is None and key.endswith("."):
        found = _MONTHS.get(key[:-1])
    return found


def _compile(pattern: str) -> re.Pattern[str] | None:
    """A regex for ``pattern``, or None if it uses directives only strptime knows."""
    parts: list[str] = []
    position = 0
    seen: set[str] = set()
    while position < len(pattern):
        if pattern[position] == "%":
            directive = pattern[position : position + 2]
            if directive not in _DIRECTIVES or directive in seen:
                return None
            seen.add(directive)
            parts.append(_DIRECTIVES[directive])
            position += 2
        elif pattern[position] == " ":
            parts.append(r"\s+")
            position += 1
        else:
            parts.append(re.escape(pattern[position]))
            position += 1
    if not ({"%Y", "%y"} & seen):
        return None
    return re.compile("".join(parts) + r"(?:[ T]00:00(?::00)?)?")


def two_digit_year(short: int, pivot: int | None, today: date | None = None) -> int:
    """The year a two-digit year denotes (see the module documentation)."""
    if pivot is not None:
        year = pivot - pivot % 100 + short
        return year if year >= pivot else year + 100
    this_year = (today or date.today()).year
    year = this_year - this_year % 100 + short
    return year if year <= this_year else year - 100


class DateParser:
    """Parses text with the first matching of several strftime patterns.

    Args:
        formats: strftime patterns tried in order; ``%Y-%m-%d`` is appended if absent.
            A pattern without day (``%m/%Y``) gives the first day of the month.
        calendar: ``gregorian`` or ``buddhist`` (years from 2400 on are BE, minus 543).
        century_pivot: first year two-digit years are read as (see the module docs).

    Examples:
        >>> DateParser(["%d/%m/%Y"]).parse("03/11/2019")
        datetime.date(2019, 11, 3)
        >>> DateParser(["%d/%m/%Y"], calendar="buddhist").parse("03/11/2552")
        datetime.date(2009, 11, 3)
        >>> DateParser(["%d %b %Y"]).parse("៣ មីនា ២០០៩")
        datetime.date(2009, 3, 3)
    """

    def __init__(
        self,
        formats: list[str],
        *,
        calendar: Calendar = "gregorian",
        century_pivot: int | None = None,
    ) -> None:
        """Compile each pattern once."""
        self.formats = list(formats) + ([ISO_FORMAT] if ISO_FORMAT not in formats else [])
        self.calendar = calendar
        self.century_pivot = century_pivot
        self._compiled = [(fmt, _compile(fmt)) for fmt in self.formats]
        self._cache: dict[str, date | None] = {}
        self.cached: Callable[[str], date | None] = self._cache.get
        """The date a text was already parsed to (None if not parsed yet or not a date)."""

    def parse(self, text: str) -> date | None:
        """The date ``text`` denotes, or None if no pattern matches (or it is impossible)."""
        cached = self._cache.get(text, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result = self._parse(text.translate(DIGITS).strip())
        if len(self._cache) > 200_000:
            self._cache.clear()  # in place: ``cached`` stays bound to it
        self._cache[text] = result
        return result

    def year(self, year: int) -> int:
        """A four-digit year of this calendar as a Common-Era year."""
        if self.calendar == "buddhist" and year >= FIRST_BUDDHIST_YEAR:
            return year - BUDDHIST_ERA_OFFSET
        return year

    def _parse(self, text: str) -> date | None:
        for fmt, regex in self._compiled:
            if regex is None:
                try:
                    parsed = datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
                year = self.year(parsed.year)
                try:
                    return parsed.replace(year=year)
                except ValueError:
                    continue
            match = regex.fullmatch(text)
            if match is None:
                continue
            groups = match.groupdict()
            if groups.get("Y"):
                year = self.year(int(groups["Y"]))
            elif self.calendar == "buddhist":
                year = 2500 + int(groups["y"]) - BUDDHIST_ERA_OFFSET
            else:
                year = two_digit_year(int(groups["y"]), self.century_pivot)
            if groups.get("b"):
                month = month_number(groups["b"])
                if month is None:
                    continue
            else:
                month = int(groups.get("m") or 1)
            day = int(groups.get("d") or 1)
            try:
                return date(year, month, day)
            except ValueError:
                continue
        return None

    def describe(self) -> str:
        """The patterns, for error messages."""
        described = ", ".join(self.formats)
        if self.calendar == "buddhist":
            described += " (Buddhist Era)"
        return described
