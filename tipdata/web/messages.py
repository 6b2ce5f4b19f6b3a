"""The services' messages shown on pages, in the reader's language.

The services (``tipdata.access``, ...) raise errors whose English text says what to do;
they know nothing of languages. A page that shows such a message passes it through
:func:`service_message`, which finds it among :data:`SERVICE_MESSAGES` (each the
English wording as a pattern, with the named parts it carries) and translates it. A
message not listed is shown as it is, in English. :func:`tipdata.web.templating.render`
passes a page's ``error``, ``message``, ``refused`` and ``not_published`` through it, so a
route need not; ``tests/web/test_service_messages.py`` drives the services' refusals on
Khmer pages and fails on any English left.
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
    # case files: persons, cases, case work, referrals, screenings (tipdata.casefiles)
    _message(
        r"There is no person \S+ that you may see\.",
        N_("There is no such person that you may see."),
    ),
    _message(
        r"There is no case \S+ that you may see\.", N_("There is no such case that you may see.")
    ),
    _message(
        r"There is no follow-up \S+ that you may see\.",
        N_("There is no such follow-up that you may see."),
    ),
    _message(
        r"There is no review pair \S+ that you may see\.",
        N_("There is no such pair to review that you may see."),
    ),
    _message(r"no screening \d+", N_("There is no such screening.")),
    _message(r"name: type the name to search for", N_("Type the name to search for.")),
    _message(r"name: type a name with letters", N_("Type a name with letters.")),
    _message(
        r"name: at most (?P<count>\d+) characters",
        N_("A name has at most %(count)s characters."),
    ),
    _message(
        r"document: type the document number to search for",
        N_("Type the document number to search for."),
    ),
    _message(
        r"document: at most (?P<count>\d+) characters",
        N_("A document number has at most %(count)s characters."),
    ),
    _message(r"note: write the note", N_("Write the note.")),
    _message(
        r"note: at most (?P<count>\d+) characters", N_("A note has at most %(count)s characters.")
    ),
    _message(
        r"reason: say why, in at least (?P<count>\d+) characters",
        N_("Say why, in at least %(count)s characters."),
    ),
    _message(
        r"reason: say why without repeating the values",
        N_("Say why without repeating the values."),
    ),
    _message(r"value: type the corrected value", N_("Type the corrected value.")),
    _message(
        r"value: no such province", N_("There is no such province: choose one from the list.")
    ),
    _message(r"value: a year from 1900 to this year", N_("Type a year from 1900 to this year.")),
    _message(r"(value|consent_on): a date as YYYY-MM-DD", N_("Type a date as YYYY-MM-DD.")),
    _message(
        r"record: choose one of the person's records",
        N_("Choose one of the person's records."),
    ),
    _message(r"record: choose a record your agency owns", N_("Choose a record your agency owns.")),
    _message(
        r"provider: choose a provider of the service directory",
        N_("Choose a provider of the service directory."),
    ),
    _message(
        r"assigned_to: not a case worker of your agency",
        N_("Choose a case worker of your agency."),
    ),
    _message(r"\w+: choose one of .*", N_("Choose one of the values offered.")),
    _message(
        r"screening_date \S+ is in the future",
        N_("The screening date is in the future: type the day of the screening."),
    ),
    _message(
        r"a final determination names the person who made it",
        N_("A final determination names the person who made it."),
    ),
    # provincial reports (tipdata.provincial): a typed count, a workflow step
    _message(
        r"a count must be a whole number or blank",
        N_("A count must be a whole number, or left blank."),
    ),
    _message(r"a count cannot exceed (?P<limit>[\d,]+)", N_("A count cannot exceed %(limit)s.")),
    _message(r"given twice", N_("This value was given twice.")),
    _message(r"not a value of data set \w+", N_("This is not a value of the report.")),
    _message(
        r"cannot \w+ the report of province \w+ for \w+: it is .*",
        N_(
            "This step is not open to the report in its present status: reload the page to "
            "see its status and the steps open to you."
        ),
    ),
    _message(
        r"a reason is required to reopen a report",
        N_("Say why the report is reopened: the province is told."),
    ),
    # linkage runs (tipdata.linkage)
    _message(
        r"a linkage run is under way, started by (?P<user>.+) at (?P<time>\d\d:\d\d) UTC: "
        r"wait until it has finished",
        N_(
            "A linkage run is under way, started by %(user)s at %(time)s UTC: wait until it "
            "has finished, then start another."
        ),
    ),
    _message(
        r"an incremental run cannot honour this: .*",
        N_(
            "The new records alone cannot be linked now (the model, its thresholds or a "
            "reviewer's decision changed since the last run): run linkage on all records."
        ),
    ),
    # the web's own error pages (tipdata.web.problems)
    _message(
        r"A value cannot be stored .*",
        N_(
            "A value cannot be stored (a number too large, or a control character such as "
            "NUL): correct it and try again."
        ),
    ),
    _message(
        r"An unexpected error occurred; it has been logged\. Try again later\.",
        N_("An unexpected error occurred; it has been logged. Try again later."),
    ),
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
