"""Shared set-up of the reporting tests: a small demo delivery, imported, linked by ground truth.

The delivery and the imported, linked databases are built once per session
(:mod:`tests.shared_demo`); each test module that imports these fixtures gets its own
copy of the database, so what one module changes no other module sees.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.shared_demo import (
    SCALE,
    DemoTemplate,
    build_demo_database,
    copy_of,
    link_by_ground_truth,
    truth_of_records,
)
from tipdata.store import Database, metadata

__all__ = [
    "SCALE",
    "build_demo_database",
    "demo_db",
    "demo_delivery",
    "identified_in",
    "link_by_ground_truth",
    "sqlite_demo_db",
    "true_persons",
    "truth_of_records",
]


IDENTIFYING = frozenset(
    {"identified", "rescued", "determined_victim", "referred", "sheltered", "returned"}
    | {"repatriated"}
)
"""The events that identify a victim (the definition of "victims identified")."""


def identified_in(database: Database, truth: dict[int, str], start: date, end: date) -> set[str]:
    """True ids of the victims identified from ``start`` to ``end``: the earliest dated
    identifying event of a victim record of the person falls in the period.

    The definition written apart from the reporting engine, so a test that counts with it
    does not compare the engine with the engine's own query.
    """
    t = metadata.tables
    event, record = t["event"], t["person_record"]
    query = (
        sa.select(event.c.person_record_id, event.c.event_date)
        .select_from(event.join(record, record.c.id == event.c.person_record_id))
        .where(
            sa.type_coerce(record.c.role, sa.String) == "victim",
            sa.type_coerce(event.c.event_type, sa.String).in_(sorted(IDENTIFYING)),
            event.c.event_date.is_not(None),
        )
    )
    first: dict[str, date] = {}
    with database.connect() as connection:
        for record_id, day in connection.execute(query):
            person = truth[record_id]
            first[person] = min(day, first.get(person, day))
    return {person for person, day in first.items() if start <= day <= end}


def true_persons(delivery: Path) -> dict[str, dict[str, str]]:
    """The ground truth persons by true id."""
    with (delivery / "ground_truth" / "persons.csv").open(encoding="utf-8") as handle:
        return {line["true_person_id"]: line for line in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def demo_delivery(demo_files: Path) -> Path:
    """The generated demo files (generated once per session; tests only read them)."""
    return demo_files


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def demo_db(
    request: pytest.FixtureRequest, demo_delivery: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, dict[int, str], Path]]:
    """The demo imported and linked by ground truth, on SQLite and on PostgreSQL."""
    template: DemoTemplate = request.getfixturevalue(f"{request.param}_demo_template")
    with copy_of(template, request, tmp_path_factory.mktemp("db")) as database:
        yield database, dict(template.truth), demo_delivery


@pytest.fixture(scope="module")
def sqlite_demo_db(
    request: pytest.FixtureRequest,
    demo_delivery: Path,
    sqlite_demo_template: DemoTemplate,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Database, dict[int, str], Path]]:
    """The demo imported and linked by ground truth, on SQLite only."""
    with copy_of(sqlite_demo_template, request, tmp_path_factory.mktemp("db")) as database:
        yield database, dict(sqlite_demo_template.truth), demo_delivery
