"""Case work: an agency's case with a person, follow-ups, encrypted case notes, corrections.

``case_work``: one agency's case with one person (status, assigned worker), unique per
person and agency. ``follow_up``: a follow-up due at a date, done or not. ``case_note``:
a worker's note, ``body`` encrypted at rest. ``record_correction``: a corrected field of
a person record with the old and new values (encrypted), the reason, who and when.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("open", "on_hold", "closed")


def _owned(table: str) -> list[sa.Column[int] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=f"fk_{table}_owner_agency_id_agency"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=f"fk_{table}_person_id_person"),
    ]


def upgrade() -> None:
    statuses = ", ".join(f"'{status}'" for status in STATUSES)
    op.create_table(
        "case_work",
        *_owned("case_work"),
        sa.Column("status", sa.String(7), nullable=False),
        sa.Column("assigned_user_id", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_user_id"], ["app_user.id"], name="fk_case_work_assigned_user_id_app_user"
        ),
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f("ck_case_work_status")),
        sa.UniqueConstraint(
            "person_id", "owner_agency_id", name="uq_case_work_person_id_owner_agency_id"
        ),
    )
    op.create_table(
        "follow_up",
        *_owned("follow_up"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name="fk_follow_up_created_by_id_app_user"
        ),
    )
    op.create_table(
        "case_note",
        *_owned("case_note"),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"], name="fk_case_note_author_id_app_user"),
    )
    op.create_table(
        "record_correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name="fk_record_correction_owner_agency_id_agency"
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name="fk_record_correction_person_record_id_person_record",
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["app_user.id"],
            name="fk_record_correction_corrected_by_id_app_user",
        ),
    )
    for table, columns in (
        ("case_work", ("owner_agency_id", "person_id", "assigned_user_id")),
        ("follow_up", ("owner_agency_id", "person_id", "due_on")),
        ("case_note", ("owner_agency_id", "person_id")),
        ("record_correction", ("owner_agency_id", "person_record_id")),
    ):
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table in ("record_correction", "case_note", "follow_up", "case_work"):
        op.drop_table(table)
