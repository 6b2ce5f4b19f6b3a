"""Tests for tipdata.linkage.names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.linkage.names import (
    NameParts,
    clean,
    is_swapped,
    is_vietnamese,
    name_tokens,
    order_insensitive_key,
    parse_name,
    parts_swapped,
    script_of,
)


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("  NGUYỄN   Thị  Lan ", "nguyen thi lan"),
        ("Ｓｏｋｈａ", "sokha"),  # full-width forms (NFKC)
        ("Chanthy\tSok\n", "chanthy sok"),
        ("សុខ  ចាន់ធី", "សុខ ចាន់ធី"),  # Khmer kept for romanise_khmer
        ("Kratié", "kratie"),
        ("", ""),
    ],
)
def test_clean(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


def test_clean_can_keep_accents() -> None:
    assert clean(" Nguyễn ", ascii_latin=False) == "nguyễn"


@given(st.text())
def test_clean_never_raises_and_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


def test_name_tokens_split_on_punctuation() -> None:
    assert name_tokens("SOK, Chan-Thy.") == ("sok", "chan", "thy")


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Thị Lan", ("nguyen", "thi", "lan")),
        ("Trần Văn Minh", ("tran", "van", "minh")),
        ("Le Thi Hong Nhung", ("le", "thi hong", "nhung")),
        ("Lan Thi Nguyen", ("nguyen", "thi", "lan")),  # Western order recognised
        ("Pham Van Duc", ("pham", "van", "duc")),
        ("Huynh Ngoc Anh", ("huynh", "ngoc", "anh")),
    ],
)
def test_vietnamese_names(full: str, parts: tuple[str, str, str]) -> None:
    name = parse_name(full)
    assert (name.family, name.middle, name.given) == parts
    assert name.original == full


def test_vietnamese_by_nationality_and_explicit_order() -> None:
    name = parse_name("Hoa Nguyen", nationality="VN", order="given_first")
    assert (name.family, name.middle, name.given) == ("nguyen", "", "hoa")
    assert is_vietnamese("Nguyen Hoa", nationality="Viet Nam")
    assert not is_vietnamese("Sok Chanthy")


@pytest.mark.parametrize(
    ("full", "order", "family", "given", "script"),
    [
        ("Sok Chanthy", "unknown", "sok", "chanthy", "latin"),
        ("Chea Srey Mom", "unknown", "chea", "srey mom", "latin"),
        ("Chanthy Sok", "given_first", "sok", "chanthy", "latin"),
        ("សុខ ចាន់ធី", "unknown", "សុខ", "ចាន់ធី", "khmer"),
        ("Sok ចាន់ធី", "family_first", "sok", "ចាន់ធី", "mixed"),
        ("Sokha", "unknown", "", "sokha", "latin"),
    ],
)
def test_khmer_names_family_first(
    full: str, order: str, family: str, given: str, script: str
) -> None:
    name = parse_name(full, order=order)  # type: ignore[arg-type]
    assert (name.family, name.middle, name.given, name.script) == (family, "", given, script)


def test_empty_name() -> None:
    assert parse_name("  ") == NameParts("", "", "", "  ", "latin")


def test_script_of() -> None:
    assert script_of("សុខា") == "khmer"
    assert script_of("Sokha") == "latin"
    assert script_of("Sok សុខា") == "mixed"


def test_swapped_order() -> None:
    assert is_swapped("Sok Chanthy", "Chantey Sok")
    assert is_swapped("Sok Chanthy", "ចាន់ធី សុខ")
    assert not is_swapped("Sok Chanthy", "Sok Chanthi")  # same order: not swapped
    assert not is_swapped("Sok Chanthy", "Chan Sok")
    assert order_insensitive_key("Chanthy Sok") == order_insensitive_key("Sokh Chanthey")


def test_parts_swapped() -> None:
    assert parts_swapped(parse_name("Sok Chanthy"), parse_name("Chanthi Sokh"))
    assert not parts_swapped(parse_name("Sok Chanthy"), parse_name("Sok Chanthy"))
    assert not parts_swapped(parse_name("Sok"), parse_name("Sok"))


def test_name_key_is_compact_and_family_first() -> None:
    assert parse_name("Srey Mom").key() == parse_name("Sreymom").key() == "srimum"
