"""The indicator catalogue: indicator definitions as data, validated when loaded.

Each file of ``tipdata/reporting/indicators/`` holds a list of indicators. An
indicator says what it counts (``unit``: canonical persons, cases or charges),
which facts of the consolidated data qualify (the numerator's ``any_of`` parts,
each a fact ``source`` with ``filters``), an optional denominator and factor, the
disaggregations it may be broken down by and its period type. The engine
(:mod:`tipdata.reporting.engine`) turns a definition into one SQL query.

Example::

    indicators:
      - code: victims_identified
        name: Victims identified
        definition: Persons recorded as victims by any agency in the period.
        methodology: Counted once per canonical person (linkage), not per record.
        unit: persons
        numerator:
          any_of:
            - source: events
              filters: {role: [victim], event_type: [rescued, referred, sheltered]}
        disaggregations: [sex, age_group, nationality]
        period_type: year

Every key, filter and disaggregation is checked against the vocabulary below; an
unknown one is an :class:`IndicatorError` naming the file and the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.errors import CodelistError, DataFileError
from tipdata.model.enums import ChargeOutcome, EventType, PersonRole, Sex
from tipdata.periods import PERIOD_TYPES, PeriodType

INDICATORS_DIR = Path(__file__).parent / "indicators"

Unit = Literal["persons", "cases", "charges"]
Source = Literal["events", "charges", "cases"]

SOURCE_FILTERS: dict[str, frozenset[str]] = {
    "events": frozenset({"role", "event_type", "agency", "agency_kind", "place_like"}),
    "charges": frozenset(
        {
            "outcome",
            "suspended",
            "fine_only",
            "compensation",
            "custodial",
            "offence_like",
        }
    ),
    "cases": frozenset({"kind"}),
}
"""Filters that select facts of each source, before persons are resolved."""

PERSON_DIMENSIONS = frozenset(
    {"sex", "age_group", "age_band", "nationality", "province", "exploitation_type", "destination"}
)
"""Attributes of a canonical person, resolved over all its records (see docs/statistics.md)."""

FACT_DIMENSIONS: dict[str, frozenset[str]] = {
    "events": frozenset({"agency", "agency_kind", "month", "event_type", "victim_age_group"}),
    "charges": frozenset(
        {
            "agency",
            "agency_kind",
            "month",
            "law_article",
            "sentence_range",
            "outcome",
            "victim_age_group",
        }
    ),
    "cases": frozenset(
        {
            "agency",
            "agency_kind",
            "month",
            "kind",
            "case_exploitation_type",
            "case_destination",
            "case_province",
        }
    ),
}
"""Breakdowns that belong to each fact (the agency that recorded it, its month, ...)."""

UNIT_SOURCES: dict[str, frozenset[str]] = {
    "persons": frozenset({"events", "charges"}),
    "cases": frozenset({"cases"}),
    "charges": frozenset({"charges"}),
}
"""The fact sources each unit can count."""

ALL_DIMENSIONS = PERSON_DIMENSIONS | frozenset().union(*FACT_DIMENSIONS.values())

_CHOICES: dict[str, frozenset[str]] = {
    "role": frozenset(r.value for r in PersonRole),
    "event_type": frozenset(e.value for e in EventType),
    "outcome": frozenset(o.value for o in ChargeOutcome),
    "sex": frozenset(s.value for s in Sex),
    "agency_kind": frozenset({"government", "court", "ngo", "international", "working_group"}),
    "age_group": frozenset({"child", "adult", "unknown"}),
    "victim_age_group": frozenset({"child", "adult", "unknown"}),
    "kind": frozenset({"investigation", "court"}),
}
_BOOLEAN_FILTERS = frozenset({"suspended", "fine_only", "compensation", "custodial"})


class IndicatorError(DataFileError):
    """An indicator file is invalid: names the file, the line and the key at fault."""


class _Model(CodelistModel):
    """Strict: unknown keys are errors."""


class FactQuery(_Model):
    """One kind of fact that counts towards a figure.

    Attributes:
        source: ``events`` (pathway events and the person records they concern),
            ``charges`` (charges with the suspect's record) or ``cases``.
        filters: source filters (see :data:`SOURCE_FILTERS`) and filters on
            disaggregations (``{nationality: {not: [KHM]}}``): a list of accepted
            values, ``{not: [...]}`` for rejected ones, or true/false for flags.
    """

    source: Source
    filters: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_filters(self) -> FactQuery:
        allowed = SOURCE_FILTERS[self.source] | PERSON_DIMENSIONS | FACT_DIMENSIONS[self.source]
        for name, value in self.filters.items():
            if name not in allowed:
                raise ValueError(
                    f"unknown filter {name!r} for source {self.source!r}; "
                    f"expected one of {', '.join(sorted(allowed))}"
                )
            if name in _BOOLEAN_FILTERS:
                if not isinstance(value, bool):
                    raise ValueError(f"filter {name!r} takes true or false")
                continue
            values = value.get("not") if isinstance(value, dict) else value
            if isinstance(value, dict) and set(value) != {"not"}:
                raise ValueError(f"filter {name!r}: a mapping must be {{not: [...]}}")
            if not isinstance(values, list) or not values:
                raise ValueError(f"filter {name!r} takes a non-empty list of values")
            choices = _CHOICES.get(name)
            for item in values:
                if choices is not None and str(item) not in choices:
                    raise ValueError(
                        f"filter {name!r}: unknown value {item!r}; "
                        f"expected one of {', '.join(sorted(choices))}"
                    )
        return self

    def source_filters(self) -> dict[str, Any]:
        """The filters applied to the facts themselves."""
        return {k: v for k, v in self.filters.items() if k in SOURCE_FILTERS[self.source]}

    def dimension_filters(self) -> dict[str, Any]:
        """The filters applied to resolved disaggregations."""
        return {k: v for k, v in self.filters.items() if k not in SOURCE_FILTERS[self.source]}


class Count(_Model):
    """A count: facts of any of the parts, each unit (person, case, charge) counted once."""

    any_of: list[FactQuery] = Field(min_length=1)


ONCE_PER_KEYS = ("defendant", "article", "judgment")
"""What a charge is counted once per: the canonical defendant, the article (resolved in
the law catalogue, else as written), the judgment (the court case and its verdict date)."""


class Counting(_Model):
    """The counting rules of an indicator, as data (see docs/statistics.md, "Counting rules").

    Attributes:
        once_per: charges only: count one charge per combination of these keys
            (``[defendant, article, judgment]``: a conviction is one defendant x one
            charge x one judgment, however many register rows repeat it, e.g. one row
            per victim). Empty: every charge row counts.
        dated_by: ``each``: a unit counts in a period when any of its facts is dated in
            it; ``earliest``: a unit counts once, in the period of its earliest fact
            over all time (a victim is identified once, by the earliest identifying
            event; later events of other agencies do not identify them again).
    """

    once_per: list[Literal["defendant", "article", "judgment"]] = Field(default_factory=list)
    dated_by: Literal["each", "earliest"] = "each"


class Indicator(_Model):
    """One indicator of the catalogue.

    Attributes:
        code: unique snake_case code.
        name: short name shown in tables.
        definition: what is counted, in words a reader understands.
        methodology: how it is computed and its known limits.
        unit: what one counts: canonical persons, cases or charges.
        numerator: the facts counted.
        denominator: for a rate, the facts it is a share of.
        factor: the ratio is multiplied by this (100 for a percentage).
        disaggregations: the breakdowns allowed.
        period_type: the natural period (the engine accepts any date range).
        counting: the counting rules (once per what; dated by which fact). Facts with
            no date never count in a period: they are counted on the report's
            "date not recorded" line.
        needs: fields the figure needs from every source of its facts, beyond
            those its breakdowns need (see :mod:`tipdata.reporting.coverage`).
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    definition: str
    methodology: str = ""
    unit: Unit
    numerator: Count
    denominator: Count | None = None
    factor: float = 1
    disaggregations: list[str] = Field(default_factory=list)
    period_type: PeriodType = "year"
    counting: Counting = Field(default_factory=Counting)
    needs: list[str] = Field(default_factory=list)

    @field_validator("period_type", mode="before")
    @classmethod
    def _period(cls, value: object) -> object:
        if value not in PERIOD_TYPES:
            raise ValueError(f"unknown period type; expected one of {', '.join(PERIOD_TYPES)}")
        return value

    @field_validator("disaggregations")
    @classmethod
    def _known_disaggregations(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in ALL_DIMENSIONS:
                raise ValueError(
                    f"unknown disaggregation {name!r}; "
                    f"expected one of {', '.join(sorted(ALL_DIMENSIONS))}"
                )
        return names

    @model_validator(mode="after")
    def _check(self) -> Indicator:
        counts = [self.numerator, *([self.denominator] if self.denominator else [])]
        sources = {part.source for count in counts for part in count.any_of}
        allowed_sources = UNIT_SOURCES[self.unit]
        if not sources <= allowed_sources:
            raise ValueError(
                f"a {self.unit} indicator counts facts of {', '.join(sorted(allowed_sources))}, "
                f"not {', '.join(sorted(sources - allowed_sources))}"
            )
        if self.counting.once_per and self.unit != "charges":
            raise ValueError("counting.once_per applies to indicators of unit charges")
        if self.needs:
            from tipdata.reporting.coverage import coverage_rules  # it imports this module

            unknown = sorted(set(self.needs) - set(coverage_rules()))
            if unknown:
                raise ValueError(
                    f"unknown coverage rule(s) in needs: {', '.join(unknown)}; "
                    f"expected one of {', '.join(sorted(coverage_rules()))}"
                )
        for name in self.disaggregations:
            for source in sources:
                if name not in available_dimensions(self.unit, source):
                    raise ValueError(
                        f"disaggregation {name!r} is not available for {self.unit} "
                        f"counted from {source}"
                    )
        return self

    @property
    def sources(self) -> frozenset[str]:
        """The fact sources of the numerator."""
        return frozenset(part.source for part in self.numerator.any_of)


def available_dimensions(unit: str, source: str) -> frozenset[str]:
    """The disaggregations a unit counted from a source can be broken down by."""
    person = PERSON_DIMENSIONS if unit == "persons" else frozenset()
    return person | FACT_DIMENSIONS[source]


class _IndicatorFile(_Model):
    indicators: list[Indicator]


@dataclass(frozen=True)
class Catalogue:
    """The loaded indicators, by code, each with the file it came from."""

    indicators: Mapping[str, Indicator]
    files: Mapping[str, Path]

    def __getitem__(self, code: str) -> Indicator:
        try:
            return self.indicators[code]
        except KeyError:
            raise KeyError(f"no indicator {code!r} in the catalogue") from None

    def __contains__(self, code: object) -> bool:
        return code in self.indicators

    def __iter__(self) -> Any:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)


def load_indicator_file(path: Path) -> list[Indicator]:
    """Load and validate one indicator file.

    Args:
        path: a YAML file with a top-level ``indicators:`` list.

    Returns:
        Its indicators, in file order.

    Raises:
        IndicatorError: the file is not valid YAML, or an indicator has an unknown
            key, filter, value or disaggregation (the message names file and line).
    """
    try:
        document = read_yaml(path)
        parsed = parse_model(_IndicatorFile, document.data, path=path, line_of=document.line_of)
    except CodelistError as error:
        raise IndicatorError(
            error.file, error.message, line=error.line, field=error.field, value=error.value
        ) from error
    return parsed.indicators


def load_catalogue(paths: Iterable[Path] | None = None) -> Catalogue:
    """Load the indicator catalogue.

    Args:
        paths: indicator files; by default every ``*.yaml`` of
            ``tipdata/reporting/indicators/``.

    Returns:
        The catalogue.

    Raises:
        IndicatorError: a file is invalid or two indicators share a code.
    """
    files = sorted(INDICATORS_DIR.glob("*.yaml")) if paths is None else list(paths)
    indicators: dict[str, Indicator] = {}
    origin: dict[str, Path] = {}
    for path in files:
        for indicator in load_indicator_file(path):
            if indicator.code in indicators:
                raise IndicatorError(
                    path,
                    f"indicator code also defined in {origin[indicator.code].name}",
                    field="code",
                    value=indicator.code,
                )
            indicators[indicator.code] = indicator
            origin[indicator.code] = path
    return Catalogue(indicators, origin)


@cache
def default_catalogue() -> Catalogue:
    """The built-in catalogue, loaded once."""
    return load_catalogue()
