"""Victim-identification indicators as data, and the transparent scoring rule.

``indicators.yaml`` lists the indicators (HTCDS means of control and ILO indicators of
forced labour), their weights and the thresholds; :func:`suggest_determination` applies
the rule and says why, so a screener can see and challenge it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from tipdata.codelists import load_codelists
from tipdata.codelists.datafiles import CodelistModel, check_unique, parse_model, read_yaml
from tipdata.errors import CodelistError
from tipdata.model.enums import Determination, IndicatorAnswer

INDICATORS_FILE = Path(__file__).with_name("indicators.yaml")


class Indicator(CodelistModel):
    """One indicator of the screening form.

    Attributes:
        code: the ``ScreeningAnswer.indicator_code``.
        name_en: the question as shown.
        name_km: the question in Khmer.
        htcds: the HTCDS ``vic_MethodsOfControl`` value.
        means: the code of ``means_of_control.yaml``, if any.
        ilo: the ILO forced-labour indicator, if any.
        weight: points when answered yes.
        decisive: a yes makes the suggestion ``victim`` on its own.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_en: str
    name_km: str | None = None
    htcds: str
    means: str | None = None
    ilo: str | None = None
    weight: int = Field(ge=0)
    decisive: bool = False


class IndicatorSet(CodelistModel):
    """The indicators and the thresholds of the rule."""

    source: str
    victim_score: int = Field(ge=1)
    possible_score: int = Field(ge=1)
    max_unknown: int = Field(ge=0)
    indicators: tuple[Indicator, ...]

    @model_validator(mode="after")
    def _check(self) -> IndicatorSet:
        if self.possible_score > self.victim_score:
            raise ValueError("possible_score must not exceed victim_score")
        return self

    def by_code(self) -> dict[str, Indicator]:
        """The indicators keyed by code."""
        return {indicator.code: indicator for indicator in self.indicators}


def load_indicators(path: Path = INDICATORS_FILE) -> IndicatorSet:
    """Read and validate an indicator file.

    Raises:
        CodelistError: a bad entry, a duplicate code, or a ``means`` code that is not in
            ``means_of_control.yaml``.
    """
    document = read_yaml(path)
    indicators = parse_model(IndicatorSet, document.data, path=path, line_of=document.line_of)
    check_unique(
        path,
        (
            (indicator.code, document.line_of(("indicators", i)))
            for i, indicator in enumerate(indicators.indicators)
        ),
    )
    means = load_codelists().means_of_control
    for i, indicator in enumerate(indicators.indicators):
        if indicator.means is not None and indicator.means not in means:
            raise CodelistError(
                path,
                "not a code of means_of_control.yaml",
                line=document.line_of(("indicators", i)),
                field="means",
                value=indicator.means,
            )
    return indicators


@cache
def indicator_set() -> IndicatorSet:
    """The shipped indicators (cached)."""
    return load_indicators()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested determination and the reasons for it.

    Attributes:
        determination: victim, possible_victim or not_victim.
        score: sum of the weights of the indicators answered yes.
        yes: indicators answered yes.
        unknown: indicators answered "unknown".
        reason: one sentence a screener can check.
    """

    determination: Determination
    score: int
    yes: tuple[str, ...]
    unknown: tuple[str, ...]
    reason: str


def suggest_determination(
    answers: Mapping[str, IndicatorAnswer | str], indicators: IndicatorSet | None = None
) -> Suggestion:
    """Apply the scoring rule of ``indicators.yaml`` to a screening's answers.

    Args:
        answers: indicator code -> yes / no / unknown. Codes not in the set are ignored.
        indicators: the indicator set (default: the shipped one).

    Returns:
        The suggestion with its score and reason.

    Examples:
        >>> suggest_determination({"minor_in_commercial_sex": "yes"}).determination.value
        'victim'
        >>> suggest_determination({"debt_bondage": "yes", "threats": "no"}).determination.value
        'possible_victim'
    """
    indicators = indicators or indicator_set()
    known = indicators.by_code()
    given = {code: IndicatorAnswer(str(value)) for code, value in answers.items() if code in known}
    yes = tuple(code for code in known if given.get(code) == IndicatorAnswer.YES)
    unknown = tuple(code for code, answer in given.items() if answer == IndicatorAnswer.UNKNOWN)
    score = sum(known[code].weight for code in yes)
    decisive = [code for code in yes if known[code].decisive]
    if decisive:
        return Suggestion(
            Determination.VICTIM, score, yes, unknown, f"decisive indicator: {', '.join(decisive)}"
        )
    if score >= indicators.victim_score:
        return Suggestion(
            Determination.VICTIM,
            score,
            yes,
            unknown,
            f"score {score} >= {indicators.victim_score} ({', '.join(yes)})",
        )
    if score >= indicators.possible_score:
        return Suggestion(
            Determination.POSSIBLE_VICTIM,
            score,
            yes,
            unknown,
            f"score {score} >= {indicators.possible_score} ({', '.join(yes)})",
        )
    if not given or len(unknown) > indicators.max_unknown:
        return Suggestion(
            Determination.POSSIBLE_VICTIM,
            score,
            yes,
            unknown,
            f"{len(unknown)} indicators unknown: decide on better information",
        )
    return Suggestion(
        Determination.NOT_VICTIM,
        score,
        yes,
        unknown,
        f"score {score} < {indicators.possible_score}",
    )
