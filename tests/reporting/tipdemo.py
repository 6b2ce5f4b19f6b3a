"""Shared set-up of the reporting tests: a small demo delivery, imported, linked by ground truth.

The delivery and the imported, linked databases are built once per session
(:mod:`tests.shared_demo`); each test module that imports these fixtures gets its own
copy of the database, so what one module changes no other module sees.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_demo import (
    SCALE,
    DemoTemplate,
    build_demo_database,
    copy_of,
    link_by_ground_truth,
    truth_of_records,
)
from tipdata.store import Database

__all__ = [
    "SCALE",
    "build_demo_database",
    "demo_db",
    "demo_delivery",
    "link_by_ground_truth",
    "sqlite_demo_db",
    "true_persons",
    "truth_of_records",
]


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
