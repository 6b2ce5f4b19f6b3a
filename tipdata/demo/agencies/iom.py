"""IOM returnee screening log (Poipet for Thailand, Bavet for Vietnam).

Most returnees are deported migrants who are not victims; they exist only here, so
they are drawn while the file is written, one day at a time, and streamed to
``ground_truth/persons.csv`` — the whole log is never held in memory.

Habits: screening date as "07-Mar-2008"; family name first; age; province of origin
with variants; indicator answers "yes"/"no" (sometimes empty for returnees with no
concern); the determination "victim" / "possible victim" / "not victim".
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from tipdata.demo.agencies.common import Context, FileResult, blank, written_age
from tipdata.demo.geography import draw_home_province, write_province
from tipdata.demo.names import Sex, draw_name, write_name
from tipdata.demo.output import CsvFile
from tipdata.demo.world import BASE_COUNTS, INDICATORS, TruePerson

AGENCY = "IOM"
STEM = "iom_poipet_screening"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HEADER = (
    "Screening No",
    "Screening Date",
    "Site",
    "Returned From",
    "Name",
    "Sex",
    "Age",
    "Province of Origin",
    *INDICATORS,
    "Determination",
)
# Deportations run every day but fewer at weekends.
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5)


def daily_counts(total: int, year: int) -> dict[date, int]:
    """Split a yearly total over the days of the year by weekday weight (largest remainder)."""
    days = [
        date(year, 1, 1) + timedelta(days=i)
        for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]
    weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(days)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(days, counts, strict=True))


def _person_id(person: TruePerson | None) -> str:
    return person.person_id if person else ""


def _returnee(ctx: Context, rng: random.Random, when: date) -> TruePerson:
    """A deported migrant returning from Thailand who is not a trafficking victim."""
    sex: Sex = "M" if rng.random() < 0.6 else "F"
    age = rng.randint(8, 17) if rng.random() < 0.054 else rng.randint(18, 50)
    birth = when - timedelta(days=365 * age + rng.randrange(365))
    person = TruePerson(
        person_id=ctx.next_person_id(),
        name=draw_name(rng, sex, "khmer"),
        sex=sex,
        birth_date=birth,
        nationality="KHM",
        home=draw_home_province(rng, ctx.year),
        group="iom_thailand_returnee",
        destination="Thailand",
        returned_from="Thailand",
        screening_date=when,
        determination="not victim",
    )
    person.indicators = {name: rng.random() < 0.02 for name in INDICATORS}
    person.indicators["minor_in_commercial_sex"] = False
    return person


def write(ctx: Context) -> FileResult:
    """Write ``iom_poipet_screening_<year>.csv``, streaming the returnees who are not victims.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("iom")
    draw_rng = ctx.rng("iom-returnees")
    name = ctx.file_name(STEM, "csv")
    out = CsvFile(ctx.out / name, HEADER)
    world = ctx.world
    known: dict[date, list[TruePerson]] = defaultdict(list)
    for person in world.thai_returnee_victims + world.vietnam_returnees:
        assert person.screening_date is not None
        known[person.screening_date].append(person)
    thailand_total = max(0, int(BASE_COUNTS["iom_thailand_returnees"] * world.scale + 0.5))
    others = max(0, thailand_total - len(world.thai_returnee_victims))
    per_day = daily_counts(others, ctx.year)
    expected = others + len(world.thai_returnee_victims) + len(world.vietnam_returnees)
    for day, count in per_day.items():
        slots: list[TruePerson | None] = [None] * count
        slots += sorted(known.get(day, []), key=_person_id)
        rng.shuffle(slots)
        for slot in slots:
            if slot is None:
                person = _returnee(ctx, draw_rng, day)
                ctx.truth.person(person)
            else:
                person = slot
            ref = f"IOM-{ctx.year}-{out.rows + 1:07d}"
            row = out.write(_row(ref, day, person, rng))
            ctx.truth.record(name, row, ref, AGENCY, person.person_id, person.case_id)
        if day.day == 1:
            ctx.tick(out.rows, expected)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, AGENCY, out.rows)


def _row(ref: str, day: date, person: TruePerson, rng: random.Random) -> list[object]:
    written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.05, swap_rate=0.08)
    site = "Poipet" if person.returned_from == "Thailand" else "Bavet"
    skip = person.determination == "not victim" and rng.random() < 0.1
    answers = ["" if skip else ("yes" if person.indicators.get(k) else "no") for k in INDICATORS]
    return [
        ref,
        f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}",
        site,
        person.returned_from,
        written.family_first(),
        person.sex,
        written_age(person, day, rng, 0.1),
        blank(write_province(person.home, rng, variant_rate=0.3), rng, 0.05),
        *answers,
        person.determination,
    ]
