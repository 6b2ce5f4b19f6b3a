"""The submission workflow of provincial reports: save, submit, accept, reopen.

A report moves ``draft → submitted → accepted``; the NTF can reopen a submitted
or accepted report with a reason, which makes it editable again (status
``reopened``, a draft in all but name) until it is submitted again. Every change
of status is recorded (who, when, from, to, why) in
``provincial_report_status_change``.

Optimistic locking: each report has a ``version`` that grows with every change.
A caller that read version *n* passes ``expected_version=n``; if someone saved in
between, :class:`ConflictError` is raised (the web layer answers HTTP 409).
Two sessions that both pass the check still cannot both win: SQLAlchemy adds
``WHERE version = n`` to the UPDATE and the loser gets :class:`ConflictError` too.

Values: explicit 0 is a value, a blank (None or an absent key) stays NULL.
Validation rules run on every save (stored, shown) and block only where they
must: ``stage: save`` errors block the save itself (a negative count cannot be
stored), every ``error`` blocks submission, warnings never block.

``submitted_at`` is when the report was *first* submitted: a correction after
reopening does not make an on-time report late.

Who acts: every service takes an ``actor`` (:data:`~tipdata.access.policy.Acting`). A signed-in
:class:`~tipdata.access.policy.Actor` is checked: saving and submitting need
``reports:submit`` and a provincial user may only touch their own province;
accepting and reopening need ``reports:accept`` with national scope (the NTF);
reading needs ``reports:read_province`` within the same scope. The local
operator (the CLI, a trusted batch import) passes a label instead, which is
recorded in the history as it is.

Service functions take an open session and never commit: the caller's
``with db.session():`` block decides. When a submission is refused, values passed
along with it have been saved as the draft in that session; the fronts (web page, API,
CLI) call :func:`submit_keeping_draft`, the one function that commits, so a refused
submission keeps its values as the draft on every front.

Which buttons a front shows come from :func:`allowed_actions` (:data:`TRANSITIONS` and
the ``check_may_*`` rules); a count typed as text is read by :func:`parse_count`.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from tipdata.access.clock import as_utc
from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import (
    Acting,
    Actor,
    Policy,
    actor_name,
    authorize,
    default_policy,
)
from tipdata.errors import TipdataError
from tipdata.model.enums import ReportStatus
from tipdata.reporting.completeness import CAMBODIA_TIME
from tipdata.reporting.datasets import TOTAL, DataSet, ValueKey, load_data_set
from tipdata.reporting.periods import Period, parse_period
from tipdata.reporting.validation_rules import RuleSet, ValidationResult, load_rules
from tipdata.store.base import MAX_INTEGER
from tipdata.store.provincial import ReportStatusChange, ReportValidationResult
from tipdata.store.reference import Agency, Province
from tipdata.store.reports import ProvincialReport, ProvincialReportValue

log = logging.getLogger(__name__)

Action = Literal["save", "submit", "accept", "reopen"]

TRANSITIONS: Mapping[tuple[ReportStatus | None, Action], ReportStatus] = {
    (None, "save"): ReportStatus.DRAFT,
    (ReportStatus.DRAFT, "save"): ReportStatus.DRAFT,
    (ReportStatus.REOPENED, "save"): ReportStatus.REOPENED,
    (ReportStatus.DRAFT, "submit"): ReportStatus.SUBMITTED,
    (ReportStatus.REOPENED, "submit"): ReportStatus.SUBMITTED,
    (ReportStatus.SUBMITTED, "accept"): ReportStatus.ACCEPTED,
    (ReportStatus.SUBMITTED, "reopen"): ReportStatus.REOPENED,
    (ReportStatus.ACCEPTED, "reopen"): ReportStatus.REOPENED,
}
"""Every allowed ``(status before, action) → status after``; ``None`` is "no report yet".

Anything else is refused with :class:`TransitionError`. ``submit`` on a missing
report first saves the values as a draft, then submits it.
"""

RECEIVED_STATUSES: frozenset[ReportStatus] = frozenset(
    {ReportStatus.SUBMITTED, ReportStatus.ACCEPTED}
)
"""Statuses whose values count as the province's history (and as received reports)."""

HISTORY_LIMIT = 52
"""At most this many earlier reports are read for the outlier rules."""

Values = Mapping[ValueKey, int | None] | Mapping[str, int | None]
"""Report values by ``(element, disaggregation)`` or ``"element[.disaggregation]"``."""

EDIT_PERMISSION: Permission = "reports:submit"
REVIEW_PERMISSION: Permission = "reports:accept"
"""Save, submit, and (with national scope) accept and reopen provincial reports."""

READ_PERMISSION: Permission = "reports:read_province"
"""Read provincial reports (a provincial user: their own province only)."""


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


def _workflow(workflow: Workflow | None) -> Workflow:
    return workflow or default_workflow()


_DEFAULT: list[Workflow] = []


def default_workflow() -> Workflow:
    """The workflow of the PWG bi-weekly report with the shipped rules (loaded once)."""
    if not _DEFAULT:
        _DEFAULT.append(Workflow.for_data_set())
    return _DEFAULT[0]


# --- the public service functions ----------------------------------------------------


def save_draft(
    session: Session,
    actor: Acting,
    province: str,
    period: str | Period,
    values: Values,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
    workflow: Workflow | None = None,
) -> ReportView:
    """Create or replace the draft of a province's report for a period.

    The values given replace every value of the draft (the form is saved whole).

    Args:
        session: an open session; not committed here.
        actor: who saves (see :data:`Acting`); a signed-in user's name is recorded in
            the history, as is the local operator's label.
        province: province code or any written name of it.
        period: the period or its code (e.g. ``"2008BW03"``).
        values: the values; None or absent is missing, 0 is a value.
        expected_version: the version the caller read; None to skip the check
            (creating a report, or a trusted batch).
        at: when (default now).
        workflow: the data set and rules (the PWG bi-weekly report by default).

    Returns:
        The saved draft with its validation results.

    Raises:
        InvalidValueError: a key or value does not fit the data set.
        ConflictError: ``expected_version`` is stale, or someone saved meanwhile.
        TransitionError: the report is submitted or accepted (reopen it first).
        ReportValidationError: a ``stage: save`` rule of importance error fails.
        ReportingError: the province or its reporting agency is unknown.
        AccessDenied: the actor may not edit this province's reports.
    """
    flow = _workflow(workflow)
    moment = _utc(at)
    code, resolved = _resolve(session, flow, province, period)
    check_may_edit(actor, code)
    report = _save(
        session, flow, actor_name(actor), code, resolved, values, expected_version, moment
    )
    results = flow.rules.check(report_values(report), history=_history(session, flow, report))
    _store_results(session, report, results, moment)
    return _view(report, results)


def _save(
    session: Session,
    flow: Workflow,
    actor_label: str,
    code: str,
    period: Period,
    values: Values,
    expected_version: int | None,
    moment: datetime,
    action: Action = "save",
) -> ProvincialReport:
    """Check and write the values of a draft; the body of :func:`save_draft`."""
    clean = _clean_values(flow.data_set, values)
    report = find_report_row(session, flow, code, period)
    _check_version(report, code, period, expected_version)
    status = report.status if report is not None else None
    if action == "submit" and status is not None:
        _allowed(code, period, status, "submit")  # say "cannot submit", not "cannot save"
    new_status = _allowed(code, period, status, "save")
    save_results = flow.rules.check(clean, stage="save")
    if any(r.blocking for r in save_results):
        raise ReportValidationError(code, period.code, save_results)
    created = report is None
    if report is None:
        report = _create(session, flow, code, period, actor_label, moment)
    _replace_values(report, clean)
    report.status = new_status
    if not created:  # a new report is version 1 with its first values
        flag_modified(report, "status")  # a change of values alone must bump the version too
    _flush(session, report, code, period, expected_version)
    return report


def submit(
    session: Session,
    actor: Acting,
    province: str,
    period: str | Period,
    values: Values | None = None,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
    workflow: Workflow | None = None,
) -> ReportView:
    """Submit a province's report for a period (saving ``values`` first if given).

    Args:
        session: an open session; not committed here.
        actor: who submits (see :data:`Acting`).
        province: province code or name.
        period: the period or its code.
        values: values to save before submitting; None submits the draft as it is.
        expected_version: the version the caller read; None to skip the check.
        at: submission time (default now); bulk imports pass the time in the file.
        workflow: the data set and rules.

    Returns:
        The submitted report with its validation results (warnings only).

    Raises:
        ReportNotFoundError: no values given and no draft exists.
        ReportValidationError: a rule of importance error fails (nothing submitted).
        ConflictError, TransitionError, InvalidValueError, ReportingError, AccessDenied:
            as :func:`save_draft`.
    """
    flow = _workflow(workflow)
    moment = _utc(at)
    code, resolved = _resolve(session, flow, province, period)
    check_may_edit(actor, code)
    actor_label = actor_name(actor)
    if values is not None:
        report = _save(
            session, flow, actor_label, code, resolved, values, expected_version, moment, "submit"
        )
    else:
        report = _require(session, flow, code, resolved)
        _check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "submit")
    values_now = report_values(report)
    results = flow.rules.check(values_now, history=_history(session, flow, report))
    if any(r.blocking for r in results):
        raise ReportValidationError(code, resolved.code, results)
    _change_status(session, report, new_status, actor_label, moment, reason=None)
    if report.submitted_at is None:
        report.submitted_at = moment
    _flush(session, report, code, resolved, expected_version)
    _store_results(session, report, results, moment)
    return _view(report, results)


def submit_keeping_draft(
    session: Session,
    actor: Acting,
    province: str,
    period: str | Period,
    values: Values | None = None,
    expected_version: int | None = None,
    *,
    workflow: Workflow | None = None,
) -> ReportView:
    """:func:`submit`, but a submission refused by the rules keeps ``values`` as the draft.

    What the fronts call: the values someone typed or sent are never lost because a rule
    refused the submission; they stay the draft, shown with the results, to correct.
    This is the one service function that commits (the draft, before raising).

    Raises:
        ReportValidationError: the submission is refused (the draft is committed).
        ConflictError, TransitionError, InvalidValueError, ReportingError, AccessDenied:
            as :func:`submit` (nothing is committed).
    """
    try:
        return submit(session, actor, province, period, values, expected_version, workflow=workflow)
    except ReportValidationError:
        session.commit()
        raise


def accept(
    session: Session,
    actor: Acting,
    province: str,
    period: str | Period,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
    workflow: Workflow | None = None,
) -> ReportView:
    """Accept a submitted report (the NTF's review is done).

    Raises:
        ReportNotFoundError: there is no such report.
        TransitionError: the report is not submitted.
        ConflictError: ``expected_version`` is stale, or someone saved meanwhile.
        AccessDenied: the actor is not a national user with ``reports:accept``.
    """
    flow = _workflow(workflow)
    check_may_review(actor)
    moment = _utc(at)
    code, resolved = _resolve(session, flow, province, period)
    report = _require(session, flow, code, resolved)
    _check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "accept")
    _change_status(session, report, new_status, actor_name(actor), moment, reason=None)
    report.accepted_at = moment
    _flush(session, report, code, resolved, expected_version)
    return _view(report, _stored_results(session, flow, report))


def reopen(
    session: Session,
    actor: Acting,
    province: str,
    period: str | Period,
    reason: str,
    expected_version: int | None = None,
    *,
    at: datetime | None = None,
    workflow: Workflow | None = None,
) -> ReportView:
    """Reopen a submitted or accepted report so the province can correct it.

    Args:
        session: an open session; not committed here.
        actor: who reopens (the NTF; see :data:`Acting`).
        province: province code or name.
        period: the period or its code.
        reason: why; required, kept in the history.
        expected_version: the version the caller read; None to skip the check.
        at: when (default now).
        workflow: the data set and rules.

    Raises:
        ReportingError: the reason is blank.
        ReportNotFoundError, TransitionError, ConflictError, AccessDenied: as :func:`accept`.
    """
    flow = _workflow(workflow)
    check_may_review(actor)
    if not reason or not reason.strip():
        raise ReportingError("a reason is required to reopen a report")
    moment = _utc(at)
    code, resolved = _resolve(session, flow, province, period)
    report = _require(session, flow, code, resolved)
    _check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "reopen")
    _change_status(session, report, new_status, actor_name(actor), moment, reason=reason.strip())
    report.accepted_at = None
    _flush(session, report, code, resolved, expected_version)
    return _view(report, _stored_results(session, flow, report))


def get_report(
    session: Session,
    province: str,
    period: str | Period,
    *,
    actor: Acting = None,
    workflow: Workflow | None = None,
) -> ReportView | None:
    """Return a province's report for a period, or None if there is none.

    Raises:
        AccessDenied: the actor may not read this province's reports.
    """
    flow = _workflow(workflow)
    code, resolved = _resolve(session, flow, province, period)
    check_may_read(actor, code)
    report = find_report_row(session, flow, code, resolved)
    if report is None:
        return None
    return _view(report, _stored_results(session, flow, report))


def status_history(
    session: Session,
    province: str,
    period: str | Period,
    *,
    actor: Acting = None,
    workflow: Workflow | None = None,
) -> list[StatusChange]:
    """Return every status change of a report, oldest first.

    Raises:
        ReportNotFoundError: there is no such report.
        AccessDenied: the actor may not read this province's reports.
    """
    flow = _workflow(workflow)
    code, resolved = _resolve(session, flow, province, period)
    check_may_read(actor, code)
    report = _require(session, flow, code, resolved)
    rows = session.scalars(
        sa.select(ReportStatusChange)
        .where(ReportStatusChange.report_id == report.id)
        .order_by(ReportStatusChange.id)
    )
    return [
        StatusChange(
            row.from_status,
            row.to_status,
            row.actor,
            as_utc(row.changed_at),
            row.reason,
            row.report_version,
        )
        for row in rows
    ]


# --- who may act -----------------------------------------------------------------------


def allowed_actions(
    actor: Acting,
    province_code: str,
    status: ReportStatus | None,
    policy: Policy | None = None,
) -> frozenset[Action]:
    """The workflow actions the actor may take now on a report of this status.

    An action is allowed when :data:`TRANSITIONS` has it for the status and the actor
    passes its check (:func:`check_may_edit` for save and submit, :func:`check_may_review`
    for accept and reopen). Fronts show exactly these buttons.

    Args:
        actor: who acts.
        province_code: the report's province.
        status: the report's status; None when there is no report yet.
        policy: the policy (default: the shipped one).
    """
    allowed: set[Action] = set()
    for before, action in TRANSITIONS:
        if before != status:
            continue
        try:
            if action in ("save", "submit"):
                check_may_edit(actor, province_code, policy)
            else:
                check_may_review(actor, policy)
        except AccessDenied:
            continue
        allowed.add(action)
    if status is None and "save" in allowed:
        allowed.add("submit")  # submit on a missing report first saves the values
    return frozenset(allowed)


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


def check_may_edit(actor: Acting, province_code: str, policy: Policy | None = None) -> None:
    """Raise unless the actor may save and submit reports of the province.

    Raises:
        AccessDenied: no ``reports:submit``, or a provincial user of another province.
    """
    authorize(actor, EDIT_PERMISSION, province_code=province_code, policy=policy)


def check_may_review(actor: Acting, policy: Policy | None = None) -> None:
    """Raise unless the actor may accept and reopen reports (national ``reports:accept``).

    Raises:
        AccessDenied: the actor is not a national user with ``reports:accept``.
    """
    authorize(actor, REVIEW_PERMISSION, national=True, policy=policy)


def check_may_read(actor: Acting, province_code: str, policy: Policy | None = None) -> None:
    """Raise unless the actor may read reports of the province.

    Raises:
        AccessDenied: no ``reports:read_province``, or a provincial user of another province.
    """
    authorize(actor, READ_PERMISSION, province_code=province_code, policy=policy)


def own_province(actor: Acting, policy: Policy | None = None) -> str | None:
    """The one province whose reports the actor works on; None when it reaches every one.

    National users and the local operator reach every province; any other user only the
    province of their account, so the fronts offer only that one.

    Args:
        actor: who acts.
        policy: the policy (default: the shipped one).
    """
    if not isinstance(actor, Actor):
        return None
    if (policy or default_policy()).role(actor.role).scope == "national":
        return None
    return actor.province_code


# --- helpers --------------------------------------------------------------------------


def _utc(moment: datetime | None) -> datetime:
    """An aware UTC time; naive values are Cambodia time."""
    if moment is None:
        return datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CAMBODIA_TIME)
    return moment.astimezone(UTC)


def _resolve(
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


def _clean_values(data_set: DataSet, values: Values) -> dict[ValueKey, int | None]:
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


def find_report_row(
    session: Session, flow: Workflow, province: str, period: Period
) -> ProvincialReport | None:
    """The report row of a province and period, with its values, or None."""
    return session.scalar(
        sa.select(ProvincialReport)
        .where(
            ProvincialReport.province_code == province,
            ProvincialReport.data_set_code == flow.data_set.code,
            ProvincialReport.period_code == period.code,
        )
        .options(selectinload(ProvincialReport.values))
    )


def _require(session: Session, flow: Workflow, province: str, period: Period) -> ProvincialReport:
    report = find_report_row(session, flow, province, period)
    if report is None:
        raise ReportNotFoundError(province, flow.data_set.code, period.code)
    return report


def _check_version(
    report: ProvincialReport | None, province: str, period: Period, expected: int | None
) -> None:
    if expected is None:
        return
    current = report.version if report is not None else None
    if current != expected:
        raise ConflictError(province, period.code, expected, current)


def _allowed(
    province: str, period: Period, status: ReportStatus | None, action: Action
) -> ReportStatus:
    after = TRANSITIONS.get((status, action))
    if after is None:
        raise TransitionError(province, period.code, status, action)
    return after


def _create(
    session: Session,
    flow: Workflow,
    province: str,
    period: Period,
    actor: str,
    moment: datetime,
) -> ProvincialReport:
    agency_code = flow.data_set.reporting_agency(province)
    agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == agency_code))
    if agency_id is None or session.get(Province, province) is None:
        raise ReportingError(
            f"agency {agency_code} or province {province} is not in the database; "
            "load the code lists first (`tipdata codelists load`)"
        )
    report = ProvincialReport(
        province_code=province,
        data_set_code=flow.data_set.code,
        period_code=period.code,
        period_start=period.start,
        period_end=period.end,
        status=ReportStatus.DRAFT,
        owner_agency_id=agency_id,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except sa.exc.IntegrityError:
        # someone else created the same report meanwhile
        raise ConflictError(province, period.code, None, None) from None
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=None,
            to_status=ReportStatus.DRAFT,
            actor=actor,
            changed_at=moment,
            report_version=report.version,
        )
    )
    return report


def _replace_values(report: ProvincialReport, values: Mapping[ValueKey, int | None]) -> None:
    existing = {(row.data_element_code, row.disaggregation): row for row in report.values}
    for key, row in existing.items():
        if key not in values:
            report.values.remove(row)
    for key, value in values.items():
        current = existing.get(key)
        if current is None:
            report.values.append(
                ProvincialReportValue(data_element_code=key[0], disaggregation=key[1], value=value)
            )
        elif current.value != value:
            current.value = value


def report_values(report: ProvincialReport) -> dict[ValueKey, int | None]:
    """The values of a report row by ``(element, disaggregation)``."""
    return {(row.data_element_code, row.disaggregation): row.value for row in report.values}


def _change_status(
    session: Session,
    report: ProvincialReport,
    new_status: ReportStatus,
    actor: str,
    moment: datetime,
    *,
    reason: str | None,
) -> None:
    old = report.status
    report.status = new_status
    session.add(
        ReportStatusChange(
            report_id=report.id,
            from_status=old,
            to_status=new_status,
            actor=actor,
            changed_at=moment,
            reason=reason,
            report_version=report.version + 1,
        )
    )


def _flush(
    session: Session,
    report: ProvincialReport,
    province: str,
    period: Period,
    expected: int | None,
) -> None:
    """Write now, so a lost race shows here as :class:`ConflictError`."""
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(province, period.code, expected, None) from None


def _history(
    session: Session, flow: Workflow, report: ProvincialReport
) -> dict[ValueKey, list[int]]:
    """Values of the province's earlier received reports, oldest first.

    With a ``same_season`` outlier rule, only the reports of the same time of year in the
    rule's earlier years (period starting within ``weeks_around`` weeks of the same date,
    52 weeks per year back so that bi-weeks line up).
    """
    conditions = [
        ProvincialReport.province_code == report.province_code,
        ProvincialReport.data_set_code == flow.data_set.code,
        ProvincialReport.period_start < report.period_start,
        ProvincialReport.status.in_(sorted(RECEIVED_STATUSES)),
    ]
    seasonal = [r for r in flow.rules.outlier_rules if r.history == "same_season"]
    if seasonal:
        rule = seasonal[0]
        around = timedelta(weeks=rule.weeks_around)
        windows = [
            report.period_start - timedelta(weeks=52 * years) for years in range(1, rule.years + 1)
        ]
        conditions.append(
            sa.or_(
                *(
                    ProvincialReport.period_start.between(day - around, day + around)
                    for day in windows
                )
            )
        )
    earlier = (
        sa.select(ProvincialReport.id, ProvincialReport.period_start)
        .where(*conditions)
        .order_by(ProvincialReport.period_start.desc())
        .limit(HISTORY_LIMIT)
        .subquery()
    )
    rows = session.execute(
        sa.select(
            ProvincialReportValue.data_element_code,
            ProvincialReportValue.disaggregation,
            ProvincialReportValue.value,
        )
        .join(earlier, earlier.c.id == ProvincialReportValue.report_id)
        .where(ProvincialReportValue.value.is_not(None))
        .order_by(earlier.c.period_start)
    )
    history: dict[ValueKey, list[int]] = defaultdict(list)
    for element, disaggregation, value in rows:
        history[(element, disaggregation)].append(value)
    return history


def _store_results(
    session: Session,
    report: ProvincialReport,
    results: Sequence[ValidationResult],
    moment: datetime,
) -> None:
    session.execute(
        sa.delete(ReportValidationResult).where(ReportValidationResult.report_id == report.id)
    )
    session.add_all(
        ReportValidationResult(
            report_id=report.id,
            report_version=report.version,
            rule_code=result.rule,
            importance=result.importance,
            data_element_code=result.data_element,
            disaggregation=result.disaggregation,
            message=result.message,
            values_json=json.dumps(dict(result.values), sort_keys=True),
            checked_at=moment,
        )
        for result in results
    )
    session.flush()


def _stored_results(
    session: Session, flow: Workflow, report: ProvincialReport
) -> tuple[ValidationResult, ...]:
    names = {rule.code: rule.name for rule in flow.rules.rules}
    rows = session.scalars(
        sa.select(ReportValidationResult)
        .where(ReportValidationResult.report_id == report.id)
        .order_by(ReportValidationResult.id)
    )
    return tuple(
        ValidationResult(
            rule=row.rule_code,
            rule_name=names.get(row.rule_code, row.rule_code),
            importance="error" if row.importance == "error" else "warning",
            data_element=row.data_element_code,
            disaggregation=row.disaggregation,
            message=row.message,
            values=json.loads(row.values_json),
        )
        for row in rows
    )


def _view(report: ProvincialReport, results: Sequence[ValidationResult]) -> ReportView:
    return ReportView(
        id=report.id,
        data_set=report.data_set_code,
        province_code=report.province_code,
        period=parse_period(report.period_code),
        status=report.status,
        submitted_at=as_utc(report.submitted_at) if report.submitted_at else None,
        accepted_at=as_utc(report.accepted_at) if report.accepted_at else None,
        version=report.version,
        values=dict(sorted(report_values(report).items())),
        results=tuple(results),
    )


def local_day(moment: datetime) -> date:
    """The Cambodian calendar day of a stored time (for display)."""
    return as_utc(moment).astimezone(CAMBODIA_TIME).date()


__all__ = [
    "RECEIVED_STATUSES",
    "TOTAL",
    "TRANSITIONS",
    "ConflictError",
    "InvalidValueError",
    "ReportNotFoundError",
    "ReportValidationError",
    "ReportView",
    "ReportingError",
    "StatusChange",
    "TransitionError",
    "Workflow",
    "accept",
    "allowed_actions",
    "check_may_edit",
    "check_may_read",
    "check_may_review",
    "default_workflow",
    "get_report",
    "parse_count",
    "reopen",
    "save_draft",
    "status_history",
    "submit",
    "submit_keeping_draft",
]
