"""Words, not codes: the label of each code a page shows, in the reader's language.

A page never shows a stored code (``statistics_reader``, ``live``) where a label exists:
it asks the request's :class:`Labels`. Labels come from the data files that define the
codes (``roles.yaml`` has ``name`` and ``name_km``) or, for the app's own states, from
the message catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tipdata.access.policy import Policy
from tipdata.web.navigation import N_

TOKEN_STATES = {"live": N_("live"), "expired": N_("expired"), "revoked": N_("revoked")}
"""The states of an API token (:class:`tipdata.access.tokens.TokenSummary`)."""


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
