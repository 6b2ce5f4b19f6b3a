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
from tipdata.ingest.expressions import (
    MIN_YEAR,
    Birth,
    CellError,
    Evaluator,
    Ref,
    Row,
    _Compiler,
    _era_hint,
    _fold,
    _source_column,
    _to_number,
    shorten,
)
from tipdata.ingest.lookups import HINTS, Lookups
from tipdata.ingest.mapping import (
    Mapping,
    MappingError,
    RecordKind,
    RecordSpec,
    RefExpr,
)
from tipdata.ingest.targets import Target, TargetField, targets
from tipdata.ingest.transforms import (
    fold_null,
)

LENIENT_TYPES = frozenset({"law_article"})
"""Field types whose unknown values are warnings, not errors: the row is stored with the
field empty (a court's article not in the catalogue is kept as written in
``article_text`` and counted)."""

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


_TRUE = {"yes", "y", "true", "1", "x", "t"}
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
