"""A partner country's hand-over list and an NGO's follow-up register.

* Thai MSDHS hand-over list (CSV, agency ``THA-MSDHS``): the victims Thailand hands
  over at Poipet, typed by a Thai official: dates in the Buddhist Era (Thai digits now
  and then), ages with units (``14 yrs``), ``-`` for not known, a title before the
  name (``Ms.``, ``Nangsao``) and sometimes a nickname in brackets. Some victims are
  handed over a second time later in the year: they were trafficked again after the
  first repatriation (``ground_truth/retrafficked.csv``).
* CWCC follow-up register (CSV): the CWCC shelter's trafficking victims who went home
  to their family, visited 1, 3 and 6 months after leaving while the year lasts, with
  the reintegration status found at each visit (``ground_truth/followups.csv``).

The decisions (who is handed over again, when, what a visit finds) are drawn here
from the writer's own random stream, from the world's true pathways; the world itself
is not changed, so every other agency's file stays as it was.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta

from tipdata.demo.agencies.common import Context, FileResult, written_age
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import CsvFile
from tipdata.demo.world import TruePerson

RETRAFFICKED_SHARE = 0.08
"""Share of the victims handed over by Thailand who are handed over again in the year."""

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
FOLLOW_UP_AFTER = (30, 91, 182)
"""Days after leaving the shelter of the 1-, 3- and 6-month follow-up visits."""

STATUSES = ("Reintegrated", "In progress", "Lost contact", "Re-trafficked")


@dataclass(frozen=True, slots=True)
class HandOver:
    """One hand-over of a victim by the Thai authorities."""

    person: TruePerson
    when: date
    again: bool


def hand_overs(ctx: Context, rng: random.Random) -> list[HandOver]:
    """Every hand-over of the year: each Thai returnee victim once, some twice."""
    year_end = date(ctx.year, 12, 31)
    victims = [
        p for p in ctx.world.thai_returnee_victims if p.is_victim and p.screening_date is not None
    ]
    first = [HandOver(p, p.screening_date, False) for p in victims if p.screening_date]
    early = [h for h in first if (year_end - h.when).days >= 60]
    count = min(len(early), max(1, round(RETRAFFICKED_SHARE * len(first))))
    again = [
        HandOver(h.person, h.when + timedelta(days=rng.randint(45, (year_end - h.when).days)), True)
        for h in rng.sample(early, count)
    ]
    return sorted(first + again, key=lambda h: (h.when, h.person.person_id, h.again))


def _be_date(value: date, rng: random.Random) -> str:
    text = f"{value.day:02d}/{value.month:02d}/{value.year + 543}"
    return text.translate(THAI_DIGITS) if rng.random() < 0.15 else text


def _title(person: TruePerson, age: int, rng: random.Random) -> str:
    if person.sex == "M":
        return rng.choice(("Mr.", "Mr.", "Nai", "MR"))
    if age < 20:
        return rng.choice(("Miss", "Nangsao", "Ms."))
    return rng.choice(("Ms.", "Mrs.", "MS."))


def _with_nickname(name: str, given: str, rng: random.Random) -> str:
    if rng.random() >= 0.2:
        return name
    return f"{name} (A {given.split()[-1].title()})"


def write_thai_handover(ctx: Context) -> FileResult:
    """Write ``th_msdhs_handover_<year>.csv`` and ``ground_truth/retrafficked.csv``."""
    rng = ctx.rng("thai-handover")
    name = ctx.file_name("th_msdhs_handover", "csv")
    out = CsvFile(
        ctx.out / name,
        ("No", "Name", "Sex", "Age", "Handed over", "Province", "Received by", "Remark"),
    )
    firsts: dict[str, date] = {}
    again: list[tuple[str, date, date]] = []
    for hand_over in hand_overs(ctx, rng):
        person = hand_over.person
        ref = f"TH-{ctx.year + 543}-{out.rows + 1:03d}"
        written = write_name(person.name, rng, variant_rate=0.5, typo_rate=0.06, swap_rate=0.1)
        age = written_age(person, hand_over.when, rng, 0.15)
        full = f"{_title(person, age, rng)} {written.given} {written.family.upper()}"
        row = out.write(
            [
                ref,
                _with_nickname(full, written.given, rng),
                person.sex,
                "-" if rng.random() < 0.1 else rng.choice((f"{age} yrs", f"{age}y", str(age))),
                _be_date(hand_over.when, rng),
                write_province(person.home, rng, variant_rate=0.3),
                "MOSAVY" if person.mosavy_source else "IOM",
                "handed over again" if hand_over.again else "-",
            ]
        )
        ctx.truth.record(name, row, ref, "THA-MSDHS", person.person_id, person.case_id)
        if hand_over.again:
            again.append((person.person_id, firsts[person.person_id], hand_over.when))
        else:
            firsts[person.person_id] = hand_over.when
    out.close()
    with (ctx.truth.dir / "retrafficked.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("true_person_id", "first_hand_over", "handed_over_again"))
        for person_id, first_date, again_date in sorted(again):
            writer.writerow((person_id, first_date.isoformat(), again_date.isoformat()))
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "THA-MSDHS", out.rows)


def _visits(leaving: date, year_end: date, rng: random.Random) -> list[tuple[date, str]]:
    """The follow-up visits after leaving the shelter, each with what it found."""
    found: list[tuple[date, str]] = []
    status = ""
    for days in FOLLOW_UP_AFTER:
        when = leaving + timedelta(days=days + rng.randint(-5, 5))
        if when > year_end or status in ("Lost contact", "Re-trafficked"):
            break
        if status == "Reintegrated":
            status = "Reintegrated" if rng.random() < 0.9 else "In progress"
        else:
            status = rng.choices(STATUSES, weights=(35, 45, 12, 8))[0]
        found.append((when, status))
    return found


def write_cwcc_followup(ctx: Context) -> FileResult:
    """Write ``ngo_cwcc_followup_<year>.csv`` and ``ground_truth/followups.csv``."""
    rng = ctx.rng("cwcc-followup")
    name = ctx.file_name("ngo_cwcc_followup", "csv")
    year_end = date(ctx.year, 12, 31)
    header = ["Case No", "Client", "Sex", "Age", "Left shelter", "Village/Province"]
    for number in range(1, len(FOLLOW_UP_AFTER) + 1):
        header += [f"Visit {number}", f"Status {number}"]
    out = CsvFile(ctx.out / name, header)
    truth: list[tuple[str, date, str]] = []
    leavers = sorted(
        (
            (person, stay)
            for person in ctx.world.persons
            for stay in person.shelters
            if stay.agency == "CWCC"
            and stay.exit_date is not None
            and stay.exit_to == "family"
            and person.is_victim
            and person.exploitation is not None
        ),
        key=lambda pair: (pair[1].exit_date or year_end, pair[0].person_id),
    )
    for person, stay in leavers:
        assert stay.exit_date is not None
        visits = _visits(stay.exit_date, year_end, rng)
        if not visits:
            continue
        ref = f"CWCC-FU/{ctx.year % 100:02d}/{out.rows + 1:03d}"
        written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.04, swap_rate=0.1)
        cells: list[object] = [
            ref,
            written.given_first(),
            person.sex,
            written_age(person, stay.exit_date, rng, 0.1),
            stay.exit_date.strftime("%d/%m/%y"),
            write_province(person.home, rng, variant_rate=0.3),
        ]
        for index in range(len(FOLLOW_UP_AFTER)):
            if index < len(visits):
                when, status = visits[index]
                cells += [when.strftime("%d/%m/%y"), "-" if rng.random() < 0.05 else status]
                truth.append((person.person_id, when, status if cells[-1] != "-" else ""))
            else:
                cells += ["", ""]
        row = out.write(cells)
        ctx.truth.record(name, row, ref, "CWCC", person.person_id, person.case_id)
    out.close()
    with (ctx.truth.dir / "followups.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("true_person_id", "visit_date", "status"))
        for person_id, when, status in truth:
            writer.writerow((person_id, when.isoformat(), status))
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "CWCC", out.rows)
