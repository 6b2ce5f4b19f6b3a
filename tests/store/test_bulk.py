"""Bulk writes through the driver store what SQLAlchemy's own executemany stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tipdata.model import AgencyKind, PersonStatus
from tipdata.store import Agency, Database, Person
from tipdata.store.bulk import executemany

AT = datetime(2008, 3, 14, 9, 30, 15, 123456, tzinfo=UTC)


def test_inserted_and_updated_rows_read_back_as_through_the_orm(db: Database) -> None:
    with db.session() as session:
        agency = Agency(code="MOI", name="Ministry of Interior", kind=AgencyKind.GOVERNMENT)
        session.add(agency)
        session.flush()
        person = Person.__table__
        assert isinstance(person, sa.Table)
        rows = [
            {
                "public_id": f"P{n:012d}",
                "owner_agency_id": agency.id,
                "status": PersonStatus.ACTIVE.value,
                "merged_into_id": None,
                "created_at": AT,
            }
            for n in range(3)
        ]
        executemany(session.connection(), person.insert(), rows)
        ids = dict(session.execute(sa.select(person.c.public_id, person.c.id)).all())
        executemany(
            session.connection(),
            person.update()
            .where(person.c.id == sa.bindparam("merged"))
            .values(status=sa.bindparam("new_status"), merged_into_id=sa.bindparam("into")),
            [
                {
                    "merged": ids["P000000000001"],
                    "new_status": PersonStatus.MERGED.value,
                    "into": ids["P000000000000"],
                }
            ],
        )

    with db.session() as session:
        stored = {
            p.public_id: (p.status, p.merged_into_id, p.created_at.replace(tzinfo=UTC))
            for p in session.scalars(sa.select(Person))
        }
    assert stored == {
        "P000000000000": (PersonStatus.ACTIVE, None, AT),
        "P000000000001": (PersonStatus.MERGED, ids["P000000000000"], AT),
        "P000000000002": (PersonStatus.ACTIVE, None, AT),
    }


def test_values_are_stored_as_sqlalchemy_stores_them(db: Database) -> None:
    person = Person.__table__
    assert isinstance(person, sa.Table)
    with db.session() as session:
        agency = Agency(code="MOI", name="Ministry of Interior", kind=AgencyKind.GOVERNMENT)
        session.add(agency)
        session.flush()
        row = {"owner_agency_id": agency.id, "merged_into_id": None, "created_at": AT}
        session.execute(person.insert(), [{**row, "public_id": "PORM", "status": "active"}])
        executemany(
            session.connection(),
            person.insert(),
            [{**row, "public_id": "PBULK", "status": PersonStatus.ACTIVE.value}],
        )
        stored = session.execute(
            sa.text("SELECT public_id, status, created_at FROM person ORDER BY public_id")
        ).all()

    assert stored[0][1:] == stored[1][1:]  # the very same text (SQLite) or value


def test_every_value_must_be_given(db: Database) -> None:
    person = Person.__table__
    assert isinstance(person, sa.Table)
    with db.connect() as connection, pytest.raises(ValueError, match="status"):
        executemany(
            connection,
            person.insert(),
            [{"public_id": "P1", "owner_agency_id": 1, "merged_into_id": None, "created_at": AT}],
        )


def test_no_rows_is_nothing_to_do(db: Database) -> None:
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    with db.connect() as connection:
        sa.event.listen(connection, "before_cursor_execute", record)
        executemany(connection, Person.__table__.insert(), [])  # type: ignore[arg-type]
        sa.event.remove(connection, "before_cursor_execute", record)
        stored = connection.execute(sa.select(sa.func.count()).select_from(Person)).scalar_one()

    assert sent == []  # nothing reaches the driver, not even an empty INSERT
    assert stored == 0
