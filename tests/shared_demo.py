"""Session-wide demo fixtures, built once per test run and copied for each module.

Loaded as a plugin by ``tests/conftest.py`` (``pytest_plugins``), so there is one instance
of each fixture for the whole session, whichever test module asks for it (a fixture
imported into several modules would be a separate fixture in each).

* :func:`demo_files` — the 2008 demo delivery at :data:`SCALE`, seed 1, generated once.
  Tests only read it.
* :func:`demo_template` — that delivery imported and linked by ground truth, once per
  backend: a SQLite file, or a PostgreSQL template database. Module fixtures
  (``tests/reporting/tipdemo.py``) hand every module its own copy, so a module that
  publishes a release or adds users changes only its copy, exactly as when each module
  built its database itself.

Under pytest-xdist the workers share them: the first worker to ask builds each one in
the run's base temporary folder (the parent of the workers' own folders) while holding
a file lock; the others wait for the lock and read what it built (:func:`built_once`).
The folder's name carries :data:`GENERATOR_VERSION`, a digest of the generator's
source, so a delivery is never read by a run of another generator. The PostgreSQL
databases shared this way are dropped when the whole run ends (by the controller
process, ``pytest_sessionfinish`` in ``tests/conftest.py``), not by the worker that made
them. See :mod:`tests.run_cache`.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_MASTER_KEY, PostgresServer
from tests.run_cache import built_once, drop_at_end
from tipdata.store import Database, metadata

SCALE = 0.05
SEED = 1


def _generator_version() -> str:
    """A digest of the demo generator's source files and data (12 hex digits)."""
    import tipdata.demo

    folder = Path(tipdata.demo.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(
        p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


GENERATOR_VERSION = _generator_version()


@dataclass(frozen=True)
class DemoTemplate:
    """A demo database to copy: a SQLite file or a PostgreSQL template database."""

    backend: str
    truth: dict[int, str]
    """person_record id -> true person id (the same in every copy)."""
    sqlite_path: Path | None = None
    postgres_name: str | None = None


def generate_delivery(out: Path) -> Path:
    """Generate the demo at :data:`SCALE`, seed :data:`SEED`, into ``out``."""
    from tipdata.demo import generate

    generate(year=2008, scale=SCALE, seed=SEED, out=out)
    return out


def build_demo_database(database: Database, delivery: Path) -> None:
    """The code lists, then the delivery imported into ``database``."""
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.ingest import import_directory
    from tipdata.store.refdata import sync_reference_data

    sync_reference_data(database, load_codelists(), load_law_catalogue())
    import_directory(database, delivery, accept_valid_rows=True)


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


def import_and_link(database: Database, delivery: Path) -> dict[int, str]:
    """Import the delivery into ``database``, link it by ground truth; return the truth."""
    build_demo_database(database, delivery)
    truth = truth_of_records(database, delivery)
    link_by_ground_truth(database, truth)
    return truth


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated 2008 demo delivery (read only: copy it before changing a file)."""

    def build(folder: Path) -> dict[str, Any]:
        generate_delivery(folder / "delivery")
        return {"scale": SCALE, "seed": SEED}

    folder, _ = built_once(tmp_path_factory, f"demo-{SCALE}-{SEED}-{GENERATOR_VERSION}", build)
    return folder / "delivery"


@pytest.fixture(scope="session")
def sqlite_demo_template(
    demo_files: Path, tmp_path_factory: pytest.TempPathFactory
) -> DemoTemplate:
    """The demo imported and linked by ground truth into a SQLite file, to copy."""

    def build(folder: Path) -> dict[str, Any]:
        database = Database(f"sqlite:///{folder / 'demo.db'}", master_key=TEST_MASTER_KEY)
        try:
            database.upgrade()
            truth = import_and_link(database, demo_files)
        finally:
            database.dispose()  # the last connection to close checkpoints the WAL into the file
        return {"truth": [[record, person] for record, person in truth.items()]}

    folder, built = built_once(tmp_path_factory, f"sqlite-demo-{GENERATOR_VERSION}", build)
    truth = {int(record): str(person) for record, person in built["truth"]}
    return DemoTemplate("sqlite", truth, sqlite_path=folder / "demo.db")


@pytest.fixture(scope="session")
def postgresql_demo_template(
    demo_files: Path,
    postgres_server: PostgresServer,
    postgres_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> DemoTemplate:
    """The demo imported and linked by ground truth into a PostgreSQL template database.

    Dropped when the whole run ends (:mod:`tests.run_cache`): other workers copy it too.
    """

    def build(_folder: Path) -> dict[str, Any]:
        name = postgres_server.create_database(template=postgres_template)
        drop_at_end(tmp_path_factory, postgres_server.user, name)
        database = Database(postgres_server.url(name), master_key=TEST_MASTER_KEY)
        try:
            truth = import_and_link(database, demo_files)
        finally:
            database.dispose()  # a template database must have no open connection
        return {"name": name, "truth": [[record, person] for record, person in truth.items()]}

    _folder, built = built_once(tmp_path_factory, f"postgresql-demo-{GENERATOR_VERSION}", build)
    truth = {int(record): str(person) for record, person in built["truth"]}
    return DemoTemplate("postgresql", truth, postgres_name=built["name"])


@contextmanager
def copy_of(
    template: DemoTemplate, request: pytest.FixtureRequest, folder: Path
) -> Iterator[Database]:
    """A fresh database copied from a demo template (dropped or disposed at the end)."""
    if template.sqlite_path is not None:
        path = folder / "demo.db"
        shutil.copyfile(template.sqlite_path, path)
        database = Database(f"sqlite:///{path}", master_key=TEST_MASTER_KEY)
        try:
            yield database
        finally:
            database.dispose()
        return
    assert template.postgres_name is not None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database(template=template.postgres_name)
    # dropped with the others when the run ends (a drop waits for a checkpoint)
    drop_at_end(request.getfixturevalue("tmp_path_factory"), server.user, name)
    database = Database(server.url(name), master_key=TEST_MASTER_KEY)
    try:
        yield database
    finally:
        database.dispose()
