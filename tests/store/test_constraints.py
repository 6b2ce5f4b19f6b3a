"""The database itself refuses bad rows, on both engines, whatever code writes them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tipdata.model import CaseKind, PersonRole, Sex
from tipdata.store import Agency, Case, Database, PersonRecord, SourceRecord

from .rows import add_reference_rows, add_source_record, seed


def _unique(table: str, *columns: str) -> str:
    """The unique-violation message: PostgreSQL names the constraint, SQLite lists its columns."""
    by_name = f"uq_{table}_{'_'.join(columns)}"
    by_columns = ", ".join(f"{table}.{column}" for column in columns)
    return f"{by_name}|UNIQUE constraint failed: {by_columns}"


def _person_record_values(db: Database, **overrides: object) -> dict[str, object]:
    with db.session() as session:
        moi = add_reference_rows(session)
        record = add_source_record(session, moi)
        values: dict[str, object] = {
            "source_record_id": record.id,
            "role": "victim",
            "sex": "female",
            "owner_agency_id": moi.id,
        }
    values.update(overrides)
    return values


def _insert_person_record(db: Database, values: dict[str, object]) -> None:
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    with db.session() as session:
        session.execute(
            sa.text(f"INSERT INTO person_record ({columns}) VALUES ({placeholders})"), values
        )


def test_a_valid_person_record_is_stored(db: Database) -> None:
    _insert_person_record(db, _person_record_values(db))
    with db.connect() as connection:
        stored = connection.execute(sa.text("SELECT role, sex FROM person_record")).all()
    assert stored == [("victim", "female")]


def test_an_unknown_sex_is_refused(db: Database) -> None:
    values = _person_record_values(db, sex="f")
    with pytest.raises(sa.exc.IntegrityError, match="ck_person_record_sex"):
        _insert_person_record(db, values)


def test_an_unknown_role_is_refused(db: Database) -> None:
    values = _person_record_values(db, role="trafficker")
    with pytest.raises(sa.exc.IntegrityError, match="ck_person_record_role"):
        _insert_person_record(db, values)


def test_a_missing_owner_agency_is_refused(db: Database) -> None:
    values = _person_record_values(db, owner_agency_id=None)
    with pytest.raises(sa.exc.IntegrityError):
        _insert_person_record(db, values)


def test_an_owner_agency_that_does_not_exist_is_refused(db: Database) -> None:
    values = _person_record_values(db, owner_agency_id=999)
    with pytest.raises(sa.exc.IntegrityError):
        _insert_person_record(db, values)


def test_the_orm_refuses_an_unknown_enum_value_before_the_database(db: Database) -> None:
    values = _person_record_values(db, sex="f")
    refused = pytest.raises(sa.exc.StatementError, match="'f' is not among the defined enum values")
    with refused, db.session() as session:
        session.add(PersonRecord(**values))


def test_the_orm_accepts_enum_members_and_their_codes(db: Database) -> None:
    values = _person_record_values(db, sex="male", role=PersonRole.SUSPECT)
    with db.session() as session:
        session.add(PersonRecord(**values))
    with db.session() as session:
        stored = session.execute(sa.select(PersonRecord.sex, PersonRecord.role)).one()
    assert stored == (Sex.MALE, PersonRole.SUSPECT)
    assert type(stored.sex) is Sex


def test_a_negative_sentence_is_refused(db: Database) -> None:
    with db.session() as session:
        seed(session)
    refused = pytest.raises(sa.exc.IntegrityError, match="ck_charge_sentence_months_not_negative")
    with refused, db.session() as session:
        session.execute(sa.text("UPDATE charge SET sentence_months = -1"))


def test_a_suspended_part_longer_than_the_sentence_is_refused(db: Database) -> None:
    with db.session() as session:
        seed(session)
    refused = pytest.raises(sa.exc.IntegrityError, match="ck_charge_suspended_within_sentence")
    with refused, db.session() as session:
        session.execute(sa.text("UPDATE charge SET suspended_months = 121"))


def test_deleting_an_agency_that_owns_rows_is_refused(db: Database) -> None:
    with db.session() as session:
        seed(session)
    with pytest.raises(sa.exc.IntegrityError), db.session() as session:
        session.execute(sa.delete(Agency).where(Agency.code == "MOI"))
    with db.session() as session:
        assert session.scalars(sa.select(Agency.code)).all() == ["MOI"]


def test_a_source_key_is_unique_within_its_source(db: Database) -> None:
    with db.session() as session:
        moi = add_reference_rows(session)
        first = add_source_record(session, moi, source_key="V-001")
        duplicate = {
            column: getattr(first, column)
            for column in (
                "source_id",
                "import_run_id",
                "first_import_run_id",
                "row_number",
                "payload",
                "payload_sha256",
            )
        }
    with (
        pytest.raises(
            sa.exc.IntegrityError, match=_unique("source_record", "source_id", "source_key")
        ),
        db.session() as session,
    ):
        session.add(SourceRecord(source_key="V-001", **duplicate))
    with db.session() as session:
        session.add(SourceRecord(source_key="V-002", **duplicate))
    with db.session() as session:
        keys = session.scalars(sa.select(SourceRecord.source_key).order_by("source_key")).all()
    assert keys == ["V-001", "V-002"]


def test_a_case_number_is_unique_within_its_agency(db: Database) -> None:
    with db.session() as session:
        moi = add_reference_rows(session)
        session.add(Case(owner_agency_id=moi.id, case_number="C-1", kind=CaseKind.COURT))
        moi_id = moi.id
    with (
        pytest.raises(
            sa.exc.IntegrityError, match=_unique("case", "owner_agency_id", "case_number")
        ),
        db.session() as session,
    ):
        session.add(Case(owner_agency_id=moi_id, case_number="C-1", kind=CaseKind.COURT))


def test_a_person_in_a_case_twice_in_the_same_role_is_refused(db: Database) -> None:
    with db.session() as session:
        seed(session)
    with (
        pytest.raises(
            sa.exc.IntegrityError,
            match=_unique("case_person", "case_id", "person_record_id", "role"),
        ),
        db.session() as session,
    ):
        session.execute(
            sa.text(
                "INSERT INTO case_person (case_id, person_record_id, role)"
                " SELECT case_id, person_record_id, role FROM case_person"
                f" WHERE role = '{PersonRole.VICTIM}'"
            )
        )
