"""The demo world's court cases: charges, defendants and verdicts of the year's trafficking
cases, and the foreign child-sex arrests; each phase a function of the
:class:`~tipdata.demo.builder.WorldBuilder`.

Split out of ``world.py`` (issue 16) whole: the random draws are the same, in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tipdata.demo.geography import province_by_code
from tipdata.demo.names import draw_name
from tipdata.demo.world import (
    BASE_COUNTS,
    CROSS_BORDER_COURTS,
    PROVINCIAL_COURTS,
    CourtCase,
    Exploitation,
    OffenceGroup,
    TrueCase,
    TrueCharge,
    TruePerson,
    Verdict,
    random_date,
    sentence_range,
)

if TYPE_CHECKING:
    from tipdata.demo.builder import WorldBuilder


def draw_court_cases(
    builder: WorldBuilder, police_sex: list[TruePerson], returnees: list[TruePerson]
) -> None:
    """Decide the year's court cases: Phnom Penh, provincial TIP and cross-border."""
    n, rng = builder.n, builder.rng
    court_seq: dict[str, int] = {}
    used_defendants: set[str] = set()
    y = builder.year

    def court_case(code: str, group: OffenceGroup, verdict_date: date) -> CourtCase:
        key = "PPMC" if code == "12" else f"COURT-{code}"
        court_seq[key] = court_seq.get(key, 0) + 1
        province = province_by_code(code, y)
        name = (
            "Phnom Penh Municipal Court" if code == "12" else f"{province.name_en} Provincial Court"
        )
        number = f"{court_seq[key]:03d}/{y}" if code == "12" else f"{code}-{court_seq[key]:02d}/{y}"
        return CourtCase(key, name, number, verdict_date, group)

    def charge(case: TrueCase, defendant: TruePerson, article: int, verdict: Verdict) -> TrueCharge:
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
            result.compensation_riel = rng.choice((0, 2_000_000, 5_000_000, 10_000_000, 15_000_000))
            result.appealed = rng.random() < 0.2
        return result

    def arrested_cases(pool: Sequence[TruePerson], latest: date) -> Iterator[TrueCase]:
        seen: set[str] = set()
        by_id = {c.case_id: c for c in builder.cases}
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
            case = builder.new_case(exploitation, province, destination)
            arrest = random_date(rng, date(y - 1, 6, 1), date(y - 1, 12, 31))
            case.arrest_date = arrest
            suspect = builder.suspect("earlier_suspect", arrest)
            suspect.arrest_date = arrest
            suspect.case_id = case.case_id
            case.suspects.append(suspect)
            for _ in range(rng.choice((1, 1, 2))):
                victim = builder.victim("earlier_victim", exploitation, arrest)
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
                start = (case.arrest_date or builder.year_start) + timedelta(days=45)
                start = max(start, builder.year_start)
                verdict_date = random_date(rng, min(start, builder.year_end), builder.year_end)
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
    out_of_range = builder.n.at_least_one(2)
    for result in convicted[2 : 2 + out_of_range]:
        # Outside Art 15's range for any victim's age (base 84-180, aggravated 180-240).
        result.sentence_months = rng.choice((36, 48, 60, 252, 264))
        result.anomaly = "sentence_outside_range"
    suspended = builder.n.at_least_one(2)
    for result in convicted[2 + out_of_range : 2 + out_of_range + suspended]:
        result.suspended_months = min(result.sentence_months, rng.choice((12, 24, 36)))
        result.anomaly = "suspended_trafficking_sentence"

    child_pairs = defendants_for(
        builder.n.at_least_one(BASE_COUNTS["ppmc_child_abuse_convicted"]),
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
                extra = builder.victim("earlier_victim", "sexual_exploitation", builder.year_start)
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
        case = builder.new_case("forced_labour", province_by_code(code, y), country)
        arrest_victims = [p for p in pool[:3] if not p.case_id][: rng.choice((1, 1, 2, 3))]
        pool = pool[len(arrest_victims) :]
        earliest = (
            max((p.screening_date or builder.year_start) for p in arrest_victims)
            if arrest_victims
            else date(y, 1, 15)
        )
        case.arrest_date = min(date(y, 10, 31), earliest + timedelta(days=rng.randint(3, 40)))
        for victim in arrest_victims:
            victim.case_id = case.case_id
            case.victims.append(victim)
        for _ in range(min(rng.choice((1, 1, 2)), cb_total - len(cb_pairs))):
            suspect = builder.suspect("cross_border_suspect", case.arrest_date)
            suspect.arrest_date = case.arrest_date
            suspect.case_id = case.case_id
            case.suspects.append(suspect)
            cb_pairs.append((case, suspect))
    verdicts = ["convicted"] * n("cross_border_convicted")
    verdicts += ["acquitted"] * (cb_total - len(verdicts))
    codes = {case.case_id: case.province.code for case, _ in cb_pairs}
    attach(cb_pairs, codes, "cross_border_transfer", verdicts, 11)


def foreign_child_sex_arrests(builder: WorldBuilder) -> None:
    """Foreign men arrested by the Siem Reap provincial police with child victims.

    Their arrest log (``tipdata.demo.agencies.police.write_provincial``) records no
    victim ages: "foreign child sex offenders arrested" cannot be told from it.
    """
    rng = builder.rng
    siem_reap = province_by_code("17", builder.year)
    for _ in range(builder.n.at_least_one(BASE_COUNTS["srp_foreign_child_sex_arrests"])):
        arrest = random_date(rng, date(builder.year, 2, 1), date(builder.year, 11, 30))
        case = builder.new_case("sexual_exploitation", siem_reap, "Siem Reap")
        case.arrest_date = arrest
        suspect = builder.person(
            "srp_foreign_suspect", sex="M", age_range=(35, 65), at=arrest, ethnicity="foreign"
        )
        suspect.is_suspect = True
        suspect.arrest_date = arrest
        suspect.case_id = case.case_id
        case.suspects.append(suspect)
        for _ in range(rng.choice((1, 1, 2))):
            victim = builder.victim("srp_child_victim", "sexual_exploitation", arrest)
            victim.birth_date = arrest - timedelta(days=365 * rng.randint(11, 16) + 30)
            victim.case_id = case.case_id
            victim.rescue_date = arrest
            victim.rescue_province = siem_reap
            victim.destination = "Siem Reap"
            case.victims.append(victim)
