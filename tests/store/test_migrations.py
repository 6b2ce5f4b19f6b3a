"""Migrations make the database, and the models describe exactly what they make."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tipdata.store import Database, metadata

MODEL_TABLES = sorted(metadata.tables)


CORE_TABLES = {
    "agency", "app_user", "audit_event", "case", "case_exploitation", "case_person", "charge",
    "country", "event", "exploitation_type", "import_run", "law", "law_article",
    "penalty_range", "person", "person_record", "provider_service", "province",
    "provincial_report", "provincial_report_value", "referral", "role", "screening",
    "screening_answer", "service_provider", "source", "source_record", "source_record_version",
}  # fmt: skip


def test_every_core_table_of_the_data_model_is_declared() -> None:
    assert set(MODEL_TABLES) >= CORE_TABLES


def test_migrations_form_one_linear_chain() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tipdata.store.database import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert all(r.down_revision is not None for r in revisions[:-1])


def test_upgrade_from_empty_creates_every_table(empty_db: Database) -> None:
    assert empty_db.table_names() == []
    assert empty_db.current_revision() is None

    empty_db.upgrade()

    assert empty_db.current_revision() == empty_db.head_revision()
    assert empty_db.table_names() == sorted([*MODEL_TABLES, "alembic_version"])


def test_downgrade_to_base_drops_every_table_and_upgrade_restores_them(db: Database) -> None:
    db.downgrade("base")
    assert db.table_names() == ["alembic_version"]
    assert db.current_revision() is None

    db.upgrade()
    assert db.current_revision() == db.head_revision()
    assert db.table_names() == sorted([*MODEL_TABLES, "alembic_version"])


def test_upgrade_at_head_is_a_no_op(db: Database) -> None:
    db.upgrade()
    assert db.current_revision() == db.head_revision()


def test_models_match_migrations(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_check_constraints_have_the_conventional_names(db: Database) -> None:
    """Alembic does not compare CHECK constraints: compare their names here."""
    native_boolean = db.dialect == "postgresql"
    inspector = sa.inspect(db.engine)
    for table in metadata.sorted_tables:
        expected = {
            str(constraint.name)
            for constraint in table.constraints
            if isinstance(constraint, sa.CheckConstraint)
            and not (native_boolean and _is_boolean_check(table, constraint))
        }
        found = {str(check["name"]) for check in inspector.get_check_constraints(table.name)}
        assert found == expected, table.name


def _is_boolean_check(table: sa.Table, constraint: sa.CheckConstraint) -> bool:
    """Whether the constraint is the 0/1 check of a Boolean column (absent on PostgreSQL)."""
    return any(
        isinstance(column.type, sa.Boolean) and constraint.name == f"ck_{table.name}_{column.name}"
        for column in table.columns
    )


def test_protected_fields_migration_refuses_rows_it_cannot_encrypt(db: Database) -> None:
    """0006 has no key: on a database holding records in clear it stops, changing nothing."""
    from tests.store.rows import add_reference_rows, add_source_record
    from tipdata.errors import StorageError

    db.downgrade("0005")
    with db.session() as session:
        add_source_record(session, add_reference_rows(session))

    with pytest.raises(StorageError, match="cannot convert 1 stored source_record rows"):
        db.upgrade()
    assert db.current_revision() == "0005"


def test_protected_columns_hold_text_ciphertext() -> None:
    from tipdata.access.keys import PROTECTED_COLUMNS

    for place in PROTECTED_COLUMNS:
        column = metadata.tables[place.table].c[place.column]
        assert isinstance(column.type, sa.Text), f"{place.table}.{place.column}"


def test_a_migration_that_rebuilds_a_referenced_table_keeps_the_rows_that_refer_to_it(
    db: Database,
) -> None:
    """0007 rebuilds ``case`` on SQLite (copy, drop, rename) while other rows refer to it.

    With foreign keys enforced during the rebuild, dropping the referenced table failed
    ("FOREIGN KEY constraint failed") on every database that held a case: the upgrade
    runs with the check off and verifies every foreign key before it commits.
    """
    from tests.store.rows import add_reference_rows, add_source_record

    db.downgrade("0006")
    with db.session() as session:
        agency = add_reference_rows(session)
        record = add_source_record(session, agency)
        owner, record_id = agency.id, record.id
    with db.connect() as connection:
        connection.execute(
            sa.text("INSERT INTO exploitation_type (code, name) VALUES ('sexual', 'Sexual')")
        )
        case_id = connection.execute(
            sa.text(
                'INSERT INTO "case" (owner_agency_id, source_record_id, case_number, kind) '
                "VALUES (:owner, :record, 'C-1', 'court') RETURNING id"
            ),
            {"owner": owner, "record": record_id},
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO case_exploitation (case_id, exploitation_type) "
                "VALUES (:case, 'sexual')"
            ),
            {"case": case_id},
        )
        connection.commit()

    db.upgrade()

    assert db.current_revision() == _head()
    with db.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT case_id, exploitation_type, source_record_id FROM case_exploitation")
        ).all()
    assert [tuple(row) for row in rows] == [(case_id, "sexual", record_id)]


def _head() -> str:
    from alembic.script import ScriptDirectory

    from tipdata.store.database import Database as _Database

    config = _Database("sqlite://")._alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
