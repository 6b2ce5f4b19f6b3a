"""Mapping expressions compiled into closures: a raw row's cells to typed values, or a cell error.

:class:`_Compiler` turns each expression of a :class:`~tipdata.ingest.mapping.Mapping`
(column, template, date, year, age, birth, number, sum, lookup, split, ...) once into a
small closure, no ``eval``; a wrong cell raises :class:`CellError` (column, value, why),
which :class:`~tipdata.ingest.validate.RowValidator` turns into an issue of the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tipdata.ingest.dates import BUDDHIST_ERA_OFFSET, DIGITS, DateParser
from tipdata.ingest.lookups import HINTS, Lookups
from tipdata.ingest.mapping import (
    AgeExpr,
    BirthExpr,
    ColumnExpr,
    Condition,
    ConstExpr,
    DateExpr,
    FirstOfExpr,
    LookupExpr,
    MapExpr,
    Mapping,
    NumberExpr,
    RefExpr,
    SplitExpr,
    SumExpr,
    TemplateExpr,
    TextExpr,
    YearExpr,
    expression_columns,
)
from tipdata.ingest.transforms import (
    compile_steps,
    parse_age,
    parse_approximate_year,
)

MAX_AGE = 110
"""Ages above this are errors (a typo such as 240 for 24, or a year in the age column)."""

MIN_YEAR = 1880
_CACHE_LIMIT = 100_000
"""Distinct cell texts remembered per expression (dates of birth, ages) before starting over."""
MAX_VALUE_SHOWN = 80


class Ref:
    """The id of another record of the same row, filled in when the row is written."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Ref({self.name!r})"


@dataclass(frozen=True)
class Birth:
    """What a date-or-age cell said about a birth."""

    birth_date: date | None = None
    birth_year: int | None = None
    age_years: int | None = None
    age_reference_date: date | None = None
    approximate: bool = False
    """The birth year was written as approximate (``c. 1995``, ``1995?``)."""


class CellError(Exception):
    """Raised inside an expression: this cell's value is wrong."""

    def __init__(self, column: str | None, value: object, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.value = value
        self.message = message


def shorten(value: object) -> str | None:
    """The value as text, cut to a readable length."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_SHOWN else text[: MAX_VALUE_SHOWN - 1] + "…"


Row = dict[str, str]
Evaluator = Callable[[Row], Any]


def _source_column(expr: Any) -> str | None:
    """The first column an expression reads (named in error messages)."""
    if isinstance(expr, ColumnExpr):
        return expr.column
    if isinstance(expr, TemplateExpr):
        return expr.columns[0]
    if isinstance(expr, FirstOfExpr):
        return next((c for c in map(_source_column, expr.first_of) if c), None)
    if isinstance(expr, SumExpr):
        return next((c for c in map(_source_column, expr.sum) if c), None)
    for attribute in ("value", "text", "date", "year", "age", "birth", "number", "split"):
        inner = getattr(expr, attribute, None)
        if inner is not None and not isinstance(inner, str | int | float | bool):
            return _source_column(inner)
    return None


_INT = re.compile(r"^[+-]?\d+$")


def _to_int(text: str) -> int | None:
    cleaned = text.translate(DIGITS).replace(",", "").replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    return int(cleaned) if _INT.match(cleaned) else None


class _Compiler:
    """Turns the expressions of one mapping into closures."""

    def __init__(self, mapping: Mapping, lookups: Lookups) -> None:
        self.mapping = mapping
        self.lookups = lookups
        self.default_dates = DateParser(
            mapping.date_formats, calendar=mapping.calendar, century_pivot=mapping.century_pivot
        )
        self._resolvers: dict[tuple[str, str | None], Callable[[Any], Any]] = {}
        self.value_maps: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
            name: (dict(values), {_fold(k): v for k, v in values.items()})
            for name, values in mapping.value_maps.items()
        }

    def dates(self, expr: DateExpr | YearExpr | BirthExpr) -> DateParser:
        if expr.formats is None and expr.calendar is None and expr.century_pivot is None:
            return self.default_dates
        return DateParser(
            expr.formats or self.mapping.date_formats,
            calendar=expr.calendar or self.mapping.calendar,
            century_pivot=expr.century_pivot or self.mapping.century_pivot,
        )

    def mapper(self, name: str, column: str | None) -> Callable[[Any], Any]:
        exact, folded = self.value_maps[name]
        allowed = ", ".join(repr(k) for k in list(exact)[:25])

        def translate(value: Any) -> Any:
            if value is None:
                return None
            if value in exact:
                return exact[value]
            key = _fold(str(value))
            if key in folded:
                return folded[key]
            raise CellError(
                column,
                value,
                f"code {shorten(value)!r} is not in value map {name!r}; allowed codes: {allowed}",
            )

        return translate

    def compile(self, expr: Any) -> Evaluator:
        method = getattr(self, f"_{type(expr).__name__}")
        result: Evaluator = method(expr)
        return result

    def _ColumnExpr(self, expr: ColumnExpr) -> Evaluator:
        column = expr.column
        default = expr.default
        if expr.map:
            translate = self.mapper(expr.map, column)
            exact = self.value_maps[expr.map][0]

            def mapped(row: Row) -> Any:
                value = row.get(column)
                if not value:
                    return default
                # the common case inline: the code exactly as in the map
                found = exact.get(value, _ABSENT)
                return translate(value) if found is _ABSENT else found

            return mapped

        def plain(row: Row) -> Any:
            return row.get(column) or default

        return plain

    def _ConstExpr(self, expr: ConstExpr) -> Evaluator:
        constant = expr.const
        return lambda _row: constant

    def _TemplateExpr(self, expr: TemplateExpr) -> Evaluator:
        pieces = re.split(r"\{([^{}]+)\}", expr.template)
        literals = pieces[0::2]
        columns = pieces[1::2]

        def render(row: Row) -> str | None:
            values = [row.get(c, "") for c in columns]
            if not any(values):
                return None
            out = [literals[0]]
            for value, literal in zip(values, literals[1:], strict=True):
                out.append(value)
                out.append(literal)
            return "".join(out).strip() or None

        return render

    def _FirstOfExpr(self, expr: FirstOfExpr) -> Evaluator:
        options = [self.compile(e) for e in expr.first_of]

        def first(row: Row) -> Any:
            for option in options:
                value = option(row)
                if value is not None and value != "":
                    return value
            return None

        return first

    def _TextExpr(self, expr: TextExpr) -> Evaluator:
        inner = self.compile(expr.text)
        apply = compile_steps(list(expr.steps))

        def clean(row: Row) -> str | None:
            value = inner(row)
            if value is None or value == "":
                return None
            return apply(value if isinstance(value, str) else str(value))

        return clean

    def _MapExpr(self, expr: MapExpr) -> Evaluator:
        inner = self.compile(expr.value)
        translate = self.mapper(expr.map, _source_column(expr.value))
        return lambda row: translate(inner(row))

    def _DateExpr(self, expr: DateExpr) -> Evaluator:
        inner = self.compile(expr.date)
        parser = self.dates(expr)
        column = _source_column(expr.date)

        parsed_before = parser.cached

        def parse(row: Row) -> date | None:
            value = inner(row)
            if value is None or isinstance(value, date):
                return value
            found = parsed_before(value)
            if found is not None:
                return found
            return self.parse_date(parser, str(value), column)

        return parse

    @staticmethod
    def parse_date(parser: DateParser, text: str, column: str | None) -> date:
        parsed = parser.parse(text)
        if parsed is None:
            raise CellError(
                column,
                text,
                f"date {shorten(text)!r} not understood; tried formats {parser.describe()}",
            )
        return parsed

    def _YearExpr(self, expr: YearExpr) -> Evaluator:
        inner = self.compile(expr.year)
        parser = self.dates(expr)
        column = _source_column(expr.year)

        def year(row: Row) -> int | None:
            value = inner(row)
            if value is None:
                return None
            if isinstance(value, date):
                return check_year(value.year, str(value), column, parser)
            text = str(value)
            number = _to_int(text)
            if number is None:
                number = parse_approximate_year(text)
            if number is not None:
                return check_year(parser.year(number), text, column, parser)
            parsed = parser.parse(text)
            if parsed is None:
                raise CellError(
                    column,
                    text,
                    f"year {shorten(text)!r} not understood; expected a 4-digit year, an "
                    f"approximate year (c. 1995) or a date ({parser.describe()})",
                )
            return check_year(parsed.year, text, column, parser)

        return year

    def _AgeExpr(self, expr: AgeExpr) -> Evaluator:
        inner = self.compile(expr.age)
        column = _source_column(expr.age)
        return lambda row: _check_age(inner(row), column)

    def _BirthExpr(self, expr: BirthExpr) -> Evaluator:
        inner = self.compile(expr.birth)
        at = self.compile(DateExpr(date=expr.at)) if expr.at is not None else None
        parser = self.dates(expr)
        column = _source_column(expr.birth)

        known: dict[str, Birth | int] = {}
        """Cell text -> what it says: a Birth (date or year) or an age (needs ``at``)."""

        def read(text: str) -> Birth | int:
            number = _to_int(text)
            if number is not None and len(text.strip()) == 4 and number >= MIN_YEAR:
                year = check_year(parser.year(number), text, column, parser, "birth year")
                return Birth(birth_year=year)
            approximate = parse_approximate_year(text)
            if approximate is not None:
                year = check_year(parser.year(approximate), text, column, parser, "birth year")
                return Birth(birth_year=year, approximate=True)
            if number is None:
                number = parse_age(text)
            if number is not None:
                checked = _check_age(number, column)
                assert checked is not None
                return checked
            parsed = parser.parse(text)
            if parsed is None:
                raise CellError(
                    column,
                    text,
                    f"{shorten(text)!r} is neither a date of birth ({parser.describe()}), "
                    "a birth year (1995, c. 1995) nor an age (14, 14 yrs)",
                )
            if parsed > date.today():
                raise CellError(
                    column, text, f"date of birth {parsed} is in the future{_era_hint(parsed)}"
                )
            return Birth(birth_date=parsed)

        def birth(row: Row) -> Birth | None:
            value = inner(row)
            if value is None:
                return None
            if isinstance(value, date):
                return Birth(birth_date=value)
            text = value if value.__class__ is str else str(value)
            said = known.get(text)
            if said is None:
                said = read(text)  # an error is raised, never cached
                if len(known) > _CACHE_LIMIT:
                    known.clear()
                known[text] = said
            if said.__class__ is int:
                return Birth(age_years=said, age_reference_date=at(row) if at is not None else None)
            return said  # type: ignore[return-value]

        return birth

    def _NumberExpr(self, expr: NumberExpr) -> Evaluator:
        inner = self.compile(expr.number)
        column = _source_column(expr.number)

        times = expr.times

        def number(row: Row) -> int | float | None:
            value = inner(row)
            if value is None:
                return None
            if not isinstance(value, int | float):
                value = _to_number(str(value), column)
            result = value * times
            return int(result) if float(result).is_integer() else result

        return number

    def _SumExpr(self, expr: SumExpr) -> Evaluator:
        parts = [self.compile(e) for e in expr.sum]
        read = [bool(expression_columns(e)) for e in expr.sum]
        column = _source_column(expr)

        def total(row: Row) -> int | float | None:
            values = [part(row) for part in parts]
            present = [v for v in values if v is not None and v != ""]
            if not any(
                reads and v is not None and v != "" for reads, v in zip(read, values, strict=True)
            ) and any(read):
                return None  # every cell empty: no value (constants alone do not count)
            if not present:
                return None
            numbers = [
                v if isinstance(v, int | float) else _to_number(str(v), column) for v in present
            ]
            result = sum(numbers)
            return int(result) if float(result).is_integer() else result

        return total

    def _LookupExpr(self, expr: LookupExpr) -> Evaluator:
        inner = self.compile(expr.value)
        resolve = self.resolver(expr.lookup, _source_column(expr.value))

        def lookup(row: Row) -> Any:
            value = inner(row)
            return None if value is None else resolve(value)

        return lookup

    def resolver(self, lookup: str, column: str | None) -> Callable[[Any], Any]:
        cached = self._resolvers.get((lookup, column))
        if cached is None:
            cached = self._resolvers[(lookup, column)] = self._make_resolver(lookup, column)
        return cached

    def _make_resolver(self, lookup: str, column: str | None) -> Callable[[Any], Any]:
        function = getattr(self.lookups, lookup)
        hint = HINTS[lookup]
        label = lookup.replace("_", " ")

        def resolve(value: Any) -> Any:
            found = function(str(value))
            if found is None:
                raise CellError(
                    column, value, f"unknown {label} {shorten(value)!r}; expected {hint}"
                )
            return found

        return resolve

    def _SplitExpr(self, expr: SplitExpr) -> Evaluator:
        inner = self.compile(expr.split)
        separator = expr.separator
        translate = self.mapper(expr.map, _source_column(expr.split)) if expr.map else None

        def split(row: Row) -> list[Any]:
            value = inner(row)
            if value is None:
                return []
            items = [item.strip() for item in str(value).split(separator) if item.strip()]
            if translate is not None:
                items = [translate(item) for item in items]
            return [item for item in items if item is not None]

        return split

    def _RefExpr(self, expr: RefExpr) -> Evaluator:
        ref = Ref(expr.ref)
        return lambda _row: ref

    def condition(self, condition: Condition) -> Callable[[Row], bool]:
        if condition.all is not None:
            parts = [self.condition(c) for c in condition.all]
            return lambda row: all(p(row) for p in parts)
        if condition.any is not None:
            parts = [self.condition(c) for c in condition.any]
            return lambda row: any(p(row) for p in parts)
        if condition.not_ is not None:
            inner = self.condition(condition.not_)
            return lambda row: not inner(row)
        subject = (
            self.compile(ColumnExpr(column=condition.column))
            if condition.column is not None
            else self.compile(condition.value)
        )
        if condition.map:
            translate = self.mapper(condition.map, condition.column)
            plain_subject = subject
            subject = lambda row: translate(plain_subject(row))  # noqa: E731
        if condition.empty is not None:
            wanted_empty = condition.empty
            return lambda row: (subject(row) in (None, "")) == wanted_empty
        if condition.in_ is not None or "equals" in condition.model_fields_set:
            options = condition.in_ if condition.in_ is not None else [condition.equals]
            folded = {_fold(str(o)) if o is not None else None for o in options}
            return lambda row: _fold_or_none(subject(row)) in folded
        excluded = {_fold(str(o)) if o is not None else None for o in condition.not_in or []}
        return lambda row: _fold_or_none(subject(row)) not in excluded


def check_year(
    year: int, text: str, column: str | None, parser: DateParser, label: str = "year"
) -> int:
    """``year`` if it is plausible (from 1880 to this year), else a :class:`CellError`."""
    if year > date.today().year:
        hint = _era_hint(date(year, 1, 1))
        raise CellError(column, text, f"{label} {year} is in the future{hint}")
    if year < MIN_YEAR:
        raise CellError(column, text, f"{label} {year} is before {MIN_YEAR}: not plausible")
    return year


def _era_hint(day: date) -> str:
    """A hint when a date in the future reads right in the Buddhist Era."""
    if day.year - BUDDHIST_ERA_OFFSET <= date.today().year and day.year > 2400:
        return (
            f"; if the file dates in the Buddhist Era ({day.year} BE = "
            f"{day.year - BUDDHIST_ERA_OFFSET}), add calendar: buddhist to the mapping"
        )
    return ""


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _fold_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else _fold(str(value))


def _check_age(value: Any, column: str | None) -> int | None:
    if value is None:
        return None
    number = value if isinstance(value, int) else _to_int(str(value))
    if number is None and not isinstance(value, int):
        number = parse_age(str(value))
    if number is None:
        raise CellError(
            column,
            value,
            f"age {shorten(value)!r} is not a whole number of years (14, 14 yrs, 28y, 6 months)",
        )
    if not 0 <= number <= MAX_AGE:
        raise CellError(column, value, f"age {number} is out of range 0–{MAX_AGE}")
    return number


def _to_number(text: str, column: str | None) -> int | float:
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise CellError(column, text, f"{shorten(text)!r} is not a number") from None
    return int(number) if number.is_integer() else number


_ABSENT = object()
