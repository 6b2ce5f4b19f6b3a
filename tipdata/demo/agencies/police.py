"""MOI police register: one row per person per case, April to December.

Habits: the role is sometimes written in Khmer; names family-first in Latin with
romanisation variants; sex M/F; age (not birth date), sometimes a year off; province
name variants; the event date (rescue or arrest) as dd-mm-yyyy; a short exploitation code.
"""

from __future__ import annotations

import random

from tipdata.demo.agencies.common import Context, FileResult, blank, written_age
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import CsvFile, dmy
from tipdata.demo.world import TrueCase, TruePerson

AGENCY = "MOI"
STEM = "moi_police_register"
HEADER = (
    "No",
    "Person Ref",
    "Case No",
    "Role",
    "Name",
    "Sex",
    "Age",
    "Nationality",
    "Home Province",
    "Event Date",
    "Exploitation",
    "Destination",
    "Case Status",
)
ROLE_FORMS = {
    "victim": ("victim", "victim", "victim", "ជនរងគ្រោះ"),
    "suspect": ("suspect", "suspect", "ជនសង្ស័យ"),
}
EXPLOITATION_CODES = {
    "sexual_exploitation": "sex",
    "forced_labour": "labour",
    "begging": "begging",
    "domestic_servitude": "domestic",
    "forced_marriage": "marriage",
}
NATIONALITY_WORDS = {"KHM": "Khmer", "VNM": "Vietnamese", "THA": "Thai", "CHN": "Chinese", "": ""}


def write(ctx: Context) -> FileResult:
    """Write ``moi_police_register_<year>.csv``.

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("moi")
    name = ctx.file_name(STEM, "csv")
    out = CsvFile(ctx.out / name, HEADER)
    cases = sorted((c for c in ctx.world.cases if c.moi_case_no), key=lambda c: c.moi_case_no)
    for case in cases:
        people: list[tuple[str, TruePerson]] = [("suspect", s) for s in case.suspects]
        people += [("victim", v) for v in case.victims if v.moi_case_no]
        for index, (role, person) in enumerate(people, start=1):
            ref = f"{case.moi_case_no}/{index:02d}"
            row = out.write(_row(out.rows + 1, ref, case, role, person, rng))
            ctx.truth.record(name, row, ref, AGENCY, person.person_id, case.case_id)
            for anomaly in person.anomalies:
                if anomaly == "identified_not_referred":
                    ctx.truth.anomaly(
                        anomaly,
                        name,
                        row,
                        ref,
                        person.person_id,
                        "victim rescued by police but never referred to MOSAVY or a shelter",
                    )
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, AGENCY, out.rows)


def _row(
    number: int, ref: str, case: TrueCase, role: str, person: TruePerson, rng: random.Random
) -> list[object]:
    written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.05, swap_rate=0.05)
    event = person.rescue_date if role == "victim" else person.arrest_date
    assert event is not None
    status = "arrested" if case.suspects else rng.choice(("at large", "at large", "no suspect"))
    return [
        number,
        ref,
        case.moi_case_no,
        rng.choice(ROLE_FORMS[role]),
        written.family_first(),
        person.sex,
        blank(str(written_age(person, event, rng, 0.12)), rng, 0.05),
        blank(NATIONALITY_WORDS.get(person.nationality, person.nationality), rng, 0.2),
        blank(write_province(person.home, rng, variant_rate=0.35), rng, 0.04),
        dmy(event, "-"),
        EXPLOITATION_CODES[case.exploitation],
        case.destination,
        status,
    ]


PROVINCIAL_AGENCY = "POLICE-17"
PROVINCIAL_STEM = "police_srp_arrests"
PROVINCIAL_HEADER = (
    "Log No",
    "Case",
    "Date",
    "Role",
    "Name",
    "Sex",
    "Nationality",
    "Offence",
)
NATIONALITY_ADJECTIVES = {"FRA": "French", "DEU": "German", "USA": "American", "GBR": "British"}
OFFENCE_WORDS = ("child prostitution", "sexual exploitation of a minor", "debauchery")


def write_provincial(ctx: Context) -> FileResult:
    """Write ``police_srp_arrests_<year>.csv``: the Siem Reap provincial police arrest log.

    One row per person per case (the arrested foreigner, then the children rescued), in a
    layout that records **no ages**: which victims were children is not in the file, so
    "foreign child sex offenders arrested" cannot be produced from it (the report says
    "not recorded", naming the missing field).

    Args:
        ctx: the run context.

    Returns:
        The file written and its row count.
    """
    rng = ctx.rng("police-srp")
    name = ctx.file_name(PROVINCIAL_STEM, "csv")
    out = CsvFile(ctx.out / name, PROVINCIAL_HEADER)
    cases = [
        c for c in ctx.world.cases if any(s.group == "srp_foreign_suspect" for s in c.suspects)
    ]
    cases.sort(key=lambda c: (c.arrest_date, c.case_id))
    for number, case in enumerate(cases, start=1):
        assert case.arrest_date is not None
        case_no = f"SRP/{ctx.year}/{number:03d}"
        people = [("suspect", s) for s in case.suspects] + [("victim", v) for v in case.victims]
        for index, (role, person) in enumerate(people, start=1):
            ref = f"{case_no}-{index}"
            written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.04)
            row = out.write(
                [
                    ref,
                    case_no,
                    dmy(case.arrest_date),
                    {"suspect": "arrested", "victim": "rescued"}[role],
                    written.family_first() if role == "suspect" else written.given_first(),
                    person.sex,
                    NATIONALITY_ADJECTIVES.get(person.nationality)
                    or NATIONALITY_WORDS.get(person.nationality, person.nationality),
                    rng.choice(OFFENCE_WORDS),
                ]
            )
            ctx.truth.record(name, row, ref, PROVINCIAL_AGENCY, person.person_id, case.case_id)
            if role == "victim":  # the children are in no referral or shelter register
                ctx.truth.anomaly(
                    "identified_not_referred",
                    name,
                    row,
                    ref,
                    person.person_id,
                    "child rescued by the Siem Reap police, never referred to MOSAVY or a shelter",
                )
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, PROVINCIAL_AGENCY, out.rows)
