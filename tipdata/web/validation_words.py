"""The provincial report's validation results in the reader's language, with words for codes.

:mod:`tipdata.provincial.validation_rules` words each result in English with the data
set's codes (``victims_referred (3) should be <= victims_identified (2)``), for the CLI,
the API and the stored results. A page shows each result through :func:`worded_result`:
its rule's name and its message rebuilt from the result's own parts (the rule kind, the
value concerned and the values the rule used) in the catalogue's words, each value named
by its data element's label and its breakdown (``Victims referred``, ``female, child``).
A result this module cannot word (a rule kind added later) keeps its English message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from tipdata.provincial import TOTAL, DataSet, ValidationResult
from tipdata.web.navigation import N_

Gettext = Callable[[str], str]

RULE_NAMES = (
    N_("Counts are not negative"),
    N_("Breakdowns add up to their totals"),
    N_("Victims referred do not exceed victims identified"),
    N_("Every case investigated has at least one suspect arrested"),
    N_("Value far outside the province's usual figure for this time of year"),
)
"""The rules' English names (``validation_rules/*.yaml``), so the catalogue holds them."""

OPTION_WORDS = (N_("female"), N_("male"), N_("child"), N_("adult"))
"""The data set's category options, each a word of the catalogue."""

RELATIONS: dict[str, str] = {
    "<=": N_("at most"),
    ">=": N_("at least"),
    "<": N_("less than"),
    ">": N_("more than"),
    "==": N_("equal to"),
    "!=": N_("other than"),
}

_COMPARE = re.compile(
    r"(?P<left>[\w.+ ]+?) \((?P<left_sum>-?\d+)\) should be (?P<operator>[<>=!]+) "
    r"(?P<right>[\w.+ ]+?) \((?P<right_sum>-?\d+)\)"
)
_SAME_SEASON = re.compile(r".* in the (?P<years>\d+) years before\)")


def worded_results(
    results: Iterable[ValidationResult], data_set: DataSet, gettext: Gettext
) -> tuple[ValidationResult, ...]:
    """Each result with its rule name and message in the reader's language."""
    return tuple(worded_result(result, data_set, gettext) for result in results)


def worded_result(
    result: ValidationResult, data_set: DataSet, gettext: Gettext
) -> ValidationResult:
    """One result with its rule name and message in the reader's language.

    Examples:
        >>> from tipdata.provincial import default_workflow
        >>> data_set = default_workflow().data_set
        >>> result = ValidationResult("non_negative", "Counts are not negative", "error",
        ...     "victims_identified", "female", "victims_identified (female) is -1; ...",
        ...     {"value": -1})
        >>> worded_result(result, data_set, lambda text: text).message
        'Victims identified (female) is -1: counts cannot be negative.'
    """
    message = _message(result, data_set, gettext)
    return replace(
        result,
        rule_name=gettext(result.rule_name),
        message=result.message if message is None else message,
    )


def value_label(element: str, disaggregation: str, data_set: DataSet, gettext: Gettext) -> str:
    """A value by its element's label and breakdown: ``Victims identified (female, child)``."""
    name = next((e.name for e in data_set.elements if e.code == element), element)
    if disaggregation == TOTAL:
        return gettext(name)
    return f"{gettext(name)} ({_breakdown(disaggregation, gettext)})"


def _breakdown(disaggregation: str, gettext: Gettext) -> str:
    if disaggregation == TOTAL:
        return gettext("Total")
    return ", ".join(gettext(option) for option in disaggregation.split("_"))


def _term(term: str, data_set: DataSet, gettext: Gettext) -> str:
    element, _, disaggregation = term.partition(".")
    return value_label(element, disaggregation or TOTAL, data_set, gettext)


def _number(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def _message(result: ValidationResult, data_set: DataSet, gettext: Gettext) -> str | None:
    """The result's message in the reader's words, or None when its kind is not known here."""
    values = result.values
    label = value_label(result.data_element, result.disaggregation, data_set, gettext)
    rule = result.rule
    if rule == "non_negative" and "value" in values:
        return gettext("%(value_name)s is %(value)s: counts cannot be negative.") % {
            "value_name": label,
            "value": _number(values["value"]),
        }
    if rule == "breakdowns_sum_to_totals" and result.disaggregation in values:
        whole = values[result.disaggregation]
        parts = {key: value for key, value in values.items() if key != result.disaggregation}
        known = {key: value for key, value in parts.items() if value is not None}
        words = {
            "element": value_label(result.data_element, TOTAL, data_set, gettext),
            "parts": " + ".join(_breakdown(part, gettext) for part in known),
            "sum": _number(sum(v for v in known.values() if v is not None)),
            "whole": _breakdown(result.disaggregation, gettext),
            "value": _number(whole),
        }
        if len(known) == len(parts):
            return (
                gettext("%(element)s: %(parts)s add up to %(sum)s, but %(whole)s is %(value)s.")
                % words
            )
        return (
            gettext(
                "%(element)s: the parts entered (%(parts)s) add up to %(sum)s, more than "
                "%(whole)s (%(value)s)."
            )
            % words
        )
    compared = _COMPARE.fullmatch(result.message)
    if compared is not None and compared["operator"] in RELATIONS:
        return gettext(
            "%(left)s (%(left_sum)s) should be %(relation)s %(right)s (%(right_sum)s)."
        ) % {
            "left": " + ".join(_term(t, data_set, gettext) for t in compared["left"].split(" + ")),
            "left_sum": compared["left_sum"],
            "relation": gettext(RELATIONS[compared["operator"]]),
            "right": " + ".join(
                _term(t, data_set, gettext) for t in compared["right"].split(" + ")
            ),
            "right_sum": compared["right_sum"],
        }
    if {"value", "median", "limit", "history_length"} <= values.keys():
        words = {
            "value_name": label,
            "value": _number(values["value"]),
            "median": _number(values["median"]),
            "limit": _number(values["limit"]),
            "count": _number(values["history_length"]),
        }
        above = (values["value"] or 0) > (values["median"] or 0)
        season = _SAME_SEASON.fullmatch(result.message)
        if season is not None:
            words["years"] = season["years"]
            text = (
                N_(
                    "%(value_name)s is %(value)s, far above the province's usual %(median)s "
                    "(limit %(limit)s, from %(count)s reports of the same season in the "
                    "%(years)s years before)."
                )
                if above
                else N_(
                    "%(value_name)s is %(value)s, far below the province's usual %(median)s "
                    "(limit %(limit)s, from %(count)s reports of the same season in the "
                    "%(years)s years before)."
                )
            )
        else:
            text = (
                N_(
                    "%(value_name)s is %(value)s, far above the province's usual %(median)s "
                    "(limit %(limit)s, from its last %(count)s reports)."
                )
                if above
                else N_(
                    "%(value_name)s is %(value)s, far below the province's usual %(median)s "
                    "(limit %(limit)s, from its last %(count)s reports)."
                )
            )
        return gettext(text) % words
    return None
