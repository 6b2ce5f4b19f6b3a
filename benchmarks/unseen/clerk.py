"""A clerk writing a person's name and age into a register, with that register's habits.

Every register of the unseen sets has a :class:`Habits` profile (how often its clerks
re-romanise a Khmer word, mistype, join or split words, swap the name order, add a
title or a nickname, abbreviate or drop a Vietnamese middle name, misjudge an age).
:class:`Clerk` applies the rules of :mod:`benchmarks.unseen.habits` with those
probabilities, from its own seeded random generator, so a set is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TypeVar

from benchmarks.unseen import habits

K = TypeVar("K")


def pick(rng: random.Random, weighted: dict[K, float]) -> K:
    """One key of ``weighted``, drawn with its weight."""
    keys = list(weighted)
    return rng.choices(keys, weights=[weighted[k] for k in keys], k=1)[0]


@dataclass(frozen=True)
class TrueName:
    """A person's name as they would spell it themselves."""

    family: str
    given: str  # may hold two words, e.g. "Srey Mom"
    middle: str = ""  # Vietnamese middle name
    vietnamese: bool = False

    def plain(self) -> str:
        """Family, middle and given name in the person's own order."""
        return " ".join(part for part in (self.family, self.middle, self.given) if part)


@dataclass(frozen=True)
class Habits:
    """How often one register's clerks do each thing (probabilities per record)."""

    romanise: float = 0.15  # per Khmer word: another romanisation
    typo: float = 0.04  # per name: one typing / reading error
    join_given: float = 0.3  # "Srey Mom" -> "Sreymom"
    split_given: float = 0.1  # "Sokny" -> "Sok Ny"
    join_all: float = 0.0  # "Sim Sokny" -> "SimSokny"
    swap: float = 0.05  # given name written first
    title: float = 0.0
    nickname: float = 0.0
    vn_abbreviate: float = 0.1  # "Thi" -> "T."
    vn_drop_middle: float = 0.1
    diacritics: float = 0.0
    upper: bool = False
    age_error: float = 0.2  # an age (or birth year) one year off
    age_error_2: float = 0.05  # two years off


class Clerk:
    """Writes names and ages as a register with :class:`Habits` does."""

    def __init__(self, rng: random.Random, way: Habits) -> None:
        self.rng = rng
        self.way = way

    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def romanise(self, word: str) -> str:
        """The word written with one romanisation rule that applies (or unchanged)."""
        lower = word.lower()
        usable: list[tuple[str, str, str, float]] = []
        for pattern, replacement, where, weight, both in habits.ROMANISATION_RULES:
            for old, new in [(pattern, replacement)] + ([(replacement, pattern)] if both else []):
                if (
                    (where == "start" and lower.startswith(old))
                    or (where == "end" and lower.endswith(old) and len(lower) > len(old))
                    or (where == "any" and old in lower[1:] and new not in lower)
                ):
                    usable.append((old, new, where, weight))
        if not usable:
            return word
        old, new, where, _ = usable[self.rng.choices(range(len(usable)), [u[3] for u in usable])[0]]
        if where == "start":
            changed = new + lower[len(old) :]
        elif where == "end":
            changed = lower[: len(lower) - len(old)] + new
        else:
            at = lower.find(old, 1)
            changed = lower[:at] + new + lower[at + len(old) :]
        return changed[:1].upper() + changed[1:]

    def typo(self, word: str) -> str:
        """The word with one typing or reading error."""
        if len(word) < 3:
            return word
        kind = pick(self.rng, habits.TYPO_KINDS)
        i = self.rng.randrange(1, len(word) - 1)
        if kind == "transpose":
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if kind == "drop":
            return word[:i] + word[i + 1 :]
        if kind == "double":
            return word[:i] + word[i] + word[i:]
        if kind == "neighbour":
            near = habits.KEYBOARD_NEIGHBOURS.get(word[i].lower())
            return word[:i] + self.rng.choice(near) + word[i + 1 :] if near else word
        usable = [(a, b) for a, b in habits.OCR_CONFUSIONS if a in word[1:]]
        if not usable:
            return word
        a, b = self.rng.choice(usable)
        at = word.find(a, 1)
        return word[:at] + b + word[at + len(a) :]

    def words(self, name: TrueName) -> tuple[list[str], list[str]]:
        """(family words, given words) as this clerk writes them (before layout)."""
        way = self.way
        family = [name.family]
        given = name.given.split()
        if name.vietnamese:
            middle = [name.middle] if name.middle else []
            if middle and self._chance(way.vn_drop_middle):
                middle = []
            elif middle and self._chance(way.vn_abbreviate):
                middle = [middle[0][0] + "."]
            given = middle + given
            if self._chance(way.diacritics):
                family = [habits.VIETNAMESE_DIACRITICS.get(w, w) for w in family]
                given = [habits.VIETNAMESE_DIACRITICS.get(w, w) for w in given]
        else:
            family = [self.romanise(w) if self._chance(way.romanise) else w for w in family]
            given = [self.romanise(w) if self._chance(way.romanise) else w for w in given]
            if len(given) == 2 and self._chance(way.join_given):
                given = [given[0] + given[1].lower()]
            elif len(given) == 1 and len(given[0]) >= 5 and self._chance(way.split_given):
                cut = 3 if given[0][2] not in "aeiouy" else 4
                given = [given[0][:cut], given[0][cut:].capitalize()]
        if self._chance(way.typo):
            parts = family + given
            at = self.rng.randrange(len(parts))
            parts[at] = self.typo(parts[at])
            family, given = parts[: len(family)], parts[len(family) :]
        return family, given

    def full_name(self, name: TrueName, *, female: bool) -> str:
        """The whole name in one cell."""
        way = self.way
        family, given = self.words(name)
        if self._chance(way.join_all) and not name.vietnamese:
            text = family[0] + "".join(given)
        elif self._chance(way.swap):
            text = " ".join(given + family)
        else:
            text = " ".join(family + given)
        if self._chance(way.nickname) and not name.vietnamese:
            prefixes = habits.NICKNAME_PREFIXES_FEMALE if female else habits.NICKNAME_PREFIXES_MALE
            last = name.given.split()[-1]
            text = f"{text} ({pick(self.rng, prefixes)} {last})"
        if self._chance(way.title):
            text = (
                f"{pick(self.rng, habits.TITLES_FEMALE if female else habits.TITLES_MALE)} {text}"
            )
        return text.upper() if way.upper else text

    def split_name(self, name: TrueName) -> tuple[str, str]:
        """(family name, given name) for a register with two name columns."""
        family, given = self.words(name)
        if self._chance(self.way.swap):
            family, given = given[-1:], given[:-1] + family
        pair = (" ".join(family), " ".join(given))
        return (pair[0].upper(), pair[1].upper()) if self.way.upper else pair

    def age(self, true_age: int) -> int:
        """An age as estimated or told: sometimes one or two years off."""
        if self._chance(self.way.age_error_2):
            return max(0, true_age + self.rng.choice((-2, 2)))
        if self._chance(self.way.age_error):
            return max(0, true_age + self.rng.choice((-1, 1)))
        return true_age

    def year_off(self) -> int:
        """How far off a birth year is written: -2 to 2, mostly 0."""
        if self._chance(self.way.age_error_2):
            return self.rng.choice((-2, 2))
        if self._chance(self.way.age_error):
            return self.rng.choice((-1, 1))
        return 0

    def age_text(self, age: int) -> str:
        """An age as typed in a shelter file: "12y", "14 yrs", "approx 15", "16"."""
        return pick(self.rng, habits.AGE_WITH_UNITS).format(age)
