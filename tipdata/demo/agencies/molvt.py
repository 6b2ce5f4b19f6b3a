"""MOLVT Labour Migration Information System: licensed departures.

The 2009 report gives no departure volume (only that 17 recruitment agencies were
licensed, seed line 273); the yearly totals by destination are assumptions recorded
in ``targets.yaml``. Ordinary migrants exist only here and are streamed; the few
who come back as domestic-servitude victims (seen later by CWCC) are placed in the
log on their departure day.

Habits: worker name in capitals, family first, as in the passport; ISO dates; the
agency's licence number and name; destination country; sector.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from tipdata.demo.agencies.common import Context, FileResult
from tipdata.demo.agencies.iom import daily_counts
from tipdata.demo.geography import draw_home_province
from tipdata.demo.names import Sex, draw_name, write_name
from tipdata.demo.output import CsvFile
from tipdata.demo.world import BASE_COUNTS, TruePerson

AGENCY = "MOLVT"
STEM = "molvt_lmis_departures"
HEADER = (
    "LMIS ID",
    "Worker Name",
    "Sex",
    "Date of Birth",
    "Passport No",
    "Agency Licence No",
    "Agency Name",
    "Destination",
    "Sector",
    "Departure Date",
)
# Invented recruitment-agency names (17 licensed companies, seed line 273).
AGENCY_NAMES = (
    "Kanhchana Workforce Co., Ltd.",
    "Mekong Bridge Manpower Co., Ltd.",
    "Rumduol Overseas Employment Co., Ltd.",
    "Tonle Labour Services Co., Ltd.",
    "Preah Khan Manpower Co., Ltd.",
    "Chhouk Sar Recruitment Co., Ltd.",
    "Sovann Phoum Human Resources Co., Ltd.",
    "Phnom Kulen Employment Co., Ltd.",
    "Kampuchea Skilled Workers Co., Ltd.",
    "Dei Meas Overseas Co., Ltd.",
    "Neak Poan Labour Export Co., Ltd.",
    "Srah Srang Manpower Co., Ltd.",
    "Bassac Workforce Co., Ltd.",
    "Romchang Recruitment Co., Ltd.",
    "Kbal Spean Employment Co., Ltd.",
    "Angkor Chey Labour Services Co., Ltd.",
    "Baray Overseas Manpower Co., Ltd.",
)
LICENCES = tuple(f"MOLVT/LIC/{n:03d}" for n in range(1, len(AGENCY_NAMES) + 1))
SECTORS = {
    "Malaysia": (("domestic work", 0.55), ("manufacturing", 0.3), ("plantation", 0.15)),
    "Thailand": (
        ("construction", 0.4),
        ("agriculture", 0.3),
        ("fishing", 0.15),
        ("manufacturing", 0.15),
    ),
    "South Korea": (("manufacturing", 0.75), ("agriculture", 0.15), ("fishing", 0.1)),
}
DESTINATION_KEYS = (
    ("Malaysia", "molvt_malaysia"),
    ("Thailand", "molvt_thailand"),
    ("South Korea", "molvt_south_korea"),
)


def _sector(destination: str, rng: random.Random, sex: str) -> str:
    if destination == "Malaysia" and sex == "F":
        return "domestic work" if rng.random() < 0.8 else "manufacturing"
    options = SECTORS[destination]
    return rng.choices([s for s, _ in options], weights=[w for _, w in options], k=1)[0]


def write(ctx: Context) -> FileResult:
    """Write ``molvt_lmis_departures_<year>.csv``, streaming ordinary migrants.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("molvt")
    draw_rng = ctx.rng("molvt-migrants")
    name = ctx.file_name(STEM, "csv")
    out = CsvFile(ctx.out / name, HEADER)
    known: dict[date, list[TruePerson]] = defaultdict(list)
    labour = ctx.world.labour
    followed = ctx.world.malaysia_migrant_victims + (
        [w.person for w in labour.workers] if labour else []
    )
    for person in followed:
        assert person.departure is not None
        known[person.departure[2]].append(person)
    totals = {
        dest: max(0, int(BASE_COUNTS[key] * ctx.world.scale + 0.5))
        for dest, key in DESTINATION_KEYS
    }
    totals["Malaysia"] = max(0, totals["Malaysia"] - len(followed))
    per_destination = {dest: daily_counts(total, ctx.year) for dest, total in totals.items()}
    agency_weights = [rng.uniform(0.3, 3.0) for _ in LICENCES]
    passport_seq = 0
    day = date(ctx.year, 1, 1)
    while day.year == ctx.year:
        slots: list[tuple[str, TruePerson | None]] = [
            (dest, None) for dest in totals for _ in range(per_destination[dest][day])
        ]
        slots += [("Malaysia", p) for p in sorted(known.get(day, []), key=lambda p: p.person_id)]
        rng.shuffle(slots)
        for destination, slot in slots:
            if slot is None:
                sex: Sex = (
                    "M" if rng.random() < (0.35 if destination == "Malaysia" else 0.7) else "F"
                )
                age = draw_rng.randint(18, 40)
                person = TruePerson(
                    person_id=ctx.next_person_id(),
                    name=draw_name(draw_rng, sex, "khmer"),
                    sex=sex,
                    birth_date=day - timedelta(days=365 * age + draw_rng.randrange(365)),
                    nationality="KHM",
                    home=draw_home_province(draw_rng, ctx.year),
                    group="molvt_migrant",
                    destination=destination,
                )
                ctx.truth.person(person)
            else:
                person = slot
            licence_index = rng.choices(range(len(LICENCES)), weights=agency_weights, k=1)[0]
            if person.departure is not None and person.departure[0] in LICENCES:
                licence_index = LICENCES.index(person.departure[0])
            passport_seq += 1
            ref = f"LMIS-{ctx.year}-{out.rows + 1:06d}"
            written = write_name(person.name, rng, variant_rate=0.15, typo_rate=0.02)
            row = out.write(
                [
                    ref,
                    written.family_first().upper(),
                    person.sex,
                    person.birth_date.isoformat(),
                    person.passport
                    or f"N{(passport_seq * 7919 + ctx.seed * 104729) % 10_000_000:07d}",
                    LICENCES[licence_index],
                    AGENCY_NAMES[licence_index],
                    destination,
                    _sector(destination, rng, person.sex),
                    day.isoformat(),
                ]
            )
            ctx.truth.record(name, row, ref, AGENCY, person.person_id, person.case_id)
        if day.day == 1:
            ctx.tick(out.rows, sum(totals.values()))
        day += timedelta(days=1)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, AGENCY, out.rows)
