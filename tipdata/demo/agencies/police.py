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
