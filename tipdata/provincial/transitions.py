"""The rules of the submission workflow: which transitions exist and who may take them.

A report moves ``draft → submitted → accepted``; the NTF can reopen a submitted or
accepted report (:data:`TRANSITIONS`). Saving and submitting need ``reports:submit``
and a provincial user may only touch their own province; accepting and reopening need
``reports:accept`` with national scope (the NTF); reading needs ``reports:read_province``
within the same scope. Which buttons a front shows come from :func:`allowed_actions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.access.policy import Acting, Actor, Policy, authorize, default_policy
from tipdata.model.enums import ReportStatus

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

EDIT_PERMISSION: Permission = "reports:submit"

REVIEW_PERMISSION: Permission = "reports:accept"
"""Save, submit, and (with national scope) accept and reopen provincial reports."""

READ_PERMISSION: Permission = "reports:read_province"
"""Read provincial reports (a provincial user: their own province only)."""


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
