"""Linkage: runs of the linkage model, the review queue, reviewers' decisions, person events.

Review pairs refer to person records by their stable key — the source record and the
role — not by person-record id, because ingestion replaces the person records of a
changed source row. Decisions are appended, never edited: the latest decision of a
pair is in force, the earlier ones are its audit trail. Every row is owned by the
NTF, which runs linkage for all agencies.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipdata.store.base import Base, IdMixin, OwnedMixin, enum_type, utc_now


class LinkageMode(StrEnum):
    """A full re-clustering of every record, or new records against existing persons."""

    FULL = "full"
    INCREMENTAL = "incremental"


class RunStatus(StrEnum):
    """State of a linkage run."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class ReviewStatus(StrEnum):
    """State of a review pair: waiting, or decided same / different person."""

    PENDING = "pending"
    SAME = "same"
    DIFFERENT = "different"


class PairOrigin(StrEnum):
    """Where a review pair comes from: the model's uncertain band, or a manual merge/split."""

    MODEL = "model"
    MANUAL = "manual"


class Decision(StrEnum):
    """A reviewer's decision on a pair."""

    SAME = "same"
    DIFFERENT = "different"


class PersonEventKind(StrEnum):
    """What happened to a person."""

    CREATE = "create"
    MERGE = "merge"
    SPLIT = "split"
    MANUAL_MERGE = "manual_merge"
    MANUAL_SPLIT = "manual_split"
    RETIRE = "retire"


class LinkageRun(IdMixin, OwnedMixin, Base):
    """One run of the linkage model: engine, the trained model, threshold and counts."""

    __tablename__ = "linkage_run"

    engine: Mapped[str] = mapped_column(sa.String(20))
    mode: Mapped[LinkageMode] = mapped_column(enum_type(LinkageMode, "mode"))
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "status"), default=RunStatus.RUNNING
    )
    model_version: Mapped[str] = mapped_column(sa.String(40))
    model: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """The trained Splink model (settings with m and u), as Splink saves it."""
    threshold: Mapped[float]
    review_lower: Mapped[float]
    review_upper: Mapped[float]
    records: Mapped[int] = mapped_column(default=0, server_default="0")
    new_records: Mapped[int] = mapped_column(default=0, server_default="0")
    pairs_scored: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    links: Mapped[int] = mapped_column(default=0, server_default="0")
    persons: Mapped[int] = mapped_column(default=0, server_default="0")
    persons_created: Mapped[int] = mapped_column(default=0, server_default="0")
    persons_merged: Mapped[int] = mapped_column(default=0, server_default="0")
    persons_split: Mapped[int] = mapped_column(default=0, server_default="0")
    review_pairs_added: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    started_by: Mapped[str | None] = mapped_column(sa.String(100))
    message: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint(
            "threshold > 0 AND threshold < 1 AND review_lower <= review_upper",
            name="thresholds_valid",
        ),
    )


class ReviewPair(IdMixin, OwnedMixin, Base):
    """Two person records the model is unsure about (or a manual merge/split), with evidence.

    The left record is the one with the smaller ``(source_record_id, role)``.
    """

    __tablename__ = "review_pair"

    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("linkage_run.id"), index=True)
    origin: Mapped[PairOrigin] = mapped_column(enum_type(PairOrigin, "origin"))
    left_source_record_id: Mapped[int] = mapped_column(sa.ForeignKey("source_record.id"))
    left_role: Mapped[str] = mapped_column(sa.String(30))
    right_source_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("source_record.id"), index=True
    )
    right_role: Mapped[str] = mapped_column(sa.String(30))
    match_weight: Mapped[float | None]
    match_probability: Mapped[float | None]
    evidence: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """Per comparison: the level (gamma), its label and match weight, and both values."""
    status: Mapped[ReviewStatus] = mapped_column(
        enum_type(ReviewStatus, "status"), default=ReviewStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    decisions: Mapped[list[ReviewDecision]] = relationship(
        back_populates="pair", order_by="ReviewDecision.id"
    )

    __table_args__ = (
        sa.UniqueConstraint(
            "left_source_record_id",
            "left_role",
            "right_source_record_id",
            "right_role",
            name="uq_review_pair_records",
        ),
    )


class ReviewDecision(IdMixin, OwnedMixin, Base):
    """A reviewer's decision on a pair; appended, never changed (the audit trail)."""

    __tablename__ = "review_decision"

    pair_id: Mapped[int] = mapped_column(sa.ForeignKey("review_pair.id"), index=True)
    decision: Mapped[Decision] = mapped_column(enum_type(Decision, "decision"))
    reviewer: Mapped[str] = mapped_column(sa.String(100))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(default=utc_now)

    pair: Mapped[ReviewPair] = relationship(back_populates="decisions")


class PersonEvent(IdMixin, OwnedMixin, Base):
    """A person created, merged into another, split, or changed by hand."""

    __tablename__ = "person_event"

    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("linkage_run.id"), index=True)
    kind: Mapped[PersonEventKind] = mapped_column(enum_type(PersonEventKind, "kind"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    other_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    """merge: the person merged into; split: the person the records came from."""
    records: Mapped[int] = mapped_column(default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    occurred_at: Mapped[datetime] = mapped_column(default=utc_now)


class PersonRecordLinkKey(Base):
    """Keyed hashes of one person record's linkage keys, kept beside its encrypted names.

    Written by linkage (``tipdata.linkage.blocking``) for every record it decrypts; an
    incremental run then finds the existing records that share a blocking key with a
    new record, and how common each name is, in these hashes, and decrypts only those
    records. The hashes are keyed HMACs (``tipdata.access.linkage_keys``): like the
    ``*_bidx`` blind indexes they reveal which records share a key, not the key. Rows
    go with their person record (``ON DELETE CASCADE``: ingestion replaces the person
    records of a changed source row, so a changed name never keeps stale hashes).
    """

    __tablename__ = "person_record_link_key"

    person_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), primary_key=True
    )
    key_version: Mapped[int]
    """Fingerprint of the hashing key and of the key format; other values are stale."""
    keys: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The keys packed little-endian (``tipdata.linkage.blocking.KEY_LAYOUT``): keyed hashes
    of the sorted, compact, first-word and last-word name keys (signed 64-bit), then the
    earliest and latest birth year (16-bit); 0 means no value. Packed, because an
    incremental run reads every row, and one value per row reads several times faster
    than six."""


class MergePart(Base):
    """The confident part of a person record, for persons a linkage run merged uncertainly.

    A person whose records were joined by a link scored below
    ``tipdata.linkage.clusters.CONFIDENT`` is a merge a reviewer might undo. Each of its
    records names its part: the records the run would have joined from its confident links
    alone (and reviewers' decisions), named by the part's smallest record id. The parts are
    joined by :class:`UncertainMerge` rows; the reporting ranges split them
    (``tipdata.reporting.splits``). Only persons with such a merge have rows; a full run
    rewrites the table, an incremental run the rows of the records it re-clusters.
    """

    __tablename__ = "merge_part"

    person_record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), primary_key=True
    )
    part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), index=True
    )


class UncertainMerge(Base):
    """Two parts of one person joined by links all scored below the confident level.

    ``match_probability`` is the strongest link between the two parts (the one that would
    have to be wrong, with every other, for the parts to be two persons).
    """

    __tablename__ = "uncertain_merge"

    left_part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), primary_key=True
    )
    right_part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person_record.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    match_probability: Mapped[float]
