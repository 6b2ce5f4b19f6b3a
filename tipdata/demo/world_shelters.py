"""The demo world's shelters: who is placed where (and the clients who are not trafficking
victims), and the NGO network's joint intakes; each phase a function of the
:class:`~tipdata.demo.builder.WorldBuilder`.

Split out of ``world.py`` (issue 16) whole: the random draws are the same, in the same order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from tipdata.demo.geography import province_by_code
from tipdata.demo.world import (
    BASE_COUNTS,
    NETWORK_SHELTERS,
    Exploitation,
    Shelter,
    TruePerson,
    random_date,
)

if TYPE_CHECKING:
    from tipdata.demo.builder import WorldBuilder


def place_in_shelters(
    builder: WorldBuilder,
    police_sex: list[TruePerson],
    moi_labour: list[TruePerson],
    thai: list[TruePerson],
    malaysia: list[TruePerson],
) -> dict[str, list[TruePerson]]:
    """Place victims at NGO shelters and draw the shelters' other (non-TIP) clients."""
    n, rng = builder.n, builder.rng
    # Victims in the MOI register and in court cases are placed first, so that the
    # same person is seen by police, MOSAVY, a shelter and a court.
    court_case_ids = {c.case_id for c in builder.cases if c.court is not None}

    def priority(person: TruePerson) -> tuple[int, float]:
        seen = int(bool(person.moi_case_no)) + int(person.case_id in court_case_ids)
        return (-seen, rng.random())

    pool = sorted(police_sex, key=priority)

    def place(person: TruePerson, agency: str, referred_by: str, after: date) -> Shelter:
        intake = min(builder.year_end, after + timedelta(days=rng.randint(0, 10)))
        stay = Shelter(agency, intake, referred_by)
        stay.exit_date = intake + timedelta(days=rng.randint(20, 300))
        if stay.exit_date > builder.year_end:
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
            person.rescue_date or builder.year_start,
        )
    half = whi[: len(whi) // 2]
    afesip_from_whi = half[: len(half) * 3 // 5]
    cwcc_from_whi = half[len(afesip_from_whi) :]
    afesip = afesip_from_whi + take(n("afesip_tip") - len(afesip_from_whi))
    for person in afesip:
        after = (
            person.shelters[-1].intake_date + timedelta(days=14)
            if person.shelters
            else person.mosavy_date or builder.year_start
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
            else person.mosavy_date or builder.year_start
        )
        stay = place(person, "CWCC", "WHI" if person in cwcc_from_whi else "police", after)
        if person.shelters[0] is not stay:
            person.shelters[0].exit_date, person.shelters[0].exit_to = stay.intake_date, "CWCC"
    for person in thai[: n("mosavy_thailand_sex")] + malaysia:
        place(
            person,
            "CWCC",
            "IOM" if person.returned_from else "self",
            person.mosavy_date or person.rescue_date or builder.year_start,
        )
    # HCC (Koh Kong): sex victims, and labour victims referred by other NGOs.
    for person in take(n("hcc_sex")):
        place(
            person,
            "HCC",
            rng.choice(("CWCC", "LICADHO", "World Vision")),
            person.mosavy_date or builder.year_start,
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
            person.mosavy_date or person.screening_date or builder.year_start,
        )
    koh_kong = province_by_code("09", builder.year)
    for _ in range(n("hcc_labour") - len(hcc_labour)):
        when = random_date(rng, builder.year_start, date(builder.year, 12, 15))
        case = builder.new_case("forced_labour", koh_kong, "Thailand")
        person = builder.victim("hcc_referral", "forced_labour", when, sex="M")
        person.destination = rng.choice(("Thailand", "Malaysia", "Koh Kong"))
        person.case_id = case.case_id
        person.rescue_date = when
        case.victims.append(person)
        place(person, "HCC", rng.choice(("LICADHO", "World Vision", "CWCC")), when)

    # Anomaly: a victim whose shelter intake is dated before the police rescue.
    early = [p for p in pool[:cursor] if p.moi_case_no and p.shelters]
    for person in early[: builder.n.at_least_one(2)]:
        stay = person.shelters[-1]
        stay.intake_date = (person.rescue_date or builder.year_end) - timedelta(
            days=rng.randint(5, 20)
        )
        stay.intake_date = max(builder.year_start, stay.intake_date)
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
            when = random_date(rng, builder.year_start, builder.year_end)
            person = builder.person("shelter_non_tip", sex="F", age_range=(8, 40), at=when)
            place(person, agency, rng.choice(("DOSAVY", "police", "self", "commune")), when)
            clients.append(person)
        others[agency] = clients
    return others


def network_shelter_intakes(builder: WorldBuilder) -> None:
    """Victims taken in by the shelters of one NGO network (one joint intake file)."""
    rng = builder.rng
    for _ in range(builder.n.at_least_one(BASE_COUNTS["network_shelter_intakes"])):
        intake = random_date(rng, builder.year_start, date(builder.year, 12, 15))
        exploitation: Exploitation = rng.choice(
            ("sexual_exploitation", "sexual_exploitation", "forced_labour", "begging")
        )
        victim = builder.victim("network_shelter", exploitation, intake)
        province, label = builder.domestic_place()
        case = builder.new_case(exploitation, province, label)
        victim.case_id = case.case_id
        victim.destination = label
        case.victims.append(victim)
        stay = Shelter(rng.choice(NETWORK_SHELTERS), intake, rng.choice(("commune", "self")))
        if rng.random() < 0.5:
            stay.exit_date = min(builder.year_end, intake + timedelta(days=rng.randint(30, 200)))
        victim.shelters.append(stay)
