"""The services' messages shown on pages, in the reader's language.

The services (``tipdata.access``, ...) raise errors whose English text says what to do;
they know nothing of languages. A page that shows such a message passes it through
:func:`service_message`, which finds it among :data:`SERVICE_MESSAGES` (each the
English wording as a pattern, with the named parts it carries) and translates it. A
message not listed is shown as it is, in English, and ``tests/web/test_messages.py``
fails on every such message the tests meet, so none reaches a Khmer page unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tipdata.web.navigation import N_


@dataclass(frozen=True)
class ServiceMessage:
    """One message of a service: its English pattern and the message shown instead.

    Attributes:
        pattern: the service's English text as a regular expression; named groups are
            the variable parts.
        message: the message to translate, with ``%(name)s`` for each named group.
    """

    pattern: re.Pattern[str]
    message: str


def _message(pattern: str, message: str) -> ServiceMessage:
    return ServiceMessage(re.compile(pattern), message)


SERVICE_MESSAGES: tuple[ServiceMessage, ...] = (
    # accounts: finishing an account, passwords, tokens (tipdata.access)
    _message(r"choose a password", N_("Choose a password.")),
    _message(r"the two new passwords differ", N_("The two new passwords differ.")),
    _message(
        r"choose a password of your own, not the one you were given",
        N_("Choose a password of your own, not the one you were given."),
    ),
    _message(
        r"scan the QR code shown on this page, then type its code",
        N_("Scan the QR code shown on this page, then type its code."),
    ),
    _message(
        r"the code does not match: type the 6 digits your authenticator shows now",
        N_("The code does not match: type the 6 digits your authenticator app shows now."),
    ),
    _message(r"the current password is wrong", N_("The current password is wrong.")),
    _message(
        r"the password must have at least (?P<count>\d+) characters",
        N_("The password must have at least %(count)s characters."),
    ),
    _message(
        r"the password must have at most (?P<count>\d+) characters",
        N_("The password must have at most %(count)s characters."),
    ),
    _message(
        r"the password must not contain the username",
        N_("The password must not contain the username."),
    ),
    _message(
        r"the password is too common: .*",
        N_("The password is too common: choose a passphrase of several unrelated words."),
    ),
    _message(
        r"the password is a repeated pattern: .*",
        N_("The password is a repeated pattern: choose a passphrase."),
    ),
    _message(
        r"the password is (mostly )?a keyboard walk.*",
        N_(
            "The password is a keyboard walk, a sequence or a repeated pattern: choose a "
            "passphrase of several unrelated words."
        ),
    ),
    _message(
        r"the password is too easy to guess: .*",
        N_("The password is too easy to guess: choose a passphrase of several unrelated words."),
    ),
    _message(
        r"a token lives from 1 to 365 days",
        N_("A token lives from 1 to 365 days: type a whole number of days."),
    ),
    _message(
        r"give the token a name of 1 to 100 characters",
        N_("Give the token a name of 1 to 100 characters."),
    ),
    _message(r"no token \d+", N_("There is no such token among yours.")),
    # user administration (tipdata.access.users)
    _message(
        r"username .* refused: .*",
        N_(
            "This username is refused: use 2 to 64 ASCII letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        ),
    ),
    _message(
        r"user '(?P<username>[^']*)' exists already .*",
        N_("The user %(username)s exists already (usernames ignore case)."),
    ),
    _message(r"there is no agency .*", N_("There is no such agency: choose one from the list.")),
    _message(
        r"there is no province .*", N_("There is no such province: choose one from the list.")
    ),
    _message(
        r"the (user's )?agency belongs to province (?P<agency>\w+), not (?P<chosen>\w+).*",
        N_(
            "The agency belongs to province %(agency)s, not %(chosen)s: choose the agency's "
            "province or another agency."
        ),
    ),
    _message(r"role (?P<role>\w+) needs a province", N_("This role needs a province.")),
    _message(r"no user '(?P<username>[^']*)'", N_("There is no user %(username)s.")),
    _message(
        r"user '(?P<username>[^']*)' is not awaiting approval",
        N_("The user %(username)s is not awaiting approval."),
    ),
    _message(r"unknown role .*", N_("There is no such role: choose one from the list.")),
    _message(r"give the user's name", N_("Give the user's name (up to 120 characters).")),
)
"""Every service message the pages know how to translate."""


def service_message(error: Exception | str, gettext: Callable[[str], str]) -> str:
    """The message of a service's error in the reader's language.

    Args:
        error: the error (its text is matched) or the text itself.
        gettext: the request's translator.

    Returns:
        The translated message; the English text as it is when none matches.

    Examples:
        >>> service_message("the current password is wrong", lambda text: text)
        'The current password is wrong.'
    """
    text = str(error).strip()
    for known in SERVICE_MESSAGES:
        match = known.pattern.fullmatch(text)
        if match:
            return gettext(known.message) % match.groupdict()
    return text


def is_known(text: str) -> bool:
    """Whether a service's message is among :data:`SERVICE_MESSAGES` (tests)."""
    return any(known.pattern.fullmatch(text.strip()) for known in SERVICE_MESSAGES)
