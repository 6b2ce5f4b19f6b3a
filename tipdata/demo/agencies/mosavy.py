"""MOSAVY register of victims referred by police and returned from Thailand and Vietnam.

Habits: an XLSX sheet; dates as day/month/year *text* ("07/03/2008"); date of birth
as full text date, a bare birth year, or empty; a Khmer-script name for part of
the rows (some rows have only the Khmer name); exploitation coded Sex / Labour
(begging and domestic servitude count as labour); several spellings of "police".
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from tipdata.demo.agencies.common import Context, FileResult, blank
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import dmy, write_xlsx
from tipdata.demo.world import TruePerson

AGENCY = "MOSAVY"
STEM = "mosavy_victims"
HEADER = (
    "No.",
    "Ref No",
    "Name",
    "Name (Khmer)",
    "Sex",
    "Date of Birth",
    "Province",
    "Type of Exploitation",
    "Referral Source",
    "Received From",
    "Date Received",
    "Placement",
    "Remarks",
)
POLICE_FORMS = ("Police", "Police", "Anti-Trafficking Police", "Provincial Police", "police")
SOURCE_FORMS = {
    "iom_thailand": ("IOM Poipet", "IOM", "Thai Authorities"),
    "iom_vietnam": ("IOM Bavet", "IOM", "Vietnamese Authorities"),
}
RECEIVED_FROM = {
    "police": ("Cambodia", "Cambodia", ""),
    "iom_thailand": ("Thailand", "Thailand", "THAILAND"),
    "iom_vietnam": ("Vietnam", "Vietnam", "VIETNAM", "Viet Nam"),
}
SEX_FORMS = {"F": ("F", "F", "Female", "ស្រី"), "M": ("M", "M", "Male", "ប្រុស")}


def write(ctx: Context) -> FileResult:
    """Write ``mosavy_victims_<year>.xlsx``.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("mosavy")
    name = ctx.file_name(STEM, "xlsx")
    people = sorted(
        (p for p in ctx.world.persons if p.mosavy_date is not None),
        key=lambda p: (p.mosavy_date, p.person_id),
    )

    def rows() -> Iterator[list[object]]:
        for number, person in enumerate(people, start=1):
            ref = f"MSV-{ctx.year}-{number:04d}"
            ctx.truth.record(name, number, ref, AGENCY, person.person_id, person.case_id)
            yield _row(number, ref, person, rng)

    count = write_xlsx(ctx.out / name, "Victims", HEADER, rows(), fixed_time=ctx.fixed_time)
    ctx.tick(count, count)
    return FileResult(name, AGENCY, count)


def _row(number: int, ref: str, person: TruePerson, rng: random.Random) -> list[object]:
    written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.04, khmer_rate=0.3)
    latin = written.family_first()
    if written.khmer and rng.random() < 0.25:
        latin = ""  # only the Khmer-script name was entered
    draw = rng.random()
    if draw < 0.45:
        birth = dmy(person.birth_date)
    elif draw < 0.9:
        birth = str(person.birth_date.year)
    else:
        birth = ""
    exploitation = "Sex" if person.exploitation == "sexual_exploitation" else "Labour"
    source = person.mosavy_source
    referral = rng.choice(POLICE_FORMS) if source == "police" else rng.choice(SOURCE_FORMS[source])
    placement = (
        person.shelters[0].agency if person.shelters else rng.choice(("Family", "Family", ""))
    )
    remarks = ""
    if person.returned_from and rng.random() < 0.3:
        remarks = "repatriated via transit centre"
    return [
        number,
        ref,
        latin,
        written.khmer or "",
        rng.choice(SEX_FORMS[person.sex]),
        birth,
        blank(write_province(person.home, rng, variant_rate=0.3, khmer_rate=0.1), rng, 0.03),
        exploitation,
        referral,
        rng.choice(RECEIVED_FROM[source]),
        dmy(person.mosavy_date),
        placement,
        remarks,
    ]
