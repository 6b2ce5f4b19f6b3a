"""Victim screening: indicators as data, a transparent suggestion rule, the person's decision.

Public surface::

    suggest_determination(answers) -> Suggestion
    record_screening(session, person_record_id=..., agency=..., screening_date=..., answers=...)
    determine(session, screening_id, determination, determined_by)
    get_screening(session, screening_id); rule_agreement(session)
"""

from tipdata.screening.indicators import (
    Indicator,
    IndicatorSet,
    Suggestion,
    indicator_set,
    load_indicators,
    suggest_determination,
)
from tipdata.screening.service import (
    DuplicateScreening,
    ScreeningError,
    ScreeningResult,
    determine,
    get_screening,
    manual_source_record,
    record_screening,
    rule_agreement,
)

__all__ = [
    "DuplicateScreening",
    "Indicator",
    "IndicatorSet",
    "ScreeningError",
    "ScreeningResult",
    "Suggestion",
    "determine",
    "get_screening",
    "indicator_set",
    "load_indicators",
    "manual_source_record",
    "record_screening",
    "rule_agreement",
    "suggest_determination",
]
