"""Fixtures for the ingest tests: reference data, look-ups, a small test layout."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping, parse_mapping
from tipdata.store import Database, metadata, table_fingerprints

PROVINCES_CSV = Path(__file__).parents[2] / "tipdata" / "codelists" / "provinces.csv"
COUNTRIES = {
    "KHM": ("Cambodia", "Khmer", "Cambodian"),
    "THA": ("Thailand", "Thai"),
    "VNM": ("Vietnam", "Viet Nam", "Vietnamese"),
    "MYS": ("Malaysia", "Malaysian"),
    "CHN": ("China", "Chinese"),
}
EXPLOITATION = {
    "sexual_exploitation": ("sex", "sexual exploitation", "CSE"),
    "forced_labour": ("labour", "labor", "forced labour"),
    "begging": ("begging",),
    "domestic_servitude": ("domestic", "domestic servitude"),
    "forced_marriage": ("marriage", "forced marriage"),
}
AGENCIES = [
    "MOI",
    "MOSAVY",
    "MOJ",
    "IOM",
    "MOLVT",
    "CWCC",
    "AFESIP",
    "WHI",
    "HCC",
    "NTF",
    "DOSAVY-07",
    "DOSAVY-20",
]


def _key(text: str) -> str:
    return " ".join(text.casefold().replace(".", " ").split())


def _province_rows() -> list[dict[str, str]]:
    with PROVINCES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_reference_data(db: Database) -> None:
    """Provinces, a few countries, agencies and exploitation types, straight into the tables."""
    t = metadata.tables
    with db.connect() as connection:
        connection.execute(
            t["province"].insert(),
            [
                {
                    "code": r["code"],
                    "name_en": r["name_en"],
                    "name_km": r["name_km"],
                    "kind": r["kind"],
                }
                for r in _province_rows()
            ],
        )
        connection.execute(
            t["country"].insert(), [{"iso3": k, "name": v[0]} for k, v in COUNTRIES.items()]
        )
        connection.execute(
            t["agency"].insert(),
            [{"code": code, "name": code, "kind": "government"} for code in AGENCIES],
        )
        connection.execute(
            t["exploitation_type"].insert(), [{"code": c, "name": c} for c in EXPLOITATION]
        )


def static_lookups(db: Database) -> Lookups:
    """Look-ups over the seeded reference data (independent of the code-list loaders)."""
    provinces: dict[str, str] = {}
    for row in _province_rows():
        names = [row["code"], str(int(row["code"])), row["name_en"], row["name_km"]]
        names += [v for v in row["variants"].split("|") if v]
        for name in names:
            provinces.setdefault(_key(name), row["code"])
    countries = {_key(n): k for k, names in COUNTRIES.items() for n in (k, *names)}
    exploitation = {_key(n): k for k, names in EXPLOITATION.items() for n in (k, *names)}
    with db.connect() as connection:
        agencies = dict(
            connection.execute(
                sa.select(metadata.tables["agency"].c.code, metadata.tables["agency"].c.id)
            ).all()
        )
    return Lookups(
        province=lambda text: provinces.get(_key(text)),
        country=lambda text: countries.get(_key(text)),
        exploitation_type=lambda text: exploitation.get(_key(text)),
        agency=lambda text: agencies.get(text.strip().upper()),
    )


@pytest.fixture
def ref_db(db: Database) -> Database:
    """The ``db`` fixture with reference data loaded."""
    seed_reference_data(db)
    return db


@pytest.fixture
def lookups(ref_db: Database) -> Lookups:
    """Look-ups over ``ref_db``."""
    return static_lookups(ref_db)


TEST_MAPPING = """\
source: test_register
name: Test register
agency: MOI
file:
  type: csv
recognise:
  pattern: "test_register*.csv"
  required_columns: [ID, Role, Name, Sex, Age, Province, Case, Date]
record_id: ID
date_formats: ["%d/%m/%Y"]
value_maps:
  role: {V: victim, S: suspect}
  event: {V: rescued, S: arrested}
  sex: {F: female, M: male, ស្រី: female}
records:
  - kind: case
    when: {column: Case, empty: false}
    fields:
      case_number: Case
      kind: {const: investigation}
  - kind: person_record
    name: person
    fields:
      role: {column: Role, map: role}
      full_name: Name
      sex: {column: Sex, map: sex}
      birth: {birth: Age, at: {date: Date}}
      province_code: Province
      case: {ref: case}
  - kind: event
    fields:
      person_record_id: {ref: person}
      case_id: {ref: case}
      event_type: {column: Role, map: event}
      event_date: {date: Date}
"""

TEST_HEADER = ["ID", "Role", "Name", "Sex", "Age", "Province", "Case", "Date"]

GOOD_ROWS = [
    ["R1", "V", "Sok Dara", "F", "16", "Phnom Penh", "C-1", "03/04/2019"],
    ["R2", "S", "Chan Vuthy", "M", "41", "Kandal", "C-1", "04/04/2019"],
    ["R3", "V", "Keo Lina", "ស្រី", "1990", "Kg. Cham", "", "05/05/2019"],
]


@pytest.fixture
def test_mapping(tmp_path: Path) -> Mapping:
    """The small layout most tests use (victims and suspects, one case per row)."""
    path = tmp_path / "test_register.yaml"
    path.write_text(TEST_MAPPING, encoding="utf-8")
    return parse_mapping(TEST_MAPPING, path)


def write_csv(
    path: Path,
    rows: Iterable[Sequence[object]],
    header: Sequence[str] = TEST_HEADER,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write a CSV file (header first) and return its path."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def people(db: Database, *columns: str) -> list[tuple[Any, ...]]:
    """Columns of every person record by id, protected ones decrypted (as services see them)."""
    from tipdata.access.protected import keyring_for, reveal_person_record

    cipher = keyring_for(db).cipher
    t = metadata.tables["person_record"]
    with db.connect() as connection:
        rows = connection.execute(sa.select(t).order_by(t.c.id)).mappings().all()
    shown = [reveal_person_record(cipher, row["id"], row) for row in rows]
    return [tuple(row[c] for c in columns) for row in shown]


def count(db: Database, table: str) -> int:
    """Rows in a table."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(metadata.tables[table])
        ).scalar_one()


def load_reference_data(db: Database) -> None:
    """The real code lists and law catalogue into ``db``, as `tipdata codelists load` does."""
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store.refdata import sync_reference_data

    sync_reference_data(db, load_codelists(), load_law_catalogue())


_REFLECTED: dict[tuple[str, tuple[str, ...], tuple[str, ...]], sa.MetaData] = {}
"""Reflected schemas by dialect, table names and migration revision."""


def fingerprints(db: Database) -> dict[str, tuple[int, str]]:
    """:func:`~tipdata.store.table_fingerprints`, reflecting each schema once per process.

    Reflection reads every table's columns, keys and indexes (about 0.3 s on SQLite,
    two thirds of a bad-input test, which fingerprints before and after). The schema is
    the same for every database of one dialect at one migration revision with the same
    tables, so it is reflected the first time and reused; what is read stays every row
    of every table.
    """
    with db.engine.connect() as connection:
        names = tuple(sorted(sa.inspect(connection).get_table_names()))
        revisions: tuple[str, ...] = ()
        if "alembic_version" in names:
            found = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            revisions = tuple(sorted(found.scalars()))
    key = (db.engine.dialect.name, names, revisions)
    if key not in _REFLECTED:
        reflected = sa.MetaData()
        reflected.reflect(db.engine)
        _REFLECTED[key] = reflected
    return table_fingerprints(db, tables=_REFLECTED[key])
