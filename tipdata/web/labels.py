"""Words, not codes: the label of each code a page shows, in the reader's language.

A page never shows a stored code (``statistics_reader``, ``live``) where a label exists:
it asks the request's :class:`Labels`. Labels come from the data files that define the
codes (``roles.yaml`` has ``name`` and ``name_km``) or, for the app's own states, from
the message catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tipdata.access import Policy
from tipdata.web.navigation import N_

TOKEN_STATES = {"live": N_("live"), "expired": N_("expired"), "revoked": N_("revoked")}
"""The states of an API token (:class:`tipdata.access.tokens.TokenSummary`)."""


AUDIT_ACTIONS = {
    "login_success": N_("signed in"),
    "login_failure": N_("sign-in refused"),
    "logout": N_("signed out"),
    "read": N_("read"),
    "read_protected": N_("read identities"),
    "export": N_("exported"),
    "user_created": N_("user added"),
    "user_changed": N_("user changed"),
    "role_granted": N_("role granted"),
    "import": N_("imported"),
    "link_decision": N_("linkage decision"),
    "report_release": N_("report released"),
    "consent_override": N_("consent overridden"),
    "referral_created": N_("referral recorded"),
    "screening_recorded": N_("screening recorded"),
    "case_work_changed": N_("case status changed"),
    "follow_up_recorded": N_("follow-up recorded"),
    "case_note_written": N_("case note written"),
    "record_corrected": N_("record corrected"),
    "keys_rotated": N_("keys rotated"),
    "access.denied": N_("access refused"),
}
"""The actions of the audit log (:data:`tipdata.access.audit.ACTIONS`)."""


@dataclass(frozen=True)
class Labels:
    """The labels of one request's language.

    Attributes:
        language: ``en`` or ``km``.
        gettext: the request's translator.
        policy: the roles and their names.
    """

    language: str
    gettext: Callable[[str], str]
    policy: Policy

    def role(self, code: str) -> str:
        """A role's name (Khmer when the page is in Khmer and the name is known)."""
        definition = self.policy.roles.get(code)
        if definition is None:
            return code
        if self.language == "km" and definition.name_km:
            return definition.name_km
        return definition.name

    def audit_action(self, action: str) -> str:
        """An action of the audit log."""
        return self.gettext(AUDIT_ACTIONS[action]) if action in AUDIT_ACTIONS else action

    def token_state(self, state: str) -> str:
        """The state of an API token."""
        return self.gettext(TOKEN_STATES[state]) if state in TOKEN_STATES else state


def groups_of_four(text: str | None) -> str:
    """A long key split into groups of four characters, easier to type.

    Examples:
        >>> groups_of_four("ABCDEFGHIJ")
        'ABCD EFGH IJ'
    """
    text = text or ""
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def some_ids(ids: str | None, shown: int = 6) -> str:
    """A list of ids shown in a table cell: the first few, then how many more.

    Examples:
        >>> some_ids("1,2,3,4,5,6,7,8", 3)
        '1, 2, 3 … (+5)'
        >>> some_ids(None)
        ''
    """
    parts = [part for part in (ids or "").split(",") if part]
    head = ", ".join(parts[:shown])
    return f"{head} … (+{len(parts) - shown:,})" if len(parts) > shown else head
