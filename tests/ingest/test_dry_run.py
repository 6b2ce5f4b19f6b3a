"""A dry run is the import without the commit: on every file of the test suite they agree.

For each file — the demo delivery, every bad input of ``test_bad_inputs``, the docs'
examples — the dry run is run first, then the real import, on SQLite and PostgreSQL:
both accept or both refuse, with the same counts, errors, warnings and date ranges. A
CHECK constraint of the database is checked row by row (never a traceback), and every
CHECK constraint of the tables a mapping fills is covered by a row check.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.ingest.conftest import TEST_MAPPING, fingerprints, load_reference_data
from tests.ingest.test_bad_inputs import BAD_INPUTS, XLSX_MAPPING, Bad
from tests.ingest.test_demo_sources import delivery  # noqa: F401  (module fixture)
from tests.ingest.test_transforms import _example
from tipdata.errors import DataFileError
from tipdata.ingest import import_directory, import_file, parse_mapping
from tipdata.ingest.constraints import CHECKS, ENFORCED_BY_CONVERTERS, RecordConstraints
from tipdata.ingest.lookups import Lookups
from tipdata.ingest.mapping import Mapping
from tipdata.ingest.pipeline import ImportConflictError, ImportResult
from tipdata.ingest.targets import TABLE_OF_KIND
from tipdata.store import Database, metadata


def _seen(result: ImportResult) -> dict[str, Any]:
    return {
        "accepted": result.status != "rejected",
        "counts": (
            result.rows_read,
            result.rows_stored,
            result.rows_updated,
            result.rows_unchanged,
            result.rows_rejected,
        ),
        "errors": [str(issue) for issue in result.issues],
        "error_count": result.error_count,
        "warnings": [str(warning) for warning in result.warnings],
        "date_ranges": result.date_ranges,
    }


def _both(db: Database, path: Path, mapping: Mapping, **options: Any) -> tuple[Any, Any]:
    """The dry run's and the import's outcome (a result, or the one-line file error)."""
    outcomes = []
    for dry_run in (True, False):
        before = fingerprints(db) if dry_run else None
        try:
            outcome: Any = _seen(import_file(db, path, mapping=mapping, dry_run=dry_run, **options))
        except DataFileError as error:
            outcome = str(error)
        if dry_run:
            assert fingerprints(db) == before, "the dry run stored something"
        outcomes.append(outcome)
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.name for b in BAD_INPUTS])
def test_dry_run_and_import_agree_on_every_bad_input(
    bad: Bad, ref_db: Database, lookups: Lookups, tmp_path: Path
) -> None:
    mapping = parse_mapping(XLSX_MAPPING if bad.xlsx else TEST_MAPPING, tmp_path / "t.yaml")
    path = tmp_path / ("test_register_bad.xlsx" if bad.xlsx else "test_register_bad.csv")
    bad.write(path)
    dry, real = _both(ref_db, path, mapping, lookups=lookups)
    assert dry == real


@pytest.mark.slow
def test_dry_run_and_import_agree_on_the_demo_delivery(
    db: Database,
    delivery: Path,  # noqa: F811
) -> None:
    load_reference_data(db)
    dry = [_seen(r) for r in import_directory(db, delivery, dry_run=True)]
    assert all(seen["accepted"] for seen in dry), [s["errors"][:3] for s in dry]
    real = [_seen(r) for r in import_directory(db, delivery)]
    assert dry == real


@pytest.mark.parametrize("example", ["kampot_dosavy", "msdhs_handover"])
def test_dry_run_and_import_agree_on_the_docs_examples(
    example: str, db: Database, tmp_path: Path
) -> None:
    load_reference_data(db)
    if example == "kampot_dosavy":
        docs = (Path(__file__).parents[2] / "docs" / "mappings.md").read_text(encoding="utf-8")
        mapping_text = re.findall(r"```yaml\n(.*?)```", docs, re.S)[0]
        data = re.findall(r"```text\n(.*?)```", docs, re.S)[0]
        name = "kampot_dosavy_2019.csv"
    else:
        mapping_text = _example("example: msdhs_handover.yaml")
        data = _example("example: msdhs_handover_2009.csv")
        name = "msdhs_handover_2009.csv"
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    dry, real = _both(db, path, parse_mapping(mapping_text, tmp_path / f"{example}.yaml"))
    assert dry["accepted"] and dry == real


def test_every_check_constraint_of_the_imported_tables_is_checked_row_by_row() -> None:
    tables = [*TABLE_OF_KIND.values(), "case_person", "case_exploitation", "screening_answer"]
    tables += ["source_record"]
    names = {
        constraint.name
        for table in tables
        for constraint in metadata.tables[table].constraints
        if isinstance(constraint, sa.CheckConstraint)
    }
    covered = {check.constraint for check in CHECKS} | ENFORCED_BY_CONVERTERS
    assert sorted(names - covered) == []
    assert sorted({check.constraint for check in CHECKS} - names) == []


def test_a_constraint_the_database_refuses_is_one_line_with_row_and_field(
    ref_db: Database, lookups: Lookups, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = parse_mapping(
        TEST_MAPPING + "  - kind: referral\n    fields:\n      person_record_id: {ref: person}\n",
        tmp_path / "t.yaml",
    )
    path = tmp_path / "test_register_1.csv"
    path.write_text(
        "ID,Role,Name,Sex,Age,Province,Case,Date\nR1,V,Sok,F,16,Kandal,,03/04/2019\n",
        encoding="utf-8",
    )
    # the row check finds it, in the dry run as in the import
    dry, real = _both(ref_db, path, mapping, lookups=lookups)
    assert dry == real
    assert dry["errors"] == [
        "test_register_1.csv, row 2: a referral needs a destination: to_agency_id (an agency "
        "code) or to_provider_id (a service provider); the row gives neither"
    ]
    # were the row check forgotten, the database's refusal is still one line with the row
    monkeypatch.setattr(RecordConstraints, "check", lambda *_args, **_kw: [])
    before = fingerprints(ref_db)
    for dry_run in (True, False):
        with pytest.raises(ImportConflictError) as caught:
            import_file(ref_db, path, mapping=mapping, lookups=lookups, dry_run=dry_run)
        assert str(caught.value) == (
            f"{path}, line 2, field 'to_agency_id': a referral needs a destination: "
            "to_agency_id (an agency code) or to_provider_id (a service provider); the row "
            "gives neither (the database refused it: ck_referral_has_destination); "
            "nothing was stored"
        )
    assert fingerprints(ref_db) == before
