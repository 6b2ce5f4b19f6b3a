"""Passwords: Argon2id hashes, the password policy, and a dummy hash for unknown users.

Policy: 12 to 128 characters (any script, Khmer too); not a common password,
not a common password with digits or symbols around it or letters swapped for
look-alike digits (``P@ssw0rd2024!``), not one short pattern repeated, and not
containing the username. The common-password list ships with the package
(``common_passwords.txt``, from SecLists, MIT licence). Then the zxcvbn strength
estimator (Dropbox's, the ``zxcvbn`` package): a password mostly made of keyboard
walks (``Qwertyuiop``), sequences (``abcdefghijkl``, ``123456789012``) or repeats
(``Passw0rdPassw0rd``) is refused, and so is any password it estimates guessable in
fewer than 10^8 tries (score below 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from tipdata.access.errors import WeakPasswordError
from tipdata.settings import Settings

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_SCORE = 3
"""The lowest zxcvbn score accepted: 3 means about 10^8 guesses or more."""
ESTIMATOR_MAX_LENGTH = 72
"""zxcvbn refuses longer input; the first 72 characters are estimated."""
PATTERNED = frozenset({"spatial", "sequence", "repeat"})
"""zxcvbn patterns that are no secret: keyboard walks, runs like ``abcd`` or ``1234``, repeats."""
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled common passwords, lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def _is_repetition(text: str) -> bool:
    """Whether the text is one chunk repeated (``abcabcabcabc``, ``passw0rdpassw0rd``)."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


WALK_LINES = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    *("1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"),
)
"""Keyboard rows and columns (QWERTY), the alphabet and the digits: walking them is no secret."""

_WALK_STEPS = frozenset(
    pair for line in WALK_LINES for a, b in pairwise(line) for pair in (a + b, b + a)
)


def _is_walk(text: str) -> bool:
    """Whether at least three steps in four go to a neighbour on the keyboard or in a sequence."""
    steps = [text[i : i + 2] for i in range(len(text) - 1)]
    return bool(steps) and sum(step in _WALK_STEPS for step in steps) * 4 >= len(steps) * 3


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a new password is refused, or None if it is acceptable.

    Args:
        password: the proposed password.
        username: the account's username (a password may not contain it).

    Returns:
        A sentence fit to show to the user (it never repeats the password), or None.
    """
    if len(password) < MIN_LENGTH:
        return f"the password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password must have at most {MAX_LENGTH} characters"
    lowered = password.casefold()
    if username and len(username) >= 3 and username.casefold() in lowered:
        return "the password must not contain the username"
    common = common_passwords()
    core = _EDGES.sub("", lowered)
    candidates = {lowered, core, core.translate(_LEET), lowered.translate(_LEET)}
    if any(candidate in common for candidate in candidates if candidate):
        return "the password is too common: choose a passphrase of several unrelated words"
    if _is_repetition(lowered) or (core and _is_repetition(core)) or len(set(lowered)) < 5:
        return "the password is a repeated pattern: choose a passphrase"
    if _is_walk(lowered):
        return (
            "the password is a keyboard walk or a sequence (qwerty, 1234, abcd): "
            "choose a passphrase of several unrelated words"
        )
    estimate = zxcvbn(password[:ESTIMATOR_MAX_LENGTH], user_inputs=[username] if username else [])
    patterned = sum(
        len(match["token"])
        for match in estimate["sequence"]
        if match["pattern"] in PATTERNED or match.get("base_token", "") in common
    )
    if patterned * 2 >= min(len(password), ESTIMATOR_MAX_LENGTH):
        return (
            "the password is mostly a keyboard walk, a sequence or a repeated pattern: "
            "choose a passphrase of several unrelated words"
        )
    if estimate["score"] < MIN_SCORE:
        return "the password is too easy to guess: choose a passphrase of several unrelated words"
    return None


def check_new_password(password: str, username: str | None = None) -> None:
    """Raise unless the password meets the policy.

    Raises:
        WeakPasswordError: the reason, without the password.
    """
    problem = password_problem(password, username)
    if problem:
        raise WeakPasswordError(problem)


@dataclass(frozen=True)
class ArgonParameters:
    """Argon2id cost parameters (see the ``TIPDATA_PASSWORD_*`` settings)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> ArgonParameters:
        """The parameters configured in the settings."""
        return cls(
            settings.password_time_cost, settings.password_memory_kib, settings.password_parallelism
        )


class Passwords:
    """Hashes and verifies passwords with Argon2id.

    Args:
        parameters: Argon2id costs; tests pass tiny ones to stay fast.
    """

    def __init__(self, parameters: ArgonParameters | None = None) -> None:
        self.parameters = parameters or ArgonParameters()
        self._hasher = PasswordHasher(
            time_cost=self.parameters.time_cost,
            memory_cost=self.parameters.memory_kib,
            parallelism=self.parameters.parallelism,
        )
        self._dummy_hash = self._hasher.hash("tipdata dummy password for unknown users")

    def hash(self, password: str, username: str | None = None) -> str:
        """Check the policy and hash a new password.

        Raises:
            WeakPasswordError: the password breaks the policy.
        """
        check_new_password(password, username)
        return self._hasher.hash(password)

    def rehash(self, password: str) -> str:
        """Hash an already accepted password again with the current parameters."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether the password matches the hash.

        A missing hash (unknown user, no password set) is verified against a dummy
        hash, so the answer takes about as long as for a real user.
        """
        if len(password) > MAX_LENGTH:
            return False
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        return self._hasher.check_needs_rehash(password_hash)
