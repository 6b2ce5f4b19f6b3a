"""NGO shelter intake registers, each in its own layout.

* CWCC (CSV): full name in one column, date of birth as an ISO date, admission date ISO.
* AFESIP (XLSX): family and given name split, a Khmer-name column, age at intake,
  intake date as a real spreadsheet date; every resident, trafficking or not.
* World Hope (CSV): semicolon-delimited, UTF-8 with BOM, CRLF, dates dd.mm.yyyy,
  birth year only, "TIP (Y/N)".
* HCC (CSV): Koh Kong shelter, one name column, age, date in as "07 Mar 2008".
* An NGO network's joint file (CSV, owned by COSECAM): its member shelters' intakes, a
  ``Shelter`` column naming the shelter, some intake dates left blank.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date

from tipdata.demo.agencies.common import Context, FileResult, blank, written_age
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import GROUND_TRUTH_DIR, CsvFile, dmy, write_xlsx
from tipdata.demo.world import Shelter, TruePerson

FOREIGN = ("Thailand", "Malaysia", "Vietnam")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _stays(ctx: Context, agency: str) -> list[tuple[TruePerson, Shelter]]:
    stays = [
        (person, stay)
        for person in ctx.world.persons
        for stay in person.shelters
        if stay.agency == agency
    ]
    stays.sort(key=lambda pair: (pair[1].intake_date, pair[0].person_id))
    return stays


def _anomalies(
    ctx: Context, name: str, row: int, ref: str, person: TruePerson, agency: str
) -> None:
    if f"sheltered_before_rescued:{agency}" in person.anomalies:
        ctx.truth.anomaly(
            "sheltered_before_rescued",
            name,
            row,
            ref,
            person.person_id,
            f"intake at {agency} dated before the police rescue on {person.rescue_date}",
        )


def _is_tip(person: TruePerson) -> bool:
    return person.is_victim and person.exploitation is not None


def _cross_border(person: TruePerson) -> bool:
    return bool(person.returned_from) or person.destination in FOREIGN


def write_cwcc(ctx: Context) -> FileResult:
    """Write ``ngo_cwcc_intake_<year>.csv``."""
    rng = ctx.rng("cwcc")
    name = ctx.file_name("ngo_cwcc_intake", "csv")
    out = CsvFile(
        ctx.out / name,
        (
            "Case No",
            "Full Name",
            "Sex",
            "DOB",
            "Age",
            "Home Province",
            "Admission Date",
            "Case Type",
            "Cross-border",
            "Referred By",
            "Exit Date",
            "Exit Reason",
        ),
    )
    for person, stay in _stays(ctx, "CWCC"):
        ref = f"CWCC/{ctx.year % 100:02d}/{out.rows + 1:03d}"
        written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.05, swap_rate=0.1)
        if _is_tip(person):
            kind = "sex" if person.exploitation == "sexual_exploitation" else "labour"
            case_type = f"Trafficking - {kind}"
        else:
            case_type = rng.choice(("Domestic violence", "Rape", "Domestic violence"))
        row = out.write(
            [
                ref,
                written.given_first(),
                person.sex,
                blank(person.birth_date.isoformat(), rng, 0.3),
                written_age(person, stay.intake_date, rng, 0.1),
                write_province(person.home, rng, variant_rate=0.3),
                stay.intake_date.isoformat(),
                case_type,
                "Y" if _is_tip(person) and _cross_border(person) else "N",
                stay.referred_by,
                stay.exit_date.isoformat() if stay.exit_date else "",
                ("reintegrated" if stay.exit_to == "family" else f"transferred to {stay.exit_to}")
                if stay.exit_date
                else "",
            ]
        )
        ctx.truth.record(name, row, ref, "CWCC", person.person_id, person.case_id)
        _anomalies(ctx, name, row, ref, person, "CWCC")
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "CWCC", out.rows)


def write_afesip(ctx: Context) -> FileResult:
    """Write ``ngo_afesip_intake_<year>.xlsx``."""
    rng = ctx.rng("afesip")
    name = ctx.file_name("ngo_afesip_intake", "xlsx")
    stays = _stays(ctx, "AFESIP")

    def rows() -> Iterator[list[object]]:
        for number, (person, stay) in enumerate(stays, start=1):
            ref = f"AF-{ctx.year}-{number:03d}"
            written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.04, khmer_rate=0.4)
            if _is_tip(person):
                category = "Trafficking victim"
            else:
                category = rng.choice(("At risk", "Sexual abuse", "Other", "At risk"))
            if stay.exit_date is None:
                status = "in residence"
            else:
                status = (
                    "reintegrated" if stay.exit_to == "family" else f"transferred to {stay.exit_to}"
                )
            ctx.truth.record(name, number, ref, "AFESIP", person.person_id, person.case_id)
            _anomalies(ctx, name, number, ref, person, "AFESIP")
            yield [
                ref,
                written.family,
                written.given,
                written.khmer or "",
                "Female" if person.sex == "F" else "Male",
                written_age(person, stay.intake_date, rng, 0.1),
                write_province(person.home, rng, variant_rate=0.3, khmer_rate=0.05),
                stay.intake_date,
                category,
                stay.referred_by,
                status,
            ]

    count = write_xlsx(
        ctx.out / name,
        "Intake",
        (
            "Ref No",
            "Family Name",
            "Given Name",
            "Khmer Name",
            "Sex",
            "Age at Intake",
            "Province of Origin",
            "Intake Date",
            "Category",
            "Referred By",
            "Status",
        ),
        rows(),
        fixed_time=ctx.fixed_time,
    )
    ctx.tick(count, count)
    return FileResult(name, "AFESIP", count)


def write_whi(ctx: Context) -> FileResult:
    """Write ``ngo_whi_intake_<year>.csv`` (semicolons, UTF-8 with BOM, CRLF)."""
    rng = ctx.rng("whi")
    name = ctx.file_name("ngo_whi_intake", "csv")
    out = CsvFile(
        ctx.out / name,
        (
            "Client ID",
            "Client name",
            "Gender",
            "Birth year",
            "Province",
            "Referral agency",
            "Intake",
            "TIP (Y/N)",
            "Exploitation",
            "Discharged to",
            "Discharge date",
        ),
        delimiter=";",
        encoding="utf-8-sig",
        lineterminator="\r\n",
    )
    for person, stay in _stays(ctx, "WHI"):
        ref = f"WHI{ctx.year % 100:02d}-{out.rows + 1:03d}"
        written = write_name(person.name, rng, variant_rate=0.4, typo_rate=0.06, swap_rate=0.15)
        client = written.given_first()
        if rng.random() < 0.2:
            client = client.upper()
        tip = _is_tip(person)
        row = out.write(
            [
                ref,
                client,
                "female" if person.sex == "F" else "male",
                blank(
                    str(
                        person.birth_date.year + (rng.choice((-1, 1)) if rng.random() < 0.1 else 0)
                    ),
                    rng,
                    0.1,
                ),
                write_province(person.home, rng, variant_rate=0.4),
                {"police": "Police", "DOSAVY": "DoSVY"}.get(stay.referred_by, stay.referred_by),
                dmy(stay.intake_date, "."),
                "Y" if tip else "N",
                (
                    "sexual exploitation"
                    if person.exploitation == "sexual_exploitation"
                    else "labour"
                )
                if tip
                else "rape",
                (stay.exit_to or "") if stay.exit_date else "",
                dmy(stay.exit_date, ".") if stay.exit_date else "",
            ]
        )
        ctx.truth.record(name, row, ref, "WHI", person.person_id, person.case_id)
        _anomalies(ctx, name, row, ref, person, "WHI")
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "WHI", out.rows)


def _dd_mon_yyyy(value: date) -> str:
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def write_hcc(ctx: Context) -> FileResult:
    """Write ``ngo_hcc_intake_<year>.csv`` (Koh Kong shelter)."""
    rng: random.Random = ctx.rng("hcc")
    name = ctx.file_name("ngo_hcc_intake", "csv")
    out = CsvFile(
        ctx.out / name,
        ("ID", "Name", "Sex", "Age", "Home", "Date In", "Type", "Referred By NGO", "Exploited In"),
    )
    for person, stay in _stays(ctx, "HCC"):
        ref = f"HCC-KK-{ctx.year}-{out.rows + 1:03d}"
        written = write_name(person.name, rng, variant_rate=0.4, typo_rate=0.05, swap_rate=0.1)
        row = out.write(
            [
                ref,
                written.family_first(),
                person.sex,
                written_age(person, stay.intake_date, rng, 0.15),
                blank(write_province(person.home, rng, variant_rate=0.4), rng, 0.08),
                _dd_mon_yyyy(stay.intake_date),
                "sex" if person.exploitation == "sexual_exploitation" else "labour",
                stay.referred_by,
                person.destination,
            ]
        )
        ctx.truth.record(name, row, ref, "HCC", person.person_id, person.case_id)
        _anomalies(ctx, name, row, ref, person, "HCC")
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "HCC", out.rows)


NETWORK_AGENCY = "COSECAM"
NETWORK_STEM = "ngo_network_intake"
SHELTER_FORMS: dict[str, tuple[str, ...]] = {
    "HAGAR": ("Hagar", "Hagar Cambodia", "HAGAR shelter"),
    "SSC": ("SSC", "Social Services of Cambodia"),
    "FI": ("Friends International", "Mith Samlanh"),
    "WVC": ("World Vision", "World Vision Cambodia"),
}
"""How the network's clerks name each member shelter in the ``Shelter`` column."""
UNDATED_EVERY = 8
"""Every 8th row of the network's file (the 2nd, 10th, ...) has its intake date left blank
(an event with no date)."""


def write_network(ctx: Context) -> FileResult:
    """Write ``ngo_network_intake_<year>.csv``: one NGO network's joint intake file.

    The network (COSECAM) sends one file for its member shelters; a ``Shelter`` column
    names the shelter of each intake, as its clerks write it. The file is the network's
    (owner, access, provenance); each intake is the shelter's (the agency credited).
    Some intake dates are blank. ``ground_truth/network_intakes.csv`` lists every row's
    true person, shelter and intake date, and whether the date was written.
    """
    rng = ctx.rng("network")
    name = ctx.file_name(NETWORK_STEM, "csv")
    out = CsvFile(
        ctx.out / name,
        ("Intake Ref", "Shelter", "Name", "Sex", "Age", "Province", "Date of Intake", "Type"),
    )
    stays = [
        (person, stay)
        for person in ctx.world.persons
        for stay in person.shelters
        if stay.agency in SHELTER_FORMS
    ]
    stays.sort(key=lambda pair: (pair[1].intake_date, pair[0].person_id))
    truth_path = ctx.out / GROUND_TRUTH_DIR / "network_intakes.csv"
    with truth_path.open("w", encoding="utf-8", newline="") as handle:
        truth = csv.writer(handle, lineterminator="\n")
        truth.writerow(
            ("source_record_id", "true_person_id", "shelter", "intake_date", "date_recorded")
        )
        for person, stay in stays:
            ref = f"NET-{ctx.year}-{out.rows + 1:04d}"
            written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.05)
            dated = out.rows % UNDATED_EVERY != 1
            row = out.write(
                [
                    ref,
                    rng.choice(SHELTER_FORMS[stay.agency]),
                    written.given_first(),
                    person.sex,
                    written_age(person, stay.intake_date, rng, 0.1),
                    write_province(person.home, rng, variant_rate=0.3),
                    dmy(stay.intake_date) if dated else "",
                    "sex" if person.exploitation == "sexual_exploitation" else "labour",
                ]
            )
            ctx.truth.record(name, row, ref, stay.agency, person.person_id, person.case_id)
            truth.writerow(
                (ref, person.person_id, stay.agency, stay.intake_date.isoformat(), int(dated))
            )
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, NETWORK_AGENCY, out.rows)
