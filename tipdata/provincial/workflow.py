"""The workflow of a data set and what it reads and hands out.

A :class:`Workflow` is a data set with its validation rules (the PWG bi-weekly report by
default, :func:`default_workflow`). The workflow reads what it is given (a province by
any written name, a period, counts typed as text by :func:`parse_count`, values checked
against the data set by :func:`clean_values`) and hands out views, never ORM rows
(:class:`ReportView`, :class:`StatusChange`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period
from tipdata.provincial.completeness import CAMBODIA_TIME
from tipdata.provincial.datasets import DataSet, ValueKey, load_data_set
from tipdata.provincial.errors import InvalidValueError, ReportingError
from tipdata.provincial.validation_rules import RuleSet, ValidationResult, load_rules
from tipdata.store.base import MAX_INTEGER

Values = Mapping[ValueKey, int | None] | Mapping[str, int | None]
"""Report values by ``(element, disaggregation)`` or ``"element[.disaggregation]"``."""


@dataclass(frozen=True)
class StatusChange:
    """One entry of a report's status history."""

    from_status: ReportStatus | None
    to_status: ReportStatus
    actor: str
    at: datetime
    reason: str | None
    report_version: int


@dataclass(frozen=True)
class ReportView:
    """A provincial report as services hand it out (never the ORM row).

    Attributes:
        id: database id.
        data_set: data set code.
        province_code: the reporting province.
        period: the period reported on.
        status: workflow status.
        submitted_at: first submission (UTC), if ever submitted.
        accepted_at: acceptance by the NTF (UTC), if accepted.
        version: pass it back as ``expected_version`` to detect conflicts.
        values: the values entered; absent keys are missing.
        results: validation results of this version (errors first).
    """

    id: int
    data_set: str
    province_code: str
    period: Period
    status: ReportStatus
    submitted_at: datetime | None
    accepted_at: datetime | None
    version: int
    values: Mapping[ValueKey, int | None]
    results: tuple[ValidationResult, ...]


@dataclass(frozen=True)
class Workflow:
    """A data set, its rules, and the lookups the workflow needs."""

    data_set: DataSet
    rules: RuleSet

    @classmethod
    def for_data_set(cls, data_set: DataSet | None = None) -> Workflow:
        """The workflow of ``data_set`` (the PWG bi-weekly report by default)."""
        resolved = data_set or load_data_set()
        return cls(resolved, load_rules(resolved))


_DEFAULT: list[Workflow] = []


def default_workflow() -> Workflow:
    """The workflow of the PWG bi-weekly report with the shipped rules (loaded once)."""
    if not _DEFAULT:
        _DEFAULT.append(Workflow.for_data_set())
    return _DEFAULT[0]


def workflow_or_default(workflow: Workflow | None) -> Workflow:
    return workflow or default_workflow()


def resolve_report(
    session: Session, flow: Workflow, province: str, period: str | Period
) -> tuple[str, Period]:
    """The province code and the period, checked against the data set."""
    found = flow.data_set.codelists.resolve_province(province)
    if found is None:
        raise ReportingError(f"unknown province {province!r}")
    resolved = (
        flow.data_set.parse_period(period)
        if isinstance(period, str)
        else flow.data_set.parse_period(period.code)
    )
    if found.code not in flow.data_set.org_units_for(resolved):
        raise ReportingError(
            f"province {found.code} ({found.name_en}) owes no {flow.data_set.code} report for "
            f"{resolved.code}: it did not exist for the whole period"
        )
    return found.code, resolved


def to_utc(moment: datetime | None) -> datetime:
    """An aware UTC time; naive values are Cambodia time."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CAMBODIA_TIME)
    return moment.astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The Cambodian calendar day of a stored time (for display)."""
    return as_utc(moment).astimezone(CAMBODIA_TIME).date()


_COUNT = re.compile(r"-?\d+")


def parse_count(text: str, field: str) -> int | None:
    """A count typed as text: blank is missing (None); digits, perhaps after a minus, a count.

    The one reader of counts for the web form, the CLI's values file and bulk imports.
    A negative count is read, and refused by the data set's rules with their message.

    Args:
        text: what was typed (surrounding spaces ignored; Khmer digits are digits).
        field: the value's name, for the error.

    Raises:
        InvalidValueError: not a whole number nor blank.

    Examples:
        >>> parse_count(" 12 ", "cases"), parse_count("", "cases"), parse_count("១២", "cases")
        (12, None, 12)
    """
    cleaned = text.strip()
    if cleaned == "":
        return None
    if not _COUNT.fullmatch(cleaned):
        raise InvalidValueError(field, "a count must be a whole number or blank", text)
    return int(cleaned)


def clean_values(data_set: DataSet, values: Values) -> dict[ValueKey, int | None]:
    """Check keys and values against the data set; keys become ``(element, disaggregation)``."""
    clean: dict[ValueKey, int | None] = {}
    for raw_key, value in values.items():
        shown = raw_key if isinstance(raw_key, str) else ".".join(raw_key)
        try:
            key = data_set.parse_key(raw_key) if isinstance(raw_key, str) else raw_key
        except KeyError:
            raise InvalidValueError(
                shown, f"not a value of data set {data_set.code}", None
            ) from None
        if not data_set.is_key(key):
            raise InvalidValueError(shown, f"not a value of data set {data_set.code}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidValueError(shown, "a count must be a whole number or blank", value)
        if value is not None and abs(value) > MAX_INTEGER:
            raise InvalidValueError(shown, f"a count cannot exceed {MAX_INTEGER:,}", None)
        if key in clean:
            raise InvalidValueError(shown, "given twice")
        clean[key] = value
    return clean
