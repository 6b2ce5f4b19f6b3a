"""The true world of one reporting year: people, cases, pathways and court outcomes.

Only the people who appear in more than one agency's records (victims, suspects and
the few migrants who later become victims) are held in memory. The mass of
returnees screened at Poipet who are not victims, and the ordinary labour migrants,
are drawn while their files are written (see :mod:`tipdata.demo.agencies.iom`
and :mod:`tipdata.demo.agencies.molvt`).

Volumes come from ``targets.yaml`` (the 2009 embassy report's 2008 figures) and
scale linearly with ``scale``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from tipdata.codelists import load_law_catalogue
from tipdata.demo.geography import Province, draw_home_province, province_by_code
from tipdata.demo.names import Ethnicity, Sex, TrueName, draw_name

if TYPE_CHECKING:
    from tipdata.demo.agencies.labour import LabourMigration

Exploitation = Literal[
    "sexual_exploitation", "forced_labour", "begging", "domestic_servitude", "forced_marriage"
]
Verdict = Literal["convicted", "acquitted", "dismissed"]
OffenceGroup = Literal["trafficking", "cross_border_transfer", "child_sexual_abuse"]

INDICATORS: tuple[str, ...] = (
    "deceived_recruitment",
    "debt_bondage",
    "documents_confiscated",
    "movement_restricted",
    "wages_withheld",
    "threats",
    "minor_in_commercial_sex",
)

# Law on Suppression of Human Trafficking and Sexual Exploitation (2008): the articles the
# demo uses and the base prison range in months. The law catalogue decides where it knows
# the article's penalties (the aggravated range for minor victims included); these ranges
# stand in only for articles whose penalty the catalogue does not know (Arts 11, 12).
ARTICLE_RANGES: dict[int, tuple[int, int]] = {
    10: (24, 60),  # unlawful removal
    11: (84, 180),  # unlawful removal for cross-border transfer
    12: (84, 180),  # unlawful removal with purpose
    15: (84, 180),  # selling, buying or exchanging a person with purpose
    17: (84, 180),  # unlawful recruitment for exploitation
    34: (24, 60),  # purchase of child prostitution
    42: (60, 120),  # sexual intercourse with a minor under 15
    43: (12, 36),  # indecent act against a minor under 15
}


LAW_CODE = "lshtse-2008"
RECORDED_AGE_SLIP = 1
"""A court clerk writes a victim's age at most this many years off (``written_age``)."""
OFFENCE_LAG_YEARS = 1
"""The offence precedes the verdict by up to a year, so the victim may then have been younger."""


def _hull(article: int, ages: Sequence[int | None]) -> tuple[int, int] | None:
    """The widest range the catalogue sets under ``article`` for any of ``ages``."""
    catalogue = load_law_catalogue()
    ranges = [
        (p.min_months, p.max_months)
        for age in ages
        if (p := catalogue.penalty_for(LAW_CODE, article, victim_age=age)) is not None
        and p.min_months is not None
        and p.max_months is not None
    ]
    if not ranges:
        return None
    return min(low for low, _ in ranges), max(high for _, high in ranges)


def sentence_range(article: int, youngest_victim_age: int | None) -> tuple[int, int]:
    """The prison months a court imposes under ``article``, lawful under the law catalogue.

    The youngest victim's age at the verdict decides: a minor at the offence brings the
    aggravated range (Art 15: 15-20 years). The offence may precede the verdict by up to
    ``OFFENCE_LAG_YEARS`` and the clerk may write the age ``RECORDED_AGE_SLIP`` years off,
    so the range is narrowed to what is lawful for every age the court file may show (a
    victim of 18 at the verdict, perhaps 17 at the offence, gets exactly 15 years): a
    clean sentence is then never below or above the range the checks apply.

    Args:
        article: the article convicted under.
        youngest_victim_age: true age at the verdict of the youngest victim; None when
            the case has no victim on file.

    Returns:
        ``(low, high)`` in months, inclusive.
    """
    fallback = ARTICLE_RANGES[article]
    if youngest_victim_age is None:
        return _hull(article, [None]) or fallback
    true_range = _hull(
        article, [youngest_victim_age, max(youngest_victim_age - OFFENCE_LAG_YEARS, 0)]
    )
    if true_range is None:
        return fallback
    low, high = true_range
    for slip in range(-RECORDED_AGE_SLIP, RECORDED_AGE_SLIP + 1):
        recorded = max(youngest_victim_age + slip, 0)
        seen = _hull(article, [recorded, max(recorded - OFFENCE_LAG_YEARS, 0)])
        if seen is not None:
            low, high = max(low, seen[0]), min(high, seen[1])
    return (low, high) if low <= high else true_range


@dataclass(slots=True)
class Shelter:
    """One stay at an NGO shelter."""

    agency: str
    intake_date: date
    referred_by: str
    exit_date: date | None = None
    exit_to: str = "family"


@dataclass(slots=True)
class TruePerson:
    """A person as they truly are, with every step of their pathway in the year."""

    person_id: str
    name: TrueName
    sex: Sex
    birth_date: date
    nationality: str
    home: Province
    group: str
    is_victim: bool = False
    is_suspect: bool = False
    exploitation: Exploitation | None = None
    destination: str = ""
    case_id: str = ""
    rescue_date: date | None = None
    rescue_province: Province | None = None
    returned_from: str = ""
    screening_date: date | None = None
    determination: str = ""
    indicators: dict[str, bool] = field(default_factory=dict)
    mosavy_date: date | None = None
    mosavy_source: str = ""
    shelters: list[Shelter] = field(default_factory=list)
    moi_case_no: str = ""
    arrest_date: date | None = None
    departure: tuple[str, str, date] | None = None
    """(company licence, destination, departure date) of a licensed migrant worker."""
    passport: str = ""
    anomalies: list[str] = field(default_factory=list)

    @property
    def ethnicity(self) -> Ethnicity:
        """The ethnicity the person's name comes from."""
        return self.name.ethnicity

    def age_at(self, when: date) -> int:
        """Age in completed years at a date."""
        before_birthday = (when.month, when.day) < (self.birth_date.month, self.birth_date.day)
        return when.year - self.birth_date.year - int(before_birthday)


@dataclass(slots=True)
class TrueCharge:
    """One charge against one defendant in one court case, with its outcome."""

    defendant: TruePerson
    article_charged: int
    article_convicted: int | None
    verdict: Verdict
    sentence_months: int = 0
    suspended_months: int = 0
    fine_riel: int = 0
    compensation_riel: int = 0
    appealed: bool = False
    anomaly: str = ""


@dataclass(slots=True)
class CourtCase:
    """A case decided by a court in the year."""

    court_code: str
    court_name: str
    case_no: str
    verdict_date: date
    offence_group: OffenceGroup
    charges: list[TrueCharge] = field(default_factory=list)


@dataclass(slots=True)
class TrueCase:
    """A true case: the victims and suspects of one trafficking operation."""

    case_id: str
    exploitation: Exploitation
    province: Province
    destination: str
    victims: list[TruePerson] = field(default_factory=list)
    suspects: list[TruePerson] = field(default_factory=list)
    arrest_date: date | None = None
    moi_case_no: str = ""
    court: CourtCase | None = None


@dataclass(slots=True)
class World:
    """All true people and cases of the year that more than one agency sees."""

    year: int
    scale: float
    persons: list[TruePerson]
    cases: list[TrueCase]
    thai_returnee_victims: list[TruePerson]
    vietnam_returnees: list[TruePerson]
    malaysia_migrant_victims: list[TruePerson]
    non_tip_shelter_clients: dict[str, list[TruePerson]]
    labour: LabourMigration | None = None
    """Licensed workers followed past their departure (:mod:`tipdata.demo.agencies.labour`)."""


# The counts the world is built from, at scale 1.0 (see targets.yaml for sources).
BASE_COUNTS: dict[str, float] = {
    "police_sex_referred_apr_dec": 407,
    "police_sex_referred_jan_mar": 136,
    "moi_sex_cases": 9,
    "moi_labour_cases": 12,
    "moi_sex_victims": 20,
    "moi_labour_victims": 62,
    "moi_suspects": 30,
    "moi_rescued_total": 137,
    "iom_thailand_returnees": 132_795,
    "iom_thailand_victims": 112,
    "iom_thailand_possible": 150,
    "mosavy_thailand_sex": 9,
    "mosavy_thailand_labour": 71,
    "iom_vietnam_returnees": 683,
    "iom_vietnam_victims": 160,
    "mosavy_vietnam_labour": 486,
    "ppmc_trafficking_convicted": 14,
    "ppmc_trafficking_acquitted": 3,
    "ppmc_child_abuse_convicted": 4,
    "provincial_tip_convicted": 7,
    "provincial_tip_acquitted": 2,
    "cross_border_convicted": 40,
    "cross_border_acquitted": 4,
    "cwcc_tip": 204,
    "cwcc_cross_border": 13,
    "cwcc_non_tip": 60,
    "afesip_tip": 149,
    "afesip_residents": 302,
    "whi_tip": 84,
    "whi_non_tip": 16,
    "hcc_labour": 143,
    "hcc_sex": 13,
    "molvt_malaysia": 13_000,
    "molvt_thailand": 6_000,
    "molvt_south_korea": 3_000,
    # Habits added for issue 14 (drawn from a random stream of their own, after the rest):
    "srp_foreign_child_sex_arrests": 7,
    "network_shelter_intakes": 160,
}

NETWORK_SHELTERS: tuple[str, ...] = ("HAGAR", "SSC", "FI", "WVC")
"""Shelters of the NGO network whose joint intake file names the shelter on each row."""

DOMESTIC_DESTINATIONS: tuple[tuple[str, str, float], ...] = (
    ("12", "Phnom Penh", 45.0),
    ("17", "Siem Reap", 15.0),
    ("18", "Preah Sihanouk", 10.0),
    ("09", "Koh Kong", 6.0),
    ("01", "Banteay Meanchey", 8.0),
    ("02", "Battambang", 6.0),
    ("03", "Kampong Cham", 4.0),
    ("08", "Kandal", 6.0),
)
PROVINCIAL_COURTS: tuple[str, ...] = ("01", "02", "09", "17", "18", "20", "21", "14", "22", "03")
CROSS_BORDER_COURTS: tuple[str, ...] = ("01", "02", "20", "21", "14", "22", "24")


class Counts:
    """Base counts scaled to the run, rounded half-up, never negative."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def __call__(self, key: str) -> int:
        """The scaled count for a key of ``BASE_COUNTS``."""
        return max(0, int(BASE_COUNTS[key] * self.scale + 0.5))

    def at_least_one(self, base: float) -> int:
        """A scaled count of anomalies or rare cases: at least one."""
        return max(1, int(base * self.scale + 0.5))


def split_total(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` positive integers (zeros when total < parts)."""
    if parts <= 0:
        return []
    if total < parts:
        return [1] * total + [0] * (parts - total)
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(parts)]


def random_date(rng: random.Random, start: date, end: date) -> date:
    """A uniformly drawn date between start and end inclusive."""
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class WorldBuilder:
    """Draws the true people and cases of one year from seeded random streams."""

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
        police_sex = self._police_sex_victims()
        moi_labour = self._moi_labour_cases()
        thai = self._thai_returnee_victims()
        vietnam = self._vietnam_returnees()
        malaysia = self._malaysia_migrant_victims()
        self._court_cases(police_sex, thai + [p for p in vietnam if p.is_victim])
        non_tip = self._shelters(police_sex, moi_labour, thai, malaysia)
        # Later habits draw from their own stream, so the people above stay as they were.
        self.rng = random.Random(f"tipdata-demo:{self.seed}:world-habits")
        self._foreign_child_sex_arrests()
        self._network_shelter_intakes()
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

    def _police_sex_victims(self) -> list[TruePerson]:
        """Sex-trafficking victims rescued by police and referred to MOSAVY."""
        n, rng = self.n, self.rng
        april = date(self.year, 4, 1)
        victims: list[TruePerson] = []
        moi_seq = 0

        def moi_number() -> str:
            nonlocal moi_seq
            moi_seq += 1
            return f"MOI-{self.year}-{moi_seq:04d}"

        # MOI arrest cases (sex), then MOI rescue-only raids, both April to December.
        sex_cases = n("moi_sex_cases")
        labour_cases = n("moi_labour_cases")
        suspects_per_case = split_total(n("moi_suspects"), sex_cases + labour_cases, rng)
        self._moi_suspect_split = suspects_per_case[sex_cases:]
        self._moi_number = moi_number
        victim_split = split_total(n("moi_sex_victims"), sex_cases, rng)
        rescue_only_total = n("moi_rescued_total") - n("moi_sex_victims") - n("moi_labour_victims")
        rescue_only_split = split_total(rescue_only_total, max(1, rescue_only_total // 4), rng)
        plans = [(v, s, True) for v, s in zip(victim_split, suspects_per_case, strict=False)]
        plans += [(v, 0, False) for v in rescue_only_split]
        for n_victims, n_suspects, arrested in plans:
            if n_victims == 0:
                continue
            province, label = self.domestic_place()
            case = self.new_case("sexual_exploitation", province, label)
            case.moi_case_no = moi_number()
            rescue = random_date(rng, april, date(self.year, 12, 20))
            for _ in range(max(n_suspects, 1 if arrested else 0)):
                suspect = self.suspect("moi_suspect", rescue)
                suspect.arrest_date = rescue
                suspect.case_id = case.case_id
                suspect.moi_case_no = case.moi_case_no
                case.suspects.append(suspect)
            case.arrest_date = rescue if case.suspects else None
            for _ in range(n_victims):
                victim = self.victim("police_rescue_moi", "sexual_exploitation", rescue)
                self._rescue(victim, case, rescue, province, label)
                victim.moi_case_no = case.moi_case_no
                victims.append(victim)

        # Provincial police raids not in the central MOI register.
        moi_sex = len(victims)
        remaining = [
            (n("police_sex_referred_apr_dec") - moi_sex, april, date(self.year, 12, 31)),
            (n("police_sex_referred_jan_mar"), self.year_start, date(self.year, 3, 31)),
        ]
        for total, start, end in remaining:
            left = total
            while left > 0:
                size = min(left, rng.choice((1, 1, 2, 2, 3, 4, 5, 6)))
                left -= size
                province, label = self.domestic_place()
                case = self.new_case("sexual_exploitation", province, label)
                referral = random_date(rng, start, end)
                rescue = max(self.year_start, referral - timedelta(days=rng.randint(0, 2)))
                if rng.random() < 0.4:
                    for _ in range(rng.choice((1, 1, 2))):
                        suspect = self.suspect("provincial_suspect", rescue)
                        suspect.arrest_date = rescue
                        suspect.case_id = case.case_id
                        case.suspects.append(suspect)
                    case.arrest_date = rescue
                for _ in range(size):
                    victim = self.victim("police_rescue_provincial", "sexual_exploitation", rescue)
                    self._rescue(victim, case, rescue, province, label)
                    victim.mosavy_date = referral
                    victims.append(victim)
        return victims

    def _rescue(
        self, victim: TruePerson, case: TrueCase, rescue: date, province: Province, label: str
    ) -> None:
        victim.rescue_date = rescue
        victim.rescue_province = province
        victim.destination = label
        victim.case_id = case.case_id
        victim.mosavy_source = "police"
        victim.mosavy_date = min(self.year_end, rescue + timedelta(days=self.rng.randint(0, 2)))
        case.victims.append(victim)

    def _moi_labour_cases(self) -> list[TruePerson]:
        """MOI labour-trafficking arrest cases (April to December) and their victims."""
        n, rng = self.n, self.rng
        victims: list[TruePerson] = []
        splits = split_total(n("moi_labour_victims"), n("moi_labour_cases"), rng)
        not_referred = self.n.at_least_one(3)
        for n_victims, n_suspects in zip(splits, self._moi_suspect_split, strict=False):
            if n_victims == 0:
                continue
            if rng.random() < 0.5:
                province, label = province_by_code("09", self.year), "Koh Kong"
                exploitation: Exploitation = "forced_labour"
            else:
                label = rng.choice(("Thailand", "Malaysia", "Thailand"))
                province = draw_home_province(rng, self.year)
                exploitation = rng.choice(("forced_labour", "forced_labour", "domestic_servitude"))
            case = self.new_case(exploitation, province, label)
            case.moi_case_no = self._moi_number()
            arrest = random_date(rng, date(self.year, 4, 1), date(self.year, 12, 20))
            case.arrest_date = arrest
            for _ in range(max(1, n_suspects)):
                suspect = self.suspect("moi_suspect", arrest)
                suspect.arrest_date = arrest
                suspect.case_id = case.case_id
                suspect.moi_case_no = case.moi_case_no
                case.suspects.append(suspect)
            for _ in range(n_victims):
                victim = self.victim("police_rescue_moi", exploitation, arrest)
                self._rescue(victim, case, arrest, province, label)
                victim.moi_case_no = case.moi_case_no
                if not_referred > 0 and rng.random() < 0.2:
                    not_referred -= 1
                    victim.mosavy_date = None
                    victim.mosavy_source = ""
                    victim.anomalies.append("identified_not_referred")
                victims.append(victim)
        return victims

    def _screen(self, person: TruePerson, country: str, when: date, determination: str) -> None:
        rng = self.rng
        person.returned_from = country
        person.screening_date = when
        person.determination = determination
        strength = {"victim": 0.75, "possible victim": 0.45, "not victim": 0.04}[determination]
        answers = {name: rng.random() < strength for name in INDICATORS}
        minor_sex = person.exploitation == "sexual_exploitation" and person.age_at(when) < 18
        answers["minor_in_commercial_sex"] = minor_sex
        if determination != "not victim" and not any(answers.values()):
            answers["deceived_recruitment"] = True
        person.indicators = answers

    def _thai_returnee_victims(self) -> list[TruePerson]:
        """Victims (and possible victims) among the returnees from Thailand at Poipet."""
        n, rng = self.n, self.rng
        poipet = province_by_code("01", self.year)
        people: list[TruePerson] = []
        victims = n("iom_thailand_victims")
        sex_referred = n("mosavy_thailand_sex")
        labour_referred = n("mosavy_thailand_labour")
        for index in range(victims + n("iom_thailand_possible")):
            is_confirmed = index < victims
            if index < sex_referred:
                exploitation: Exploitation = "sexual_exploitation"
            elif index < sex_referred + labour_referred:
                exploitation = rng.choice(("forced_labour", "begging", "forced_labour"))
            else:
                exploitation = rng.choice(("begging", "forced_labour", "sexual_exploitation"))
            when = random_date(rng, self.year_start, self.year_end)
            person = self.victim("iom_thailand", exploitation, when)
            person.destination = "Thailand"
            person.rescue_province = poipet
            self._screen(person, "Thailand", when, "victim" if is_confirmed else "possible victim")
            if not is_confirmed:
                person.is_victim = rng.random() < 0.5
                if not person.is_victim:
                    person.exploitation = None
            if index < sex_referred + labour_referred:
                person.mosavy_source = "iom_thailand"
                person.mosavy_date = min(self.year_end, when + timedelta(days=rng.randint(0, 3)))
            people.append(person)
        return people

    def _vietnam_returnees(self) -> list[TruePerson]:
        """All returnees from Vietnam: victims, possible victims (MOSAVY counts both), others."""
        n, rng = self.n, self.rng
        bavet = province_by_code("20", self.year)
        people: list[TruePerson] = []
        victims = n("iom_vietnam_victims")
        to_mosavy = n("mosavy_vietnam_labour")
        for index in range(n("iom_vietnam_returnees")):
            when = random_date(rng, self.year_start, self.year_end)
            if index < to_mosavy:
                exploitation: Exploitation = rng.choice(("begging", "begging", "forced_labour"))
                person = self.victim("iom_vietnam", exploitation, when)
                determination = "victim" if index < victims else "possible victim"
                person.mosavy_source = "iom_vietnam"
                person.mosavy_date = min(self.year_end, when + timedelta(days=rng.randint(0, 3)))
            else:
                person = self.person(
                    "iom_vietnam", sex=rng.choice(("F", "M")), age_range=(8, 50), at=when
                )
                determination = "not victim"
            person.destination = "Vietnam"
            person.rescue_province = bavet
            self._screen(person, "Vietnam", when, determination)
            people.append(person)
        return people

    def _malaysia_migrant_victims(self) -> list[TruePerson]:
        """Licensed migrants to Malaysia who came back as domestic-servitude victims."""
        rng = self.rng
        people: list[TruePerson] = []
        count = self.n("cwcc_cross_border") - self.n("mosavy_thailand_sex")
        for _ in range(max(0, count)):
            departure = random_date(rng, self.year_start, date(self.year, 6, 30))
            person = self.victim("molvt_malaysia_victim", "domestic_servitude", departure)
            person.destination = "Malaysia"
            person.departure = ("", "Malaysia", departure)
            person.rescue_date = departure + timedelta(days=rng.randint(60, 170))
            people.append(person)
        return people

    # -- courts -----------------------------------------------------------------

    def _court_cases(self, police_sex: list[TruePerson], returnees: list[TruePerson]) -> None:
        """Decide the year's court cases: Phnom Penh, provincial TIP and cross-border."""
        n, rng = self.n, self.rng
        court_seq: dict[str, int] = {}
        used_defendants: set[str] = set()
        y = self.year

        def court_case(code: str, group: OffenceGroup, verdict_date: date) -> CourtCase:
            key = "PPMC" if code == "12" else f"COURT-{code}"
            court_seq[key] = court_seq.get(key, 0) + 1
            province = province_by_code(code, y)
            name = (
                "Phnom Penh Municipal Court"
                if code == "12"
                else f"{province.name_en} Provincial Court"
            )
            number = (
                f"{court_seq[key]:03d}/{y}" if code == "12" else f"{code}-{court_seq[key]:02d}/{y}"
            )
            return CourtCase(key, name, number, verdict_date, group)

        def charge(
            case: TrueCase, defendant: TruePerson, article: int, verdict: Verdict
        ) -> TrueCharge:
            assert case.court is not None
            verdict_date = case.court.verdict_date
            youngest = min((v.age_at(verdict_date) for v in case.victims), default=None)
            low, high = sentence_range(article, youngest)
            result = TrueCharge(
                defendant, article, article if verdict == "convicted" else None, verdict
            )
            if verdict == "convicted":
                result.sentence_months = rng.randrange(low, high + 1, 6 if high > 60 else 1)
                result.fine_riel = rng.choice((0, 0, 5_000_000, 10_000_000, 20_000_000))
                result.compensation_riel = rng.choice(
                    (0, 2_000_000, 5_000_000, 10_000_000, 15_000_000)
                )
                result.appealed = rng.random() < 0.2
            return result

        def arrested_cases(pool: Sequence[TruePerson], latest: date) -> Iterator[TrueCase]:
            seen: set[str] = set()
            by_id = {c.case_id: c for c in self.cases}
            for victim in pool:
                case = by_id.get(victim.case_id)
                if (
                    case is not None
                    and case.case_id not in seen
                    and case.suspects
                    and case.court is None
                    and case.arrest_date is not None
                    and case.arrest_date <= latest
                ):
                    seen.add(case.case_id)
                    yield case

        def defendants_for(
            count: int, province_code: str | None, pool: list[TruePerson], group: OffenceGroup
        ) -> list[tuple[TrueCase, TruePerson]]:
            """Pick (case, defendant) pairs from arrested cases; invent older cases when short."""
            chosen: list[tuple[TrueCase, TruePerson]] = []
            candidates = [
                c
                for c in arrested_cases(pool, date(y, 10, 31))
                if province_code is None or c.province.code == province_code
            ]
            rng.shuffle(candidates)
            for case in candidates:
                for suspect in case.suspects:
                    if len(chosen) < count and suspect.person_id not in used_defendants:
                        used_defendants.add(suspect.person_id)
                        chosen.append((case, suspect))
            while len(chosen) < count:
                # A case from before the year: arrested in the previous year, victims
                # rescued then (they appear only in the court file and perhaps a shelter).
                province = province_by_code(province_code or rng.choice(CROSS_BORDER_COURTS), y)
                exploitation: Exploitation = (
                    "sexual_exploitation" if group != "cross_border_transfer" else "forced_labour"
                )
                destination = "Thailand" if group == "cross_border_transfer" else province.name_en
                case = self.new_case(exploitation, province, destination)
                arrest = random_date(rng, date(y - 1, 6, 1), date(y - 1, 12, 31))
                case.arrest_date = arrest
                suspect = self.suspect("earlier_suspect", arrest)
                suspect.arrest_date = arrest
                suspect.case_id = case.case_id
                case.suspects.append(suspect)
                for _ in range(rng.choice((1, 1, 2))):
                    victim = self.victim("earlier_victim", exploitation, arrest)
                    victim.case_id = case.case_id
                    victim.destination = destination
                    victim.rescue_date = arrest
                    victim.rescue_province = province
                    case.victims.append(victim)
                chosen.append((case, suspect))
            return chosen

        def attach(
            pairs: list[tuple[TrueCase, TruePerson]],
            code_for: dict[str, str],
            group: OffenceGroup,
            verdicts: list[Verdict],
            article: int,
        ) -> list[TrueCharge]:
            charges: list[TrueCharge] = []
            for (case, defendant), verdict in zip(pairs, verdicts, strict=True):
                if case.court is None:
                    start = (case.arrest_date or self.year_start) + timedelta(days=45)
                    start = max(start, self.year_start)
                    verdict_date = random_date(rng, min(start, self.year_end), self.year_end)
                    case.court = court_case(code_for[case.case_id], group, verdict_date)
                result = charge(case, defendant, article, verdict)
                case.court.charges.append(result)
                charges.append(result)
            return charges

        # Phnom Penh Municipal Court: traffickers (Art. 15) and four child-abuse convictions.
        ppmc_n = n("ppmc_trafficking_convicted") + n("ppmc_trafficking_acquitted")
        pairs = defendants_for(ppmc_n, "12", police_sex, "trafficking")
        verdicts: list[Verdict] = ["convicted"] * n("ppmc_trafficking_convicted")
        verdicts += [rng.choice(("acquitted", "dismissed")) for _ in range(ppmc_n - len(verdicts))]
        codes = {case.case_id: "12" for case, _ in pairs}
        ppmc = attach(pairs, codes, "trafficking", verdicts, 15)
        convicted = [c for c in ppmc if c.verdict == "convicted"]
        if convicted:
            art3 = convicted[0]  # convicted under a scope article with a two-year sentence
            art3.article_charged, art3.article_convicted, art3.sentence_months = 3, 3, 24
            art3.anomaly = "conviction_under_scope_article"
        if len(convicted) > 1:
            switched = convicted[1]  # charged under Art. 3, convicted under Art. 11
            switched.article_charged, switched.article_convicted = 3, 11
            switched.anomaly = "charged_art3_convicted_art11"
        out_of_range = self.n.at_least_one(2)
        for result in convicted[2 : 2 + out_of_range]:
            # Outside Art 15's range for any victim's age (base 84-180, aggravated 180-240).
            result.sentence_months = rng.choice((36, 48, 60, 252, 264))
            result.anomaly = "sentence_outside_range"
        suspended = self.n.at_least_one(2)
        for result in convicted[2 + out_of_range : 2 + out_of_range + suspended]:
            result.suspended_months = min(result.sentence_months, rng.choice((12, 24, 36)))
            result.anomaly = "suspended_trafficking_sentence"

        child_pairs = defendants_for(
            self.n.at_least_one(BASE_COUNTS["ppmc_child_abuse_convicted"]),
            None,
            [],
            "child_sexual_abuse",
        )
        for index, (case, defendant) in enumerate(child_pairs):
            defendant.name = draw_name(rng, "M", "foreign")
            defendant.sex = "M"
            defendant.nationality = rng.choice(("FRA", "DEU", "USA", "GBR"))
            case.exploitation = "sexual_exploitation"
            for victim in case.victims:
                victim.birth_date = date(y - 14, rng.randint(1, 12), 1)
            if index == 0:
                # A client of a 12- and a 16-year-old, charged with indecent acts (Art. 43)
                # where purchase of child prostitution (Art. 34) applies.
                while len(case.victims) < 2:
                    extra = self.victim("earlier_victim", "sexual_exploitation", self.year_start)
                    extra.case_id = case.case_id
                    case.victims.append(extra)
                for victim, age in zip(case.victims, (12, 16), strict=False):
                    victim.birth_date = date(y - age - 1, 11, rng.randint(1, 28))
            codes = {case.case_id: "12"}
            [result] = attach(
                [(case, defendant)],
                codes,
                "child_sexual_abuse",
                ["convicted"],
                43 if index == 0 else 42,
            )
            if index == 0:
                result.anomaly = "indecent_acts_instead_of_child_prostitution"

        # Provincial TIP convictions: one per court.
        prov_total = n("provincial_tip_convicted") + n("provincial_tip_acquitted")
        prov_pairs: list[tuple[TrueCase, TruePerson]] = []
        for index in range(prov_total):
            code = PROVINCIAL_COURTS[index % len(PROVINCIAL_COURTS)]
            prov_pairs += defendants_for(1, code, police_sex, "trafficking")
        verdicts = ["convicted"] * n("provincial_tip_convicted")
        verdicts += ["acquitted"] * (prov_total - len(verdicts))
        codes = {case.case_id: case.province.code for case, _ in prov_pairs}
        attach(prov_pairs, codes, "trafficking", verdicts, 15)

        # Cross-border transfer: defendants who moved returnees across the border.
        cb_total = n("cross_border_convicted") + n("cross_border_acquitted")
        cb_pairs: list[tuple[TrueCase, TruePerson]] = []
        pool = [p for p in returnees if p.screening_date and p.screening_date < date(y, 10, 1)]
        rng.shuffle(pool)
        while len(cb_pairs) < cb_total:
            code = rng.choice(CROSS_BORDER_COURTS)
            country = "Vietnam" if code in ("20", "21", "14") else "Thailand"
            case = self.new_case("forced_labour", province_by_code(code, y), country)
            arrest_victims = [p for p in pool[:3] if not p.case_id][: rng.choice((1, 1, 2, 3))]
            pool = pool[len(arrest_victims) :]
            earliest = (
                max((p.screening_date or self.year_start) for p in arrest_victims)
                if arrest_victims
                else date(y, 1, 15)
            )
            case.arrest_date = min(date(y, 10, 31), earliest + timedelta(days=rng.randint(3, 40)))
            for victim in arrest_victims:
                victim.case_id = case.case_id
                case.victims.append(victim)
            for _ in range(min(rng.choice((1, 1, 2)), cb_total - len(cb_pairs))):
                suspect = self.suspect("cross_border_suspect", case.arrest_date)
                suspect.arrest_date = case.arrest_date
                suspect.case_id = case.case_id
                case.suspects.append(suspect)
                cb_pairs.append((case, suspect))
        verdicts = ["convicted"] * n("cross_border_convicted")
        verdicts += ["acquitted"] * (cb_total - len(verdicts))
        codes = {case.case_id: case.province.code for case, _ in cb_pairs}
        attach(cb_pairs, codes, "cross_border_transfer", verdicts, 11)

    # -- habits of issue 14 ------------------------------------------------------

    def _foreign_child_sex_arrests(self) -> None:
        """Foreign men arrested by the Siem Reap provincial police with child victims.

        Their arrest log (``tipdata.demo.agencies.police.write_provincial``) records no
        victim ages: "foreign child sex offenders arrested" cannot be told from it.
        """
        rng = self.rng
        siem_reap = province_by_code("17", self.year)
        for _ in range(self.n.at_least_one(BASE_COUNTS["srp_foreign_child_sex_arrests"])):
            arrest = random_date(rng, date(self.year, 2, 1), date(self.year, 11, 30))
            case = self.new_case("sexual_exploitation", siem_reap, "Siem Reap")
            case.arrest_date = arrest
            suspect = self.person(
                "srp_foreign_suspect", sex="M", age_range=(35, 65), at=arrest, ethnicity="foreign"
            )
            suspect.is_suspect = True
            suspect.arrest_date = arrest
            suspect.case_id = case.case_id
            case.suspects.append(suspect)
            for _ in range(rng.choice((1, 1, 2))):
                victim = self.victim("srp_child_victim", "sexual_exploitation", arrest)
                victim.birth_date = arrest - timedelta(days=365 * rng.randint(11, 16) + 30)
                victim.case_id = case.case_id
                victim.rescue_date = arrest
                victim.rescue_province = siem_reap
                victim.destination = "Siem Reap"
                case.victims.append(victim)

    def _network_shelter_intakes(self) -> None:
        """Victims taken in by the shelters of one NGO network (one joint intake file)."""
        rng = self.rng
        for _ in range(self.n.at_least_one(BASE_COUNTS["network_shelter_intakes"])):
            intake = random_date(rng, self.year_start, date(self.year, 12, 15))
            exploitation: Exploitation = rng.choice(
                ("sexual_exploitation", "sexual_exploitation", "forced_labour", "begging")
            )
            victim = self.victim("network_shelter", exploitation, intake)
            province, label = self.domestic_place()
            case = self.new_case(exploitation, province, label)
            victim.case_id = case.case_id
            victim.destination = label
            case.victims.append(victim)
            stay = Shelter(rng.choice(NETWORK_SHELTERS), intake, rng.choice(("commune", "self")))
            if rng.random() < 0.5:
                stay.exit_date = min(self.year_end, intake + timedelta(days=rng.randint(30, 200)))
            victim.shelters.append(stay)

    # -- shelters ---------------------------------------------------------------

    def _shelters(
        self,
        police_sex: list[TruePerson],
        moi_labour: list[TruePerson],
        thai: list[TruePerson],
        malaysia: list[TruePerson],
    ) -> dict[str, list[TruePerson]]:
        """Place victims at NGO shelters and draw the shelters' other (non-TIP) clients."""
        n, rng = self.n, self.rng
        # Victims in the MOI register and in court cases are placed first, so that the
        # same person is seen by police, MOSAVY, a shelter and a court.
        court_case_ids = {c.case_id for c in self.cases if c.court is not None}

        def priority(person: TruePerson) -> tuple[int, float]:
            seen = int(bool(person.moi_case_no)) + int(person.case_id in court_case_ids)
            return (-seen, rng.random())

        pool = sorted(police_sex, key=priority)

        def place(person: TruePerson, agency: str, referred_by: str, after: date) -> Shelter:
            intake = min(self.year_end, after + timedelta(days=rng.randint(0, 10)))
            stay = Shelter(agency, intake, referred_by)
            stay.exit_date = intake + timedelta(days=rng.randint(20, 300))
            if stay.exit_date > self.year_end:
                stay.exit_date = None
                stay.exit_to = ""
            person.shelters.append(stay)
            return stay

        cursor = 0

        def take(count: int) -> list[TruePerson]:
            nonlocal cursor
            chosen = pool[cursor : cursor + count]
            cursor += len(chosen)
            return chosen

        whi = take(n("whi_tip"))
        for person in whi:
            place(
                person,
                "WHI",
                rng.choice(("police", "police", "DOSAVY")),
                person.rescue_date or self.year_start,
            )
        half = whi[: len(whi) // 2]
        afesip_from_whi = half[: len(half) * 3 // 5]
        cwcc_from_whi = half[len(afesip_from_whi) :]
        afesip = afesip_from_whi + take(n("afesip_tip") - len(afesip_from_whi))
        for person in afesip:
            after = (
                person.shelters[-1].intake_date + timedelta(days=14)
                if person.shelters
                else person.mosavy_date or self.year_start
            )
            stay = place(person, "AFESIP", "WHI" if person in afesip_from_whi else "MOSAVY", after)
            if person.shelters[0] is not stay:
                person.shelters[0].exit_date, person.shelters[0].exit_to = (
                    stay.intake_date,
                    "AFESIP",
                )
        domestic = n("cwcc_tip") - n("cwcc_cross_border")
        cwcc = cwcc_from_whi + take(domestic - len(cwcc_from_whi))
        for person in cwcc:
            after = (
                person.shelters[-1].intake_date + timedelta(days=14)
                if person.shelters
                else person.mosavy_date or self.year_start
            )
            stay = place(person, "CWCC", "WHI" if person in cwcc_from_whi else "police", after)
            if person.shelters[0] is not stay:
                person.shelters[0].exit_date, person.shelters[0].exit_to = stay.intake_date, "CWCC"
        for person in thai[: n("mosavy_thailand_sex")] + malaysia:
            place(
                person,
                "CWCC",
                "IOM" if person.returned_from else "self",
                person.mosavy_date or person.rescue_date or self.year_start,
            )
        # HCC (Koh Kong): sex victims, and labour victims referred by other NGOs.
        for person in take(n("hcc_sex")):
            place(
                person,
                "HCC",
                rng.choice(("CWCC", "LICADHO", "World Vision")),
                person.mosavy_date or self.year_start,
            )
        labour_pool = [p for p in moi_labour if p.mosavy_date] + [
            p
            for p in thai[n("mosavy_thailand_sex") :]
            if p.is_victim and p.exploitation == "forced_labour"
        ]
        rng.shuffle(labour_pool)
        hcc_labour = labour_pool[: n("hcc_labour") * 3 // 5]
        for person in hcc_labour:
            place(
                person,
                "HCC",
                rng.choice(("IOM", "CWCC", "Koh Kong DOSAVY")),
                person.mosavy_date or person.screening_date or self.year_start,
            )
        koh_kong = province_by_code("09", self.year)
        for _ in range(n("hcc_labour") - len(hcc_labour)):
            when = random_date(rng, self.year_start, date(self.year, 12, 15))
            case = self.new_case("forced_labour", koh_kong, "Thailand")
            person = self.victim("hcc_referral", "forced_labour", when, sex="M")
            person.destination = rng.choice(("Thailand", "Malaysia", "Koh Kong"))
            person.case_id = case.case_id
            person.rescue_date = when
            case.victims.append(person)
            place(person, "HCC", rng.choice(("LICADHO", "World Vision", "CWCC")), when)

        # Anomaly: a victim whose shelter intake is dated before the police rescue.
        early = [p for p in pool[:cursor] if p.moi_case_no and p.shelters]
        for person in early[: self.n.at_least_one(2)]:
            stay = person.shelters[-1]
            stay.intake_date = (person.rescue_date or self.year_end) - timedelta(
                days=rng.randint(5, 20)
            )
            stay.intake_date = max(self.year_start, stay.intake_date)
            person.anomalies.append(f"sheltered_before_rescued:{stay.agency}")

        # Clients who are not trafficking victims (domestic violence, rape, at risk).
        others: dict[str, list[TruePerson]] = {}
        for agency, count in (
            ("CWCC", n("cwcc_non_tip")),
            ("AFESIP", n("afesip_residents") - n("afesip_tip")),
            ("WHI", n("whi_non_tip")),
        ):
            clients = []
            for _ in range(count):
                when = random_date(rng, self.year_start, self.year_end)
                person = self.person("shelter_non_tip", sex="F", age_range=(8, 40), at=when)
                place(person, agency, rng.choice(("DOSAVY", "police", "self", "commune")), when)
                clients.append(person)
            others[agency] = clients
        return others


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
