"""Row validation: a mapping compiled into a function from a raw row to records or issues.

:class:`RowValidator` compiles a :class:`~tipdata.ingest.mapping.Mapping` once (each
expression becomes a small closure, no ``eval``) and then turns every row into a
:class:`RowOutcome`: the source key, the raw payload and its SHA-256, the staged
records, and the :class:`ImportIssue` list (empty when the row is valid). Every
issue names the file, the spreadsheet row, the column and the one offending value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import json.encoder
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from tipdata.errors import DataFileError
from tipdata.ingest.constraints import RecordConstraints
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
    MappingError,
    NumberExpr,
    RecordKind,
    RecordSpec,
    RefExpr,
    SplitExpr,
    SumExpr,
    TemplateExpr,
    TextExpr,
    YearExpr,
    expression_columns,
)
from tipdata.ingest.targets import Target, TargetField, targets
from tipdata.ingest.transforms import (
    compile_steps,
    fold_null,
    parse_age,
    parse_approximate_year,
)

MAX_AGE = 110
"""Ages above this are errors (a typo such as 240 for 24, or a year in the age column)."""

MIN_YEAR = 1880
_CACHE_LIMIT = 100_000
"""Distinct cell texts remembered per expression (dates of birth, ages) before starting over."""
LENIENT_TYPES = frozenset({"law_article"})
"""Field types whose unknown values are warnings, not errors: the row is stored with the
field empty (a court's article not in the catalogue is kept as written in
``article_text`` and counted)."""
MAX_VALUE_SHOWN = 80

Severity = Literal["error", "warning"]

_encode_text: Callable[[str], str] = json.encoder.encode_basestring
"""JSON string literal of a text, non-ASCII kept (what ``json.dumps(ensure_ascii=False)`` uses)."""


@dataclass(frozen=True)
class ImportIssue:
    """One problem found in a file, at a row and column.

    Attributes:
        file: the file name.
        row: the spreadsheet row (header = 1), or None for the whole file.
        column: the column at fault, when known.
        value: the offending cell's value (only that one cell; shortened if long).
        message: what is wrong and what was expected.
        severity: ``error`` rejects the row; ``warning`` is reported only.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class ImportRowError(DataFileError):
    """A file was rejected because of row errors; ``issues`` lists them all."""

    def __init__(self, file: str | Path, issues: list[ImportIssue], total: int) -> None:
        first = issues[0]
        more = f" (and {total - 1} more errors)" if total > 1 else ""
        super().__init__(file, first.message + more, line=first.row, field=first.column, value=None)
        self.issues = issues
        self.total = total


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


@dataclass
class StagedRecord:
    """A record made from a row, ready to be written (refs still unresolved)."""

    kind: RecordKind
    name: str
    values: dict[str, Any]
    exploitation_types: list[str] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    case_ref: Ref | None = None
    case_role: str | None = None
    refs: list[tuple[str, str]] = field(default_factory=list)
    """(field, record name): ids filled in when the row is written."""


@dataclass
class RowOutcome:
    """A validated row."""

    row_number: int
    source_key: str | None
    payload: dict[str, str]
    payload_sha256: str
    records: list[StagedRecord]
    issues: list[ImportIssue]
    payload_json: str | None = None
    """The payload's canonical JSON (what the hash is computed over)."""

    @property
    def valid(self) -> bool:
        """True when the row has no error."""
        return not any(issue.severity == "error" for issue in self.issues)


def canonical_json(payload: dict[str, str]) -> str:
    """The canonical JSON of a raw row: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class CanonicalJson:
    """:func:`canonical_json`, fast for the rows of one file (same columns every row).

    The sorted, encoded keys are prepared once per header; each row then costs one
    C-level string encoding per cell. Rows with other keys or non-text values fall
    back to :func:`canonical_json`, so the text is always identical to it.
    """

    __slots__ = ("_keys", "_order", "_prefixes")

    def __init__(self) -> None:
        """Start with no header seen."""
        self._keys: tuple[str, ...] = ()
        self._order: list[str] = []
        self._prefixes: list[str] = []

    def __call__(self, payload: dict[str, str]) -> str:
        """The canonical JSON of ``payload``."""
        keys = tuple(payload)
        if keys != self._keys:
            if not all(key.__class__ is str for key in keys):
                return canonical_json(payload)
            self._keys = keys
            self._order = sorted(keys)
            self._prefixes = [
                ("{" if i == 0 else ",") + _encode_text(key) + ":"
                for i, key in enumerate(self._order)
            ]
        parts: list[str] = []
        for prefix, key in zip(self._prefixes, self._order, strict=True):
            value = payload[key]
            if value.__class__ is not str:
                return canonical_json(payload)
            parts.append(prefix)
            parts.append(_encode_text(value))
        parts.append("}" if parts else "{}")
        return "".join(parts)


def payload_hash(payload: dict[str, str]) -> str:
    """SHA-256 of the canonical JSON of a raw row (UTF-8)."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _pseudo_filled(name: str, record: StagedRecord) -> bool:
    """Whether a pseudo-field a mapping marks ``required`` was filled (its columns differ)."""
    if name == "birth":
        return any(
            record.values.get(c) is not None for c in ("birth_date", "birth_year", "age_years")
        )
    if name == "case":
        return record.case_ref is not None
    if name == "exploitation_types":
        return bool(record.exploitation_types)
    if name == "case_role":
        return record.case_role is not None
    return False


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


_TRUE = {"yes", "y", "true", "1", "x", "t"}
_ABSENT = object()
_ANSWERS = frozenset({"yes", "no", "unknown"})
_FALSE = {"no", "n", "false", "0", "f", ""}


_PLAIN, _BIRTH, _CASE_REF, _CASE_ROLE, _EXPLOITATIONS = range(5)


@dataclass
class _CompiledField:
    target: TargetField
    evaluate: Evaluator
    column: str | None
    convert: Callable[[Any], Any]
    slot: int
    lenient: bool = False
    """An unresolved value is a warning and the field stays empty (law articles)."""


@dataclass
class _CompiledRecord:
    spec: RecordSpec
    target: Target
    when: Callable[[Row], bool] | None
    fields: list[_CompiledField]
    answers: list[tuple[str, Evaluator, str | None]]
    defaults: dict[str, Any]
    required: list[tuple[str, str | None]]
    steps: list[tuple[str, Evaluator, Callable[[Any], Any], int, bool]] = field(
        default_factory=list
    )
    """The fields as plain tuples (name, evaluate, convert, slot, lenient): the hot loop."""

    def __post_init__(self) -> None:
        self.steps = [
            (f.target.name, f.evaluate, f.convert, f.slot, f.lenient) for f in self.fields
        ]


FILE_PERIOD = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
"""A year in a file name (``moi_police_register_2008.csv``): the period the file covers."""


class Plausibility:
    """Checks every date stored against the plausible window of the delivery.

    * An event date (any date field but ``birth_date``) after today or before the
      mapping's ``earliest_date`` (1 January 1990 by default) is an error: the hint
      names the Buddhist Era when the year minus 543 would be plausible.
    * A date of birth after today or before 1880 is an error.
    * An event date more than a year after the file's period (the year in its name,
      ``..._2009.csv``) is a warning.

    The range of each date column is kept for the import summary (``ranges``).
    """

    def __init__(
        self,
        mapping: Mapping,
        file: str,
        warnings: list[tuple[str | None, str | None, str]],
    ) -> None:
        """Work out the window of the delivery."""
        self.earliest = mapping.earliest_date
        self.today = date.today()
        years = FILE_PERIOD.findall(Path(file).name)
        self.period_year = int(years[-1]) if years else None
        self.warnings = warnings
        self.ranges: dict[str, list[date]] = {}
        """Column (or field) -> [earliest, latest] event date seen."""

    def checker(self, name: str, column: str | None) -> Callable[[date], date]:
        """The check of one date field read from ``column``."""
        birth = name == "birth_date"
        earliest = date(MIN_YEAR, 1, 1) if birth else self.earliest
        today = self.today
        label = "date of birth" if birth else "date"
        late = None if birth or self.period_year is None else self.period_year + 1
        ranges = self.ranges
        key = column or name
        warnings = self.warnings

        def check(day: date) -> date:
            if day > today:
                raise CellError(
                    column, day.isoformat(), f"{label} {day} is in the future{_era_hint(day)}"
                )
            if day < earliest:
                raise CellError(
                    column,
                    day.isoformat(),
                    f"{label} {day} is before {earliest}: not plausible for this delivery"
                    + ("" if birth else " (the mapping's earliest_date)"),
                )
            if not birth:
                seen = ranges.get(key)
                if seen is None:
                    ranges[key] = [day, day]
                elif day < seen[0]:
                    seen[0] = day
                elif day > seen[1]:
                    seen[1] = day
                if late is not None and day.year > late:
                    warnings.append(
                        (
                            column,
                            day.isoformat(),
                            f"date {day} is more than a year after the file's period "
                            f"({late - 1}, from its name)",
                        )
                    )
            return day

        return check


class RowValidator:
    """A mapping compiled for one file: call :meth:`validate` on each raw row.

    Args:
        mapping: the source mapping.
        lookups: code-list and database look-ups.
        file: the file name used in issues.
        agency_id: the database id of the mapping's agency (default of agency fields).

    Raises:
        MappingError: the mapping names a field that does not exist for its record kind,
            or a ref to a record of the wrong kind.
    """

    def __init__(
        self, mapping: Mapping, lookups: Lookups, *, file: str, agency_id: int | None
    ) -> None:
        """Compile every expression of ``mapping``."""
        self.mapping = mapping
        self.file = file
        self.lookups = lookups
        self.allow_clearing = False
        self.header: list[str] = []
        """The file's column names (set by the importer once the header is read)."""
        """Updates may blank cells the stored rows had filled (see ``import_file``)."""
        self._cell_warnings: list[tuple[str | None, str | None, str]] = []
        """Warnings raised while converting the current field (drained by ``_record``)."""
        self.plausibility = Plausibility(mapping, file, self._cell_warnings)
        self._compiler = _Compiler(mapping, lookups)
        self._record_id = self._compiler.compile(mapping.record_id)
        self._record_id_column = _source_column(mapping.record_id)
        kinds = {spec.ref_name: spec.kind for spec in mapping.records}
        all_targets = targets()
        self._records: list[_CompiledRecord] = []
        for position, spec in enumerate(mapping.records):
            target = all_targets[spec.kind]
            compiled_fields = []
            for name, expr in spec.fields.items():
                if name not in target.fields:
                    raise MappingError(
                        mapping.path or mapping.source,
                        f"records[{position}] ({spec.kind}): unknown field {name!r}; "
                        f"fields of a {spec.kind}: {target.describe_fields()}",
                        field=f"records[{position}].fields.{name}",
                    )
                target_field = target.fields[name]
                if isinstance(expr, RefExpr) and (
                    target_field.type != "ref" or kinds[expr.ref] != target_field.ref_kind
                ):
                    raise MappingError(
                        mapping.path or mapping.source,
                        f"records[{position}] field {name!r} must refer to a "
                        f"{target_field.ref_kind or 'record'}, not {expr.ref!r}",
                        field=f"records[{position}].fields.{name}",
                    )
                column = _source_column(expr)
                compiled_fields.append(
                    _CompiledField(
                        target_field,
                        self._compiler.compile(expr),
                        column,
                        self._converter(target_field, column),
                        _slot_of(spec.kind, target_field),
                        lenient=target_field.type in LENIENT_TYPES,
                    )
                )
            defaults: dict[str, Any] = {}
            for target_field in target.fields.values():
                if (
                    target_field.type == "agency"
                    and target_field.required
                    and target_field.name not in spec.fields
                ):
                    defaults[target_field.name] = agency_id
            answers = [
                (code, self._compiler.compile(expr), _source_column(expr))
                for code, expr in (spec.answers or {}).items()
            ]
            required = [
                (f.name, next((c.column for c in compiled_fields if c.target is f), None))
                for f in target.fields.values()
                if f.required or f.name in spec.required
            ]
            self._records.append(
                _CompiledRecord(
                    spec,
                    target,
                    self._compiler.condition(spec.when) if spec.when else None,
                    compiled_fields,
                    answers,
                    defaults,
                    required,
                )
            )
        self._required_fields = {
            c.spec.ref_name: {name for name, _column in c.required} for c in self._records
        }
        self._conditional = any(spec.when is not None for spec in mapping.records)
        """Some record may not be made: refs to it must be checked row by row."""
        used = mapping.columns_used()
        self._used_columns: list[str] | None = sorted(used) if used else None
        self._canonical = CanonicalJson()
        self._null_tokens = frozenset(fold_null(token) for token in mapping.null_tokens)
        self.constraints = RecordConstraints()

    def validate(self, row_number: int, raw: dict[str, str]) -> RowOutcome:
        """Validate one row and stage its records.

        Args:
            row_number: the spreadsheet row number (header = 1).
            raw: the row's cells by column name, as read.

        Returns:
            The outcome; ``outcome.valid`` is False when any error was found.
        """
        row = self._row_of(raw)
        if self._null_tokens:
            tokens = self._null_tokens
            row = {c: "" if v and fold_null(v) in tokens else v for c, v in row.items()}
        issues: list[ImportIssue] = []
        source_key: str | None = None
        try:
            key = self._record_id(row)
            if key is None or str(key).strip() == "":
                issues.append(
                    self._issue(row_number, self._record_id_column, None, "the record id is empty")
                )
            else:
                source_key = str(key).strip()
        except CellError as error:
            issues.append(self._issue(row_number, error.column, error.value, error.message))
        records: list[StagedRecord] = []
        for compiled in self._records:
            try:
                if compiled.when is not None and not compiled.when(row):
                    continue
            except CellError as error:
                issues.append(self._issue(row_number, error.column, error.value, error.message))
                continue
            record = self._record(compiled, row, row_number, issues)
            if record is not None:
                records.append(record)
        if (
            self._conditional
            and (len(records) > 1 or any(r.refs for r in records))
            and not any(issue.severity == "error" for issue in issues)
        ):
            self._check_refs(records, row_number, issues)
        canonical = self._canonical(raw)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return RowOutcome(row_number, source_key, raw, digest, records, issues, canonical)

    def _row_of(self, raw: dict[str, str]) -> Row:
        """The cells the mapping reads, stripped (the payload keeps them as read)."""
        used = self._used_columns
        if used is None:
            return {column: value.strip() for column, value in raw.items()}
        return {column: value.strip() for column in used if (value := raw.get(column)) is not None}

    def _check_refs(
        self, records: list[StagedRecord], row_number: int, issues: list[ImportIssue]
    ) -> None:
        """Drop refs to records the row did not make; a required one is an error."""
        made = {record.name for record in records}
        for record in records:
            if record.case_ref is not None and record.case_ref.name not in made:
                record.case_ref = None
            if all(name in made for _f, name in record.refs):
                continue
            required = self._required_fields[record.name]
            kept = []
            for field_name, name in record.refs:
                if name in made:
                    kept.append((field_name, name))
                elif field_name in required:
                    issues.append(
                        self._issue(
                            row_number,
                            None,
                            None,
                            f"{record.kind} {record.name!r} needs the record {name!r}, which "
                            "this row does not make (its when: condition is false)",
                        )
                    )
            record.refs = kept

    def _issue(self, row: int, column: str | None, value: object, message: str) -> ImportIssue:
        return ImportIssue(self.file, row, column, shorten(value), message)

    def _record(
        self,
        compiled: _CompiledRecord,
        row: Row,
        row_number: int,
        issues: list[ImportIssue],
    ) -> StagedRecord | None:
        spec = compiled.spec
        values: dict[str, Any] = dict(compiled.defaults)
        record = StagedRecord(spec.kind, spec.ref_name, values)
        ok = True
        for name, evaluate, convert, slot, lenient in compiled.steps:
            try:
                value = convert(evaluate(row))
                if self._cell_warnings:
                    for column, shown, message in self._cell_warnings:
                        warning = ImportIssue(
                            self.file, row_number, column, shown, message, "warning"
                        )
                        if warning not in issues:  # one cell read by several fields
                            issues.append(warning)
                    self._cell_warnings.clear()
            except CellError as error:
                issue = self._issue(row_number, error.column, error.value, error.message)
                if lenient:
                    issues.append(dataclasses.replace(issue, severity="warning"))
                    continue
                issues.append(issue)
                ok = False
                continue
            if value is None:
                continue
            if slot == _PLAIN:
                if value.__class__ is Ref:
                    record.refs.append((name, value.name))
                else:
                    values[name] = value
            elif slot == _BIRTH:
                if value.birth_date is not None:
                    values["birth_date"] = value.birth_date
                if value.birth_year is not None:
                    values["birth_year"] = value.birth_year
                if value.age_years is not None:
                    values["age_years"] = value.age_years
                if value.age_reference_date is not None:
                    values["age_reference_date"] = value.age_reference_date
            elif slot == _CASE_REF:
                record.case_ref = value
            elif slot == _CASE_ROLE:
                record.case_role = value
            else:
                record.exploitation_types = value
        if compiled.answers:
            answers = record.answers
            for code, evaluate, column in compiled.answers:
                try:
                    answer = evaluate(row)
                except CellError as error:
                    issues.append(self._issue(row_number, error.column, error.value, error.message))
                    ok = False
                    continue
                if answer is None:
                    continue
                if answer not in _ANSWERS:
                    answer = str(answer).strip().lower()
                    if answer not in _ANSWERS:
                        issues.append(
                            self._issue(
                                row_number,
                                column,
                                answer,
                                f"answer to indicator {code!r} must be yes, no or unknown "
                                "(use a value map)",
                            )
                        )
                        ok = False
                        continue
                answers[code] = answer
        if not ok:
            return None
        missing = [
            (name, column)
            for name, column in compiled.required
            if name not in values and not _pseudo_filled(name, record)
        ]
        if missing:
            referred = {field_name for field_name, _n in record.refs}
            for name, column in missing:
                if name in referred:
                    continue
                issues.append(
                    self._issue(
                        row_number,
                        column,
                        None,
                        f"{spec.kind} field {name!r} is required but empty",
                    )
                )
                ok = False
        if ok:
            for column_name, problem in self.constraints.check(spec.kind, values, record.refs):
                column = next(
                    (f.column for f in compiled.fields if f.target.name == column_name), None
                )
                issues.append(self._issue(row_number, column, None, problem))
                ok = False
        return record if ok else None

    def _converter(self, target: TargetField, column: str | None) -> Callable[[Any], Any]:
        """A function checking and converting a value for the target field's type."""
        kind = target.type
        name = target.name
        if kind == "text":
            limit = target.max_length

            def text(value: Any) -> str | None:
                if value is None or value == "":
                    return None
                result = value if isinstance(value, str) else str(value)
                if limit is not None and len(result) > limit:
                    raise CellError(column, result, f"text longer than {limit} characters")
                return result

            return text
        if kind == "enum":
            choices = frozenset(target.choices)
            listed = ", ".join(target.choices)

            def enum(value: Any) -> str | None:
                if value is None or value == "":
                    return None
                result = str(value)
                if result not in choices:
                    raise CellError(
                        column,
                        result,
                        f"{name} {shorten(result)!r} is not one of {listed} "
                        "(add a value map to translate the source's codes)",
                    )
                return result

            return enum
        if kind == "date":
            parser = self._compiler.default_dates
            check = self.plausibility.checker(name, column)

            def to_date(value: Any) -> date | None:
                if value is None or value == "":
                    return None
                if not isinstance(value, date):
                    value = _Compiler.parse_date(parser, str(value), column)
                return check(value)

            return to_date
        if kind == "int":

            def to_int(value: Any) -> int | None:
                if value is None or value == "":
                    return None
                if isinstance(value, bool):
                    raise CellError(column, value, f"{name} must be a whole number")
                if isinstance(value, int):
                    number: int | float = value
                else:
                    number = value if isinstance(value, float) else _to_number(str(value), column)
                if isinstance(number, float) and not number.is_integer():
                    raise CellError(column, value, f"{name} must be a whole number")
                if number < 0:
                    raise CellError(column, value, f"{name} must not be negative")
                return int(number)

            return to_int
        if kind == "bool":

            def to_bool(value: Any) -> bool | None:
                if value is None or isinstance(value, bool):
                    return value
                text = _fold(str(value))
                if text in _TRUE:
                    return True
                if text in _FALSE:
                    return False
                raise CellError(column, value, f"{shorten(value)!r} is not yes/no")

            return to_bool
        if kind in HINTS:
            resolve = self._compiler.resolver(kind, column)
            ids = kind in ("agency", "provider", "law_article")

            def lookup(value: Any) -> Any:
                if value is None or value == "":
                    return None
                if ids and isinstance(value, int):
                    return value
                return resolve(value)

            return lookup
        if kind == "document_number":
            from tipdata.ingest.documents import number_converter

            return number_converter(column, CellError)
        if kind == "ref":

            def ref(value: Any) -> Ref | None:
                if value is None or isinstance(value, Ref):
                    return value
                raise CellError(column, value, f"{name} must be {{ref: <record name>}}")

            return ref
        if kind == "birth":

            def birth(value: Any) -> Birth | None:
                if value is None or isinstance(value, Birth):
                    return value
                raise CellError(column, value, "birth must be a {birth: ...} expression")

            return birth
        resolve_type = self._compiler.resolver("exploitation_type", column)

        def exploitation_list(value: Any) -> list[Any]:
            if value is None or value == "":
                return []
            items = value if isinstance(value, list) else [value]
            return [resolve_type(item) for item in items]

        return exploitation_list


def _slot_of(kind: RecordKind, target: TargetField) -> int:
    if target.type == "birth":
        return _BIRTH
    if kind == "person_record" and target.name == "case":
        return _CASE_REF
    if target.name == "case_role":
        return _CASE_ROLE
    if target.type == "list":
        return _EXPLOITATIONS
    return _PLAIN
