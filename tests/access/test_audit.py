"""The audit log's hash chain detects edited, deleted and reordered events."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tipdata.access import AuditError, Protected, record, verify
from tipdata.access.audit import accesses_to
from tipdata.store import AuditEvent, Database


def _log(db: Database, count: int = 4) -> None:
    with db.session() as session:
        for number in range(count):
            record(
                session, None, "read_protected", "person_record",
                [number + 1, 7], {"fields": "full_name", "n": number}, "10.0.0.1",
            )  # fmt: skip


def test_an_intact_log_verifies(db: Database) -> None:
    _log(db)
    result = verify(db)
    assert (result.ok, result.events_checked) == (True, 4)
    assert result.head_hash is not None


def test_an_edited_event_is_detected(db: Database) -> None:
    _log(db)
    with db.connect() as connection:
        connection.execute(
            sa.update(AuditEvent).where(AuditEvent.id == 2).values(remote_addr="1.2.3.4")
        )
    result = verify(db)
    assert (result.ok, result.first_bad_id) == (False, 2)
    assert "altered" in (result.problem or "")


def test_a_deleted_event_is_detected(db: Database) -> None:
    _log(db)
    with db.connect() as connection:
        connection.execute(sa.delete(AuditEvent).where(AuditEvent.id == 2))
    result = verify(db)
    assert (result.ok, result.first_bad_id) == (False, 3)
    assert "deleted" in (result.problem or "")


def test_reordered_events_are_detected(db: Database) -> None:
    _log(db)
    with db.connect() as connection:
        for old, new in [(2, 100), (3, 2), (100, 3)]:
            connection.execute(sa.update(AuditEvent).where(AuditEvent.id == old).values(id=new))
    assert verify(db).first_bad_id == 2


def test_removing_the_newest_events_is_detected_with_a_recorded_head(db: Database) -> None:
    _log(db)
    head = verify(db).head_hash
    with db.connect() as connection:
        connection.execute(sa.delete(AuditEvent).where(AuditEvent.id == 4))
    assert verify(db).ok  # the chain alone cannot tell
    assert not verify(db, expected_head=head).ok


def test_protected_values_and_unknown_actions_are_refused(db: Database) -> None:
    with db.session() as session:
        with pytest.raises(AuditError):
            record(session, None, "export", detail={"name": Protected("Sok Dara")})
        with pytest.raises(AuditError):
            record(
                session,
                None,
                "export",
                detail="sent SOK  DARA's file",
                forbidden_values=["sok  dara"],
            )
        with pytest.raises(AuditError):
            record(session, None, "read_everything")


def test_who_accessed_a_record(db: Database) -> None:
    _log(db)
    with db.session() as session:
        assert [e.id for e in accesses_to(session, "person_record", 7)] == [1, 2, 3, 4]
        assert [e.id for e in accesses_to(session, "person_record", 2)] == [2]
