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

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from tipdata.demo.agencies.common import Context, FileResult, blank, written_age
from tipdata.demo.agencies.labour import DESTINATION, LabourMigration, Worker
from tipdata.demo.agencies.molvt import AGENCY_NAMES, LICENCES
from tipdata.demo.geography import write_province
from tipdata.demo.names import write_name
from tipdata.demo.output import CsvFile, dmy
from tipdata.demo.world import TruePerson

Entry = TypeVar("Entry")
Row = tuple[str, list[object], TruePerson]
"""A register row: its reference, its cells, the true person it is about."""


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


def _write_register(
    ctx: Context,
    stem: str,
    agency: str,
    header: Sequence[str],
    entries: Iterable[Entry],
    row_of: Callable[[Entry, int], Row],
) -> FileResult:
    """Write ``<stem>_<year>.csv``: one row per entry (``row_of(entry, row number)``),
    each with its ground-truth row."""
    name = ctx.file_name(stem, "csv")
    out = CsvFile(ctx.out / name, header)
    for entry in entries:
        ref, cells, person = row_of(entry, out.rows + 1)
        row = out.write(cells)
        ctx.truth.record(name, row, ref, agency, person.person_id, person.case_id)
    out.close()
    ctx.tick(out.rows, out.rows)
    return FileResult(name, agency, out.rows)


def write_company_status(ctx: Context) -> FileResult:
    """Write ``company_worker_status_<year>.csv``: workers back before their contract ended."""
    rng = ctx.rng("company-status")
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
    back = sorted(
        (w for w in _labour(ctx).workers if w.returned is not None),
        key=lambda w: (w.company, w.returned, w.person.person_id),
    )

    def row_of(worker: Worker, number: int) -> Row:
        person = worker.person
        assert worker.returned is not None
        written = write_name(person.name, rng, variant_rate=0.15, typo_rate=0.03)
        ref = f"CWS-{ctx.year}-{number:05d}"
        return ref, [
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
        ], person  # fmt: skip

    return _write_register(ctx, "company_worker_status", "MOLVT", header, back, row_of)


def write_deportations(ctx: Context) -> FileResult:
    """Write ``malaysia_deportation_list_<year>.csv`` (Malay headers)."""
    rng = ctx.rng("deportations")
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
    labour = _labour(ctx)
    listed = [
        (w.returned, w.person, w.deportation_passport)
        for w in labour.workers
        if w.deported and w.returned is not None
    ]
    listed += [(when, person, passport) for person, when, passport in labour.irregular_deportees]
    listed.sort(key=lambda item: (item[0], item[1].person_id))

    def row_of(item: tuple[date, TruePerson, str], number: int) -> Row:
        when, person, passport = item
        written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.05, swap_rate=0.1)
        ref = f"DEP/{ctx.year}/{number:05d}"
        return ref, [
            ref,
            written.given_first().upper(),
            "L" if person.sex == "M" else "P",
            dmy(person.birth_date),
            passport,
            "KEMBOJA",
            blank(write_province(person.home, rng, variant_rate=0.3), rng, 0.05),
            dmy(when),
            rng.choice(("Depoh Imigresen Semenyih", "Depoh Imigresen Lenggeng")),
        ], person  # fmt: skip

    return _write_register(ctx, "malaysia_deportation_list", "MYS-IMM", header, listed, row_of)


def write_hotline(ctx: Context) -> FileResult:
    """Write ``migrant_hotline_log_<year>.csv``: one row per call about a worker abroad."""
    rng = ctx.rng("hotline")
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
    calls = sorted(
        ((day, w) for w in _labour(ctx).workers for day in w.calls),
        key=lambda item: (item[0], item[1].person.person_id),
    )

    def row_of(call: tuple[date, Worker], number: int) -> Row:
        day, worker = call
        person = worker.person
        written = write_name(person.name, rng, variant_rate=0.35, typo_rate=0.06, swap_rate=0.1)
        ref = f"HL-{ctx.year}-{number:05d}"
        return ref, [
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
            rng.choice(COMPLAINTS),
        ], person  # fmt: skip

    return _write_register(ctx, "migrant_hotline_log", "LSCW", header, calls, row_of)


COMPLAINTS = (
    "wages not paid",
    "passport kept by employer",
    "cannot contact worker",
    "worker wants to come home",
    "locked in employer's house",
)
"""What families call the hotline about."""


def write_screenings(ctx: Context) -> FileResult:
    """Write ``lscw_migrant_cases_<year>.csv``: returned workers screened, victims assisted."""
    rng = ctx.rng("lscw")
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
    screened: list[Worker] = sorted(
        (w for w in _labour(ctx).workers if w.screened is not None),
        key=lambda w: (w.screened, w.person.person_id),
    )

    def row_of(worker: Worker, number: int) -> Row:
        person = worker.person
        assert worker.screened is not None and worker.returned is not None
        written = write_name(person.name, rng, variant_rate=0.3, typo_rate=0.04, swap_rate=0.05)
        has_birth_date = rng.random() < 0.6
        ref = f"LSCW-M-{ctx.year}-{number:04d}"
        return ref, [
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
        ], person  # fmt: skip

    return _write_register(ctx, "lscw_migrant_cases", "LSCW", header, screened, row_of)
