"""The audit log's hash chain detects edited, deleted and reordered events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tipdata.access import AuditError, Protected, record, verify
from tipdata.access.audit import accesses_to, event_hash
from tipdata.access.checkpoint import HeadCheckpoint, attach_checkpoint, detach_checkpoint
from tipdata.store import AuditEvent, Database


@contextmanager
def tamper(db: Database) -> Iterator[sa.Connection]:
    """A connection that bypasses PostgreSQL's append-only trigger, as a superuser could."""
    with db.connect() as connection:
        if db.dialect == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield connection


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
    with tamper(db) as connection:
        connection.execute(
            sa.update(AuditEvent).where(AuditEvent.id == 2).values(remote_addr="1.2.3.4")
        )
    result = verify(db)
    assert (result.ok, result.first_bad_id) == (False, 2)
    assert "altered" in (result.problem or "")


def test_a_deleted_event_is_detected(db: Database) -> None:
    _log(db)
    with tamper(db) as connection:
        connection.execute(sa.delete(AuditEvent).where(AuditEvent.id == 2))
    result = verify(db)
    assert (result.ok, result.first_bad_id) == (False, 3)
    assert "deleted" in (result.problem or "")


def test_reordered_events_are_detected(db: Database) -> None:
    _log(db)
    with tamper(db) as connection:
        for old, new in [(2, 100), (3, 2), (100, 3)]:
            connection.execute(sa.update(AuditEvent).where(AuditEvent.id == old).values(id=new))
    assert verify(db).first_bad_id == 2


def test_removing_the_newest_events_is_detected_with_a_recorded_head(db: Database) -> None:
    _log(db)
    head = verify(db).head_hash
    with tamper(db) as connection:
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


# --- issue 15, item 1: every break, the signed head outside the database, append-only ---


@pytest.fixture
def checkpoint(db: Database, tmp_path: Path) -> Iterator[HeadCheckpoint]:
    """Six events written one transaction each, with a signed checkpoint attached."""
    signed = HeadCheckpoint(tmp_path / "audit-head.json", b"k" * 32)
    attach_checkpoint(db.engine, signed)
    for _ in range(6):
        _log(db, 1)
    yield signed
    detach_checkpoint(db.engine)


def test_every_break_is_reported_not_only_the_first(db: Database) -> None:
    _log(db, 8)
    with tamper(db) as connection:
        connection.execute(
            sa.update(AuditEvent).where(AuditEvent.id == 2).values(remote_addr="1.2.3.4")
        )
        connection.execute(sa.delete(AuditEvent).where(AuditEvent.id == 5))
        connection.execute(sa.update(AuditEvent).where(AuditEvent.id == 7).values(detail="x"))
    result = verify(db)
    assert [(p.event_id, p.problem.split(" ", 2)[2]) for p in result.problems] == [
        (2, "was altered"),
        (6, "does not follow the event before it (an event was deleted, inserted or reordered)"),
        (7, "was altered"),
    ]
    assert result.first_bad_id == 2


def test_the_signed_head_follows_each_commit(db: Database, checkpoint: HeadCheckpoint) -> None:
    head = checkpoint.read()
    assert head is not None and head.event_id == 6
    result = verify(db, checkpoint=checkpoint)
    assert (result.ok, result.checkpoint) == (True, head)


def test_deleting_the_newest_events_is_caught_by_the_signed_head(
    db: Database, checkpoint: HeadCheckpoint
) -> None:
    with tamper(db) as connection:
        connection.execute(sa.delete(AuditEvent).where(AuditEvent.id >= 5))
    result = verify(db, checkpoint=checkpoint)
    assert [p.problem for p in result.problems] == [
        "event 6 of the signed checkpoint is gone: the newest events were removed"
    ]


def test_a_tail_rewritten_with_recomputed_hashes_is_caught_by_the_signed_head(
    db: Database, checkpoint: HeadCheckpoint, tmp_path: Path
) -> None:
    with db.session() as session:  # rewrite events 4-6 and re-chain them: the chain is whole
        events = list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
    with tamper(db) as connection:
        previous = events[2].hash
        for event in events[3:]:
            event.remote_addr, event.prev_hash = "10.9.9.9", previous
            event.hash = event_hash(event)
            connection.execute(
                sa.update(AuditEvent)
                .where(AuditEvent.id == event.id)
                .values(remote_addr=event.remote_addr, prev_hash=previous, hash=event.hash)
            )
            previous = event.hash
    unsigned = HeadCheckpoint(tmp_path / "none.json", b"k" * 32)
    assert verify(db, checkpoint=unsigned).ok  # the chain alone cannot tell
    result = verify(db, checkpoint=checkpoint)
    assert [p.problem for p in result.problems] == [
        "event 6 differs from the signed checkpoint: the log was rewritten from there"
    ]


def test_a_forged_checkpoint_is_refused(db: Database, checkpoint: HeadCheckpoint) -> None:
    forged = json.loads(checkpoint.path.read_text(encoding="utf-8"))
    forged["event_id"] = 3
    checkpoint.path.write_text(json.dumps(forged), encoding="utf-8")
    result = verify(db, checkpoint=checkpoint)
    assert not result.ok
    assert "signature is wrong" in (result.problem or "")


def test_a_checkpoint_never_moves_back(tmp_path: Path) -> None:
    checkpoint = HeadCheckpoint(tmp_path / "head.json", b"k" * 32)
    assert checkpoint.advance(9, "a" * 64)
    assert not checkpoint.advance(8, "b" * 64)
    head = checkpoint.read()
    assert head is not None and (head.event_id, head.event_hash) == (9, "a" * 64)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET remote_addr = '1.2.3.4'",
        "DELETE FROM audit_event WHERE id = 2",
        "TRUNCATE audit_event CASCADE",
    ],
)
def test_postgresql_refuses_to_change_or_delete_audit_events(
    postgresql_db: Database, statement: str
) -> None:
    _log(postgresql_db)
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        postgresql_db.engine.begin() as connection,
    ):
        connection.exec_driver_sql(statement)
    assert verify(postgresql_db).events_checked == 4
