"""The builder of the demo world: seeded random streams, people and cases, the phases in order.

:class:`WorldBuilder` holds the year's random stream and what is drawn so far; its phases
(:mod:`tipdata.demo.world_victims`, :mod:`~tipdata.demo.world_courts`,
:mod:`~tipdata.demo.world_shelters`) are functions of it, run in a fixed order by
:meth:`WorldBuilder.build`. The world itself (people, cases, counts) is :mod:`tipdata.demo.world`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from tipdata.demo.geography import Province, draw_home_province, province_by_code
from tipdata.demo.names import Ethnicity, Sex, draw_name
from tipdata.demo.world import (
    DOMESTIC_DESTINATIONS,
    Counts,
    Exploitation,
    TrueCase,
    TruePerson,
    World,
)
from tipdata.demo.world_courts import draw_court_cases, foreign_child_sex_arrests
from tipdata.demo.world_shelters import network_shelter_intakes, place_in_shelters
from tipdata.demo.world_victims import (
    malaysia_migrant_victims,
    moi_labour_cases,
    police_sex_victims,
    thai_returnee_victims,
    vietnam_returnees,
)


class WorldBuilder:
    """Draws the true people and cases of one year from seeded random streams."""

    moi_suspect_split: list[int]
    """Suspects of each MOI labour case, drawn with the sex cases' (the victims phase)."""
    moi_number_of_case: Callable[[], str]
    """The next MOI case number, shared by the sex and labour cases (the victims phase)."""

    def __init__(self, year: int, scale: float, seed: int) -> None:
        self.year = year
        self.scale = scale
        self.n = Counts(scale)
        self.rng = random.Random(f"tipdata-demo:{seed}:world")
        self.seed = seed
        self._person_seq = 0
        self._case_seq = 0
        self.persons: list[TruePerson] = []
        self.cases: list[TrueCase] = []
        self.year_start = date(year, 1, 1)
        self.year_end = date(year, 12, 31)

    # -- people -----------------------------------------------------------------

    def next_person_id(self) -> str:
        """The next true person id."""
        self._person_seq += 1
        return f"TP{self._person_seq:07d}"

    def person(
        self,
        group: str,
        *,
        sex: Sex,
        age_range: tuple[int, int],
        at: date,
        ethnicity: Ethnicity = "khmer",
        home: Province | None = None,
        keep: bool = True,
    ) -> TruePerson:
        """Draw one true person of an age at a date."""
        rng = self.rng
        age = rng.randint(*age_range)
        birth = at - timedelta(days=365 * age + rng.randrange(365))
        nationality = {
            "khmer": "KHM",
            "vietnamese": rng.choice(("VNM", "KHM", "")),
            "thai": "THA",
            "chinese": "CHN",
            "foreign": rng.choice(("FRA", "DEU", "USA", "GBR")),
        }[ethnicity]
        person = TruePerson(
            person_id=self.next_person_id(),
            name=draw_name(rng, sex, ethnicity),
            sex=sex,
            birth_date=birth,
            nationality=nationality,
            home=home or draw_home_province(rng, self.year),
            group=group,
        )
        if keep:
            self.persons.append(person)
        return person

    def victim(
        self,
        group: str,
        exploitation: Exploitation,
        at: date,
        *,
        sex: Sex | None = None,
        ethnicity: Ethnicity | None = None,
    ) -> TruePerson:
        """Draw a trafficking victim with the age and sex profile of an exploitation type."""
        rng = self.rng
        if exploitation == "sexual_exploitation":
            chosen_sex: Sex = sex or ("F" if rng.random() < 0.97 else "M")
            ages = (12, 17) if rng.random() < 0.4 else (18, 30)
            eth = ethnicity or ("vietnamese" if rng.random() < 0.18 else "khmer")
        elif exploitation == "begging":
            chosen_sex = sex or ("F" if rng.random() < 0.5 else "M")
            ages = (6, 15)
            eth = ethnicity or "khmer"
        elif exploitation == "domestic_servitude":
            chosen_sex = sex or "F"
            ages = (16, 35)
            eth = ethnicity or "khmer"
        else:
            chosen_sex = sex or ("M" if rng.random() < 0.7 else "F")
            ages = (15, 17) if rng.random() < 0.15 else (18, 45)
            eth = ethnicity or "khmer"
        person = self.person(group, sex=chosen_sex, age_range=ages, at=at, ethnicity=eth)
        person.is_victim = True
        person.exploitation = exploitation
        return person

    def suspect(self, group: str, at: date) -> TruePerson:
        """Draw a suspect: mostly Khmer adults, some Vietnamese, Thai or Chinese."""
        rng = self.rng
        eth: Ethnicity = rng.choices(
            ("khmer", "vietnamese", "thai", "chinese"), weights=(78, 12, 5, 5), k=1
        )[0]
        sex: Sex = "F" if rng.random() < 0.45 else "M"
        person = self.person(group, sex=sex, age_range=(20, 60), at=at, ethnicity=eth)
        person.is_suspect = True
        return person

    def new_case(
        self, exploitation: Exploitation, province: Province, destination: str
    ) -> TrueCase:
        """Open a new true case."""
        self._case_seq += 1
        case = TrueCase(f"TC{self._case_seq:05d}", exploitation, province, destination)
        self.cases.append(case)
        return case

    def domestic_place(self) -> tuple[Province, str]:
        """A domestic place of exploitation and its destination label."""
        code, label, _ = self.rng.choices(
            DOMESTIC_DESTINATIONS, weights=[w for *_, w in DOMESTIC_DESTINATIONS], k=1
        )[0]
        return province_by_code(code, self.year), label

    # -- pathways ---------------------------------------------------------------

    def build(self) -> World:
        """Build the whole world of the year."""
        police_sex = police_sex_victims(self)
        moi_labour = moi_labour_cases(self)
        thai = thai_returnee_victims(self)
        vietnam = vietnam_returnees(self)
        malaysia = malaysia_migrant_victims(self)
        draw_court_cases(self, police_sex, thai + [p for p in vietnam if p.is_victim])
        non_tip = place_in_shelters(self, police_sex, moi_labour, thai, malaysia)
        # Later habits draw from their own stream, so the people above stay as they were.
        self.rng = random.Random(f"tipdata-demo:{self.seed}:world-habits")
        foreign_child_sex_arrests(self)
        network_shelter_intakes(self)
        return World(
            year=self.year,
            scale=self.scale,
            persons=self.persons,
            cases=self.cases,
            thai_returnee_victims=thai,
            vietnam_returnees=vietnam,
            malaysia_migrant_victims=malaysia,
            non_tip_shelter_clients=non_tip,
        )


def build_world(year: int, scale: float, seed: int) -> World:
    """Build the true world of one reporting year.

    Args:
        year: the reporting year.
        scale: multiplier on every volume (1.0 = the 2008 report's figures).
        seed: the random seed; the same seed gives the same world.

    Returns:
        The world: its people, cases and court outcomes.
    """
    return WorldBuilder(year, scale, seed).build()
