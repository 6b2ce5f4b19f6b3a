"""Migrations make the database, and the models describe exactly what they make."""

from __future__ import annotations

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
