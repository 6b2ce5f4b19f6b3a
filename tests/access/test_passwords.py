"""Password policy and Argon2id hashing."""

from __future__ import annotations

import pytest

from tests.access.conftest import FAST, GOOD_PASSWORD
from tipdata.access import ArgonParameters, Passwords, WeakPasswordError, check_new_password
from tipdata.access.passwords import common_passwords, password_problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "too common"),
        ("P@ssw0rd2024!", "too common"),
        ("!!iloveyou!!", "too common"),
        ("phnompenh2024", "too common"),
        ("abcabcabcabc", "repeated"),
        ("111111111111", "repeated"),
        ("sokdara-is-my-name", "username"),
        # issue 15, item 9: accepted before the strength estimator
        ("123456789012", "sequence"),
        ("Qwertyuiop12", "keyboard walk"),
        ("abcdefghijkl", "sequence"),
        ("Passw0rdPassw0rd", "repeated"),
        ("1qaz2wsx3edc4rfv", "keyboard walk"),
        ("zxcvbnm,./asdf", "keyboard walk"),
        ("x" * 100 + "Yz7#q", "repeated"),
        ("iloveyoudara", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused(password: str, problem: str) -> None:
    assert problem in (password_problem(password, "sokdara") or "")
    with pytest.raises(WeakPasswordError):
        check_new_password(password, "sokdara")


@pytest.mark.parametrize(
    "password",
    [GOOD_PASSWORD, "ស្រូវ​ក្រហម​ទន្លេ​មេឃ", "mekong river at dusk 1998", "Tonle Sap river boats"],
)
def test_strong_passwords_are_accepted(password: str) -> None:
    assert password_problem(password) is None


def test_the_bundled_list_is_loaded() -> None:
    words = common_passwords()
    assert len(words) > 1500
    assert {"password", "qwerty", "iloveyou", "cambodia"} <= words


def test_hash_and_verify(passwords: Passwords) -> None:
    hashed = passwords.hash(GOOD_PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert GOOD_PASSWORD not in hashed
    assert passwords.verify(hashed, GOOD_PASSWORD)
    assert not passwords.verify(hashed, GOOD_PASSWORD + "!")
    assert not passwords.verify(None, GOOD_PASSWORD)  # unknown user: dummy hash, False
    assert not passwords.verify("not a hash", GOOD_PASSWORD)


def test_changed_parameters_ask_for_a_rehash(passwords: Passwords) -> None:
    hashed = passwords.hash(GOOD_PASSWORD)
    assert not passwords.needs_rehash(hashed)
    stronger = Passwords(ArgonParameters(FAST.time_cost + 1, FAST.memory_kib, FAST.parallelism))
    assert stronger.needs_rehash(hashed)
    assert stronger.verify(hashed, GOOD_PASSWORD)
