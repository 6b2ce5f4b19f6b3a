"""The database's CHECK constraints on imported records, checked on each row before writing.

A dry run must find every problem the real import would meet, and a problem must be
reported as one line naming the file, the row and the field, never as a database
traceback. So each CHECK constraint of the tables a mapping fills is mirrored here by a
check on the staged record's values (the enumerations — ``sex``, ``role``, ``status``,
... — are checked by the field converters; foreign keys by the code-list look-ups).
A test asserts that every CHECK constraint of those tables is covered, so a new one
cannot be forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Values = dict[str, Any]


@dataclass(frozen=True)
class RecordCheck:
    """One CHECK constraint of a table, as a check on a staged record's values.

    Attributes:
        table: the table (the record kind).
        constraint: the constraint's name in the database.
        field: the field named in the message.
        ok: True when the values satisfy the constraint.
        message: what is wrong, for people.
    """

    table: str
    constraint: str
    field: str
    ok: Callable[[Values, set[str]], bool]
    message: str


def _between(name: str, low: int, high: int) -> Callable[[Values, set[str]], bool]:
    return lambda values, _refs: values.get(name) is None or low <= values[name] <= high


def _not_negative(name: str) -> Callable[[Values, set[str]], bool]:
    return lambda values, _refs: values.get(name) is None or values[name] >= 0


def _ordered(first: str, last: str) -> Callable[[Values, set[str]], bool]:
    return lambda values, _refs: (
        values.get(first) is None or values.get(last) is None or values[first] <= values[last]
    )


def _has_destination(values: Values, refs: set[str]) -> bool:
    return any(values.get(name) is not None or name in refs for name in _DESTINATIONS)


_DESTINATIONS = ("to_agency_id", "to_provider_id")

CHECKS: tuple[RecordCheck, ...] = (
    RecordCheck(
        "person_record",
        "ck_person_record_birth_year_plausible",
        "birth_year",
        _between("birth_year", 1880, 2200),
        "birth year must be between 1880 and 2200",
    ),
    RecordCheck(
        "person_record",
        "ck_person_record_age_years_plausible",
        "age_years",
        _between("age_years", 0, 130),
        "age must be between 0 and 130",
    ),
    RecordCheck(
        "case",
        "ck_case_opened_before_closed",
        "closed_date",
        _ordered("opened_date", "closed_date"),
        "the case is closed before it was opened (closed_date before opened_date)",
    ),
    *(
        RecordCheck(
            "charge",
            f"ck_charge_{name}_not_negative",
            name,
            _not_negative(name),
            f"{name} must not be negative",
        )
        for name in ("sentence_months", "suspended_months", "fine_riel", "compensation_riel")
    ),
    RecordCheck(
        "charge",
        "ck_charge_suspended_within_sentence",
        "suspended_months",
        _ordered("suspended_months", "sentence_months"),
        "the suspended part is longer than the sentence (suspended_months > sentence_months)",
    ),
    RecordCheck(
        "referral",
        "ck_referral_has_destination",
        "to_agency_id",
        _has_destination,
        "a referral needs a destination: to_agency_id (an agency code) or to_provider_id "
        "(a service provider); the row gives neither",
    ),
)
"""The CHECK constraints of the imported tables (besides enumerations), as checks."""

ENFORCED_BY_CONVERTERS = frozenset(
    {
        "ck_person_record_sex",
        "ck_person_record_role",
        "ck_case_kind",
        "ck_charge_compensation_paid",
        "ck_charge_outcome",
        "ck_event_event_type",
        "ck_referral_status",
        "ck_referral_consent_recorded",
        "ck_screening_final_determination",
        "ck_screening_suggested_determination",
        "ck_screening_answer_answer",
        "ck_case_person_role",
        "ck_source_record_row_number_positive",
        "ck_source_record_version_positive",
    }
)
"""Constraints the field converters or the importer itself guarantee (enumerations, counters)."""


class RecordConstraints:
    """The checks of :data:`CHECKS`, by record kind."""

    def __init__(self, checks: Iterable[RecordCheck] = CHECKS) -> None:
        """Group the checks by table."""
        self.by_kind: dict[str, list[RecordCheck]] = {}
        for check in checks:
            self.by_kind.setdefault(check.table, []).append(check)

    def check(
        self, kind: str, values: Values, refs: Iterable[tuple[str, str]] = ()
    ) -> list[tuple[str, str]]:
        """The (field, message) of each constraint the values break."""
        checks = self.by_kind.get(kind)
        if not checks:
            return []
        referred = {name for name, _record in refs}
        return [(c.field, c.message) for c in checks if not c.ok(values, referred)]

    def explain(self, constraint: str) -> RecordCheck | None:
        """The check of a constraint named in a database error, if known."""
        for checks in self.by_kind.values():
            for check in checks:
                if check.constraint == constraint:
                    return check
        return None
