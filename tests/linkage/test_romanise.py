"""Tests for tipdata.linkage.romanise: the key tables and Khmer-script romanisation.

Run this file directly to print the key-versus-metaphone measurement table:
``.venv/bin/python tests/linkage/test_romanise.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.linkage.romanise import (
    RomanisationRulesError,
    load_key_rules,
    romanisation_key,
    romanise_khmer,
)

# Spellings of one name that MUST share a key (compact key: spaces ignored).
SAME_NAME = [
    ("Sokha", "Sokhar"),
    ("Sokha", "Sokhaa"),
    ("Sokha", "Soka"),
    ("Chanthy", "Chantey"),
    ("Chanthy", "Chanthi"),
    ("Chanthy", "Chanthey"),
    ("Chhun", "Chun"),
    ("Chhun", "Chhoun"),
    ("Khim", "Kim"),
    ("Phalla", "Pala"),
    ("Thida", "Tida"),
    ("Thida", "Thidaa"),
    ("Srey Mom", "Sreymom"),
    ("Srey Mom", "Srei Mom"),
    ("Srey Leak", "Sreyleak"),
    ("Sophea", "Sopheaa"),
    ("Sophea", "Sophia"),
    ("Sopheap", "Sopheab"),
    ("Vanna", "Vana"),
    ("Vanna", "Wanna"),
    ("Sovann", "Sovan"),
    ("Channary", "Chanary"),
    ("Channary", "Channari"),
    ("Rithy", "Rithi"),
    ("Vuthy", "Vuthi"),
    ("Piseth", "Piset"),
    ("Bopha", "Boppha"),
    ("Keo", "Kaev"),
    ("Chea", "Chia"),
    ("Ly", "Lee"),
    ("Sok", "Souk"),
    ("Chhor", "Chho"),
    ("Chamroeun", "Chamreun"),
    ("Pheakdey", "Pheakdei"),
    ("Kunthea", "Kounthea"),
    ("Samnang", "Samnaang"),
    ("Siem Reap", "Seam Reab"),
    ("Heng", "Hheng"),
]

# Different names that MUST NOT share a key.
DIFFERENT_NAMES = [
    ("Sok", "Sak"),
    ("Chan", "Chhun"),
    ("Sophea", "Sopheap"),
    ("Sokha", "Sokhom"),
    ("Vanna", "Vannak"),
    ("Heng", "Hong"),
    ("Ly", "Lim"),
    ("Chea", "Chan"),
    ("Bopha", "Sophea"),
    ("Kim", "Keo"),
    ("Rithy", "Rith"),
    ("Channary", "Chanthy"),
    ("Samnang", "Sambath"),
    ("Dara", "Dary"),
    ("Srey Mom", "Srey Leak"),
    ("Meas", "Mao"),
    ("Nguyen", "Nguyet"),
    ("Pich", "Pech"),  # e/i inside a word is not folded (documented limit)
    ("Sothea", "Sopheak"),
]

# Names in Khmer script with a usual Latin spelling: their keys must be equal.
KHMER_LATIN = [
    ("សុខ", "Sok"),
    ("សុខា", "Sokha"),
    ("ចាន់", "Chan"),
    ("ចន្ទ", "Chan"),
    ("ចាន់ធី", "Chanthy"),
    ("ស្រីមុំ", "Srey Mom"),
    ("ស្រី មុំ", "Sreymom"),
    ("ដារា", "Dara"),
    ("វណ្ណា", "Vanna"),
    ("សោភា", "Sophea"),
    ("សុភាព", "Sopheap"),
    ("បុប្ផា", "Bopha"),
    ("គន្ធា", "Kunthea"),
    ("ចិន្ដា", "Chenda"),
    ("ពិសិដ្ឋ", "Piseth"),
    ("វុទ្ធី", "Vuthy"),
    ("រិទ្ធី", "Rithy"),
    ("ហេង", "Heng"),
    ("លី", "Ly"),
    ("លីម", "Lim"),
    ("កែវ", "Keo"),
    ("មាស", "Meas"),
    ("ជា", "Chea"),
    ("ផាន់", "Phan"),
    ("ពេជ្រ", "Pech"),
    ("ស្រីលក្ខណ៍", "Srey Leak"),
    ("ចាន់ណារី", "Channary"),
    ("គីមហេង", "Kimheng"),
    ("សុវណ្ណ", "Sovann"),
    ("សំណាង", "Samnang"),
    ("ធីតា", "Thida"),
    ("សម្បត្តិ", "Sambath"),
    ("ឈុន", "Chhun"),
    ("ភក្តី", "Pheakdey"),
    ("ហ៊ុន", "Hun"),
    ("ប៉ៃលិន", "Pailin"),
    ("ពោធិ៍សាត់", "Posat"),
    ("រក្សា", "Reaksa"),
    ("សុភក្ត្រា", "Sopheaktra"),
    ("ចំរើន", "Chamroeun"),
    ("សុខ ចាន់ធី", "Sok Chanthy"),
]


def _key(name: str) -> str:
    return romanisation_key(name, compact=True)


@pytest.mark.parametrize(("left", "right"), SAME_NAME)
def test_variant_spellings_share_a_key(left: str, right: str) -> None:
    assert _key(left) == _key(right)


@pytest.mark.parametrize(("left", "right"), DIFFERENT_NAMES)
def test_different_names_keep_different_keys(left: str, right: str) -> None:
    assert _key(left) != _key(right)


@pytest.mark.parametrize(("khmer", "latin"), KHMER_LATIN)
def test_khmer_script_matches_latin_spelling(khmer: str, latin: str) -> None:
    assert _key(khmer) == _key(latin)


def test_tables_are_large_enough() -> None:
    assert len(SAME_NAME) >= 30
    assert len(DIFFERENT_NAMES) >= 15


@pytest.mark.parametrize(
    ("khmer", "romanised"),
    [
        ("សុខា", "sokha"),
        ("ស្រី មុំ", "srei mum"),
        ("កម្ពុជា", "kampuchea"),
        ("សៀមរាប", "siemreap"),
        ("បុប្ផា", "boppha"),
        ("ប៉ៃលិន", "pailin"),
        ("ពោធិ៍សាត់", "posat"),
        ("ដារា", "dara"),
        ("សុខ។ចាន់", "sok chan"),
        ("ឧត្ដរ", "otdar"),
        ("២០០៨", "2008"),
    ],
)
def test_romanise_khmer_readings(khmer: str, romanised: str) -> None:
    assert romanise_khmer(khmer) == romanised


def test_key_keeps_word_order_unless_compact() -> None:
    assert romanisation_key("Sok Chanthy") == "suk chanti"
    assert romanisation_key("Sok Chanthy", compact=True) == "sukchanti"
    assert romanisation_key("Nguyễn Thị Lan") == "nguyen ti lan"
    assert romanisation_key("") == ""
    assert romanisation_key("123 --") == ""


def test_every_rule_has_a_note_and_a_bad_file_is_named(tmp_path: Path) -> None:
    assert all(rule.note for rule in load_key_rules())
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - pattern: '('\n    replace: ''\n    note: broken\n")
    with pytest.raises(RomanisationRulesError) as error:
        load_key_rules(bad)
    assert "rules.yaml" in str(error.value)
    assert "rules[0]" in str(error.value)


@given(st.text())
def test_key_is_idempotent(text: str) -> None:
    key = romanisation_key(text)
    assert romanisation_key(key) == key


@given(st.text(alphabet=st.characters(min_codepoint=0x1780, max_codepoint=0x17FF)))
def test_romanise_khmer_never_raises_and_gives_ascii(text: str) -> None:
    assert romanise_khmer(text).isascii()


# --------------------------------------------------------------------------------------
# Measurement: our key against metaphone-family encoders on the same tables.
# --------------------------------------------------------------------------------------


def _encoders() -> dict[str, Callable[[str], str]]:
    encoders: dict[str, Callable[[str], str]] = {"romanisation key": _key}
    try:
        from doublemetaphone import doublemetaphone

        encoders["double metaphone"] = lambda name: "".join(
            doublemetaphone(word)[0] for word in name.split()
        )
    except ImportError:
        pass
    try:
        import jellyfish

        encoders["metaphone"] = lambda name: "".join(
            jellyfish.metaphone(word) for word in name.split()
        )
        encoders["soundex"] = lambda name: "".join(jellyfish.soundex(word) for word in name.split())
    except ImportError:
        pass
    return encoders


def measurement() -> dict[str, tuple[int, int]]:
    """(variant pairs grouped, distinct pairs kept apart) for each encoder (Latin only)."""
    results: dict[str, tuple[int, int]] = {}
    for label, encode in _encoders().items():
        grouped = sum(encode(a) == encode(b) for a, b in SAME_NAME)
        apart = sum(encode(a) != encode(b) for a, b in DIFFERENT_NAMES)
        results[label] = (grouped, apart)
    return results


def measurement_table() -> str:
    lines = [
        f"{'encoder':<18} variants grouped (of {len(SAME_NAME)})"
        f"  distinct kept apart (of {len(DIFFERENT_NAMES)})"
    ]
    for label, (grouped, apart) in measurement().items():
        lines.append(f"{label:<18} {grouped:>27}  {apart:>31}")
    return "\n".join(lines)


def test_key_beats_phonetic_encoders() -> None:
    results = measurement()
    ours_grouped, ours_apart = results["romanisation key"]
    assert ours_grouped == len(SAME_NAME)
    assert ours_apart == len(DIFFERENT_NAMES)
    for label, (grouped, apart) in results.items():
        assert grouped + apart <= ours_grouped + ours_apart, label


if __name__ == "__main__":
    print(measurement_table())
