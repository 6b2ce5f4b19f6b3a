"""Linkage: runs of the linkage model, the review queue, decisions and person events.

Adds ``linkage_run`` (engine, trained model JSON, threshold, counts), ``review_pair``
(uncertain or manual pairs of person records, by source record and role, with the
evidence), ``review_decision`` (appended reviewers' decisions: the audit trail) and
``person_event`` (persons created, merged, split by linkage or by hand).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "linkage_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "full",
                "incremental",
                name=op.f("ck_linkage_run_mode"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "finished",
                "failed",
                name=op.f("ck_linkage_run_status"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("review_lower", sa.Float(), nullable=False),
        sa.Column("review_upper", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), server_default="0", nullable=False),
        sa.Column("new_records", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pairs_scored", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("links", sa.Integer(), server_default="0", nullable=False),
        sa.Column("persons", sa.Integer(), server_default="0", nullable=False),
        sa.Column("persons_created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("persons_merged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("persons_split", sa.Integer(), server_default="0", nullable=False),
        sa.Column("review_pairs_added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "threshold > 0 AND threshold < 1 AND review_lower <= review_upper",
            name=op.f("ck_linkage_run_thresholds_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_linkage_run_owner_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_index(
        op.f("ix_linkage_run_owner_agency_id"), "linkage_run", ["owner_agency_id"], unique=False
    )
    op.create_table(
        "person_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "create",
                "merge",
                "split",
                "manual_merge",
                "manual_split",
                "retire",
                name=op.f("ck_person_event_kind"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("other_person_id", sa.Integer(), nullable=True),
        sa.Column("records", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_person_id"], ["person.id"], name=op.f("fk_person_event_other_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_person_event_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_event_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_person_event_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_event")),
    )
    op.create_index(
        op.f("ix_person_event_other_person_id"), "person_event", ["other_person_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_event_owner_agency_id"), "person_event", ["owner_agency_id"], unique=False
    )
    op.create_index(op.f("ix_person_event_person_id"), "person_event", ["person_id"], unique=False)
    op.create_index(op.f("ix_person_event_run_id"), "person_event", ["run_id"], unique=False)
    op.create_table(
        "review_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column(
            "origin",
            sa.Enum(
                "model",
                "manual",
                name=op.f("ck_review_pair_origin"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("left_source_record_id", sa.Integer(), nullable=False),
        sa.Column("left_role", sa.String(length=30), nullable=False),
        sa.Column("right_source_record_id", sa.Integer(), nullable=False),
        sa.Column("right_role", sa.String(length=30), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "same",
                "different",
                name=op.f("ck_review_pair_status"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["left_source_record_id"],
            ["source_record.id"],
            name=op.f("fk_review_pair_left_source_record_id_source_record"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_review_pair_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["right_source_record_id"],
            ["source_record.id"],
            name=op.f("fk_review_pair_right_source_record_id_source_record"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_review_pair_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_pair")),
        sa.UniqueConstraint(
            "left_source_record_id",
            "left_role",
            "right_source_record_id",
            "right_role",
            name="uq_review_pair_records",
        ),
    )
    op.create_index(
        op.f("ix_review_pair_owner_agency_id"), "review_pair", ["owner_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_review_pair_right_source_record_id"),
        "review_pair",
        ["right_source_record_id"],
        unique=False,
    )
    op.create_index(op.f("ix_review_pair_run_id"), "review_pair", ["run_id"], unique=False)
    op.create_index(op.f("ix_review_pair_status"), "review_pair", ["status"], unique=False)
    op.create_table(
        "review_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision",
            sa.Enum(
                "same",
                "different",
                name=op.f("ck_review_decision_decision"),
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reviewer", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agency.id"],
            name=op.f("fk_review_decision_owner_agency_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["review_pair.id"], name=op.f("fk_review_decision_pair_id_review_pair")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decision")),
    )
    op.create_index(
        op.f("ix_review_decision_owner_agency_id"),
        "review_decision",
        ["owner_agency_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_review_decision_pair_id"), "review_decision", ["pair_id"], unique=False
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_index(op.f("ix_review_decision_pair_id"), table_name="review_decision")
    op.drop_index(op.f("ix_review_decision_owner_agency_id"), table_name="review_decision")
    op.drop_table("review_decision")
    op.drop_index(op.f("ix_review_pair_status"), table_name="review_pair")
    op.drop_index(op.f("ix_review_pair_run_id"), table_name="review_pair")
    op.drop_index(op.f("ix_review_pair_right_source_record_id"), table_name="review_pair")
    op.drop_index(op.f("ix_review_pair_owner_agency_id"), table_name="review_pair")
    op.drop_table("review_pair")
    op.drop_index(op.f("ix_person_event_run_id"), table_name="person_event")
    op.drop_index(op.f("ix_person_event_person_id"), table_name="person_event")
    op.drop_index(op.f("ix_person_event_owner_agency_id"), table_name="person_event")
    op.drop_index(op.f("ix_person_event_other_person_id"), table_name="person_event")
    op.drop_table("person_event")
    op.drop_index(op.f("ix_linkage_run_owner_agency_id"), table_name="linkage_run")
    op.drop_table("linkage_run")
    # ### end Alembic commands ###
