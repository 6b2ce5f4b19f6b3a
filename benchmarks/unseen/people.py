"""The true people of an unseen set: names, sex, birth dates, nationality, home province.

A :class:`Population` draws people from the name lists of :mod:`benchmarks.unseen.habits`
with their skew; a share of new people deliberately take the name of someone already
drawn (different birth date and province): common names shared by different people,
which a linkage must keep apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from benchmarks.unseen import habits
from benchmarks.unseen.clerk import TrueName, pick


@dataclass
class Person:
    """One true person and what the set knows about them."""

    pid: str
    name: TrueName
    female: bool
    birth: date
    nationality: str  # KHM or VNM
    province: str  # home province code
    kind: str  # victim, suspect, worker, recruiter, irregular
    notes: dict[str, str] = field(default_factory=dict)

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        return (
            day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))
        )


@dataclass
class Population:
    """People drawn one by one from a seeded generator."""

    rng: random.Random
    prefix: str
    homonym_share: float = 0.03
    people: list[Person] = field(default_factory=list)

    def _name(self, *, female: bool, vietnamese: bool) -> TrueName:
        rng = self.rng
        same_sex = [
            p for p in self.people if p.female == female and p.name.vietnamese == vietnamese
        ]
        if same_sex and rng.random() < self.homonym_share:
            return rng.choice(same_sex).name
        if vietnamese:
            return TrueName(
                family=pick(rng, habits.VIETNAMESE_FAMILY),
                middle=pick(
                    rng,
                    habits.VIETNAMESE_MIDDLE_FEMALE if female else habits.VIETNAMESE_MIDDLE_MALE,
                ),
                given=pick(
                    rng, habits.VIETNAMESE_GIVEN_FEMALE if female else habits.VIETNAMESE_GIVEN_MALE
                ),
                vietnamese=True,
            )
        return TrueName(
            family=pick(rng, habits.KHMER_FAMILY),
            given=pick(rng, habits.KHMER_GIVEN_FEMALE if female else habits.KHMER_GIVEN_MALE),
        )

    def add(
        self,
        kind: str,
        *,
        female: bool,
        age_on: tuple[int, int],
        at: date,
        vietnamese: bool = False,
        provinces: dict[str, float] | None = None,
    ) -> Person:
        """A new person of ``kind`` aged between ``age_on`` (inclusive) on ``at``."""
        rng = self.rng
        age = rng.randint(*age_on)
        birth = at - timedelta(days=int(age * 365.25) + rng.randrange(365))
        weights = provinces or {code: w for code, (w, _) in habits.PROVINCES.items()}
        person = Person(
            pid=f"{self.prefix}{len(self.people) + 1:05d}",
            name=self._name(female=female, vietnamese=vietnamese),
            female=female,
            birth=birth,
            nationality="VNM" if vietnamese else "KHM",
            province=pick(rng, weights),
            kind=kind,
        )
        self.people.append(person)
        return person
