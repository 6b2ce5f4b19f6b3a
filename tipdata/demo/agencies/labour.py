"""Labour migration to Malaysia: licensed workers, their fates, and the recruiters.

The 2009 report says licensed companies sent workers to Malaysia, where some were
exploited, ("especially [in] Malaysia", seed line 1045), with "a lack of monitoring and
protection in the source country"; agents "often retain workers' passports"; NGOs
reported 24 cases of legal migrants to Malaysia ending up exploited; "there were no cases
of labor agents being held responsible". This module draws the workers the demo follows
past their departure (:func:`build_labour`): each leaves through one licensed company
(in the MOLVT LMIS export), and some come back early (the companies' worker status
report), are deported by Malaysia (the deportation list, some on a re-issued passport:
a new number, the same person), are the subject of calls to a migrant hotline, are
screened after return and identified as victims and assisted (the LSCW migrant case
register). A few recruiters depart as workers first and later stand trial with their
victims (court outcomes; acquitted or dismissed, as the report says no agent was held
responsible). The ordinary migrants who simply go stay streamed in
:mod:`tipdata.demo.agencies.molvt`.

Volumes are assumptions (no figure in the report), in :data:`BASE`, scaled like every
other volume, with a floor so small demos still hold every kind of story.
The truth of every per-company figure is written by :func:`write_truth`.
"""

from __future__ import annotations

import csv
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tipdata.demo.geography import draw_home_province, province_by_code
from tipdata.demo.names import Sex, draw_name
from tipdata.demo.output import GROUND_TRUTH_DIR
from tipdata.demo.world import CourtCase, Exploitation, TrueCase, TrueCharge, TruePerson, World

DESTINATION = "Malaysia"
DESTINATION_ISO = "MYS"
COMPANY_WEIGHTS: tuple[tuple[int, float], ...] = ((2, 5.0), (0, 3.0), (7, 2.0), (11, 1.0), (4, 1.0))
"""(index into ``molvt.LICENCES``, weight): the companies whose Malaysian workers the demo
follows; a few companies account for most problems."""

BASE: dict[str, float] = {
    "followed_workers": 400,  # Malaysian workers with a story after departure
    "irregular_deportees": 120,  # deported from Malaysia without a licensed departure
    "recruiters": 6,
}
MINIMUM: dict[str, int] = {"followed_workers": 40, "irregular_deportees": 8, "recruiters": 2}

RETURN_REASONS = ("contract terminated", "ran away from employer", "sick", "employer complaint")
TRUTH_FILE = "migration_figures.csv"
TRUTH_COLUMNS = (
    "company",
    "destination",
    "workers_departed",
    "returned_early",
    "deported",
    "victims_identified",
    "complaints",
    "agents_prosecuted",
    "median_days_to_identification",
)


@dataclass(slots=True)
class Worker:
    """A licensed worker the demo follows past the departure, with every later step."""

    person: TruePerson
    company: str
    departed: date
    passport: str
    returned: date | None = None
    return_reason: str = ""
    deported: bool = False
    deportation_passport: str = ""
    calls: list[date] = field(default_factory=list)
    screened: date | None = None
    identified: date | None = None
    assisted: date | None = None
    assistance: str = ""
    recruiter: bool = False


@dataclass(slots=True)
class LabourMigration:
    """The followed workers, the irregular deportees and the recruiters' court cases."""

    workers: list[Worker]
    irregular_deportees: list[tuple[TruePerson, date, str]]
    cases: list[TrueCase]


def _count(key: str, scale: float) -> int:
    return max(MINIMUM[key], int(BASE[key] * scale + 0.5))


def _passport(rng: random.Random, issued: set[str]) -> str:
    """A passport number never issued before in the demo (eight digits: the LMIS's
    streamed migrants hold seven, so the two never collide)."""
    while True:
        number = f"N{rng.randrange(100_000_000):08d}"
        if number not in issued:
            issued.add(number)
            return number


def build_labour(world: World, seed: int, licences: tuple[str, ...]) -> LabourMigration:
    """Draw the followed workers of one year and attach them (and their cases) to ``world``.

    Runs after :func:`~tipdata.demo.world.build_world` on its own random stream, so the
    rest of the world is unchanged. Appends the workers to ``world.persons`` and
    sets ``world.labour``, the recruiters' court cases to ``world.cases``, and gives
    the licensed victims of the world (``malaysia_migrant_victims``) a company.

    Args:
        world: the world of the year.
        seed: the random seed.
        licences: the licence numbers of the companies (``molvt.LICENCES``).

    Returns:
        What was drawn.
    """
    rng = random.Random(f"tipdata-demo:{seed}:labour")
    y = world.year
    year_end = date(y, 12, 31)
    sequence = len(world.persons)
    issued: set[str] = set()

    def person(group: str, sex: Sex, age: tuple[int, int], at: date) -> TruePerson:
        nonlocal sequence
        sequence += 1
        years = rng.randint(*age)
        found = TruePerson(
            person_id=f"TP{sequence:07d}",
            name=draw_name(rng, sex, "khmer"),
            sex=sex,
            birth_date=at - timedelta(days=365 * years + rng.randrange(365)),
            nationality="KHM",
            home=draw_home_province(rng, y),
            group=group,
            destination=DESTINATION,
        )
        world.persons.append(found)
        return found

    companies = [licences[i] for i, _ in COMPANY_WEIGHTS]
    weights = [w for _, w in COMPANY_WEIGHTS]
    for victim in world.malaysia_migrant_victims:
        assert victim.departure is not None
        company = rng.choices(companies, weights=weights, k=1)[0]
        victim.departure = (company, victim.departure[1], victim.departure[2])
        victim.passport = _passport(rng, issued)

    workers: list[Worker] = []
    for _ in range(_count("followed_workers", world.scale)):
        departed = date(y, 1, 1) + timedelta(days=rng.randrange(200))
        sex: Sex = "F" if rng.random() < 0.65 else "M"
        worker_person = person("molvt_followed_worker", sex, (18, 40), departed)
        company = rng.choices(companies, weights=weights, k=1)[0]
        worker = Worker(worker_person, company, departed, _passport(rng, issued))
        fate = rng.random()
        if fate < 0.6:  # came back (or was sent back) before the contract ended
            worker.returned = min(year_end, departed + timedelta(days=rng.randint(40, 160)))
            worker.deported = rng.random() < 0.55
            if worker.deported:
                roll = rng.random()  # the agent kept the passport: a new one, or none
                reissued = _passport(rng, issued) if roll < 0.85 else ""
                worker.deportation_passport = worker.passport if roll < 0.55 else reissued
                worker.return_reason = "deported"
            else:
                worker.return_reason = rng.choice(RETURN_REASONS)
            if rng.random() < 0.35:  # the family called the hotline while abroad
                span = max(1, (worker.returned - departed).days - 5)
                calls = rng.choice((1, 1, 2, 3))
                worker.calls = sorted(
                    departed + timedelta(days=5 + rng.randrange(span)) for _ in range(calls)
                )
            if rng.random() < 0.6 and worker.returned < year_end - timedelta(days=20):
                worker.screened = worker.returned + timedelta(days=rng.randint(1, 20))
                if rng.random() < 0.5:
                    worker.identified = worker.screened
                    worker_person.is_victim = True
                    forms: tuple[Exploitation, ...] = (
                        ("forced_labour", "domestic_servitude")
                        if sex == "F"
                        else ("forced_labour",)
                    )
                    worker_person.exploitation = rng.choice(forms)
                    if rng.random() < 0.8:
                        worker.assisted = worker.screened + timedelta(days=rng.randint(0, 30))
                        worker.assisted = min(worker.assisted, year_end)
                        worker.assistance = rng.choice(
                            ("legal aid", "shelter referral", "reintegration support")
                        )
        workers.append(worker)

    # Recruiters: workers first (left early in the year, came back), later on trial with
    # victims of their company.
    cases: list[TrueCase] = []
    case_seq = len(world.cases)
    victims_by_company: dict[str, list[Worker]] = defaultdict(list)
    for worker in workers:
        if worker.identified is not None and worker.identified < date(y, 10, 1):
            victims_by_company[worker.company].append(worker)
    court_province = province_by_code("03", y)
    for index in range(_count("recruiters", world.scale)):
        company = companies[index % len(companies)]
        departed = date(y, 1, 1) + timedelta(days=rng.randrange(40))
        sex = "M" if rng.random() < 0.6 else "F"
        recruiter_person = person("recruiter", sex, (25, 45), departed)
        recruiter_person.is_suspect = True
        passport = _passport(rng, issued)
        recruiter = Worker(recruiter_person, company, departed, passport, recruiter=True)
        recruiter.returned = departed + timedelta(days=rng.randint(30, 60))
        recruiter.return_reason = "contract terminated"
        workers.append(recruiter)
        case_seq += 1
        case = TrueCase(f"TC{case_seq:05d}", "forced_labour", court_province, DESTINATION)
        pool = victims_by_company[company]
        chosen, victims_by_company[company] = pool[:2], pool[2:]
        for chosen_victim in chosen:
            chosen_victim.person.case_id = case.case_id
            case.victims.append(chosen_victim.person)
        recruiter_person.case_id = case.case_id
        recruiter_person.arrest_date = date(y, 10, 1) + timedelta(days=rng.randrange(20))
        case.suspects.append(recruiter_person)
        case.arrest_date = recruiter_person.arrest_date
        verdict = date(y, 11, 1) + timedelta(days=rng.randrange(50))
        case.court = CourtCase(
            "COURT-03",
            f"{court_province.name_en} Provincial Court",
            f"03-M{index + 1:02d}/{y}",
            verdict,
            "trafficking",
        )
        case.court.charges.append(
            TrueCharge(
                recruiter_person, 17, None, "acquitted" if rng.random() < 0.6 else "dismissed"
            )
        )
        world.cases.append(case)
        cases.append(case)

    for worker in workers:
        worker.person.passport = worker.passport
        worker.person.departure = (worker.company, DESTINATION, worker.departed)

    deportees: list[tuple[TruePerson, date, str]] = []
    for _ in range(_count("irregular_deportees", world.scale)):
        when = date(y, 2, 1) + timedelta(days=rng.randrange(320))
        sex = "M" if rng.random() < 0.6 else "F"
        deportee = person("irregular_deportee", sex, (18, 45), when)
        deportees.append((deportee, when, _passport(rng, issued) if rng.random() < 0.5 else ""))
    world.labour = LabourMigration(workers, deportees, cases)
    return world.labour


def truth_figures(
    labour: LabourMigration, world: World, departures: dict[tuple[str, str], int]
) -> list[dict[str, object]]:
    """The true figure of every (company, destination) of the migration accountability table.

    Args:
        labour: the followed workers.
        world: the world (its licensed victims identified by a shelter).
        departures: LMIS departures per (licence, destination), as written (one row, one
            person).

    Returns:
        One row per (company, destination) with departures, in :data:`TRUTH_COLUMNS`.
    """
    returned: dict[tuple[str, str], int] = defaultdict(int)
    deported: dict[tuple[str, str], int] = defaultdict(int)
    complaints: dict[tuple[str, str], int] = defaultdict(int)
    prosecuted: dict[tuple[str, str], int] = defaultdict(int)
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    for worker in labour.workers:
        key = (worker.company, DESTINATION)
        returned[key] += worker.returned is not None
        deported[key] += worker.deported
        complaints[key] += bool(worker.calls)
        if worker.identified is not None:
            days[key].append((worker.identified - worker.departed).days)
    for victim in world.malaysia_migrant_victims:
        assert victim.departure is not None
        company, destination, departed = victim.departure
        identified = min(stay.intake_date for stay in victim.shelters)
        days[(company, destination)].append((identified - departed).days)
    for case in labour.cases:
        companies = {p.departure[0] for p in case.victims if p.departure is not None}
        for company in companies:
            prosecuted[(company, DESTINATION)] += len(case.suspects)
    rows = []
    for key in sorted(departures):
        company, destination = key
        found = days.get(key, [])
        rows.append(
            {
                "company": company,
                "destination": destination,
                "workers_departed": departures[key],
                "returned_early": returned.get(key, 0),
                "deported": deported.get(key, 0),
                "victims_identified": len(found),
                "complaints": complaints.get(key, 0),
                "agents_prosecuted": prosecuted.get(key, 0),
                "median_days_to_identification": statistics.median(found) if found else "",
            }
        )
    return rows


def lmis_departures(path: Path) -> dict[tuple[str, str], int]:
    """LMIS rows per (licence, destination) of a written LMIS export (one row, one person)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts[(row["Agency Licence No"], row["Destination"])] += 1
    return dict(counts)


def write_truth(out: Path, rows: list[dict[str, object]]) -> Path:
    """Write ``ground_truth/migration_figures.csv``."""
    path = out / GROUND_TRUTH_DIR / TRUTH_FILE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, TRUTH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
