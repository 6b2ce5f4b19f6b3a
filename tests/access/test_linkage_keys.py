"""Keyed hashes of linkage keys: stable per database, useless without its keys."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.access.errors import ProtectedFieldError
from tipdata.access.keys import MasterKey
from tipdata.access.linkage_keys import LinkageKeyHasher, linkage_key_hasher
from tipdata.store import Database

KEY = bytes(range(32))


def test_equal_values_hash_equal_and_empty_values_have_no_hash() -> None:
    hasher = LinkageKeyHasher(KEY)

    assert hasher.hash("name_sorted_key", "dara sok") == hasher.hash("name_sorted_key", "dara sok")
    assert hasher.hash("name_sorted_key", "dara sok") != hasher.hash("name_sorted_key", "dara sol")
    assert (hasher.hash("name_sorted_key", None), hasher.hash("name_sorted_key", "")) == (
        None,
        None,
    )
    assert hasher.hash_many("name_first_key", ["dara", "sok", "dara"]) == {
        "dara": hasher.hash("name_first_key", "dara"),
        "sok": hasher.hash("name_first_key", "sok"),
    }
    assert repr(hasher) == "LinkageKeyHasher()"


def test_the_same_word_hashes_differently_in_another_column_or_under_another_key() -> None:
    hasher = LinkageKeyHasher(KEY)

    assert hasher.hash("name_first_key", "sok") != hasher.hash("name_last_key", "sok")
    assert LinkageKeyHasher(bytes(32)).hash("name_first_key", "sok") != hasher.hash(
        "name_first_key", "sok"
    )
    assert hasher.fingerprint("v1") != hasher.fingerprint("v2")
    assert LinkageKeyHasher(bytes(32)).fingerprint("v1") != hasher.fingerprint("v1")
    assert 0 <= hasher.fingerprint("v1") < 2**31


def test_a_hash_is_the_first_eight_bytes_of_the_keyed_hmac_not_a_plain_digest() -> None:
    hasher = LinkageKeyHasher(KEY)
    keyed = hmac.new(KEY, b"name_sorted_key\x00dara sok", hashlib.sha256).digest()
    plain = hashlib.sha256(b"name_sorted_key\x00dara sok").digest()

    value = hasher.hash("name_sorted_key", "dara sok")

    assert value == int.from_bytes(keyed[:8], "big", signed=True)
    assert value != int.from_bytes(plain[:8], "big", signed=True)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        LinkageKeyHasher(bytes(16))


@given(st.text(min_size=1, max_size=40))
def test_every_hash_fits_a_signed_64_bit_column(value: str) -> None:
    hashed = LinkageKeyHasher(KEY).hash("name_key", value)

    assert hashed is not None and -(2**63) <= hashed < 2**63


def test_the_hasher_of_a_database_comes_from_its_blind_index_key(db: Database) -> None:
    first = linkage_key_hasher(db).hash("name_sorted_key", "dara sok")
    again = linkage_key_hasher(db).hash("name_sorted_key", "dara sok")
    other_master = Database(db.engine.url, master_key=MasterKey(bytes(32)))

    assert first == again
    with pytest.raises(ProtectedFieldError, match="master key"):
        linkage_key_hasher(other_master)
    other_master.dispose()
