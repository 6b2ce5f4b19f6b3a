"""Source mappings: one YAML file per agency export layout, validated on load.

A mapping tells the importer how to read one agency's export (CSV or XLSX), how to
recognise it in a delivery folder, which column is the agency's own record id, and
how one row becomes one or more records (person records, cases, charges, events,
referrals, screenings). The format is documented for data officers in
``docs/mappings.md``; the built-in mappings live in ``tipdata/ingest/sources/``.

Errors in a mapping file raise :class:`MappingError` naming the file and the line of
the offending YAML node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tipdata.errors import DataFileError
from tipdata.ingest.dates import Calendar
from tipdata.ingest.transforms import Step

BUILTIN_DIR = Path(__file__).parent / "sources"
"""Folder of the built-in mappings (one ``*.yaml`` per demo/agency layout)."""

RecordKind = Literal["person_record", "case", "charge", "event", "referral", "screening"]
"""What a mapped record becomes; each kind is one table of the store."""

LookupList = Literal[
    "province", "country", "agency", "exploitation_type", "law_article", "destination"
]
"""Code lists an expression may look a value up in."""

Scalar = str | int | float | bool | None


class MappingError(DataFileError):
    """A source mapping file is invalid (the message names the file and line)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ---------------------------------------------------------------------------
# Expressions: a tiny, safe language (no eval) for a field's value.
# ---------------------------------------------------------------------------


class ColumnExpr(_Strict):
    """The value of one column (``"Sex"`` is short for ``{column: Sex}``)."""

    column: str = Field(min_length=1)
    map: str | None = None
    """Name of a value map (under ``value_maps:``) the cell is translated through."""
    default: Scalar = None
    """Value used when the cell is empty."""


class ConstExpr(_Strict):
    """A constant (``{const: victim}``)."""

    const: Scalar


class TemplateExpr(_Strict):
    """Columns combined into text: ``{template: "{Court}/{Case No}"}``; empty if all are empty."""

    template: str = Field(min_length=1)

    @property
    def columns(self) -> list[str]:
        """The column names referred to, in order."""
        return re.findall(r"\{([^{}]+)\}", self.template)

    @model_validator(mode="after")
    def _has_columns(self) -> TemplateExpr:
        if not self.columns:
            raise ValueError("a template must refer to at least one column as {Column Name}")
        return self


class FirstOfExpr(_Strict):
    """The first non-empty value of several expressions."""

    first_of: list[Expr] = Field(min_length=1)


class MapExpr(_Strict):
    """An expression's value translated through a value map."""

    map: str
    value: Expr


class TextExpr(_Strict):
    """Text cleaned by a list of steps: ``{text: Client, steps: [trim, strip_titles]}``."""

    text: Expr
    steps: list[Step] = Field(min_length=1)


class DateExpr(_Strict):
    """A date parsed with the given strftime formats (default: the mapping's ``date_formats``)."""

    date: Expr
    formats: list[str] | None = None
    calendar: Calendar | None = None
    """``gregorian`` or ``buddhist``; default: the mapping's ``calendar``."""
    century_pivot: int | None = Field(default=None, ge=1800, le=2100)
    """First year of the 100 years two-digit years are read as; default: the mapping's."""


class YearExpr(_Strict):
    """A year: 4 digits, an approximate year (``c. 1995``) or the year of a date."""

    year: Expr
    formats: list[str] | None = None
    calendar: Calendar | None = None
    century_pivot: int | None = Field(default=None, ge=1800, le=2100)


class AgeExpr(_Strict):
    """An age in whole years (``14``, ``14 yrs``, ``28y``, ``១២ ឆ្នាំ``), between 0 and 110."""

    age: Expr


class BirthExpr(_Strict):
    """A cell holding a date of birth, a birth year or an age (at the date ``at``).

    Only valid as the ``birth`` pseudo-field of a person record: it fills
    ``birth_date``, ``birth_year`` or ``age_years`` + ``age_reference_date``.
    """

    birth: Expr
    at: Expr | None = None
    formats: list[str] | None = None
    calendar: Calendar | None = None
    century_pivot: int | None = Field(default=None, ge=1800, le=2100)


class NumberExpr(_Strict):
    """A number; thousands separators (``,`` or space) are ignored; ``times`` multiplies it."""

    number: Expr
    times: float = 1


class SumExpr(_Strict):
    """The sum of numbers (empty ones count as 0; all empty gives empty).

    Example: sentence in months from two columns,
    ``{sum: [{number: Sentence Years, times: 12}, {number: Sentence Months}]}``.
    """

    sum: list[Expr] = Field(min_length=1)


class LookupExpr(_Strict):
    """A value resolved in a code list (province, country, agency, ...); unknown is an error."""

    lookup: LookupList
    value: Expr


class SplitExpr(_Strict):
    """A cell holding several values (``"sex; labour"``) split into a list."""

    split: Expr
    separator: str = ";"
    map: str | None = None


class RefExpr(_Strict):
    """The id of another record made from the same row (``{ref: defendant}``)."""

    ref: str


_EXPR_KEYS: tuple[str, ...] = (
    "column",
    "const",
    "template",
    "text",
    "first_of",
    "date",
    "year",
    "age",
    "birth",
    "number",
    "sum",
    "lookup",
    "split",
    "ref",
    "map",
)


def _expr_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        for key in _EXPR_KEYS:
            if key in type(value).model_fields and key != "map":
                return key
        return "map"
    if isinstance(value, dict):
        for key in _EXPR_KEYS:
            if key in value:
                return key
    return None


def _shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"column": value}
    if isinstance(value, int | float | bool) or value is None:
        return {"const": value}
    if isinstance(value, dict) and not any(key in value for key in _EXPR_KEYS):
        raise ValueError(
            "an expression needs one of the keys "
            + ", ".join(_EXPR_KEYS)
            + f"; found {sorted(value)}"
        )
    return value


Expr = Annotated[
    Annotated[ColumnExpr, Tag("column")]
    | Annotated[ConstExpr, Tag("const")]
    | Annotated[TemplateExpr, Tag("template")]
    | Annotated[TextExpr, Tag("text")]
    | Annotated[FirstOfExpr, Tag("first_of")]
    | Annotated[DateExpr, Tag("date")]
    | Annotated[YearExpr, Tag("year")]
    | Annotated[AgeExpr, Tag("age")]
    | Annotated[BirthExpr, Tag("birth")]
    | Annotated[NumberExpr, Tag("number")]
    | Annotated[SumExpr, Tag("sum")]
    | Annotated[LookupExpr, Tag("lookup")]
    | Annotated[SplitExpr, Tag("split")]
    | Annotated[RefExpr, Tag("ref")]
    | Annotated[MapExpr, Tag("map")],
    Discriminator(_expr_tag),
    BeforeValidator(_shorthand),
]
"""A field's value: a column name, a constant or one of the expression forms above."""


# ---------------------------------------------------------------------------
# Conditions
# ---------------------------------------------------------------------------


class Condition(_Strict):
    """When a record is made: a test on a column (or expression), or a combination.

    Examples (YAML): ``{column: Role, in: [Victim, V]}``, ``{column: Arrest date, empty: false}``,
    ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``. Comparisons ignore case and
    surrounding spaces.
    """

    column: str | None = None
    value: Expr | None = None
    map: str | None = None
    equals: Scalar = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    empty: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        subjects = [self.column is not None, self.value is not None]
        combinators = [self.all is not None, self.any is not None, self.not_ is not None]
        tests = [
            "equals" in self.model_fields_set,
            self.in_ is not None,
            self.not_in is not None,
            self.empty is not None,
        ]
        if sum(subjects) + sum(combinators) != 1:
            raise ValueError("a condition needs exactly one of: column, value, all, any, not")
        if any(subjects) and sum(tests) != 1:
            raise ValueError(
                "a condition on a column needs exactly one of: equals, in, not_in, empty"
            )
        if any(combinators) and (sum(tests) or self.map):
            raise ValueError("all/any/not cannot be combined with equals/in/not_in/empty/map")
        return self


# ---------------------------------------------------------------------------
# The mapping
# ---------------------------------------------------------------------------


class CsvFormat(_Strict):
    """A delimited text file."""

    type: Literal["csv"]
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)

    @model_validator(mode="after")
    def _known_encoding(self) -> CsvFormat:
        import codecs

        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {self.encoding!r}") from exc
        return self


class XlsxFormat(_Strict):
    """An Excel workbook: one sheet, with the header on ``header_row`` (1-based)."""

    type: Literal["xlsx"]
    sheet: str | int = 0
    """Sheet name, or 0-based position."""
    header_row: int = Field(default=1, ge=1)
    first_data_row: int | None = Field(default=None, ge=2)
    """The first row of data; the rows between the header and it (a row of labels under
    a row of field names, as the HTCDS toolkit's template has) are not read."""
    unnamed_columns: Literal["refuse", "letter"] = "refuse"
    """A header cell left empty: an error (``refuse``), or the column is named by its
    letter (``letter``: ``column A``), e.g. a template's row-number column; a row with
    values only in such columns counts as empty."""

    @model_validator(mode="after")
    def _data_after_header(self) -> XlsxFormat:
        if self.first_data_row is not None and self.first_data_row <= self.header_row:
            raise ValueError("first_data_row must come after header_row")
        return self


class Recognise(_Strict):
    """How a file in a delivery folder is recognised as this layout."""

    pattern: str = Field(min_length=1)
    """File-name glob, e.g. ``iom_returnees_*.csv`` (case-insensitive)."""
    required_columns: list[str] = Field(min_length=1)
    """Columns that must all be in the header."""


class RecordSpec(_Strict):
    """One record made from a row."""

    kind: RecordKind
    name: str | None = None
    """Name other records of the row use to refer to this one (``{ref: NAME}``); default kind."""
    when: Condition | None = None
    fields: dict[str, Expr] = Field(min_length=1)
    answers: dict[str, Expr] | None = None
    """Screening only: indicator code -> its answer (yes / no / unknown)."""
    required: list[str] = Field(default_factory=list)
    """Fields of this record a row must fill (besides those the table needs): a row whose
    value for one is empty is an error naming the row and column."""

    @model_validator(mode="after")
    def _answers_on_screening(self) -> RecordSpec:
        if self.answers is not None and self.kind != "screening":
            raise ValueError("answers: is only allowed on a record of kind screening")
        unknown = [name for name in self.required if name not in self.fields]
        if unknown:
            raise ValueError(
                f"required: names {', '.join(repr(n) for n in unknown)}, not a field of this "
                f"record (fields: {', '.join(self.fields)})"
            )
        return self

    @property
    def ref_name(self) -> str:
        """The name this record is referred to by."""
        return self.name or self.kind


class Mapping(_Strict):
    """One agency export layout."""

    source: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    """The source code (lower case, digits, underscore), unique across mappings."""
    name: str = Field(min_length=1)
    agency: str = Field(min_length=1)
    """Code of the agency that owns the data (see ``tipdata codelists agencies``)."""
    description: str = ""
    file: Annotated[CsvFormat | XlsxFormat, Field(discriminator="type")]
    recognise: Recognise
    record_id: Expr
    """The source's own record id: a column, or a template combining columns."""
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"], min_length=1)
    calendar: Calendar = "gregorian"
    """How the file counts years: ``gregorian``, or ``buddhist`` (Thai: year + 543)."""
    century_pivot: int | None = Field(default=None, ge=1800, le=2100)
    """Two-digit years are read as this year and the 99 after it (default: the 100 years
    ending with the current year)."""
    earliest_date: date = date(1990, 1, 1)
    """Event dates before this one are errors (not plausible for the delivery)."""
    null_tokens: list[str] = Field(default_factory=list)
    """Cell values meaning "no value" in every column (``?``, ``-``, ``n/a``, ``unknown``,
    ``មិនដឹង``); compared ignoring case and spaces."""
    value_maps: dict[str, dict[str, Scalar]] = Field(default_factory=dict)
    records: list[RecordSpec] = Field(default_factory=list)
    """Records made from each row; none keeps only the raw source records (aggregates)."""
    repeats_people: bool = False
    """The register may list one person in several rows (a border log where people return
    twice, a court register with one row per victim and defendant). By default two rows
    are two people: linkage never joins them unless a reviewer decides they are one."""
    protected_columns: list[str] = Field(default_factory=list)
    """Source columns no field reads that still identify a person (free-text notes, phone
    numbers): encrypted in the stored raw rows, like the columns of protected fields."""

    open_columns: list[str] = Field(default_factory=list)
    """Source columns declared non-identifying (codes, counts, article numbers): kept in
    clear in the stored raw rows. Every column that is neither declared here nor read only
    by fields of closed types (numbers, dates, code lists) is encrypted (deny by default;
    see :mod:`tipdata.ingest.privacy`)."""

    # Where the mapping came from; not part of the YAML.
    path: Path | None = Field(default=None, exclude=True)

    def columns_used(self) -> set[str]:
        """Every column name any expression or condition of the mapping reads."""
        found: set[str] = set(_columns(self.record_id))
        for spec in self.records:
            for expr in [*spec.fields.values(), *(spec.answers or {}).values()]:
                found.update(_columns(expr))
            if spec.when is not None:
                found.update(_condition_columns(spec.when))
        return found


def _walk(node: Any) -> Iterator[Any]:
    """Every model, list item and value below ``node`` (depth first)."""
    yield node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _walk(item)


def _maps_used(spec: RecordSpec) -> set[str]:
    found = set()
    for node in _walk(spec):
        if isinstance(node, ColumnExpr | MapExpr | SplitExpr | Condition) and node.map:
            found.add(node.map)
    return found


def _refs_used(spec: RecordSpec) -> set[str]:
    return {node.ref for node in _walk(spec) if isinstance(node, RefExpr)}


def expression_columns(expr: Any) -> list[str]:
    """Every column name an expression (or condition) reads."""
    return _columns(expr)


def _columns(expr: Any) -> list[str]:
    found: list[str] = []
    for node in _walk(expr):
        if isinstance(node, ColumnExpr | Condition) and node.column:
            found.append(node.column)
        elif isinstance(node, TemplateExpr):
            found.extend(node.columns)
    return found


def _condition_columns(condition: Condition) -> list[str]:
    return _columns(condition)


# ---------------------------------------------------------------------------
# Loading YAML with line numbers
# ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader where only ``true``/``false`` are booleans (``N``, ``no``, ``off`` stay text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

_Path = tuple[str | int, ...]


def _load_yaml_with_lines(text: str, file: Path) -> tuple[Any, dict[_Path, int]]:
    """Parse YAML into plain data plus the 1-based line of every key and item."""
    loader = _Loader(text)
    lines: dict[_Path, int] = {}
    try:
        root = loader.get_single_node()

        def build(node: Node, path: _Path) -> Any:
            lines.setdefault(path, node.start_mark.line + 1)
            if isinstance(node, MappingNode):
                loader.flatten_mapping(node)
                result: dict[str, Any] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, ScalarNode):
                        raise MappingError(
                            file, "a key must be plain text", line=key_node.start_mark.line + 1
                        )
                    key = key_node.value  # keys stay text: "1", "N" and "no" are codes
                    if key in result:
                        raise MappingError(
                            file, f"key {key!r} appears twice", line=key_node.start_mark.line + 1
                        )
                    lines[(*path, key)] = key_node.start_mark.line + 1
                    result[key] = build(value_node, (*path, key))
                return result
            if isinstance(node, SequenceNode):
                return [build(item, (*path, index)) for index, item in enumerate(node.value)]
            return loader.construct_object(node, deep=True)

        data = build(root, ()) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise MappingError(file, f"not valid YAML: {exc.problem or exc}", line=line) from exc
    except yaml.YAMLError as exc:
        raise MappingError(file, f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return data, lines


def _line_of(loc: tuple[Any, ...], data: Any, lines: dict[_Path, int]) -> tuple[int | None, str]:
    """The line and a readable dotted path for a Pydantic error location."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # a tag of the expression union, or a missing key: stay on the parent
            continue
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            break
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return line, dotted


def parse_mapping(text: str, file: str | Path) -> Mapping:
    """Validate the text of a mapping file.

    Args:
        text: the YAML text.
        file: the file it came from (for messages).

    Returns:
        The validated mapping.

    Raises:
        MappingError: the YAML is malformed or does not follow the mapping format; the
            message names the file, the line and the key at fault.
    """
    path = Path(file)
    data, lines = _load_yaml_with_lines(text, path)
    if not isinstance(data, dict):
        raise MappingError(path, "a mapping file must be a YAML mapping (key: value lines)", line=1)
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        line, dotted = _line_of(first["loc"], data, lines)
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"unknown key {first['loc'][-1]!r}"
        elif first["type"] == "missing":
            message = f"missing key {first['loc'][-1]!r}"
        extra = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        message = message.removeprefix("Value error, ")
        raise MappingError(path, f"{message}{extra}", line=line, field=dotted or None) from exc
    _check_references(mapping, data, lines, path)
    _check_clear_free_text(mapping, lines, path)
    return mapping.model_copy(update={"path": path})


def _check_references(
    mapping: Mapping, data: dict[str, Any], lines: dict[_Path, int], path: Path
) -> None:
    """Value maps and record refs must exist; record names must be unique (with lines)."""
    names = [spec.ref_name for spec in mapping.records]
    for position, spec in enumerate(mapping.records):
        if names.count(spec.ref_name) > 1:
            raise MappingError(
                path,
                f"two records are named {spec.ref_name!r}; give each a distinct name",
                line=lines.get(("records", position)),
                field=f"records[{position}]",
            )

    def walk(node: Any, where: _Path) -> None:
        if isinstance(node, dict):
            used_map = node.get("map")
            if isinstance(used_map, str) and used_map not in mapping.value_maps:
                raise MappingError(
                    path,
                    f"value map {used_map!r} is not declared under value_maps "
                    f"(declared: {', '.join(sorted(mapping.value_maps)) or 'none'})",
                    line=lines.get((*where, "map")),
                    field=_dotted(where),
                )
            ref = node.get("ref")
            if isinstance(ref, str) and ref not in names:
                raise MappingError(
                    path,
                    f"refers to record {ref!r}, which this mapping does not make "
                    f"(records: {', '.join(names)})",
                    line=lines.get((*where, "ref")),
                    field=_dotted(where),
                )
            for key, value in node.items():
                walk(value, (*where, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*where, index))

    walk(data.get("records"), ("records",))


CLEAR_FREE_TEXT: frozenset[tuple[str, str]] = frozenset(
    {("event", "place"), ("event", "company"), ("event", "contract"),
     ("case", "description"), ("screening", "determined_by")}
)  # fmt: skip
"""Free-text fields stored in clear (statistics read them): what they copy from a source
column must be declared non-identifying (``open_columns``)."""


def _check_clear_free_text(mapping: Mapping, lines: dict[_Path, int], path: Path) -> None:
    """Refuse a free-text field stored in clear that copies an undeclared column verbatim.

    Deny by default: a column whose text reaches a clear column (a place, a description)
    must be listed in ``open_columns``, a reviewed statement that it names no one; or be
    read through a value map into fixed texts.
    """
    declared = set(mapping.open_columns) - set(mapping.protected_columns)
    for position, spec in enumerate(mapping.records):
        for name, expr in spec.fields.items():
            if (spec.kind, name) not in CLEAR_FREE_TEXT:
                continue
            verbatim = [c for c in _verbatim_columns(expr) if c not in declared]
            if verbatim:
                raise MappingError(
                    path,
                    f"{spec.kind} field {name!r} is stored in clear but copies the free text of "
                    f"column(s) {', '.join(repr(c) for c in verbatim)}; list them in "
                    "open_columns if they name no one (places, organisations), or read them "
                    "through a value map",
                    line=lines.get(("records", position, "fields", name)),
                    field=f"records[{position}].fields.{name}",
                )


def _verbatim_columns(expr: Any) -> list[str]:
    """The columns whose own text an expression may return (not those behind a value map)."""
    if isinstance(expr, MapExpr):
        return []
    if isinstance(expr, ColumnExpr):
        return [] if expr.map else [expr.column]
    if isinstance(expr, TemplateExpr):
        return list(expr.columns)
    if isinstance(expr, BaseModel):
        return [
            column
            for name in type(expr).model_fields
            for column in _verbatim_columns(getattr(expr, name))
        ]
    if isinstance(expr, list | tuple):
        return [column for item in expr for column in _verbatim_columns(item)]
    if isinstance(expr, dict):
        return [column for item in expr.values() for column in _verbatim_columns(item)]
    return []


def _dotted(path: _Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate one mapping file.

    Args:
        path: the ``.yaml`` file.

    Returns:
        The validated mapping.

    Raises:
        MappingError: the file cannot be read or is invalid.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(file, f"cannot read the mapping file: {exc}") from exc
    return parse_mapping(text, file)


_PARSED: dict[Path, tuple[tuple[int, int], Mapping]] = {}
"""Built-in mappings already parsed, by file, with the file's (mtime, size) then."""


def _builtin(file: Path) -> Mapping:
    """A built-in mapping, parsed once while its file is unchanged (mappings are frozen).

    Parsing the 18 files takes 0.1 s each with line numbers kept, and the import form
    lists them on every visit.
    """
    try:
        stat = file.stat()
    except OSError as exc:
        raise MappingError(file, f"cannot read the mapping file: {exc}") from exc
    stamp = (stat.st_mtime_ns, stat.st_size)
    kept = _PARSED.get(file)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    mapping = load_mapping(file)
    _PARSED[file] = (stamp, mapping)
    return mapping


def builtin_mappings() -> dict[str, Mapping]:
    """The built-in mappings, by source code.

    Returns:
        One mapping per ``tipdata/ingest/sources/*.yaml``, keyed by its ``source``.

    Raises:
        MappingError: a built-in mapping is invalid or two share a source code.
    """
    found: dict[str, Mapping] = {}
    for file in sorted(BUILTIN_DIR.glob("*.yaml")):
        mapping = _builtin(file)
        if mapping.source in found:
            raise MappingError(
                file, f"source {mapping.source!r} is already defined by another file"
            )
        found[mapping.source] = mapping
    return found


def get_mapping(source: str) -> Mapping:
    """The built-in mapping of a source.

    Args:
        source: the source code, e.g. ``"iom_returnees"``.

    Raises:
        MappingError: no built-in mapping has this code (the message lists them).
    """
    mappings = builtin_mappings()
    if source not in mappings:
        raise MappingError(
            BUILTIN_DIR, f"unknown source {source!r}; known sources: {', '.join(sorted(mappings))}"
        )
    return mappings[source]
