"""The files of labour migration to Malaysia after the departure (see :mod:`.labour`).

* ``company_worker_status_<year>.csv`` — the licensed companies' reports to MOLVT of
  workers back before the end of their contract (passport number, home province,
  reason; ``deported`` among the reasons).
* ``malaysia_deportation_list_<year>.csv`` — Malaysia's lists of deported Cambodians:
  Malay headers, names in capitals, the passport they were sent back on (a re-issued
  one when the agent kept the first, or none), irregular migrants among them.
* ``migrant_hotline_log_<year>.csv`` — a hotline's calls from families about a worker
  abroad: the name as the caller says it, an age, the home province, the company as
  the caller names it, sometimes the passport number; several calls about one worker.
* ``lscw_migrant_cases_<year>.csv`` — an NGO's (LSCW) register of returned workers it
  screened: the finding (trafficked or not) and the assistance given.

Every data row writes its ground-truth row; the recruiters' trials are written by
:mod:`.courts` from ``world.cases``.
"""

from __future__ import annotations

from tipdata.demo.agencies.common import Context, FileResult, blank, written_age
from tipdata.demo.agencies.labour import DESTINATION, LabourMigration, Worker
from tipdata.demo.agencies.molvt import AGENCY_NAMES, LICENCES
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import CsvFile, dmy


def _labour(ctx: Context) -> LabourMigration:
    labour = ctx.world.labour
    if labour is None:
        raise ValueError("the world has no labour migration (build_labour was not run)")
    return labour


def _held_passport(worker: Worker) -> str:
    """The passport a returned worker holds: the one deported on, else the first."""
    return worker.deportation_passport if worker.deported else worker.passport


def _company_name(licence: str) -> str:
    return AGENCY_NAMES[LICENCES.index(licence)]


def write_company_status(ctx: Context) -> FileResult:
    """Write ``company_worker_status_<year>.csv``: workers back before their contract ended."""
    rng = ctx.rng("company-status")
    name = ctx.file_name("company_worker_status", "csv")
    header = (
        "Report No",
        "Company Licence",
        "Company",
        "Worker Name",
        "Sex",
        "Date of Birth",
        "Home Province",
        "Passport No",
        "Country",
        "Departure Date",
        "Return Date",
        "Reason",
    )
    out = CsvFile(ctx.out / name, header)
    back = sorted(
        (w for w in _labour(ctx).workers if w.returned is not None),
        key=lambda w: (w.company, w.returned, w.person.person_id),
    )
    for worker in back:
        person = worker.person
        assert worker.returned is not None
        ref = f"CWS-{ctx.year}-{out.rows + 1:05d}"
        written = write_name(person.name, rng, variant_rate=0.15, typo_rate=0.03)
        row = out.write(
            [
                ref,
                worker.company,
                _company_name(worker.company),
                written.family_first().upper(),
                person.sex,
                person.birth_date.isoformat(),
                write_province(person.home, rng, variant_rate=0.2),
                worker.passport,
                DESTINATION,
                worker.departed.isoformat(),
                worker.returned.isoformat(),
                worker.return_reason,
            ]
        )
        ctx.truth.record(name, row, ref, "MOLVT", person.person_id, person.case_id)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "MOLVT", out.rows)


def write_deportations(ctx: Context) -> FileResult:
    """Write ``malaysia_deportation_list_<year>.csv`` (Malay headers)."""
    rng = ctx.rng("deportations")
    name = ctx.file_name("malaysia_deportation_list", "csv")
    header = (
        "No Rujukan",
        "Nama",
        "Jantina",
        "Tarikh Lahir",
        "No Pasport",
        "Warganegara",
        "Wilayah Asal",
        "Tarikh Hantar Pulang",
        "Depoh",
    )
    out = CsvFile(ctx.out / name, header)
    labour = _labour(ctx)
    listed = [
        (w.returned, w.person, w.deportation_passport)
        for w in labour.workers
        if w.deported and w.returned is not None
    ]
    listed += [(when, person, passport) for person, when, passport in labour.irregular_deportees]
    listed.sort(key=lambda item: (item[0], item[1].person_id))
    for when, person, passport in listed:
        ref = f"DEP/{ctx.year}/{out.rows + 1:05d}"
        written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.05, swap_rate=0.1)
        row = out.write(
            [
                ref,
                written.given_first().upper(),
                "L" if person.sex == "M" else "P",
                dmy(person.birth_date),
                passport,
                "KEMBOJA",
                blank(write_province(person.home, rng, variant_rate=0.3), rng, 0.05),
                dmy(when),
                rng.choice(("Depoh Imigresen Semenyih", "Depoh Imigresen Lenggeng")),
            ]
        )
        ctx.truth.record(name, row, ref, "MYS-IMM", person.person_id, person.case_id)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "MYS-IMM", out.rows)


def write_hotline(ctx: Context) -> FileResult:
    """Write ``migrant_hotline_log_<year>.csv``: one row per call about a worker abroad."""
    rng = ctx.rng("hotline")
    name = ctx.file_name("migrant_hotline_log", "csv")
    header = (
        "Call ID",
        "Call Date",
        "Caller",
        "Worker Name",
        "Sex",
        "Age",
        "Home Province",
        "Passport No",
        "Company",
        "Country",
        "Complaint",
    )
    out = CsvFile(ctx.out / name, header)
    calls = sorted(
        ((day, w) for w in _labour(ctx).workers for day in w.calls),
        key=lambda item: (item[0], item[1].person.person_id),
    )
    for day, worker in calls:
        person = worker.person
        ref = f"HL-{ctx.year}-{out.rows + 1:05d}"
        written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.06, swap_rate=0.1)
        row = out.write(
            [
                ref,
                day.isoformat(),
                rng.choice(("mother", "father", "sister", "brother", "husband", "wife")),
                written.given_first(),
                person.sex,
                written_age(person, day, rng, 0.2),
                write_province(person.home, rng, variant_rate=0.3),
                blank(worker.passport, rng, 0.6),
                blank(_company_name(worker.company), rng, 0.2),
                DESTINATION,
                rng.choice(
                    (
                        "wages not paid",
                        "passport kept by employer",
                        "cannot contact worker",
                        "worker wants to come home",
                        "locked in employer's house",
                    )
                ),
            ]
        )
        ctx.truth.record(name, row, ref, "LSCW", person.person_id, person.case_id)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "LSCW", out.rows)


def write_screenings(ctx: Context) -> FileResult:
    """Write ``lscw_migrant_cases_<year>.csv``: returned workers screened, victims assisted."""
    rng = ctx.rng("lscw")
    name = ctx.file_name("lscw_migrant_cases", "csv")
    header = (
        "Case No",
        "Name",
        "Sex",
        "DOB",
        "Age",
        "Province",
        "Passport No",
        "Company",
        "Country",
        "Return Date",
        "Interview Date",
        "Finding",
        "Assistance",
        "Assistance Date",
    )
    out = CsvFile(ctx.out / name, header)
    screened: list[Worker] = sorted(
        (w for w in _labour(ctx).workers if w.screened is not None),
        key=lambda w: (w.screened, w.person.person_id),
    )
    for worker in screened:
        person = worker.person
        assert worker.screened is not None and worker.returned is not None
        ref = f"LSCW-M-{ctx.year}-{out.rows + 1:04d}"
        written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.04, swap_rate=0.05)
        has_birth_date = rng.random() < 0.6
        row = out.write(
            [
                ref,
                written.given_first(),
                "Female" if person.sex == "F" else "Male",
                dmy(person.birth_date) if has_birth_date else "",
                "" if has_birth_date else written_age(person, worker.screened, rng, 0.1),
                write_province(person.home, rng, variant_rate=0.3),
                blank(_held_passport(worker), rng, 0.4),
                blank(_company_name(worker.company), rng, 0.3),
                DESTINATION,
                dmy(worker.returned),
                dmy(worker.screened),
                "Trafficked" if worker.identified else "Not trafficked",
                worker.assistance,
                dmy(worker.assisted) if worker.assisted else "",
            ]
        )
        ctx.truth.record(name, row, ref, "LSCW", person.person_id, person.case_id)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, "LSCW", out.rows)
