"""Benchmark: the person and case pages' services on the demo database, per role.

    .venv/bin/python benchmarks/bench_casefiles.py [--scale 10] [--repeat 20]

Copies the cached SQLite demo database of :mod:`tipdata.demo.benchdb` (built on first
use) to a temporary folder — the services write audit events, and the cache is shared —
upgrades the copy to the newest revision, adds one user per role, then times each
service the person and case pages call: the first page of the person and case lists,
person profiles and case files of sampled persons and cases (national officer, police
analyst of MOI, court clerk of MOJ). Prints the median and the 95th percentile in
milliseconds, and the machine's load average.

A cache built before revision 0007 may not upgrade (0007 fails on its rows): pass
``--root /tmp/bench`` to build a fresh one there (scale 1: about 3 minutes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from tipdata.access import Actor, MasterKey, Passwords, add_user
from tipdata.access.passwords import ArgonParameters
from tipdata.access.users import sync_roles
from tipdata.casefiles import case_details, list_cases, list_persons, person_profile
from tipdata.demo.benchdb import DEFAULT_ROOT, bench_database, scale_label
from tipdata.store import Agency, AppUser, Case, Database, Person, PersonRecord

ROLES = {"officer": ("ntf_data_officer", "NTF"), "police": ("police_analyst", "MOI"),
         "clerk": ("court_clerk", "MOJ")}  # fmt: skip
PAGE = 50


def timed(repeat: int, call: Callable[[int], object]) -> tuple[float, float]:
    """Median and 95th percentile of ``call(i)`` over ``repeat`` calls, in milliseconds."""
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def actors(db: Database) -> dict[str, Actor]:
    """One user per role of :data:`ROLES` in the copy of the database."""
    cheap = Passwords(ArgonParameters(time_cost=1, memory_kib=8, parallelism=1))
    made = {}
    with db.session() as session:
        sync_roles(session)
        agencies = {code: agency_id for agency_id, code in session.execute(
            sa.select(Agency.id, Agency.code))}  # fmt: skip
        for username, (role, agency) in ROLES.items():
            if session.scalar(sa.select(AppUser.id).where(AppUser.username == username)) is None:
                add_user(
                    session, None, username=username, display_name=username, role=role,
                    agency_id=agencies[agency], province_code=None,
                    password="correct horse battery staple", passwords=cheap,
                )  # fmt: skip
        session.flush()
        for user in session.scalars(sa.select(AppUser).where(AppUser.username.in_(ROLES))):
            made[user.username] = Actor.of(user)
    return made


def samples(db: Database, actor: Actor, repeat: int) -> tuple[list[str], list[int]]:
    """Public ids of persons with a record of the actor's agency, and its cases' ids."""
    with db.session() as session:
        persons = list(
            session.scalars(
                sa.select(Person.public_id)
                .join(PersonRecord, PersonRecord.person_id == Person.id)
                .where(PersonRecord.owner_agency_id == actor.agency_id)
                .distinct()
                .limit(repeat)
            )
        )
        cases = list(
            session.scalars(
                sa.select(Case.id).where(Case.owner_agency_id == actor.agency_id).limit(repeat)
            )
        )
    return persons, cases


def services(
    db: Database, actor: Actor, persons: list[str], cases: list[int]
) -> dict[str, Callable[[int], object]]:
    """The calls to time for one actor: call ``i`` opens the ``i``-th sampled person or case."""

    def persons_page(_: int) -> object:
        return list_persons(db, actor=actor, limit=PAGE + 1)

    def cases_page(_: int) -> object:
        return list_cases(db, actor=actor, limit=PAGE + 1)

    def profile(i: int) -> object:
        return person_profile(db, persons[i % len(persons)], actor=actor)

    def case_file(i: int) -> object:
        return case_details(db, cases[i % len(cases)], actor=actor)

    runs: dict[str, Callable[[int], object]] = {
        f"list_persons (page of {PAGE})": persons_page,
        f"list_cases (page of {PAGE})": cases_page,
    }
    if persons:
        runs["person_profile"] = profile
    if cases:
        runs["case_details"] = case_file
    return runs


def main(argv: list[str]) -> int:
    """Run the benchmark and print one line per service and role."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="cache folder")
    args = parser.parse_args(argv)
    cached = bench_database(args.scale, "sqlite", args.root)
    cached.db.engine.dispose()
    source = args.root / f"scale-{scale_label(args.scale)}-sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-casefiles-") as folder:
        copy = Path(folder) / "bench.db"
        shutil.copyfile(source / "bench.db", copy)
        key = MasterKey.from_base64((source / "master.key").read_text(encoding="ascii"))
        db = Database(f"sqlite:///{copy}", master_key=key)
        try:
            db.upgrade()  # the copy only: a cache built at an older revision
            users = actors(db)
            print(f"scale {args.scale:g}, {args.repeat} calls each, load {os.getloadavg()}")
            print(f"{'service':<34} {'role':<8} {'median ms':>10} {'p95 ms':>8}")
            for name, actor in users.items():
                persons, cases = samples(db, users["police" if name == "officer" else name],
                                         args.repeat)  # fmt: skip
                runs = services(db, actor, persons, cases)
                for service, call in runs.items():
                    median, p95 = timed(args.repeat, call)
                    print(f"{service:<34} {name:<8} {median:>10.1f} {p95:>8.1f}")
        finally:
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
