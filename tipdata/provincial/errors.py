"""Why the submission workflow refuses: the errors of :mod:`tipdata.provincial.submissions`."""

from __future__ import annotations

from collections.abc import Sequence

from tipdata.errors import TipdataError
from tipdata.model.enums import ReportStatus
from tipdata.provincial.transitions import TRANSITIONS, Action
from tipdata.provincial.validation_rules import ValidationResult


class ReportingError(TipdataError):
    """A provincial report cannot be saved, submitted, accepted or reopened as asked."""


class ReportNotFoundError(ReportingError):
    """There is no report for this province, data set and period."""

    def __init__(self, province: str, data_set: str, period: str) -> None:
        self.province = province
        self.data_set = data_set
        self.period = period
        super().__init__(f"no {data_set} report of province {province} for {period}")


class ConflictError(ReportingError):
    """Someone else changed the report since the caller read it (HTTP 409).

    Attributes:
        province: province code.
        period: period code.
        expected_version: the version the caller read (None if unknown).
        current_version: the version in the database (None if unknown).
    """

    def __init__(
        self,
        province: str,
        period: str,
        expected_version: int | None,
        current_version: int | None,
    ) -> None:
        self.province = province
        self.period = period
        self.expected_version = expected_version
        self.current_version = current_version
        now = f" (now version {current_version})" if current_version is not None else ""
        read = f"version {expected_version}" if expected_version is not None else "it"
        super().__init__(
            f"the report of province {province} for {period} was changed by someone else "
            f"since you read {read}{now}; reload it and try again"
        )


class TransitionError(ReportingError):
    """The action is not allowed in the report's current status.

    Attributes:
        status: the current status (None when there is no report).
        action: what was asked.
    """

    def __init__(self, province: str, period: str, status: ReportStatus | None, action: Action):
        self.province = province
        self.period = period
        self.status = status
        self.action = action
        allowed = sorted(a for (s, a) in TRANSITIONS if s == status)
        shown = status.value if status is not None else "not created"
        super().__init__(
            f"cannot {action} the report of province {province} for {period}: it is {shown} "
            f"(allowed: {', '.join(allowed) or 'nothing'})"
        )


class InvalidValueError(ReportingError):
    """A value does not fit the data set (unknown element or disaggregation, not a count).

    Attributes:
        field: the key as given.
        value: the value as given.
    """

    def __init__(self, field: str, message: str, value: object = None) -> None:
        self.field = field
        self.value = value
        self.message = message
        shown = f" (found {value!r})" if value is not None else ""
        super().__init__(f"{field}: {message}{shown}")


class ReportValidationError(ReportingError):
    """Validation rules of importance ``error`` refuse the save or the submission.

    Attributes:
        results: every result (blocking ones first); ``blocking`` lists the errors.
    """

    def __init__(self, province: str, period: str, results: Sequence[ValidationResult]) -> None:
        self.province = province
        self.period = period
        self.results = tuple(results)
        self.blocking = tuple(r for r in results if r.blocking)
        first = self.blocking[0].message if self.blocking else ""
        more = f" (and {len(self.blocking) - 1} more)" if len(self.blocking) > 1 else ""
        super().__init__(
            f"the report of province {province} for {period} breaks a validation rule: "
            f"{first}{more}"
        )
