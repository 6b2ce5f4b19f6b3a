"""Validation rules of periodic reports, defined as data with importance levels.

Rules live in ``tipdata/provincial/validation_rules/*.yaml``, one file per data set,
and are validated when loaded against their data set (an unknown element,
disaggregation or key is an error naming the file and line). Kinds:

``non_negative``
    every entered value is 0 or more.
``breakdown_sums``
    parts add up to their totals (``female + male = total``, ``child + adult =
    total``, ``female_child + female_adult = female``, ...) where the total and every
    part were entered; where only some parts were entered, they may not exceed it.
``compare``
    ``sum(left) <operator> sum(right)``, e.g. ``victims_referred <= victims_identified``;
    skipped when a side is missing (a total counts as known when all its parts are).
``outlier``
    a value above ``median + k·MAD`` or below ``median - k·MAD`` of the same value
    in the province's previous reports (at least ``min_history`` of them, the last
    ``window``); MAD is floored at ``mad_floor``. ``history: same_season`` compares
    with the same time of year only: the reports of the ``years`` earlier years whose
    period starts within ``weeks_around`` weeks of the same date, so a bi-week of 2026
    is never judged against 2008, nor the harvest season against the rainy one.

``importance: error`` blocks submission; ``warning`` is recorded and shown but
does not. ``stage: save`` rules are checked on every save (a draft too),
``stage: submit`` rules when a report is submitted. A blank is never read as 0:
explicit 0 is a value, missing stays missing.
"""

from __future__ import annotations

import operator as op
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from tipdata.codelists.datafiles import CodelistModel, check_unique, parse_model, read_yaml
from tipdata.errors import CodelistError
from tipdata.provincial.datasets import TOTAL, DataSet, DataSetError, ValueKey

RULES_DIR = Path(__file__).resolve().parent / "validation_rules"
"""The folder of the rule files shipped with tipdata."""

Importance = Literal["error", "warning"]
Stage = Literal["save", "submit"]
Operator = Literal["<=", "<", ">=", ">", "=="]

_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "<=": op.le,
    "<": op.lt,
    ">=": op.ge,
    ">": op.gt,
    "==": op.eq,
}


class _Rule(CodelistModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str | None = None
    importance: Importance
    stage: Stage = "submit"


class NonNegativeRule(_Rule):
    """Every entered value is 0 or more."""

    kind: Literal["non_negative"]


class BreakdownSumsRule(_Rule):
    """Parts add up to their totals, for the listed elements (all broken-down ones if none)."""

    kind: Literal["breakdown_sums"]
    elements: tuple[str, ...] | None = None


class CompareRule(_Rule):
    """``sum(left) <operator> sum(right)``; terms are ``element`` or ``element.disaggregation``."""

    kind: Literal["compare"]
    left: tuple[str, ...] = Field(min_length=1)
    operator: Operator
    right: tuple[str, ...] = Field(min_length=1)


class OutlierRule(_Rule):
    """A value far outside the province's own history (median ± k·MAD)."""

    kind: Literal["outlier"]
    k: float = Field(gt=0)
    min_history: int = Field(ge=2)
    window: int = Field(ge=2)
    mad_floor: float = Field(default=1.0, ge=0)
    history: Literal["recent", "same_season"] = "recent"
    years: int = Field(default=3, ge=1, le=20)
    weeks_around: int = Field(default=4, ge=0, le=26)


Rule = Annotated[
    NonNegativeRule | BreakdownSumsRule | CompareRule | OutlierRule, Field(discriminator="kind")
]


class RulesFile(CodelistModel):
    """The content of one rules file, as written."""

    data_set: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ValidationResult:
    """One rule that a report breaks (or, for outliers, a value to review).

    Attributes:
        rule: the rule code.
        rule_name: the rule's English name.
        importance: ``error`` (blocks submission) or ``warning``.
        data_element: the data element concerned.
        disaggregation: its disaggregation (``total`` when not broken down).
        message: what is wrong, with the values, for a person.
        values: the values the rule used, by name (e.g. ``{"female": 3, "male": 1,
            "total": 5}`` or ``{"value": 40, "median": 2, "mad": 1, "limit": 7}``).
    """

    rule: str
    rule_name: str
    importance: Importance
    data_element: str
    disaggregation: str
    message: str
    values: Mapping[str, int | float | None] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        """Whether this result blocks submission."""
        return self.importance == "error"


History = Mapping[ValueKey, Sequence[int]]
"""Earlier values of each ``(element, disaggregation)`` of the same org unit, oldest first."""


@dataclass(frozen=True)
class RuleSet:
    """The validation rules of one data set.

    Attributes:
        data_set: the data set the rules check.
        rules: the rules in file order.
    """

    data_set: DataSet
    rules: tuple[NonNegativeRule | BreakdownSumsRule | CompareRule | OutlierRule, ...]

    @property
    def outlier_rules(self) -> tuple[OutlierRule, ...]:
        """The outlier rules: which earlier reports form a report's history."""
        return tuple(rule for rule in self.rules if isinstance(rule, OutlierRule))

    def check(
        self,
        values: Mapping[ValueKey, int | None],
        *,
        history: History | None = None,
        stage: Stage = "submit",
    ) -> list[ValidationResult]:
        """Check the values of one report.

        Args:
            values: the report's values; a missing key or None is missing (never 0).
            history: earlier values of the same org unit, for outlier rules; outlier
                rules are skipped without it.
            stage: ``save`` checks only ``stage: save`` rules; ``submit`` checks all.

        Returns:
            Every result, errors first, then in rule and form order.
        """
        results: list[ValidationResult] = []
        for rule in self.rules:
            if stage == "save" and rule.stage != "save":
                continue
            if isinstance(rule, NonNegativeRule):
                results.extend(self._non_negative(rule, values))
            elif isinstance(rule, BreakdownSumsRule):
                results.extend(self._breakdown_sums(rule, values))
            elif isinstance(rule, CompareRule):
                results.extend(self._compare(rule, values))
            elif history is not None:
                results.extend(self._outliers(rule, values, history))
        return sorted(results, key=lambda r: r.importance != "error")

    def _non_negative(
        self, rule: NonNegativeRule, values: Mapping[ValueKey, int | None]
    ) -> Iterable[ValidationResult]:
        for (element, disaggregation), value in values.items():
            if value is not None and value < 0:
                yield _result(
                    rule,
                    element,
                    disaggregation,
                    f"{_label(element, disaggregation)} is {value}; counts cannot be negative",
                    {"value": value},
                )

    def _breakdown_sums(
        self, rule: BreakdownSumsRule, values: Mapping[ValueKey, int | None]
    ) -> Iterable[ValidationResult]:
        elements = rule.elements or tuple(e.code for e in self.data_set.elements)
        for element in elements:
            flagged: set[str] = set()
            for partition in self.data_set.partitions(element):
                whole = values.get((element, partition.whole))
                if whole is None or partition.whole in flagged:
                    continue
                # a part counts as known when entered or derivable from its own parts
                parts = {
                    part: self.data_set.value(values, (element, part)) for part in partition.parts
                }
                known = {part: value for part, value in parts.items() if value is not None}
                if not known:
                    continue
                total = sum(known.values())
                used: dict[str, int | float | None] = {**parts, partition.whole: whole}
                formula = " + ".join(partition.parts)
                message = None
                if len(known) == len(parts) and total != whole:
                    message = f"{element}: {formula} = {total}, but {partition.whole} is {whole}"
                elif len(known) < len(parts) and total > whole:
                    message = (
                        f"{element}: the parts entered ({' + '.join(known)} = {total}) "
                        f"exceed {partition.whole} ({whole})"
                    )
                if message is not None:
                    flagged.add(partition.whole)
                    yield _result(rule, element, partition.whole, message, used)

    def _compare(
        self, rule: CompareRule, values: Mapping[ValueKey, int | None]
    ) -> Iterable[ValidationResult]:
        sides: list[dict[str, int | None]] = []
        for terms in (rule.left, rule.right):
            sides.append({term: self.data_set.value(values, _term(term)) for term in terms})
        left, right = sides
        if any(value is None for value in (*left.values(), *right.values())):
            return
        left_sum = sum(value for value in left.values() if value is not None)
        right_sum = sum(value for value in right.values() if value is not None)
        if _OPERATORS[rule.operator](left_sum, right_sum):
            return
        element, disaggregation = _term(rule.left[0])
        yield _result(
            rule,
            element,
            disaggregation,
            f"{' + '.join(rule.left)} ({left_sum}) should be {rule.operator} "
            f"{' + '.join(rule.right)} ({right_sum})",
            {**left, **right},
        )

    def _outliers(
        self, rule: OutlierRule, values: Mapping[ValueKey, int | None], history: History
    ) -> Iterable[ValidationResult]:
        for key, value in values.items():
            if value is None:
                continue
            earlier = list(history.get(key, ()))[-rule.window :]
            if len(earlier) < rule.min_history:
                continue
            median = statistics.median(earlier)
            mad = max(statistics.median(abs(x - median) for x in earlier), rule.mad_floor)
            high = median + rule.k * mad
            low = median - rule.k * mad
            if low <= value <= high:
                continue
            element, disaggregation = key
            limit = high if value > high else low
            basis = (
                f"{len(earlier)} reports of the same season in the {rule.years} years before"
                if rule.history == "same_season"
                else f"its last {len(earlier)} reports"
            )
            yield _result(
                rule,
                element,
                disaggregation,
                f"{_label(element, disaggregation)} is {value}, far "
                f"{'above' if value > high else 'below'} the province's usual "
                f"{_number(median)} (limit {_number(limit)} from {basis})",
                {
                    "value": value,
                    "median": median,
                    "mad": mad,
                    "limit": limit,
                    "history_length": len(earlier),
                },
            )


def blocking(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """The results that block submission (importance ``error``)."""
    return [result for result in results if result.blocking]


def _result(
    rule: _Rule,
    element: str,
    disaggregation: str,
    message: str,
    values: Mapping[str, int | float | None],
) -> ValidationResult:
    return ValidationResult(
        rule=rule.code,
        rule_name=rule.name,
        importance=rule.importance,
        data_element=element,
        disaggregation=disaggregation,
        message=message,
        values=dict(values),
    )


def _term(text: str) -> ValueKey:
    """``element`` or ``element.disaggregation`` as a key."""
    element, _, disaggregation = text.partition(".")
    return element, disaggregation or TOTAL


def _label(element: str, disaggregation: str) -> str:
    return element if disaggregation == TOTAL else f"{element} ({disaggregation})"


def _number(value: float) -> str:
    return f"{value:g}"


def load_rules(data_set: DataSet, root: Path | None = None) -> RuleSet:
    """Load and validate the rules of ``data_set`` from every rules file that names it.

    Args:
        data_set: the data set whose rules to load.
        root: the folder of the rule files; the shipped one by default.

    Returns:
        The rules (an empty set if no file names the data set).

    Raises:
        DataSetError: a rules file is invalid; the message names the file and line.
    """
    rules: list[NonNegativeRule | BreakdownSumsRule | CompareRule | OutlierRule] = []
    for path in sorted((root or RULES_DIR).glob("*.yaml")):
        parsed = load_rules_file(path, data_set)
        if parsed is not None:
            rules.extend(parsed)
    return RuleSet(data_set=data_set, rules=tuple(rules))


def load_rules_file(
    path: Path, data_set: DataSet
) -> tuple[NonNegativeRule | BreakdownSumsRule | CompareRule | OutlierRule, ...] | None:
    """Load one rules file; None if it is for another data set.

    Raises:
        DataSetError: the file is invalid or refers to a value the data set lacks.
    """
    try:
        document = read_yaml(path)
        if not isinstance(document.data, dict):
            raise DataSetError(path, "expected a mapping with data_set and rules")
        parsed = parse_model(RulesFile, document.data, path=path, line_of=document.line_of)
        if parsed.data_set != data_set.code:
            return None
        check_unique(
            path,
            (
                (rule.code, document.line_of(("rules", i, "code")))
                for i, rule in enumerate(parsed.rules)
            ),
        )
    except CodelistError as error:
        raise DataSetError(
            error.file, error.message, line=error.line, field=error.field, value=error.value
        ) from error
    for index, rule in enumerate(parsed.rules):
        terms: list[tuple[str, str]] = []
        if isinstance(rule, CompareRule):
            terms = [("left", t) for t in rule.left] + [("right", t) for t in rule.right]
        elif isinstance(rule, BreakdownSumsRule) and rule.elements:
            terms = [("elements", t) for t in rule.elements]
        for side, term in terms:
            if not data_set.is_key(_term(term)):
                loc = ("rules", index, side)
                raise DataSetError(
                    path,
                    f"data set {data_set.code} has no value {term!r}",
                    line=document.line_of(loc),
                    field=f"rules.{index}.{side}",
                    value=term,
                )
    return parsed.rules
