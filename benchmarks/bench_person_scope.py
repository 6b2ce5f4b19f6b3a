"""Time the query of one page of a provincial worker's person list, on a stored database.

The page (``casefiles.persons.list_persons``) walks persons newest first and checks each
with a correlated EXISTS over ``person_record``. Its province condition is built with
``scope_filter(..., by_person=True)`` so that only the ``person_id`` index can serve the
EXISTS; ``--compare`` also times the plain condition (``by_person=False``), which SQLite
without table statistics serves from the province index, reading a province's every
record for each person walked (minutes a page at scale 10: give it ``--timeout``).

The database is opened read-only; no personal data is printed (counts and timings only).

    .venv/bin/python benchmarks/bench_person_scope.py \
        --database /work/cache/bench/scale-10-sqlite/bench.db --provinces 12,02,23,18
"""

from __future__ import annotations

import argparse
import sqlite3
import threading
import time

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from tipdata.access.policy import Actor, scope_filter
from tipdata.model.enums import PersonStatus
from tipdata.store import Person, PersonRecord

PAGE = 51
"""A page of 50 and one more (to learn whether more follow), as the web asks."""


def page_sql(province: str, *, by_person: bool) -> str:
    """The SQL of the first page of a social worker's person list in a province."""
    worker = Actor(1, "bench", "social_worker", 1, province)
    condition = scope_filter(worker, PersonRecord, by_person=by_person)
    query = (
        sa.select(Person.id, Person.public_id)
        .where(
            Person.status == PersonStatus.ACTIVE,
            sa.exists().where(PersonRecord.person_id == Person.id, condition),
        )
        .order_by(Person.id.desc())
        .limit(PAGE)
    )
    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def timed(connection: sqlite3.Connection, sql: str, timeout: float) -> tuple[str, float, float]:
    """(rows or "timeout", wall seconds, CPU seconds of this process)."""
    timer = threading.Timer(timeout, connection.interrupt)
    timer.start()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        rows = str(len(connection.execute(sql).fetchall()))
    except sqlite3.OperationalError:
        rows = "timeout"
    finally:
        timer.cancel()
    return rows, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="a tipdata SQLite file (read only)")
    parser.add_argument("--provinces", default="12,02,23,18", help="comma-separated codes")
    parser.add_argument("--compare", action="store_true", help="time the plain condition too")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per query")
    args = parser.parse_args()
    connection = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    variants = [True, False] if args.compare else [True]
    print("province  by_person  rows   wall s   cpu s")
    for province in args.provinces.split(","):
        for by_person in variants:
            rows, wall, cpu = timed(
                connection, page_sql(province, by_person=by_person), args.timeout
            )
            print(f"{province:>8}  {by_person!s:>9}  {rows:>5}  {wall:7.3f}  {cpu:6.3f}")


if __name__ == "__main__":
    main()
