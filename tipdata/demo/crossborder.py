"""Two synthetic sides of a border with overlapping people and known truth.

The Cambodian side and the Thai side each hold person records of their own people and of
people both sides met (a victim identified in Thailand and received in Cambodia; an
offender in both countries' cases). Names come from the demo's name tables
(:mod:`tipdata.demo.names`) and are written with each side's habits: the Cambodian side
often holds the Khmer script and a full date of birth; the Thai side writes romanisation
variants, sometimes given name first, and often knows only an age (a birth year one off).
Some people have two records on one side. Every record carries its true person, so
linkage across the border can be scored.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tipdata.demo.names import Ethnicity, NamePart, Sex, TrueName, draw_name, write_name

if TYPE_CHECKING:
    from tipdata.exchange.encoding import RecordFields


@dataclass(frozen=True)
class SideRecord:
    """One person record of one side, with its true person (for scoring only)."""

    truth: int
    person_key: str
    role: str
    family_name: str
    given_name: str
    script_name: str | None
    sex: str
    birth_date: date | None
    birth_year: int | None
    event: str | None = None
    """The record's dated event: ``identified`` (partner side) or ``returned`` (here)."""
    event_date: date | None = None


@dataclass(frozen=True)
class _Person:
    truth: int
    name: TrueName
    sex: Sex
    born: date
    role: str


@dataclass(frozen=True)
class BorderPair:
    """The two sides' records; ``local`` receives, ``partner`` sends."""

    local: list[SideRecord]
    partner: list[SideRecord]

    def true_pairs(self) -> set[tuple[str, str]]:
        """(partner person key, local person key) of every person both sides hold."""
        local = {record.truth: record.person_key for record in self.local}
        partner = {record.truth: record.person_key for record in self.partner}
        return {(partner[truth], local[truth]) for truth in partner.keys() & local.keys()}

    def re_trafficked(self) -> set[str]:
        """Local person keys of victims both sides hold whom the partner identified again in
        a quarter that began after their return here (what the regional figure counts)."""
        returned: dict[int, date] = {}
        for record in self.local:
            if record.role == "victim" and record.event == "returned" and record.event_date:
                returned[record.truth] = min(
                    record.event_date, returned.get(record.truth, date.max)
                )
        keys = {record.truth: record.person_key for record in self.local}
        return {
            keys[record.truth]
            for record in self.partner
            if record.role == "victim"
            and record.event_date
            and record.truth in returned
            and quarter_start(record.event_date) > returned[record.truth]
        }


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter of ``day``."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _dated(pair: BorderPair, seed: int, re_trafficked: float) -> BorderPair:
    """The sides with their dated events, drawn with a random stream of their own.

    A victim both sides hold was returned here on a day of March to June 2008, after the
    partner identified them 5 to 60 days before; a share (``re_trafficked``) of them the
    partner identified again 100 to 180 days after that return (their last partner
    record, or their only one). All dates fall within 2008.
    """
    rng = random.Random(seed * 7919 + 1)
    partner_truths = {record.truth for record in pair.partner}
    returned: dict[int, date] = {}
    again: set[int] = set()
    local: list[SideRecord] = []
    for record in pair.local:
        if record.role == "victim" and record.truth in partner_truths:
            if record.truth not in returned:
                returned[record.truth] = date(2008, 3, 1) + timedelta(days=rng.randint(0, 121))
                if rng.random() < re_trafficked:
                    again.add(record.truth)
            record = replace(record, event="returned", event_date=returned[record.truth])
        local.append(record)
    last = {record.truth: index for index, record in enumerate(pair.partner)}
    partner: list[SideRecord] = []
    for index, record in enumerate(pair.partner):
        back = returned.get(record.truth)
        if back is None:
            day = date(2008, 1, 1) + timedelta(days=rng.randint(0, 365))
        elif record.truth in again and last[record.truth] == index:
            day = back + timedelta(days=rng.randint(100, 180))
        else:
            day = back - timedelta(days=rng.randint(5, 60))
        partner.append(replace(record, event="identified", event_date=day))
    return BorderPair(local, partner)


def _compound(first: NamePart, second: NamePart) -> NamePart:
    """Two name parts written as one (Sreymom + Thida: Sreymomthida), with variants."""
    latin = first.latin + second.latin.lower()
    khmer = first.khmer + second.khmer if first.khmer and second.khmer else None
    variants = [
        a + b.lower()
        for a in (first.latin, *first.variants[:2])
        for b in (second.latin, *second.variants[:2])
    ]
    return NamePart(latin, khmer, tuple(v for v in variants if v != latin))


def _person(rng: random.Random, truth: int, ethnicity: Ethnicity, varied: bool) -> _Person:
    sex: Sex = "F" if rng.random() < 0.7 else "M"
    role = "suspect" if rng.random() < 0.15 else "victim"
    born = date(rng.randint(1960, 2006), rng.randint(1, 12), rng.randint(1, 28))
    name = draw_name(rng, sex, ethnicity)
    if varied:
        # the demo's tables hold a few hundred names: at a million people most would
        # share one; compound given names (and Thai family names) make about 100 times
        # as many, as a population of that size has
        other = draw_name(rng, sex, ethnicity)
        family = _compound(name.family, other.family) if ethnicity == "thai" else name.family
        name = TrueName(family, _compound(name.given, other.given), ethnicity)
    return _Person(truth, name, sex, born, role)


def _write(
    rng: random.Random, person: _Person, key: str, *, cambodian: bool, vietnamese: bool = False
) -> SideRecord:
    if cambodian:
        written = write_name(person.name, rng, variant_rate=0.25, typo_rate=0.03, khmer_rate=0.5)
        date_known = rng.random() < 0.6
        year_off = 0
    elif vietnamese:
        # family name first as written at home, Vietnamese spellings with their diacritics
        # (Nguyễn, Thị), a date of birth from the identity card more often than not
        written = write_name(person.name, rng, variant_rate=0.5, typo_rate=0.04, swap_rate=0.05)
        date_known = rng.random() < 0.7
        year_off = 0
    else:
        written = write_name(person.name, rng, variant_rate=0.4, typo_rate=0.05, swap_rate=0.2)
        date_known = rng.random() < 0.35
        year_off = 0 if date_known or rng.random() < 0.7 else rng.choice((-1, 1))
    return SideRecord(
        truth=person.truth,
        person_key=key,
        role=person.role,
        family_name=written.family,
        given_name=written.given,
        script_name=written.khmer,
        sex="female" if person.sex == "F" else "male",
        birth_date=person.born if date_known else None,
        birth_year=person.born.year + year_off if rng.random() < 0.95 else None,
    )


def border_pair(
    people: int,
    *,
    overlap: float = 0.4,
    second_record: float = 0.15,
    seed: int = 1,
    varied_names: bool = False,
    re_trafficked: float = 0.2,
) -> BorderPair:
    """Generate the two sides.

    Args:
        people: persons on the Cambodian (local) side.
        overlap: share of them that the Thai side holds too; the Thai side has as many
            persons of its own (Thai names) besides.
        second_record: share of persons with a second record on their side.
        seed: the random seed (the same seed gives the same sides).
        varied_names: compound given names (and Thai family names) from two draws of the
            demo's tables, for sides of hundreds of thousands of people.
        re_trafficked: share of the victims both sides hold whom the partner identified
            again after their return here (see :func:`_dated`; its own random stream, so
            the names and the overlap do not change with it).

    Returns:
        Both sides' records.
    """
    rng = random.Random(seed)
    local: list[SideRecord] = []
    partner: list[SideRecord] = []
    truth = 0
    for _ in range(people):
        truth += 1
        ethnicity: Ethnicity = "vietnamese" if rng.random() < 0.1 else "khmer"
        person = _person(rng, truth, ethnicity, varied_names)
        for _copy in range(2 if rng.random() < second_record else 1):
            local.append(_write(rng, person, f"KH{truth}", cambodian=True))
        if rng.random() < overlap:
            for _copy in range(2 if rng.random() < second_record else 1):
                partner.append(_write(rng, person, f"TH{truth}", cambodian=False))
    for _ in range(people):
        truth += 1
        person = _person(rng, truth, "thai", varied_names)
        partner.append(_write(rng, person, f"TH{truth}", cambodian=False))
    return _dated(BorderPair(local, partner), seed, re_trafficked)


@dataclass(frozen=True)
class Region:
    """One Cambodian side and the sides of its partners (``THA``, ``VNM``), known truth."""

    local: list[SideRecord]
    partners: dict[str, list[SideRecord]]

    def pair(self, partner: str) -> BorderPair:
        """The Cambodian side and one partner's, as a :class:`BorderPair`."""
        return BorderPair(self.local, self.partners[partner])


_OWN_PEOPLE: dict[str, Ethnicity] = {"THA": "thai", "VNM": "vietnamese"}


def region(
    people: int,
    *,
    partners: tuple[str, ...] = ("THA", "VNM"),
    overlap: float = 0.3,
    second_record: float = 0.15,
    seed: int = 1,
) -> Region:
    """One Cambodian side and several partners' sides, for pairwise exchanges.

    Each partner holds a share (``overlap``) of the Cambodian persons, drawn for each
    partner on its own (so some persons are held by two partners), written with that
    partner's habits (Thai: variants, given name first, often only an age; Vietnamese:
    Vietnamese spellings, family name first, often the full date), and as many persons of
    its own (Thai or Vietnamese names). A partner's person keys start with its code.

    Args:
        people: persons on the Cambodian side.
        partners: partner country codes, ``THA`` and/or ``VNM``.
        overlap: share of the Cambodian persons each partner holds too.
        second_record: share of persons with a second record on a side.
        seed: the random seed.

    Returns:
        The sides.
    """
    unknown = set(partners) - set(_OWN_PEOPLE)
    if unknown:
        raise ValueError(f"no synthetic side for {sorted(unknown)}; use THA or VNM")
    rng = random.Random(seed)
    local: list[SideRecord] = []
    sides: dict[str, list[SideRecord]] = {code: [] for code in partners}
    truth = 0
    for _ in range(people):
        truth += 1
        ethnicity: Ethnicity = "vietnamese" if rng.random() < 0.1 else "khmer"
        person = _person(rng, truth, ethnicity, False)
        for _copy in range(2 if rng.random() < second_record else 1):
            local.append(_write(rng, person, f"KH{truth}", cambodian=True))
        for code in partners:
            if rng.random() < overlap:
                for _copy in range(2 if rng.random() < second_record else 1):
                    sides[code].append(
                        _write(rng, person, f"{code}{truth}", cambodian=False,
                               vietnamese=code == "VNM")
                    )  # fmt: skip
    for code in partners:
        for _ in range(people):
            truth += 1
            person = _person(rng, truth, _OWN_PEOPLE[code], False)
            sides[code].append(
                _write(rng, person, f"{code}{truth}", cambodian=False, vietnamese=code == "VNM")
            )
    return Region(local, sides)


__all__ = ["BorderPair", "Region", "SideRecord", "border_pair", "quarter_start", "region"]


def encoding_fields(records: list[SideRecord]) -> list[RecordFields]:
    """The encoding fields of synthetic records, each owned by its person key (a record
    the encoder withholds, e.g. one with no name, is left out)."""
    from tipdata.exchange.encoding import RecordFields, record_fields

    out = []
    for record in records:
        made = record_fields(
            record.person_key,
            role=record.role,
            family_name=record.family_name,
            given_name=record.given_name,
            full_name=None,
            script_name=None,
            sex=record.sex,
            birth_date=record.birth_date,
            birth_year=record.birth_year,
        )
        if isinstance(made, RecordFields):
            out.append(made)
    return out
