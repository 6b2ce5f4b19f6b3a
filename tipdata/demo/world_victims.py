"""The demo world's victims: rescued by police and MOI, returned from Thailand and Vietnam,
migrants in Malaysia; each phase a function of the :class:`~tipdata.demo.builder.WorldBuilder`.

Split out of ``world.py`` (issue 16) whole: the random draws are the same, in the same order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from tipdata.demo.geography import Province, draw_home_province, province_by_code
from tipdata.demo.world import (
    INDICATORS,
    Exploitation,
    TrueCase,
    TruePerson,
    random_date,
    split_total,
)

if TYPE_CHECKING:
    from tipdata.demo.builder import WorldBuilder


def police_sex_victims(builder: WorldBuilder) -> list[TruePerson]:
    """Sex-trafficking victims rescued by police and referred to MOSAVY."""
    n, rng = builder.n, builder.rng
    april = date(builder.year, 4, 1)
    victims: list[TruePerson] = []
    moi_seq = 0

    def moi_number() -> str:
        nonlocal moi_seq
        moi_seq += 1
        return f"MOI-{builder.year}-{moi_seq:04d}"

    # MOI arrest cases (sex), then MOI rescue-only raids, both April to December.
    sex_cases = n("moi_sex_cases")
    labour_cases = n("moi_labour_cases")
    suspects_per_case = split_total(n("moi_suspects"), sex_cases + labour_cases, rng)
    builder.moi_suspect_split = suspects_per_case[sex_cases:]
    builder.moi_number_of_case = moi_number
    victim_split = split_total(n("moi_sex_victims"), sex_cases, rng)
    rescue_only_total = n("moi_rescued_total") - n("moi_sex_victims") - n("moi_labour_victims")
    rescue_only_split = split_total(rescue_only_total, max(1, rescue_only_total // 4), rng)
    plans = [(v, s, True) for v, s in zip(victim_split, suspects_per_case, strict=False)]
    plans += [(v, 0, False) for v in rescue_only_split]
    for n_victims, n_suspects, arrested in plans:
        if n_victims == 0:
            continue
        province, label = builder.domestic_place()
        case = builder.new_case("sexual_exploitation", province, label)
        case.moi_case_no = moi_number()
        rescue = random_date(rng, april, date(builder.year, 12, 20))
        for _ in range(max(n_suspects, 1 if arrested else 0)):
            suspect = builder.suspect("moi_suspect", rescue)
            suspect.arrest_date = rescue
            suspect.case_id = case.case_id
            suspect.moi_case_no = case.moi_case_no
            case.suspects.append(suspect)
        case.arrest_date = rescue if case.suspects else None
        for _ in range(n_victims):
            victim = builder.victim("police_rescue_moi", "sexual_exploitation", rescue)
            record_rescue(builder, victim, case, rescue, province, label)
            victim.moi_case_no = case.moi_case_no
            victims.append(victim)

    # Provincial police raids not in the central MOI register.
    moi_sex = len(victims)
    remaining = [
        (n("police_sex_referred_apr_dec") - moi_sex, april, date(builder.year, 12, 31)),
        (n("police_sex_referred_jan_mar"), builder.year_start, date(builder.year, 3, 31)),
    ]
    for total, start, end in remaining:
        left = total
        while left > 0:
            size = min(left, rng.choice((1, 1, 2, 2, 3, 4, 5, 6)))
            left -= size
            province, label = builder.domestic_place()
            case = builder.new_case("sexual_exploitation", province, label)
            referral = random_date(rng, start, end)
            rescue = max(builder.year_start, referral - timedelta(days=rng.randint(0, 2)))
            if rng.random() < 0.4:
                for _ in range(rng.choice((1, 1, 2))):
                    suspect = builder.suspect("provincial_suspect", rescue)
                    suspect.arrest_date = rescue
                    suspect.case_id = case.case_id
                    case.suspects.append(suspect)
                case.arrest_date = rescue
            for _ in range(size):
                victim = builder.victim("police_rescue_provincial", "sexual_exploitation", rescue)
                record_rescue(builder, victim, case, rescue, province, label)
                victim.mosavy_date = referral
                victims.append(victim)
    return victims


def record_rescue(
    builder: WorldBuilder,
    victim: TruePerson,
    case: TrueCase,
    rescue: date,
    province: Province,
    label: str,
) -> None:
    victim.rescue_date = rescue
    victim.rescue_province = province
    victim.destination = label
    victim.case_id = case.case_id
    victim.mosavy_source = "police"
    victim.mosavy_date = min(builder.year_end, rescue + timedelta(days=builder.rng.randint(0, 2)))
    case.victims.append(victim)


def moi_labour_cases(builder: WorldBuilder) -> list[TruePerson]:
    """MOI labour-trafficking arrest cases (April to December) and their victims."""
    n, rng = builder.n, builder.rng
    victims: list[TruePerson] = []
    splits = split_total(n("moi_labour_victims"), n("moi_labour_cases"), rng)
    not_referred = builder.n.at_least_one(3)
    for n_victims, n_suspects in zip(splits, builder.moi_suspect_split, strict=False):
        if n_victims == 0:
            continue
        if rng.random() < 0.5:
            province, label = province_by_code("09", builder.year), "Koh Kong"
            exploitation: Exploitation = "forced_labour"
        else:
            label = rng.choice(("Thailand", "Malaysia", "Thailand"))
            province = draw_home_province(rng, builder.year)
            exploitation = rng.choice(("forced_labour", "forced_labour", "domestic_servitude"))
        case = builder.new_case(exploitation, province, label)
        case.moi_case_no = builder.moi_number_of_case()
        arrest = random_date(rng, date(builder.year, 4, 1), date(builder.year, 12, 20))
        case.arrest_date = arrest
        for _ in range(max(1, n_suspects)):
            suspect = builder.suspect("moi_suspect", arrest)
            suspect.arrest_date = arrest
            suspect.case_id = case.case_id
            suspect.moi_case_no = case.moi_case_no
            case.suspects.append(suspect)
        for _ in range(n_victims):
            victim = builder.victim("police_rescue_moi", exploitation, arrest)
            record_rescue(builder, victim, case, arrest, province, label)
            victim.moi_case_no = case.moi_case_no
            if not_referred > 0 and rng.random() < 0.2:
                not_referred -= 1
                victim.mosavy_date = None
                victim.mosavy_source = ""
                victim.anomalies.append("identified_not_referred")
            victims.append(victim)
    return victims


def record_screening(
    builder: WorldBuilder, person: TruePerson, country: str, when: date, determination: str
) -> None:
    rng = builder.rng
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


def thai_returnee_victims(builder: WorldBuilder) -> list[TruePerson]:
    """Victims (and possible victims) among the returnees from Thailand at Poipet."""
    n, rng = builder.n, builder.rng
    poipet = province_by_code("01", builder.year)
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
        when = random_date(rng, builder.year_start, builder.year_end)
        person = builder.victim("iom_thailand", exploitation, when)
        person.destination = "Thailand"
        person.rescue_province = poipet
        record_screening(
            builder, person, "Thailand", when, "victim" if is_confirmed else "possible victim"
        )
        if not is_confirmed:
            person.is_victim = rng.random() < 0.5
            if not person.is_victim:
                person.exploitation = None
        if index < sex_referred + labour_referred:
            person.mosavy_source = "iom_thailand"
            person.mosavy_date = min(builder.year_end, when + timedelta(days=rng.randint(0, 3)))
        people.append(person)
    return people


def vietnam_returnees(builder: WorldBuilder) -> list[TruePerson]:
    """All returnees from Vietnam: victims, possible victims (MOSAVY counts both), others."""
    n, rng = builder.n, builder.rng
    bavet = province_by_code("20", builder.year)
    people: list[TruePerson] = []
    victims = n("iom_vietnam_victims")
    to_mosavy = n("mosavy_vietnam_labour")
    for index in range(n("iom_vietnam_returnees")):
        when = random_date(rng, builder.year_start, builder.year_end)
        if index < to_mosavy:
            exploitation: Exploitation = rng.choice(("begging", "begging", "forced_labour"))
            person = builder.victim("iom_vietnam", exploitation, when)
            determination = "victim" if index < victims else "possible victim"
            person.mosavy_source = "iom_vietnam"
            person.mosavy_date = min(builder.year_end, when + timedelta(days=rng.randint(0, 3)))
        else:
            person = builder.person(
                "iom_vietnam", sex=rng.choice(("F", "M")), age_range=(8, 50), at=when
            )
            determination = "not victim"
        person.destination = "Vietnam"
        person.rescue_province = bavet
        record_screening(builder, person, "Vietnam", when, determination)
        people.append(person)
    return people


def malaysia_migrant_victims(builder: WorldBuilder) -> list[TruePerson]:
    """Licensed migrants to Malaysia who came back as domestic-servitude victims."""
    rng = builder.rng
    people: list[TruePerson] = []
    count = builder.n("cwcc_cross_border") - builder.n("mosavy_thailand_sex")
    for _ in range(max(0, count)):
        departure = random_date(rng, builder.year_start, date(builder.year, 6, 30))
        person = builder.victim("molvt_malaysia_victim", "domestic_servitude", departure)
        person.destination = "Malaysia"
        person.departure = ("", "Malaysia", departure)
        person.rescue_date = departure + timedelta(days=rng.randint(60, 170))
        people.append(person)
    return people
