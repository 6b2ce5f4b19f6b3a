"""Protected fields: round trip for any text, tamper detection, blind index."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.access import BlindIndex, FieldCipher, ProtectedFieldError, normalise_name
from tipdata.access.crypto import new_key

CIPHER = FieldCipher({"k1": new_key(), "k0": new_key()}, "k1")
KHMER = st.text(alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF), max_size=40)
ROW_IDS = st.integers(min_value=1, max_value=2**62)


@given(plaintext=st.text() | KHMER, row_id=ROW_IDS)
def test_round_trip_of_any_text(plaintext: str, row_id: int) -> None:
    token = CIPHER.encrypt("person_record", "full_name", row_id, plaintext)
    assert token.startswith("v1.k1.")
    assert token.isascii()
    assert CIPHER.decrypt("person_record", "full_name", row_id, token) == plaintext


@given(plaintext=st.text(min_size=1), row_id=ROW_IDS, data=st.data())
def test_a_flipped_byte_is_detected(plaintext: str, row_id: int, data: st.DataObject) -> None:
    token = CIPHER.encrypt("person_record", "full_name", row_id, plaintext)
    prefix, body = token.rsplit(".", 1)
    position = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    replacement = data.draw(st.sampled_from("AQgw_-"))
    if body[position] == replacement:
        return
    tampered = f"{prefix}.{body[:position]}{replacement}{body[position + 1 :]}"
    with pytest.raises(ProtectedFieldError):
        CIPHER.decrypt("person_record", "full_name", row_id, tampered)


@given(plaintext=st.text(), row_id=ROW_IDS)
def test_a_value_moved_to_another_row_column_or_table_does_not_decrypt(
    plaintext: str, row_id: int
) -> None:
    token = CIPHER.encrypt("person_record", "full_name", row_id, plaintext)
    for table, column, other_row in [
        ("person_record", "full_name", row_id + 1),
        ("person_record", "given_name", row_id),
        ("service_provider", "full_name", row_id),
    ]:
        with pytest.raises(ProtectedFieldError):
            CIPHER.decrypt(table, column, other_row, token)


def test_unknown_key_and_malformed_tokens_are_refused() -> None:
    other = FieldCipher({"k9": new_key()}, "k9")
    token = other.encrypt("t", "c", 1, "Sok Dara")
    for bad in [token, "plain text", "v2.k1.AAAA", "v1.k1.!!!"]:
        with pytest.raises(ProtectedFieldError) as error:
            CIPHER.decrypt("t", "c", 1, bad)
        assert "Sok Dara" not in str(error.value)


def test_same_plaintext_encrypts_differently_each_time() -> None:
    assert CIPHER.encrypt("t", "c", 1, "Sok") != CIPHER.encrypt("t", "c", 1, "Sok")


def test_names_are_normalised_before_the_blind_index() -> None:
    assert normalise_name("  SOK \t  Dara ") == "sok dara"
    assert normalise_name("ＳＯＫ") == "sok"  # full-width letters (NFKC)


@given(name=st.text(min_size=1).filter(lambda n: normalise_name(n) != ""))
def test_blind_index_matches_equal_names_under_one_key_only(name: str) -> None:
    index, other = BlindIndex(new_key()), BlindIndex(new_key())
    assert index.index(name) == index.index(f"  {name.upper()} ".upper()) or name.upper() != name
    assert index.index(name) == index.index(name)
    assert index.index(name) != other.index(name)
    assert len(index.index(name) or "") == 64


def test_blind_index_of_nothing_is_none() -> None:
    assert BlindIndex(new_key()).index(None) is None
    assert BlindIndex(new_key()).index("   ") is None
