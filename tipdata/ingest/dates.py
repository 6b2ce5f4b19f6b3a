"""Fast, cached parsing of dates written with strftime patterns.

Agency exports repeat the same few thousand dates over and over, and
``datetime.strptime`` costs several microseconds a call, so each parser compiles
its patterns into regular expressions where it can (``%d %m %Y %y %b %B`` and
literal separators) and remembers the dates it has already parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

ISO_FORMAT = "%Y-%m-%d"
"""Always tried last: XLSX cells holding real dates arrive as ISO text."""

_MONTHS = {
    name.lower(): number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_DIRECTIVES = {
    "%d": r"(?P<d>\d{1,2})",
    "%m": r"(?P<m>\d{1,2})",
    "%Y": r"(?P<Y>\d{4})",
    "%y": r"(?P<y>\d{2})",
    "%b": r"(?P<b>[A-Za-z]{3,9})",
    "%B": r"(?P<b>[A-Za-z]{3,9})",
}


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
        else:
            parts.append(re.escape(pattern[position]))
            position += 1
    if not ({"%Y", "%y"} & seen):
        return None
    return re.compile("".join(parts) + r"(?:[ T]00:00(?::00)?)?")


class DateParser:
    """Parses text with the first matching of several strftime patterns.

    Args:
        formats: strftime patterns tried in order; ``%Y-%m-%d`` is appended if absent.
            A pattern without day (``%m/%Y``) gives the first day of the month.

    Examples:
        >>> DateParser(["%d/%m/%Y"]).parse("03/11/2019")
        datetime.date(2019, 11, 3)
    """

    def __init__(self, formats: list[str]) -> None:
        """Compile each pattern once."""
        self.formats = list(formats) + ([ISO_FORMAT] if ISO_FORMAT not in formats else [])
        self._compiled = [(fmt, _compile(fmt)) for fmt in self.formats]
        self._cache: dict[str, date | None] = {}
        self.cached: Callable[[str], date | None] = self._cache.get
        """The date a text was already parsed to (None if not parsed yet or not a date)."""

    def parse(self, text: str) -> date | None:
        """The date ``text`` denotes, or None if no pattern matches (or it is impossible)."""
        cached = self._cache.get(text, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result = self._parse(text)
        if len(self._cache) > 200_000:
            self._cache.clear()  # in place: ``cached`` stays bound to it
        self._cache[text] = result
        return result

    def _parse(self, text: str) -> date | None:
        for fmt, regex in self._compiled:
            if regex is None:
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
            match = regex.fullmatch(text)
            if match is None:
                continue
            groups = match.groupdict()
            if groups.get("Y"):
                year = int(groups["Y"])
            else:
                short = int(groups["y"])
                year = 2000 + short if short < 69 else 1900 + short  # strptime's pivot
            if groups.get("b"):
                month = _MONTHS.get(groups["b"].lower())
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
        return ", ".join(self.formats)
