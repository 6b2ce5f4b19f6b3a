"""Shared set-up of the reporting tests: a small demo delivery, imported, linked by ground truth."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_MASTER_KEY
from tipdata.store import Database, metadata

SCALE = 0.05


def build_demo_database(database: Database, folder: Path) -> Path:
    """Generate the demo at small scale into ``folder``, import it into ``database``."""
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.demo import generate
    from tipdata.ingest import import_directory
    from tipdata.store.refdata import sync_reference_data

    delivery = folder / "delivery"
    if not (delivery / "ground_truth" / "records.csv").exists():
        generate(year=2008, scale=SCALE, seed=1, out=delivery)
    sync_reference_data(database, load_codelists(), load_law_catalogue())
    import_directory(database, delivery, accept_valid_rows=True)
    return delivery


def truth_of_records(database: Database, delivery: Path) -> dict[int, str]:
    """person_record id -> true person id, from ``ground_truth/records.csv``."""
    by_key: dict[tuple[str, str], dict[str, str]] = {}
    with (delivery / "ground_truth" / "records.csv").open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            by_key[(line["file"], line["source_record_id"])] = line
    t = metadata.tables
    record, raw, run = t["person_record"], t["source_record"], t["import_run"]
    query = sa.select(record.c.id, run.c.file_name, raw.c.source_key, record.c.role).select_from(
        record.join(raw, raw.c.id == record.c.source_record_id).join(
            run, run.c.id == raw.c.import_run_id
        )
    )
    truth: dict[int, str] = {}
    with database.connect() as connection:
        for record_id, file_name, source_key, role in connection.execute(query):
            line = by_key[(Path(file_name).name, source_key)]
            court_victim = line["true_victim_person_id"] and str(role) == "victim"
            truth[record_id] = (
                line["true_victim_person_id"] if court_victim else line["true_person_id"]
            )
    return truth


def link_by_ground_truth(database: Database, truth: dict[int, str]) -> None:
    """Set ``person_record.person_id`` as a perfect linkage would: one person per true id."""
    t = metadata.tables
    person, record, agency = t["person"], t["person_record"], t["agency"]
    with database.connect() as connection:
        owner = connection.execute(
            sa.select(agency.c.id).where(agency.c.code == "NTF")
        ).scalar_one()
        ids: dict[str, int] = {}
        for true_id in sorted(set(truth.values())):
            ids[true_id] = connection.execute(
                person.insert()
                .values(public_id=f"P{true_id}", owner_agency_id=owner)
                .returning(person.c.id)
            ).scalar_one()
        connection.execute(
            record.update()
            .where(record.c.id == sa.bindparam("rid"))
            .values(person_id=sa.bindparam("pid")),
            [{"rid": rid, "pid": ids[true_id]} for rid, true_id in truth.items()],
        )


def true_persons(delivery: Path) -> dict[str, dict[str, str]]:
    """The ground truth persons by true id."""
    with (delivery / "ground_truth" / "persons.csv").open(encoding="utf-8") as handle:
        return {line["true_person_id"]: line for line in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def demo_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated demo files (one per test module)."""
    from tipdata.demo import generate

    delivery = tmp_path_factory.mktemp("demo") / "delivery"
    generate(year=2008, scale=SCALE, seed=1, out=delivery)
    return delivery


def linked_demo(database: Database, delivery: Path) -> Iterator[dict[int, str]]:
    """Import the delivery into ``database`` and link it by ground truth; yield the truth."""
    build_demo_database(database, delivery.parent)
    truth = truth_of_records(database, delivery)
    link_by_ground_truth(database, truth)
    yield truth


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
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "demo.db"
        database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
        database.upgrade()
        truth = next(linked_demo(database, demo_delivery))
        yield database, truth, demo_delivery
        database.dispose()
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = server.create_database(template=template)
    database = Database(server.url(name), master_key=TEST_MASTER_KEY)
    truth = next(linked_demo(database, demo_delivery))
    yield database, truth, demo_delivery
    database.dispose()
    server.drop_database(name)


@pytest.fixture(scope="module")
def sqlite_demo_db(
    demo_delivery: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, dict[int, str], Path]]:
    """The demo imported and linked by ground truth, on SQLite only."""
    path = tmp_path_factory.mktemp("db") / "demo.db"
    database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
    database.upgrade()
    truth = next(linked_demo(database, demo_delivery))
    yield database, truth, demo_delivery
    database.dispose()
