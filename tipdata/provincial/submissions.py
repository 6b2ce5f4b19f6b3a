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

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from tipdata.access.clock import as_utc
from tipdata.access.policy import Acting, actor_name
from tipdata.model.enums import ReportStatus
from tipdata.periods import Period
from tipdata.provincial.errors import (
    ReportingError,
    ReportValidationError,
    TransitionError,
)
from tipdata.provincial.report_rows import (
    change_status,
    check_version,
    create_report,
    earlier_values,
    find_report_row,
    flush_report,
    replace_values,
    report_values,
    report_view,
    require_report,
    store_results,
    stored_results,
)
from tipdata.provincial.transitions import (
    TRANSITIONS,
    Action,
    check_may_edit,
    check_may_read,
    check_may_review,
)
from tipdata.provincial.workflow import (
    ReportView,
    StatusChange,
    Values,
    Workflow,
    clean_values,
    resolve_report,
    to_utc,
    workflow_or_default,
)
from tipdata.store.provincial import ReportStatusChange
from tipdata.store.reports import ProvincialReport


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
    flow = workflow_or_default(workflow)
    moment = to_utc(at)
    code, resolved = resolve_report(session, flow, province, period)
    check_may_edit(actor, code)
    report = _save(
        session, flow, actor_name(actor), code, resolved, values, expected_version, moment
    )
    results = flow.rules.check(report_values(report), history=earlier_values(session, flow, report))
    store_results(session, report, results, moment)
    return report_view(report, results)


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
    clean = clean_values(flow.data_set, values)
    report = find_report_row(session, flow, code, period)
    check_version(report, code, period, expected_version)
    status = report.status if report is not None else None
    if action == "submit" and status is not None:
        _allowed(code, period, status, "submit")  # say "cannot submit", not "cannot save"
    new_status = _allowed(code, period, status, "save")
    save_results = flow.rules.check(clean, stage="save")
    if any(r.blocking for r in save_results):
        raise ReportValidationError(code, period.code, save_results)
    created = report is None
    if report is None:
        report = create_report(session, flow, code, period, actor_label, moment)
    replace_values(report, clean)
    report.status = new_status
    if not created:  # a new report is version 1 with its first values
        flag_modified(report, "status")  # a change of values alone must bump the version too
    flush_report(session, report, code, period, expected_version)
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
    flow = workflow_or_default(workflow)
    moment = to_utc(at)
    code, resolved = resolve_report(session, flow, province, period)
    check_may_edit(actor, code)
    actor_label = actor_name(actor)
    if values is not None:
        report = _save(
            session, flow, actor_label, code, resolved, values, expected_version, moment, "submit"
        )
    else:
        report = require_report(session, flow, code, resolved)
        check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "submit")
    values_now = report_values(report)
    results = flow.rules.check(values_now, history=earlier_values(session, flow, report))
    if any(r.blocking for r in results):
        raise ReportValidationError(code, resolved.code, results)
    change_status(session, report, new_status, actor_label, moment, reason=None)
    if report.submitted_at is None:
        report.submitted_at = moment
    flush_report(session, report, code, resolved, expected_version)
    store_results(session, report, results, moment)
    return report_view(report, results)


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
    flow = workflow_or_default(workflow)
    check_may_review(actor)
    moment = to_utc(at)
    code, resolved = resolve_report(session, flow, province, period)
    report = require_report(session, flow, code, resolved)
    check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "accept")
    change_status(session, report, new_status, actor_name(actor), moment, reason=None)
    report.accepted_at = moment
    flush_report(session, report, code, resolved, expected_version)
    return report_view(report, stored_results(session, flow, report))


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
    flow = workflow_or_default(workflow)
    check_may_review(actor)
    if not reason or not reason.strip():
        raise ReportingError("a reason is required to reopen a report")
    moment = to_utc(at)
    code, resolved = resolve_report(session, flow, province, period)
    report = require_report(session, flow, code, resolved)
    check_version(report, code, resolved, expected_version)
    new_status = _allowed(code, resolved, report.status, "reopen")
    change_status(session, report, new_status, actor_name(actor), moment, reason=reason.strip())
    report.accepted_at = None
    flush_report(session, report, code, resolved, expected_version)
    return report_view(report, stored_results(session, flow, report))


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
    flow = workflow_or_default(workflow)
    code, resolved = resolve_report(session, flow, province, period)
    check_may_read(actor, code)
    report = find_report_row(session, flow, code, resolved)
    if report is None:
        return None
    return report_view(report, stored_results(session, flow, report))


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
    flow = workflow_or_default(workflow)
    code, resolved = resolve_report(session, flow, province, period)
    check_may_read(actor, code)
    report = require_report(session, flow, code, resolved)
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


def _allowed(
    province: str, period: Period, status: ReportStatus | None, action: Action
) -> ReportStatus:
    after = TRANSITIONS.get((status, action))
    if after is None:
        raise TransitionError(province, period.code, status, action)
    return after
