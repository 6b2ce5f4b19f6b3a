"""Every layout the demo generator writes imports with the built-in mappings, counts exact."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import load_reference_data
from tipdata.ingest import builtin_mappings, import_directory, list_import_runs, provenance
from tipdata.store import Database, metadata


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo delivery (scale 0.02), generated once for the module."""
    from tipdata.demo import generate

    out = tmp_path_factory.mktemp("demo") / "delivery"
    generate(scale=0.02, seed=1, out=out)
    return out


def _truth(delivery: Path) -> Counter[str]:
    with (delivery / "ground_truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        return Counter(row["file"] for row in csv.DictReader(handle))


def test_every_demo_file_has_a_builtin_mapping(delivery: Path) -> None:
    files = sorted(p.name for p in delivery.iterdir() if p.is_file())
    patterns = [m.recognise.pattern for m in builtin_mappings().values()]
    import fnmatch

    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


def test_all_demo_sources_import_with_ground_truth_counts(db: Database, delivery: Path) -> None:
    load_reference_data(db)
    results = import_directory(db, delivery, imported_by="demo")

    problems = [str(issue) for result in results for issue in result.issues[:3]]
    assert problems == []
    assert all(result.status == "committed" for result in results)
    truth = _truth(delivery)
    assert {r.file.name: r.rows_stored for r in results} == dict(truth)

    sr, source = metadata.tables["source_record"], metadata.tables["source"]
    with db.connect() as connection:
        stored = dict(
            connection.execute(
                sa.select(source.c.code, sa.func.count(sr.c.id))
                .join(sr, sr.c.source_id == source.c.id)
                .group_by(source.c.code)
            ).all()
        )
        some_person = connection.execute(
            sa.select(sa.func.min(metadata.tables["person_record"].c.id))
        ).scalar_one()
    by_source = {r.source: truth[r.file.name] for r in results}
    assert stored == by_source
    assert len(list_import_runs(db)) == len(results)

    trace = provenance(db, "person_record", some_person)
    assert trace.row_number >= 2 and trace.file_name in truth

    again = import_directory(db, delivery)
    assert {r.status for r in again} == {"unchanged"}
    assert sum(r.rows_unchanged for r in again) == sum(truth.values())
