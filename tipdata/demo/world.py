"""The true world of one reporting year: people, cases, pathways and court outcomes.

Only the people who appear in more than one agency's records (victims, suspects and
the few migrants who later become victims) are held in memory. The mass of
returnees screened at Poipet who are not victims, and the ordinary labour migrants,
are drawn while their files are written (see :mod:`tipdata.demo.agencies.iom`
and :mod:`tipdata.demo.agencies.molvt`).

Volumes come from ``targets.yaml`` (the 2009 embassy report's 2008 figures) and
scale linearly with ``scale``. The world is drawn by :mod:`tipdata.demo.builder`
(:func:`~tipdata.demo.builder.build_world`) and its phases (``world_victims``,
``world_courts``, ``world_shelters``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from tipdata.codelists import load_law_catalogue
from tipdata.demo.geography import Province
from tipdata.demo.names import Ethnicity, Sex, TrueName

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
