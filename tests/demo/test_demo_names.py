"""Name rendering habits."""

from __future__ import annotations

import random

from tipdata.demo.names import KHMER_FAMILY, KHMER_GIVEN_F, TrueName, spell, typo, write_name


def test_canonical_spelling_without_variants() -> None:
    part = KHMER_GIVEN_F[0]
    assert spell(part, random.Random(1), variant_rate=0.0) == "Sokha"


def test_variants_come_from_the_part_or_generic_habits() -> None:
    rng = random.Random(2)
    seen = {spell(KHMER_GIVEN_F[0], rng, variant_rate=1.0) for _ in range(200)}
    assert {"Sokhar", "Sokhaa"} <= seen
    assert "Sokha" not in seen


def test_typo_changes_one_letter_position() -> None:
    text = typo("Chanthy", random.Random(3))
    assert text != "Chanthy" or len(text) == 7
    assert abs(len(text) - 7) <= 1


def test_khmer_script_name_family_first() -> None:
    name = TrueName(KHMER_FAMILY[0], KHMER_GIVEN_F[0], "khmer")
    assert name.khmer == "សុខ សុខា"
    written = write_name(name, random.Random(4), variant_rate=0.0, typo_rate=0.0, khmer_rate=1.0)
    assert written.khmer == "សុខ សុខា"
    assert written.family_first() == "Sok Sokha"
