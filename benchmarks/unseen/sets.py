"""The two unseen evaluation sets: who is recorded where, and the export files.

Set ``trafficking-2009`` (about 2,000 person records at scale 1): a police register
book without row ids, a ministry referral register (XLSX), a court register with one
row per accused and per victim, one joint NGO shelter file and a Thai hand-over list
dated in the Buddhist Era. Victims of domestic sexual exploitation (Khmer and
Vietnamese women) and victims returned from Thailand move between the agencies.

Set ``migration-malaysia`` (about 1,500 at scale 1): a recruitment company's departure
list with passport numbers, a Malaysian deportation list (XLSX, Malay headers, re-issued
passports, people deported twice), a hotline log (families calling about a worker; the
same worker called about several times) and a court register of recruitment cases, whose
accused include recruiters who first left as workers.

Each writer returns the rows it wrote as truth rows ``(source, record_id, person id)``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from benchmarks.unseen import habits
from benchmarks.unseen.clerk import Clerk, Habits, pick
from benchmarks.unseen.people import Person, Population

TruthRow = tuple[str, str, str]


@dataclass(frozen=True)
class Register:
    """One export file of a set: its file name, mapping and whether it repeats people."""

    file: str
    source: str  # the mapping's source code
    mapping: str  # file name under benchmarks/unseen/mappings/
    agency: str
    repeats_people: bool
    what: str


@dataclass
class Draft:
    """The rows of one register before they are written, with their true persons."""

    register: Register
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    truth: list[TruthRow] = field(default_factory=list)

    def add(self, record_id: str, person: Person, row: list[str]) -> None:
        assert len(row) == len(self.header), (self.register.file, row)
        self.rows.append(row)
        self.truth.append((self.register.source, record_id, person.pid))


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def _later(day: date, rng: random.Random, low: int, high: int) -> date:
    return day + timedelta(days=rng.randint(low, high))


def _clerk(seed: int, set_name: str, layout: str, way: Habits) -> Clerk:
    return Clerk(random.Random(f"{seed}:{set_name}:{layout}"), way)


def _province_text(rng: random.Random, code: str) -> str:
    return rng.choice(habits.PROVINCES[code][1])


def _scaled(n: float, scale: float) -> int:
    return max(2, round(n * scale))


# --- Set A: trafficking 2009 ---------------------------------------------------------------

POLICE = Register(
    "ahtjp_register_book_2009.csv", "ahtjp_register_book", "ahtjp_register_book.yaml",
    "MOI", False, "police register book: page and line, no row id; ages estimated",
)  # fmt: skip
MINISTRY = Register(
    "mosavy_referrals_2009.xlsx", "mosavy_referral_register", "mosavy_referral_register.yaml",
    "MOSAVY", False, "ministry referral register: family and given name columns, year of birth",
)  # fmt: skip
COURT_A = Register(
    "court_parties_2009.csv", "court_party_register", "court_party_register.yaml",
    "PPMC", True, "court register: one row per accused and per victim; sex mostly blank",
)  # fmt: skip
SHELTER = Register(
    "joint_shelter_file_2009.csv", "joint_shelter_file", "joint_shelter_file.yaml",
    "CWCC", True, "joint NGO shelter file: no province, ages with units, re-admissions",
)  # fmt: skip
THAI = Register(
    "thai_handover_2552.csv", "thai_handover_list", "thai_handover_list.yaml",
    "DOSAVY-01", False, "Thai hand-over list: given name first, titles, Buddhist-Era dates",
)  # fmt: skip

SHELTERS = ["Hope House", "Lotus Shelter", "Sunrise Centre"]
VIETNAMESE_HOMES: dict[str, float] = {"12": 6, "08": 3, "04": 2, "20": 1}
"""Where Vietnamese victims in the set live (Phnom Penh, Kandal, floating villages)."""


def trafficking_2009(seed: int, scale: float) -> list[Draft]:
    """The drafts of set A: victims and suspects of 2009 as five agencies recorded them."""
    name = "trafficking-2009"
    rng = random.Random(f"{seed}:{name}:people")
    year = 2009
    mid = date(year, 7, 1)
    pop = Population(rng, "A")
    domestic: list[tuple[Person, date]] = []
    crossborder: list[tuple[Person, date]] = []
    suspects: list[tuple[Person, date]] = []
    for _ in range(_scaled(620, scale)):
        vietnamese = rng.random() < 0.3
        female = rng.random() < 0.96
        ages = (12, 17) if rng.random() < 0.4 else (18, 30)
        person = pop.add("victim", female=female, age_on=ages, at=mid, vietnamese=vietnamese,
                         provinces=VIETNAMESE_HOMES if vietnamese else None)  # fmt: skip
        domestic.append((person, _day(rng, year)))
    for _ in range(_scaled(280, scale)):
        female = rng.random() < 0.55
        ages = (10, 17) if rng.random() < 0.45 else (18, 35)
        person = pop.add("victim", female=female, age_on=ages, at=mid)
        crossborder.append((person, _day(rng, year)))
    for _ in range(_scaled(170, scale)):
        vietnamese = rng.random() < 0.25
        person = pop.add("suspect", female=rng.random() < 0.6, age_on=(24, 55), at=mid,
                         vietnamese=vietnamese,
                         provinces=VIETNAMESE_HOMES if vietnamese else None)  # fmt: skip
        suspects.append((person, _day(rng, year)))

    police = Draft(POLICE, ["Page", "Line", "Date", "Province (operation)", "Full name", "M/F",
                            "Age", "Victim/Offender", "Nationality", "Offence"])  # fmt: skip
    ministry = Draft(MINISTRY, ["Ref. No.", "Date received", "Referred from", "Family name",
                                "Given name", "Sex", "Year of birth", "Home province",
                                "Nationality", "Referred to", "Exploitation"])  # fmt: skip
    court = Draft(COURT_A, ["Case No", "Court", "Party", "No", "Name", "Sex", "Age",
                            "Date of judgment", "Article", "Sentence (years)"])  # fmt: skip
    shelter = Draft(SHELTER, ["Shelter", "Client code", "Admission", "Name", "Sex", "Age",
                              "Year of birth", "Referred by", "Exit date"])  # fmt: skip
    thai = Draft(THAI, ["No.", "Name", "Sex", "Age", "Nationality", "Address in Cambodia",
                        "Date of hand-over", "Received by"])  # fmt: skip

    police_clerk = _clerk(seed, name, "police", Habits(
        romanise=0.2, typo=0.05, join_given=0.4, swap=0.05, vn_abbreviate=0.15,
        vn_drop_middle=0.15, age_error=0.3, age_error_2=0.1))  # fmt: skip
    ministry_clerk = _clerk(seed, name, "ministry", Habits(
        romanise=0.12, typo=0.03, join_given=0.3, swap=0.08, vn_abbreviate=0.25,
        vn_drop_middle=0.1, age_error=0.2, age_error_2=0.05))  # fmt: skip
    court_clerk = _clerk(seed, name, "court", Habits(
        romanise=0.15, typo=0.03, join_given=0.3, swap=0.03, vn_abbreviate=0.05,
        vn_drop_middle=0.05, age_error=0.1, age_error_2=0.02))  # fmt: skip
    shelter_clerk = _clerk(seed, name, "shelter", Habits(
        romanise=0.25, typo=0.06, join_given=0.5, split_given=0.1, join_all=0.08, swap=0.05,
        title=0.1, nickname=0.2, vn_abbreviate=0.3, vn_drop_middle=0.15, diacritics=0.2,
        age_error=0.2, age_error_2=0.05))  # fmt: skip
    thai_clerk = _clerk(seed, name, "thai", Habits(
        romanise=0.35, typo=0.05, join_given=0.5, swap=0.7, title=0.6, age_error=0.3,
        age_error_2=0.08))  # fmt: skip
    pick_rng = random.Random(f"{seed}:{name}:who")

    police_rows: list[tuple[date, Person, str, str]] = []
    for person, day in domestic:
        if pick_rng.random() < 0.6:
            police_rows.append((day, person, "Victim", pick_rng.choice(["12", "12", "08", "17"])))
    for person, day in crossborder:
        if pick_rng.random() < 0.1:
            police_rows.append((_later(day, pick_rng, 0, 3), person, "Victim", "01"))
    for person, day in suspects:
        if pick_rng.random() < 0.9:
            police_rows.append((day, person, "Offender", pick_rng.choice(["12", "12", "08", "17"])))
    police_rows.sort(key=lambda r: (r[0], r[1].pid))
    for i, (day, person, status, place) in enumerate(police_rows):
        page, line = divmod(i, 25)
        police.add(f"{page + 1}-{line + 1}", person, [
            str(page + 1), str(line + 1), day.strftime("%d/%m/%Y"),
            _province_text(pick_rng, place),
            police_clerk.full_name(person.name, female=person.female),
            "F" if person.female else "M", str(police_clerk.age(person.age_on(day))), status,
            "Vietnamese" if person.nationality == "VNM"
            else pick_rng.choice(["Khmer", "Cambodian"]),
            "sexual exploitation" if person.kind == "victim" else "Art. 15"])  # fmt: skip

    ministry_rows: list[tuple[date, Person, str]] = []
    for person, day in domestic:
        if pick_rng.random() < 0.55:
            ministry_rows.append((_later(day, pick_rng, 0, 10), person, "Police"))
    for person, day in crossborder:
        if pick_rng.random() < 0.85:
            ministry_rows.append((_later(day, pick_rng, 0, 3), person, "Thai authorities"))
    ministry_rows.sort(key=lambda r: (r[0], r[1].pid))
    for i, (day, person, origin) in enumerate(ministry_rows):
        family, given = ministry_clerk.split_name(person.name)
        ref = f"MSV/{year}/{i + 1:04d}"
        ministry.add(ref, person, [
            ref, day.isoformat(), origin, family, given, "Female" if person.female else "Male",
            str(day.year - ministry_clerk.age(person.age_on(day))),
            _province_text(pick_rng, person.province),
            "Vietnamese" if person.nationality == "VNM" else "Khmer",
            pick_rng.choice(SHELTERS),
            "labour" if origin == "Thai authorities" and not person.female else "sexual",
        ])  # fmt: skip

    # Court: cases of the suspects the police arrested, with victims the police rescued.
    arrested = [p for _, p, status, _ in police_rows if status == "Offender"]
    rescued = [p for _, p, status, _ in police_rows if status == "Victim" and p.kind == "victim"]
    pick_rng.shuffle(arrested)
    pick_rng.shuffle(rescued)
    n_cases = max(1, round(len(arrested) * 0.55 / 1.4))
    case_rows: list[tuple[str, date, str, int, Person]] = []
    for c in range(n_cases):
        number = f"{100 + c * 3}/{str(year)[2:]}"
        judged = _later(date(year, 3, 1), pick_rng, 0, 400)
        accused = [arrested.pop()] if arrested else []
        if arrested and pick_rng.random() < 0.4:
            accused.append(arrested.pop())
        if case_rows and pick_rng.random() < 0.04:  # one accused tried in two cases
            accused.append(
                next(p for _, _, party, _, p in reversed(case_rows) if party == "Accused")
            )
        victims = [rescued.pop() for _ in range(min(len(rescued), pick_rng.randint(1, 3)))]
        for k, person in enumerate(accused):
            case_rows.append((number, judged, "Accused", k + 1, person))
        for k, person in enumerate(victims):
            case_rows.append((number, judged, "Victim", k + 1, person))
    for number, judged, party, k, person in case_rows:
        sex = ("F" if person.female else "M") if pick_rng.random() < 0.3 else ""
        years = str(pick_rng.choice([2, 5, 7, 10, 15])) if party == "Accused" else ""
        court.add(f"{number}/{party}/{k}", person, [
            number, "Phnom Penh Municipal Court", party, str(k),
            court_clerk.full_name(person.name, female=person.female), sex,
            str(court_clerk.age(person.age_on(judged))), judged.strftime("%d/%m/%Y"),
            "Art. 15" if party == "Accused" else "", years])  # fmt: skip

    shelter_rows: list[tuple[date, Person, str]] = []
    for person, day in domestic + crossborder:
        if pick_rng.random() < 0.5:
            admitted = _later(day, pick_rng, 1, 20)
            shelter_rows.append((admitted, person, pick_rng.choice(["Police", "MoSVY", "IOM"])))
            if pick_rng.random() < 0.04:  # re-trafficked and admitted again
                shelter_rows.append((_later(admitted, pick_rng, 60, 240), person, "MoSVY"))
    shelter_rows.sort(key=lambda r: (r[0], r[1].pid))
    codes: dict[str, str] = {}
    for admitted, person, origin in shelter_rows:
        home = codes.setdefault(person.pid, f"{pick_rng.choice(SHELTERS)[:1]}-{len(codes) + 1:04d}")
        born = str(person.birth.year + shelter_clerk.year_off()) if pick_rng.random() < 0.35 else ""
        left = _later(admitted, pick_rng, 20, 300)
        shelter.add(f"{home}/{admitted:%d-%b-%y}", person, [
            {"H": "Hope House", "L": "Lotus Shelter", "S": "Sunrise Centre"}[home[0]], home,
            admitted.strftime("%d-%b-%y"),
            shelter_clerk.full_name(person.name, female=person.female),
            "F" if person.female else "M",
            shelter_clerk.age_text(shelter_clerk.age(person.age_on(admitted))), born, origin,
            left.strftime("%d-%b-%y") if left.year <= year else ""])  # fmt: skip

    thai_rows: list[tuple[date, Person]] = []
    for person, day in crossborder:
        if pick_rng.random() < 0.9:
            thai_rows.append((day, person))
    thai_rows.sort(key=lambda r: (r[0], r[1].pid))
    batch: dict[date, int] = {}
    for day, person in thai_rows:
        batch[day] = batch.get(day, 0) + 1
        handed = f"{day.day:02d}/{day.month:02d}/{day.year + 543}"
        thai.add(f"{handed}/{batch[day]}", person, [
            str(batch[day]), thai_clerk.full_name(person.name, female=person.female),
            "Female" if person.female else "Male", str(thai_clerk.age(person.age_on(day))),
            "Cambodian", _province_text(pick_rng, person.province), handed,
            "Poipet Transit Centre"])  # fmt: skip
    return [police, ministry, court, shelter, thai]


# --- Set B: migration to Malaysia ---------------------------------------------------------

DEPARTURES = Register(
    "departures_malaysia_2009.csv", "company_departure_list", "company_departure_list.yaml",
    "MOLVT", False, "a recruitment company's departure list: passport names and numbers",
)  # fmt: skip
DEPORTATIONS = Register(
    "senarai_hantar_pulang_2010.xlsx", "malaysia_deportation_list",
    "malaysia_deportation_list.yaml", "MOI", True,
    "Malaysian deportation lists: Malay headers, upper case, re-issued passports, deported twice",
)  # fmt: skip
HOTLINE = Register(
    "hotline_log_2010.csv", "migrant_hotline_log", "migrant_hotline_log.yaml", "LSCW", True,
    "hotline log: families calling about a worker abroad, several calls about one worker",
)  # fmt: skip
COURT_B = Register(
    "court_recruitment_cases_2010.csv", "court_recruitment_register",
    "court_recruitment_register.yaml", "PPMC", True,
    "court register of recruitment cases: accused recruiters and complainant workers",
)  # fmt: skip

EMPLOYERS = ["Syarikat Maju Jaya", "Kedai Runcit Ahmad", "Keluarga Tan (domestic)",
             "Kilang Elektronik Shah Alam", "Keluarga Rahman (domestic)"]  # fmt: skip
DEPOTS = ["Depot Imigresen Semenyih", "Depot Imigresen Lenggeng", "Depot Imigresen Machap Umboo"]


def _passport(rng: random.Random) -> str:
    return f"N{rng.randrange(10**6, 10**7):07d}"


def migration_malaysia(seed: int, scale: float) -> list[Draft]:
    """The drafts of set B: workers, irregular migrants and recruiters, four registers."""
    name = "migration-malaysia"
    rng = random.Random(f"{seed}:{name}:people")
    pop = Population(rng, "B")
    at = date(2009, 6, 1)
    workers: list[tuple[Person, date, str, date]] = []  # person, departed, passport, passport DOB
    recruiters: list[Person] = []
    for _ in range(_scaled(55, scale)):
        recruiter = pop.add("recruiter", female=rng.random() < 0.6, age_on=(22, 45), at=at)
        recruiters.append(recruiter)
        if rng.random() < 0.35:  # first left as a worker, came back recruiting
            workers.append((recruiter, _day(rng, 2009), _passport(rng), recruiter.birth))
    for _ in range(_scaled(700, scale)):
        worker = pop.add("worker", female=rng.random() < 0.85, age_on=(15, 35), at=at)
        shown = worker.birth
        if worker.age_on(at) < 18:  # under age: the agent's passport makes her older
            shown = worker.birth - timedelta(days=365 * rng.randint(2, 4))
            worker.notes["passport_dob"] = shown.isoformat()
        workers.append((worker, _day(rng, 2009), _passport(rng), shown))
    irregulars = [
        pop.add("irregular", female=rng.random() < 0.6, age_on=(16, 40), at=at)
        for _ in range(_scaled(280, scale))
    ]

    departures = Draft(DEPARTURES, ["No", "Worker Name", "Sex", "Date of Birth", "Passport No.",
                                    "Home Province", "Departure Date", "Employer (Malaysia)",
                                    "Job"])  # fmt: skip
    deportations = Draft(DEPORTATIONS, ["Senarai", "Bil", "Nama", "Jantina", "Umur",
                                        "No. Pasport", "Warganegara", "Tarikh Hantar Pulang",
                                        "Depot"])  # fmt: skip
    hotline = Draft(HOTLINE, ["Call ID", "Date", "Caller", "Name of person abroad", "Sex",
                              "Age", "Province", "Country", "Agency named", "Problem"])  # fmt: skip
    court = Draft(COURT_B, ["Case ref", "Seq", "Hearing date", "Status in case", "Name",
                            "Gender", "DOB / age", "Charge", "Verdict"])  # fmt: skip

    passport_clerk = _clerk(seed, name, "passport", Habits(
        romanise=0.05, typo=0.01, join_given=0.5, swap=0.0, upper=True, age_error=0,
        age_error_2=0))  # fmt: skip
    malay_clerk = _clerk(seed, name, "malaysia", Habits(
        romanise=0.3, typo=0.06, join_given=0.3, swap=0.15, upper=True, age_error=0.25,
        age_error_2=0.05))  # fmt: skip
    hotline_clerk = _clerk(seed, name, "hotline", Habits(
        romanise=0.3, typo=0.05, join_given=0.4, split_given=0.1, swap=0.1, nickname=0.15,
        age_error=0.4, age_error_2=0.15))  # fmt: skip
    court_clerk = _clerk(seed, name, "court", Habits(
        romanise=0.15, typo=0.03, join_given=0.3, swap=0.03, title=0.15, age_error=0.1,
        age_error_2=0.02))  # fmt: skip
    who = random.Random(f"{seed}:{name}:who")

    workers.sort(key=lambda w: (w[1], w[0].pid))
    for i, (person, left, passport, shown) in enumerate(workers):
        departures.add(str(i + 1), person, [
            str(i + 1), passport_clerk.full_name(person.name, female=person.female),
            "F" if person.female else "M", shown.strftime("%d/%m/%Y"), passport,
            _province_text(who, person.province), left.strftime("%d/%m/%Y"),
            who.choice(EMPLOYERS), "Domestic helper" if person.female else "Factory worker",
        ])  # fmt: skip

    # Deported: a share of the workers (passport kept by the agent: a new one, or none),
    # more of the irregular migrants; some deported twice.
    deported: list[tuple[date, Person, str, int]] = []
    for person, left, passport, shown in workers:
        if person.kind == "worker" and who.random() < 0.3:
            day = _later(left, who, 90, 400)
            roll = who.random()
            number = passport if roll < 0.55 else _passport(who) if roll < 0.85 else ""
            age = person.age_on(day) if number != passport else day.year - shown.year
            deported.append((day, person, number, age))
    for person in irregulars:
        if who.random() < 0.6:
            day = _later(date(2009, 9, 1), who, 0, 400)
            number = _passport(who) if who.random() < 0.5 else ""
            deported.append((day, person, number, person.age_on(day)))
    for day, person, number, age in list(deported):
        if who.random() < 0.05:
            deported.append((_later(day, who, 60, 200), person, number, age))
    deported.sort(key=lambda d: (d[0], d[1].pid))
    per_list: dict[str, int] = {}
    for day, person, number, age in deported:
        listed = f"{day.year}/{day.month:02d}"
        per_list[listed] = per_list.get(listed, 0) + 1
        deportations.add(f"{listed}/{per_list[listed]}", person, [
            listed, str(per_list[listed]), malay_clerk.full_name(person.name, female=person.female),
            "P" if person.female else "L", str(malay_clerk.age(age)), number, "KEMBOJA",
            day.strftime("%d.%m.%Y"), who.choice(DEPOTS)])  # fmt: skip

    calls: list[tuple[date, Person]] = []
    for person, left, _, _ in workers:
        if person.kind == "worker" and who.random() < 0.18:
            first = _later(left, who, 30, 300)
            calls += [(_later(first, who, 0, 60 * k), person) for k in range(_calls(who))]
    for person in irregulars:
        if who.random() < 0.15:
            first = _later(date(2009, 6, 1), who, 0, 300)
            calls += [(_later(first, who, 0, 60 * k), person) for k in range(_calls(who))]
    calls.sort(key=lambda c: (c[0], c[1].pid))
    for i, (day, person) in enumerate(calls):
        call_id = f"HL-{day:%y}-{i + 1:04d}"
        written = hotline_clerk.full_name(person.name, female=person.female)
        if who.random() < 0.08 and " " in written:  # the caller gives the given name only
            written = written.split(" ", 1)[1]
        told = str(hotline_clerk.age(person.age_on(day))) if who.random() < 0.7 else ""
        sex = ("F" if person.female else "M") if who.random() < 0.8 else ""
        hotline.add(call_id, person, [
            call_id, day.strftime("%d/%m/%Y"),
            who.choice(["mother", "sister", "husband", "self", "neighbour"]), written, sex, told,
            _province_text(who, person.province), "Malaysia",
            who.choice(["", "the company", "a broker"]),
            who.choice(["no contact", "not paid", "passport kept", "wants to come home"]),
        ])  # fmt: skip

    # Court: recruiters tried; complainants among the deported workers and irregulars.
    complainants = [p for _, p, _, _ in deported if p.kind in ("worker", "irregular")]
    complainants = list({p.pid: p for p in complainants}.values())
    who.shuffle(complainants)
    accused_pool = [r for r in recruiters if who.random() < 0.6]
    rows: list[tuple[str, date, str, Person]] = []
    c = 0
    while accused_pool:
        c += 1
        ref = f"PPMC-{c:03d}/2010"
        heard = _later(date(2010, 1, 15), who, 0, 300)
        accused = [accused_pool.pop()]
        if accused_pool and who.random() < 0.35:
            accused.append(accused_pool.pop())
        for person in accused:
            rows.append((ref, heard, "Accused", person))
        for _ in range(who.randint(1, 4)):
            if complainants:
                rows.append((ref, heard, "Complainant", complainants.pop()))
    seq: dict[str, int] = {}
    for ref, heard, status, person in rows:
        seq[ref] = seq.get(ref, 0) + 1
        if who.random() < 0.5:
            birth = str(court_clerk.age(person.age_on(heard)))
        else:
            birth = str(person.birth.year + court_clerk.year_off())
        court.add(f"{ref}/{seq[ref]}", person, [
            ref, str(seq[ref]), heard.isoformat(), status,
            court_clerk.full_name(person.name, female=person.female),
            ("Female" if person.female else "Male") if who.random() < 0.25 else "", birth,
            "Art. 15 (unlawful recruitment)" if status == "Accused" else "",
            who.choice(["convicted", "pending", ""]) if status == "Accused" else ""])  # fmt: skip
    return [departures, deportations, hotline, court]


def _calls(rng: random.Random) -> int:
    return pick(rng, {1: 70, 2: 22, 3: 8})


SETS: dict[str, Callable[[int, float], list[Draft]]] = {
    "trafficking-2009": trafficking_2009,
    "migration-malaysia": migration_malaysia,
}


def write_draft(draft: Draft, folder: Path) -> Path:
    """Write one register's file (CSV, or XLSX for names ending .xlsx)."""
    path = folder / draft.register.file
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Sheet1"
        sheet.append(draft.header)
        for row in draft.rows:
            sheet.append(row)
        book.save(path)
    else:
        delimiter = ";" if draft.register is SHELTER else ","
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=delimiter)
            writer.writerow(draft.header)
            writer.writerows(draft.rows)
    return path


def all_rows(drafts: Iterable[Draft]) -> list[Any]:
    """Every row of the drafts (for determinism checks)."""
    return [(d.register.file, d.header, d.rows, d.truth) for d in drafts]
