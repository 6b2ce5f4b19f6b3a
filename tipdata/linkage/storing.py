"""Storing a run's outcome: cluster the scored pairs into persons, keep ids, queue uncertain pairs.

:func:`_cluster_and_store` honours reviewers' decisions (must/cannot-links), writes new
persons, record moves and person events in bulk, and keeps the review queue: adds the
run's uncertain pairs (evidence encrypted) and retires those that ask nothing any more.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tipdata.access.crypto import FieldCipher
from tipdata.access.protected import (
    protect_evidence,
)
from tipdata.linkage.blocking import (
    record_ids_by_key,
)
from tipdata.linkage.case_work_moves import follow_merges, follow_split
from tipdata.linkage.clusters import (
    assign_person_ids,
    cluster_records,
    records_to_recluster,
    uncertain_merges,
)
from tipdata.linkage.defaults import chain_veto
from tipdata.linkage.evidence import PROTECTED_EVIDENCE, _evidence
from tipdata.linkage.features import registers_of_records
from tipdata.model.enums import PersonStatus
from tipdata.store.base import utc_now
from tipdata.store.bulk import executemany
from tipdata.store.database import Database
from tipdata.store.linkage import (
    MergePart,
    PairOrigin,
    PersonEvent,
    PersonEventKind,
    ReviewDecision,
    ReviewPair,
    ReviewStatus,
    UncertainMerge,
)
from tipdata.store.people import (
    Person,
    PersonRecord,
    new_person_public_ids,
)

if TYPE_CHECKING:
    from tipdata.linkage.run import LinkRun

WRITE_CHUNK = 50_000
"""Rows per executemany when storing persons, record moves and events (bounds memory)."""


def _decided_pairs(db: Database) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Record-key pairs decided same (must-link) and different (cannot-link)."""
    must: list[tuple[str, str]] = []
    cannot: list[tuple[str, str]] = []
    with db.session() as session:
        rows = session.execute(
            sa.select(
                ReviewPair.left_source_record_id,
                ReviewPair.left_role,
                ReviewPair.right_source_record_id,
                ReviewPair.right_role,
                ReviewPair.status,
            ).where(ReviewPair.status != ReviewStatus.PENDING)
        ).all()
    for left_sr, left_role, right_sr, right_role, status in rows:
        pair = (f"{left_sr}:{left_role}", f"{right_sr}:{right_role}")
        (must if status == ReviewStatus.SAME else cannot).append(pair)
    return must, cannot


def _cluster_and_store(
    db: Database,
    run_id: int,
    owner: int,
    records: pd.DataFrame,
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    model: dict[str, Any],
    result: LinkRun,
    cipher: FieldCipher,
) -> None:
    """Cluster, keep ids, write persons, record assignments, events and review pairs.

    ``records`` holds every person record (``unique_id``, ``person_id``); ``table`` the
    linkage table of the scored ones.
    """
    must_keys, cannot_keys = _decided_pairs(db)
    by_key = {
        f"{source_record}:{role}": record_id
        for (source_record, role), record_id in record_ids_by_key(
            db, (_split_key(key) for pair in (*must_keys, *cannot_keys) for key in pair)
        ).items()
    }
    must = [(by_key[a], by_key[b]) for a, b in must_keys if a in by_key and b in by_key]
    cannot = [(by_key[a], by_key[b]) for a, b in cannot_keys if a in by_key and b in by_key]
    ids = records["unique_id"].to_numpy(dtype="int64")
    persons = records["person_id"].astype("Int64")
    links = [
        (int(a), int(b), float(p))
        for a, b, p in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True
        )
    ]
    result.links = sum(1 for _a, _b, p in links if p >= result.threshold)
    untouched_persons = 0
    if result.mode == "incremental":
        # Only new records and the persons an edge joins to something else can change
        # (clusters.records_to_recluster); the rest keep their person as it is.
        edges = [(a, b) for a, b, p in links if p >= result.threshold] + must
        ends = np.unique(np.array([r for edge in edges for r in edge] or [0], dtype="int64"))
        ends = ends[np.isin(ends, ids)]
        person_at = persons.to_numpy(dtype="float64", na_value=np.nan)
        ends_person = person_at[np.searchsorted(ids, ends)] if ids.size else person_at[:0]
        at_ends: dict[int, int | None] = {
            int(r): (None if np.isnan(p) else int(p))
            for r, p in zip(ends, ends_person, strict=True)
        }
        touched = {at_ends[r] for r in records_to_recluster(at_ends, edges)} - {None}
        in_scope = (persons.isna() | persons.isin(touched)).to_numpy()
        untouched_persons = int(persons[~in_scope].nunique())
        previous: dict[int, int | None] = {
            int(r): (None if pd.isna(p) else int(p))
            for r, p in zip(ids[in_scope], persons[in_scope], strict=True)
        }
        scope = previous.keys()
        must = [(a, b) for a, b in must if a in scope and b in scope]
        cannot = [(a, b) for a, b in cannot if a in scope and b in scope]
        links = [(a, b, p) for a, b, p in links if a in scope and b in scope]
    else:
        previous = {
            int(r): (None if pd.isna(p) else int(p)) for r, p in zip(ids, persons, strict=True)
        }
    record_ids = list(previous)
    # for the uncertain merges, an existing person is whole in its confident parts only
    part_must, part_links = list(must), links
    if result.mode == "incremental":
        stored_part, stored_merges = _stored_uncertain_merges(db, previous.keys())
        part_links = links + stored_merges
        # Existing persons stay whole: their records are must-linked to each other.
        first_of: dict[int, int] = {}
        for record, person in previous.items():
            if person is not None:
                anchor = first_of.setdefault(person, record)
                if anchor != record:
                    must.append((anchor, record))
                part = stored_part.get(record)
                if part is None and anchor != record:
                    part_must.append((anchor, record))
                elif part is not None and part != record:
                    part_must.append((part, record))
    register_of = registers_of_records(db, None if result.mode == "full" else record_ids)
    veto_below = chain_veto(
        float(model.get("probability_two_random_records_match") or 0.5), result.review_lower
    )
    clusters = cluster_records(
        record_ids,
        links,
        threshold=result.threshold,
        must_link=must,
        cannot_link=cannot,
        register_of=register_of,
        veto_below=veto_below,
    )
    # the merges a reviewer might undo, in their confident parts (for the reporting ranges)
    part_of, uncertain = uncertain_merges(
        clusters,
        part_links,
        threshold=result.threshold,
        must_link=part_must,
        cannot_link=cannot,
        register_of=register_of,
        veto_below=veto_below,
    )
    assignment = assign_person_ids(clusters, previous)
    result.persons = len(assignment.person_of_cluster) + untouched_persons
    with db.session() as session:
        new_clusters = [c for c, p in assignment.person_of_cluster.items() if p is None]
        sizes = pd.Series(list(clusters.values())).value_counts().to_dict()
        created_at = utc_now()
        person_rows = [
            {
                "public_id": public_id,
                "owner_agency_id": owner,
                "status": PersonStatus.ACTIVE.value,
                "merged_into_id": None,
                "created_at": created_at,
            }
            for public_id in new_person_public_ids(len(new_clusters))
        ]
        created_ids = _insert_returning_ids(session, _table(Person), person_rows)
        for cluster, person_id in zip(new_clusters, created_ids, strict=True):
            assignment.person_of_cluster[cluster] = person_id
        result.persons_created = len(created_ids)
        # Person ids of records whose person changed.
        changes: dict[int, list[int]] = {}
        for record, cluster in clusters.items():
            person = assignment.person_of_cluster[cluster]
            assert person is not None
            if previous.get(record) != person:
                changes.setdefault(person, []).append(record)
        record_table = _table(PersonRecord)
        # One executemany, not one UPDATE per person (157,000 statements took 150 s at
        # scale 1.0).
        moves = [
            {"moved_record": record, "new_person": person}
            for person, ids in changes.items()
            for record in ids
        ]
        move = (
            record_table.update()
            .where(record_table.c.id == sa.bindparam("moved_record"))
            .values(person_id=sa.bindparam("new_person"))
        )
        for start in range(0, len(moves), WRITE_CHUNK):
            executemany(session.connection(), move, moves[start : start + WRITE_CHUNK])
        del moves
        now = utc_now()
        creations = zip(new_clusters, created_ids, strict=True)
        for _chunk in range(0, len(created_ids), WRITE_CHUNK):
            executemany(
                session.connection(),
                _table(PersonEvent).insert(),
                [
                    _event(run_id, owner, PersonEventKind.CREATE, person, None, sizes[c], now)
                    for c, person in itertools.islice(creations, WRITE_CHUNK)
                ],
            )
        events: list[dict[str, Any]] = []
        person_table = _table(Person)
        for old, into in assignment.merged.items():
            session.execute(
                person_table.update()
                .where(person_table.c.id == old)
                .values(status=PersonStatus.MERGED.value, merged_into_id=into)
            )
            events.append(_event(run_id, owner, PersonEventKind.MERGE, old, into, 0, now))
        for old, others in assignment.split.items():
            for cluster in others:
                target = assignment.person_of_cluster[cluster]
                events.append(
                    _event(run_id, owner, PersonEventKind.SPLIT, target, old, sizes[cluster], now)  # type: ignore[arg-type]
                )
        # an agency's case work, follow-ups and notes follow the persons' records
        follow_merges(
            session, {old: into for old, into in assignment.merged.items() if into is not None}
        )
        for old, others in assignment.split.items():
            targets = [assignment.person_of_cluster[cluster] for cluster in others]
            follow_split(session, old, [target for target in targets if target is not None])
        # In chunks: at scale 10 one list of 1.5 M event dicts held about 1 GB at once.
        for start in range(0, len(events), WRITE_CHUNK):
            executemany(
                session.connection(),
                _table(PersonEvent).insert(),
                events[start : start + WRITE_CHUNK],
            )
        _store_uncertain_merges(
            session, part_of, uncertain, None if result.mode == "full" else set(record_ids)
        )
        result.persons_merged = len(assignment.merged)
        result.persons_split = len(assignment.split)
        if result.mode == "full":
            result.review_pairs_retired = _retire_pending_pairs(session)
        kept = pairs[(pairs["match_probability"] >= result.review_lower).to_numpy()]
        # A pair whose two records one person now holds asks nothing (other links joined
        # them): it is not queued (and older ones are retired below).
        left_cluster = kept["unique_id_l"].astype("int64").map(clusters)
        right_cluster = kept["unique_id_r"].astype("int64").map(clusters)
        kept = kept[~(left_cluster.notna() & (left_cluster == right_cluster)).to_numpy()]
        result.review_pairs_added = _queue_for_review(
            session, run_id, owner, table, kept, model, result.threshold, cipher, register_of
        )
        session.flush()
        result.review_pairs_retired += _retire_settled_pairs(session)


def _stored_uncertain_merges(
    db: Database, scope: Iterable[int]
) -> tuple[dict[int, int], list[tuple[int, int, float]]]:
    """The stored parts and uncertain merges of the records in ``scope`` (an incremental
    run keeps an existing person's uncertain merges as links, its parts as must-links)."""
    parts, joins = _table(MergePart), _table(UncertainMerge)
    chosen = set(scope)
    with db.connect() as connection:
        part_of = {
            int(r): int(p)
            for r, p in connection.execute(sa.select(parts.c.person_record_id, parts.c.part_id))
            if r in chosen and p in chosen
        }
        merges = [
            (int(a), int(b), float(p))
            for a, b, p in connection.execute(
                sa.select(joins.c.left_part_id, joins.c.right_part_id, joins.c.match_probability)
            )
            if a in chosen and b in chosen
        ]
    return part_of, merges


def _store_uncertain_merges(
    session: Any,
    part_of: dict[int, int],
    merges: dict[tuple[int, int], float],
    scope: set[int] | None,
) -> None:
    """Replace the stored parts and uncertain merges of the re-clustered records.

    ``scope``: the records the run clustered (None: every record, a full run). The tables
    hold only the persons merged below the confident level, so the rows to replace are
    read and filtered here rather than deleted by a list of every record in scope.
    """
    parts, joins = _table(MergePart), _table(UncertainMerge)
    connection = session.connection()
    if scope is None:
        connection.execute(joins.delete())
        connection.execute(parts.delete())
    else:
        stale = [
            r for (r,) in connection.execute(sa.select(parts.c.person_record_id)) if r in scope
        ]
        stale_parts = [
            (a, b)
            for a, b in connection.execute(sa.select(joins.c.left_part_id, joins.c.right_part_id))
            if a in scope or b in scope
        ]
        for start in range(0, len(stale_parts), WRITE_CHUNK):
            executemany(
                connection,
                joins.delete().where(
                    joins.c.left_part_id == sa.bindparam("a"),
                    joins.c.right_part_id == sa.bindparam("b"),
                ),
                [{"a": a, "b": b} for a, b in stale_parts[start : start + WRITE_CHUNK]],
            )
        for start in range(0, len(stale), WRITE_CHUNK):
            executemany(
                connection,
                parts.delete().where(parts.c.person_record_id == sa.bindparam("r")),
                [{"r": r} for r in stale[start : start + WRITE_CHUNK]],
            )
    rows = [{"person_record_id": r, "part_id": p} for r, p in part_of.items()]
    for start in range(0, len(rows), WRITE_CHUNK):
        executemany(connection, parts.insert(), rows[start : start + WRITE_CHUNK])
    merged = [
        {"left_part_id": a, "right_part_id": b, "match_probability": p}
        for (a, b), p in merges.items()
    ]
    for start in range(0, len(merged), WRITE_CHUNK):
        executemany(connection, joins.insert(), merged[start : start + WRITE_CHUNK])


def _event(
    run_id: int | None,
    owner: int,
    kind: PersonEventKind,
    person_id: int,
    other: int | None,
    records: int,
    now: Any,
    reason: str | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "owner_agency_id": owner,
        "kind": kind.value,
        "person_id": person_id,
        "other_person_id": other,
        "records": int(records),
        "reason": reason,
        "actor": actor,
        "occurred_at": now,
    }


def _table(entity: Any) -> sa.Table:
    """The Core table of an ORM entity (for bulk inserts and updates)."""
    table = entity.__table__
    assert isinstance(table, sa.Table)
    return table


def _insert_returning_ids(session: Any, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows with unique ``public_id`` values and return their ids, in order.

    One executemany, then one query for the ids above the largest id before it (rows
    other writers add meanwhile are told apart by their public ids): ``RETURNING`` in
    batches of 1,000 took about 4 s for 130,000 persons.
    """
    if not rows:
        return []
    before = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    for start in range(0, len(rows), WRITE_CHUNK):
        executemany(session.connection(), table.insert(), rows[start : start + WRITE_CHUNK])
    by_public = dict(
        session.execute(sa.select(table.c.public_id, table.c.id).where(table.c.id > before)).all()
    )
    return [by_public[row["public_id"]] for row in rows]


def _split_key(key: str) -> tuple[int, str]:
    source_record, role = key.split(":", 1)
    return int(source_record), role


def _retire_pending_pairs(session: Any) -> int:
    """Drop the model's pending pairs before a full run queues its own band.

    A full run scores every pair again, maybe with another model or threshold: a pair
    queued by an earlier run that is no longer uncertain would stay first in the queue
    for ever. Pending pairs carry no decision, so nothing a reviewer said is lost; pairs
    still uncertain are queued again with this run's scores. Manual pairs and decided
    pairs stay.
    """
    decided = sa.select(ReviewDecision.pair_id).where(ReviewDecision.pair_id == ReviewPair.id)
    retired = session.execute(
        sa.delete(ReviewPair)
        .where(
            ReviewPair.status == ReviewStatus.PENDING,
            ReviewPair.origin == PairOrigin.MODEL,
            ~decided.exists(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(retired.rowcount or 0)


def _retire_settled_pairs(session: Any) -> int:
    """Drop the model's pending pairs that no longer ask anything (every run, after queueing).

    A pair whose two records one person now holds (other links joined them) or one of
    whose records is no longer stored is settled: it would sit in the queue asking about
    nothing. Pairs with a decision and manual pairs stay.
    """
    left, right = aliased(PersonRecord), aliased(PersonRecord)
    of_left = sa.and_(
        left.source_record_id == ReviewPair.left_source_record_id,
        left.role == ReviewPair.left_role,
    )
    of_right = sa.and_(
        right.source_record_id == ReviewPair.right_source_record_id,
        right.role == ReviewPair.right_role,
    )
    left_person = sa.select(left.person_id).where(of_left).limit(1).scalar_subquery()
    right_person = sa.select(right.person_id).where(of_right).limit(1).scalar_subquery()
    decided = sa.select(ReviewDecision.pair_id).where(ReviewDecision.pair_id == ReviewPair.id)
    retired = session.execute(
        sa.delete(ReviewPair)
        .where(
            ReviewPair.status == ReviewStatus.PENDING,
            ReviewPair.origin == PairOrigin.MODEL,
            ~decided.exists(),
            sa.or_(
                ~sa.select(left.id).where(of_left).exists(),
                ~sa.select(right.id).where(of_right).exists(),
                left_person == right_person,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return int(retired.rowcount or 0)


def _queue_for_review(
    session: Any,
    run_id: int,
    owner: int,
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    model: dict[str, Any],
    threshold: float,
    cipher: FieldCipher,
    register_of: dict[int, int],
) -> int:
    """Add pairs below the threshold (and at or above the review floor) not yet queued.

    Pairs at or above the threshold whose records come from one register that lists
    each person once are queued too: clustering keeps them apart (two rows of one
    register are two people) unless a reviewer says they are one person entered twice.
    The names in the evidence are stored encrypted (``cipher``), bound to the pair.
    """
    left_register = pairs["unique_id_l"].astype("int64").map(register_of)
    right_register = pairs["unique_id_r"].astype("int64").map(register_of)
    one_register = (left_register.notna() & (left_register == right_register)).to_numpy()
    uncertain = pairs[(pairs["match_probability"] < threshold).to_numpy() | one_register]
    if uncertain.empty:
        return 0
    involved = table[
        table["unique_id"].isin(uncertain["unique_id_l"])
        | table["unique_id"].isin(uncertain["unique_id_r"])
    ]
    key_of = dict(zip(involved["unique_id"].astype(int), involved["record_key"], strict=True))
    # Queued pairs that could be these: their left record is one of the involved ones
    # (the unique constraint's index starts with it), not the whole queue.
    sources = sorted({_split_key(key)[0] for key in key_of.values()})
    existing: set[tuple[str, str]] = set()
    for start in range(0, len(sources), 10_000):
        listed = ",".join(str(source) for source in sources[start : start + 10_000])
        existing.update(
            (f"{a}:{b}", f"{c}:{d}")
            for a, b, c, d in session.execute(
                sa.select(
                    ReviewPair.left_source_record_id,
                    ReviewPair.left_role,
                    ReviewPair.right_source_record_id,
                    ReviewPair.right_role,
                ).where(sa.text(f"review_pair.left_source_record_id IN ({listed})"))
            )
        )
    rows: list[dict[str, Any]] = []
    now = utc_now()
    for row in uncertain.to_dict("records"):
        left, right = sorted(
            (key_of[int(row["unique_id_l"])], key_of[int(row["unique_id_r"])]), key=_split_key
        )
        if (left, right) in existing:
            continue
        existing.add((left, right))
        left_sr, left_role = _split_key(left)
        right_sr, right_role = _split_key(right)
        rows.append(
            {
                "run_id": run_id,
                "owner_agency_id": owner,
                "origin": PairOrigin.MODEL.value,
                "left_source_record_id": left_sr,
                "left_role": left_role,
                "right_source_record_id": right_sr,
                "right_role": right_role,
                "match_weight": float(row["match_weight"]),
                "match_probability": float(row["match_probability"]),
                "evidence": protect_evidence(
                    cipher, f"{left}|{right}", _evidence(row, model), PROTECTED_EVIDENCE
                ),
                "status": ReviewStatus.PENDING.value,
                "created_at": now,
            }
        )
    if rows:
        session.execute(_table(ReviewPair).insert(), rows)
    return len(rows)
