"""Initial schema: reference tables, provenance, people, cases, services, reports, access.

Hand-checked from ``alembic revision --autogenerate`` against the models. Enum and
boolean CHECK constraints are named explicitly (``op.f``) so their names do not
depend on the naming convention being in force when the migration runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:28:10.457751
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "country",
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("iso3", name=op.f("pk_country")),
    )
    op.create_table(
        "exploitation_type",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["exploitation_type.code"],
            name=op.f("fk_exploitation_type_parent_code_exploitation_type"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_exploitation_type")),
    )
    op.create_table(
        "law",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_law")),
        sa.UniqueConstraint("code", name=op.f("uq_law_code")),
    )
    op.create_table(
        "province",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("name_km", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created", sa.Date(), nullable=True),
        sa.Column("abolished", sa.Date(), nullable=True),
        sa.CheckConstraint("kind IN ('province', 'capital')", name=op.f("ck_province_kind")),
        sa.CheckConstraint(
            "abolished IS NULL OR created IS NULL OR created <= abolished",
            name=op.f("ck_province_created_before_abolished"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_province")),
    )
    op.create_table(
        "role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role")),
        sa.UniqueConstraint("code", name=op.f("uq_role_code")),
    )
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "government",
                "court",
                "ngo",
                "international",
                "working_group",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_agency_kind"),
            ),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["agency.code"], name=op.f("fk_agency_parent_code_agency")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_agency_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
        sa.UniqueConstraint("code", name=op.f("uq_agency_code")),
    )
    op.create_table(
        "law_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("law_id", sa.Integer(), nullable=False),
        sa.Column("article", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "definition",
                "scope",
                "penal",
                "procedural",
                "other",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_law_article_kind"),
            ),
            nullable=True,
        ),
        sa.Column(
            "is_trafficking_offence",
            sa.Boolean(create_constraint=True, name=op.f("ck_law_article_is_trafficking_offence")),
            nullable=True,
        ),
        sa.Column(
            "verified",
            sa.Boolean(create_constraint=True, name=op.f("ck_law_article_verified")),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["law_id"], ["law.id"], name=op.f("fk_law_article_law_id_law")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_law_article")),
        sa.UniqueConstraint("law_id", "article", name=op.f("uq_law_article_law_id_article")),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column(
            "active",
            sa.Boolean(create_constraint=True, name=op.f("ck_app_user_active")),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_app_user_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_app_user_province_code_province")
        ),
        sa.ForeignKeyConstraint(["role_id"], ["role.id"], name=op.f("fk_app_user_role_id_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_index(op.f("ix_app_user_agency_id"), "app_user", ["agency_id"], unique=False)
    op.create_index(op.f("ix_app_user_role_id"), "app_user", ["role_id"], unique=False)
    op.create_table(
        "penalty_range",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("law_article_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("min_months", sa.Integer(), nullable=True),
        sa.Column("max_months", sa.Integer(), nullable=True),
        sa.Column("min_days", sa.Integer(), nullable=True),
        sa.Column("max_days", sa.Integer(), nullable=True),
        sa.Column("min_fine", sa.BigInteger(), nullable=True),
        sa.Column("max_fine", sa.BigInteger(), nullable=True),
        sa.Column("fine_unit", sa.String(length=20), nullable=True),
        sa.CheckConstraint("min_days >= 0", name=op.f("ck_penalty_range_min_days_not_negative")),
        sa.CheckConstraint(
            "min_days IS NULL OR max_days IS NULL OR min_days <= max_days",
            name=op.f("ck_penalty_range_days_ordered"),
        ),
        sa.CheckConstraint("min_fine >= 0", name=op.f("ck_penalty_range_min_fine_not_negative")),
        sa.CheckConstraint(
            "min_fine IS NULL OR max_fine IS NULL OR min_fine <= max_fine",
            name=op.f("ck_penalty_range_fines_ordered"),
        ),
        sa.CheckConstraint(
            "fine_unit IN ('riel', 'base_daily_wage', 'usd')",
            name=op.f("ck_penalty_range_fine_unit_known"),
        ),
        sa.CheckConstraint(
            "min_months >= 0", name=op.f("ck_penalty_range_min_months_not_negative")
        ),
        sa.CheckConstraint(
            "min_months IS NULL OR max_months IS NULL OR min_months <= max_months",
            name=op.f("ck_penalty_range_months_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["law_article_id"],
            ["law_article.id"],
            name=op.f("fk_penalty_range_law_article_id_law_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_range")),
    )
    op.create_index(
        op.f("ix_penalty_range_law_article_id"), "penalty_range", ["law_article_id"], unique=False
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "merged",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_person_status"),
            ),
            nullable=False,
        ),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)",
            name=op.f("ck_person_merged_has_target"),
        ),
        sa.CheckConstraint("merged_into_id <> id", name=op.f("ck_person_not_merged_into_self")),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["person.id"], name=op.f("fk_person_merged_into_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_person_owner_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("public_id", name=op.f("uq_person_public_id")),
    )
    op.create_index(op.f("ix_person_merged_into_id"), "person", ["merged_into_id"], unique=False)
    op.create_index(op.f("ix_person_owner_agency_id"), "person", ["owner_agency_id"], unique=False)
    op.create_table(
        "provincial_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("data_set_code", sa.String(length=60), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "accepted",
                "reopened",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_provincial_report_status"),
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "period_start <= period_end", name=op.f("ck_provincial_report_period_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agency.id"],
            name=op.f("fk_provincial_report_owner_agency_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_provincial_report_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provincial_report")),
        sa.UniqueConstraint(
            "province_code",
            "data_set_code",
            "period_code",
            name=op.f("uq_provincial_report_province_code_data_set_code_period_code"),
        ),
    )
    op.create_index(
        op.f("ix_provincial_report_owner_agency_id"),
        "provincial_report",
        ["owner_agency_id"],
        unique=False,
    )
    op.create_table(
        "service_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_service_provider_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_service_provider_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_service_provider_province_code_province"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_provider")),
        sa.UniqueConstraint("code", name=op.f("uq_service_provider_code")),
    )
    op.create_index(
        op.f("ix_service_provider_agency_id"), "service_provider", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_service_provider_province_code"),
        "service_provider",
        ["province_code"],
        unique=False,
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_source_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("code", name=op.f("uq_source_code")),
    )
    op.create_index(op.f("ix_source_agency_id"), "source", ["agency_id"], unique=False)
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=True),
        sa.Column("object_ids", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_audit_event_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    op.create_index(
        op.f("ix_audit_event_occurred_at"), "audit_event", ["occurred_at"], unique=False
    )
    op.create_index(op.f("ix_audit_event_user_id"), "audit_event", ["user_id"], unique=False)
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "committed",
                "rejected",
                "failed",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_import_run_status"),
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_stored", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("imported_by", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rows_read >= 0 AND rows_stored >= 0 AND rows_updated >= 0 AND rows_unchanged >= 0 AND rows_rejected >= 0",
            name=op.f("ck_import_run_row_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_import_run_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_import_run_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_index(
        op.f("ix_import_run_owner_agency_id"), "import_run", ["owner_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_import_run_source_id_file_sha256"),
        "import_run",
        ["source_id", "file_sha256"],
        unique=False,
    )
    op.create_table(
        "provider_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["service_provider.id"],
            name=op.f("fk_provider_service_provider_id_service_provider"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_service")),
        sa.UniqueConstraint(
            "provider_id", "service_code", name=op.f("uq_provider_service_provider_id_service_code")
        ),
    )
    op.create_index(
        op.f("ix_provider_service_service_code"), "provider_service", ["service_code"], unique=False
    )
    op.create_table(
        "provincial_report_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("data_element_code", sa.String(length=60), nullable=False),
        sa.Column("disaggregation", sa.String(length=60), server_default="total", nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "value >= 0", name=op.f("ck_provincial_report_value_value_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["provincial_report.id"],
            name=op.f("fk_provincial_report_value_report_id_provincial_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provincial_report_value")),
        sa.UniqueConstraint(
            "report_id",
            "data_element_code",
            "disaggregation",
            name="uq_provincial_report_value_report_element_disaggregation",
        ),
    )
    op.create_table(
        "source_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("first_import_run_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint("row_number >= 1", name=op.f("ck_source_record_row_number_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_source_record_version_positive")),
        sa.ForeignKeyConstraint(
            ["first_import_run_id"],
            ["import_run.id"],
            name=op.f("fk_source_record_first_import_run_id_import_run"),
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
            name=op.f("fk_source_record_import_run_id_import_run"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_source_record_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint(
            "source_id", "source_key", name=op.f("uq_source_record_source_id_source_key")
        ),
    )
    op.create_index(
        op.f("ix_source_record_first_import_run_id"),
        "source_record",
        ["first_import_run_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_source_record_import_run_id"), "source_record", ["import_run_id"], unique=False
    )
    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=True),
        sa.Column("case_number", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "investigation",
                "court",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_case_kind"),
            ),
            nullable=False,
        ),
        sa.Column("court", sa.String(length=200), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("destination_country", sa.String(length=3), nullable=True),
        sa.Column("opened_date", sa.Date(), nullable=True),
        sa.Column("closed_date", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "closed_date IS NULL OR opened_date IS NULL OR opened_date <= closed_date",
            name=op.f("ck_case_opened_before_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["destination_country"],
            ["country.iso3"],
            name=op.f("fk_case_destination_country_country"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_case_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_case_province_code_province")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_case_source_record_id_source_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint(
            "owner_agency_id", "case_number", name=op.f("uq_case_owner_agency_id_case_number")
        ),
    )
    op.create_index(op.f("ix_case_owner_agency_id"), "case", ["owner_agency_id"], unique=False)
    op.create_index(op.f("ix_case_province_code"), "case", ["province_code"], unique=False)
    op.create_index(op.f("ix_case_source_record_id"), "case", ["source_record_id"], unique=False)
    op.create_table(
        "person_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "victim",
                "suspect",
                "convicted",
                "witness",
                "returnee",
                "migrant_worker",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_person_record_role"),
            ),
            nullable=False,
        ),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("full_name", sa.String(length=400), nullable=True),
        sa.Column("full_name_khmer", sa.String(length=400), nullable=True),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "other",
                "unknown",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_person_record_sex"),
            ),
            nullable=False,
        ),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("age_years", sa.Integer(), nullable=True),
        sa.Column("age_reference_date", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(length=3), nullable=True),
        sa.Column("ethnicity", sa.String(length=100), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("district", sa.String(length=200), nullable=True),
        sa.Column("commune", sa.String(length=200), nullable=True),
        sa.Column("village", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "age_years BETWEEN 0 AND 130", name=op.f("ck_person_record_age_years_plausible")
        ),
        sa.CheckConstraint(
            "birth_year BETWEEN 1880 AND 2200", name=op.f("ck_person_record_birth_year_plausible")
        ),
        sa.ForeignKeyConstraint(
            ["nationality"], ["country.iso3"], name=op.f("fk_person_record_nationality_country")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_person_record_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_record_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["province.code"],
            name=op.f("fk_person_record_province_code_province"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_record_source_record_id_source_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_record")),
    )
    op.create_index(
        op.f("ix_person_record_family_name_given_name"),
        "person_record",
        ["family_name", "given_name"],
        unique=False,
    )
    op.create_index(
        op.f("ix_person_record_owner_agency_id"), "person_record", ["owner_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_record_person_id"), "person_record", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_person_record_province_code"), "person_record", ["province_code"], unique=False
    )
    op.create_index(
        op.f("ix_person_record_source_record_id"),
        "person_record",
        ["source_record_id"],
        unique=False,
    )
    op.create_table(
        "source_record_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_source_record_version_version_positive")),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_run.id"],
            name=op.f("fk_source_record_version_import_run_id_import_run"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_source_record_version_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record_version")),
        sa.UniqueConstraint(
            "source_record_id",
            "version",
            name=op.f("uq_source_record_version_source_record_id_version"),
        ),
    )
    op.create_index(
        op.f("ix_source_record_version_import_run_id"),
        "source_record_version",
        ["import_run_id"],
        unique=False,
    )
    op.create_table(
        "case_exploitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("exploitation_type", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
            name=op.f("fk_case_exploitation_case_id_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exploitation_type"],
            ["exploitation_type.code"],
            name=op.f("fk_case_exploitation_exploitation_type_exploitation_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_exploitation")),
        sa.UniqueConstraint(
            "case_id",
            "exploitation_type",
            name=op.f("uq_case_exploitation_case_id_exploitation_type"),
        ),
    )
    op.create_index(
        op.f("ix_case_exploitation_exploitation_type"),
        "case_exploitation",
        ["exploitation_type"],
        unique=False,
    )
    op.create_table(
        "case_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "victim",
                "suspect",
                "convicted",
                "witness",
                "returnee",
                "migrant_worker",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_case_person_role"),
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_person_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_case_person_person_record_id_person_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_person")),
        sa.UniqueConstraint(
            "case_id",
            "person_record_id",
            "role",
            name=op.f("uq_case_person_case_id_person_record_id_role"),
        ),
    )
    op.create_index(
        op.f("ix_case_person_person_record_id"), "case_person", ["person_record_id"], unique=False
    )
    op.create_table(
        "charge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("suspect_record_id", sa.Integer(), nullable=False),
        sa.Column("law_article_id", sa.Integer(), nullable=True),
        sa.Column("article_text", sa.Text(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "charged",
                "pending",
                "convicted",
                "acquitted",
                "dismissed",
                "appealed",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_charge_outcome"),
            ),
            nullable=False,
        ),
        sa.Column("verdict_date", sa.Date(), nullable=True),
        sa.Column("sentence_months", sa.Integer(), nullable=True),
        sa.Column("suspended_months", sa.Integer(), nullable=True),
        sa.Column("fine_riel", sa.BigInteger(), nullable=True),
        sa.Column("compensation_riel", sa.BigInteger(), nullable=True),
        sa.Column(
            "compensation_paid",
            sa.Boolean(create_constraint=True, name=op.f("ck_charge_compensation_paid")),
            nullable=True,
        ),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "compensation_riel >= 0", name=op.f("ck_charge_compensation_riel_not_negative")
        ),
        sa.CheckConstraint("fine_riel >= 0", name=op.f("ck_charge_fine_riel_not_negative")),
        sa.CheckConstraint(
            "sentence_months >= 0", name=op.f("ck_charge_sentence_months_not_negative")
        ),
        sa.CheckConstraint(
            "suspended_months >= 0", name=op.f("ck_charge_suspended_months_not_negative")
        ),
        sa.CheckConstraint(
            "suspended_months IS NULL OR sentence_months IS NULL OR suspended_months <= sentence_months",
            name=op.f("ck_charge_suspended_within_sentence"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_charge_case_id_case")),
        sa.ForeignKeyConstraint(
            ["law_article_id"],
            ["law_article.id"],
            name=op.f("fk_charge_law_article_id_law_article"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_charge_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_charge_source_record_id_source_record"),
        ),
        sa.ForeignKeyConstraint(
            ["suspect_record_id"],
            ["person_record.id"],
            name=op.f("fk_charge_suspect_record_id_person_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge")),
    )
    op.create_index(op.f("ix_charge_case_id"), "charge", ["case_id"], unique=False)
    op.create_index(op.f("ix_charge_law_article_id"), "charge", ["law_article_id"], unique=False)
    op.create_index(op.f("ix_charge_owner_agency_id"), "charge", ["owner_agency_id"], unique=False)
    op.create_index(
        op.f("ix_charge_source_record_id"), "charge", ["source_record_id"], unique=False
    )
    op.create_index(
        op.f("ix_charge_suspect_record_id"), "charge", ["suspect_record_id"], unique=False
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column(
            "event_type",
            sa.Enum(
                "identified",
                "rescued",
                "returned",
                "screened",
                "determined_victim",
                "determined_not_victim",
                "referred",
                "sheltered",
                "service_provided",
                "reintegrated",
                "followed_up",
                "repatriated",
                "re_trafficked",
                "case_closed",
                "arrested",
                "charged",
                "tried",
                "convicted",
                "acquitted",
                "sentenced",
                "appealed",
                "released",
                "escaped",
                "dismissed",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_event_event_type"),
            ),
            nullable=False,
        ),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_event_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_event_case_id_case")),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_event_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_event_person_record_id_person_record"),
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_event_province_code_province")
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_event_source_record_id_source_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index(op.f("ix_event_agency_id"), "event", ["agency_id"], unique=False)
    op.create_index(op.f("ix_event_case_id"), "event", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_event_event_type_event_date"), "event", ["event_type", "event_date"], unique=False
    )
    op.create_index(op.f("ix_event_owner_agency_id"), "event", ["owner_agency_id"], unique=False)
    op.create_index(
        op.f("ix_event_person_record_id_event_date"),
        "event",
        ["person_record_id", "event_date"],
        unique=False,
    )
    op.create_index(op.f("ix_event_source_record_id"), "event", ["source_record_id"], unique=False)
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_provider_id", sa.Integer(), nullable=True),
        sa.Column("to_agency_id", sa.Integer(), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "sent",
                "received",
                "declined",
                "completed",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_referral_status"),
            ),
            nullable=False,
        ),
        sa.Column(
            "consent_recorded",
            sa.Boolean(create_constraint=True, name=op.f("ck_referral_consent_recorded")),
            nullable=False,
        ),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("source_record_id", sa.Integer(), nullable=True),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "to_provider_id IS NOT NULL OR to_agency_id IS NOT NULL",
            name=op.f("ck_referral_has_destination"),
        ),
        sa.ForeignKeyConstraint(
            ["from_agency_id"], ["agency.id"], name=op.f("fk_referral_from_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_referral_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_referral_person_record_id_person_record"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_referral_source_record_id_source_record"),
        ),
        sa.ForeignKeyConstraint(
            ["to_agency_id"], ["agency.id"], name=op.f("fk_referral_to_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["to_provider_id"],
            ["service_provider.id"],
            name=op.f("fk_referral_to_provider_id_service_provider"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index(
        op.f("ix_referral_from_agency_id"), "referral", ["from_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_referral_owner_agency_id"), "referral", ["owner_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_referral_person_record_id"), "referral", ["person_record_id"], unique=False
    )
    op.create_index(
        op.f("ix_referral_source_record_id"), "referral", ["source_record_id"], unique=False
    )
    op.create_index(op.f("ix_referral_to_agency_id"), "referral", ["to_agency_id"], unique=False)
    op.create_index(
        op.f("ix_referral_to_provider_id"), "referral", ["to_provider_id"], unique=False
    )
    op.create_table(
        "screening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_record_id", sa.Integer(), nullable=False),
        sa.Column("screening_agency_id", sa.Integer(), nullable=False),
        sa.Column("screening_date", sa.Date(), nullable=True),
        sa.Column(
            "suggested_determination",
            sa.Enum(
                "victim",
                "possible_victim",
                "not_victim",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_screening_suggested_determination"),
            ),
            nullable=True,
        ),
        sa.Column(
            "final_determination",
            sa.Enum(
                "victim",
                "possible_victim",
                "not_victim",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_screening_final_determination"),
            ),
            nullable=True,
        ),
        sa.Column("determined_by", sa.Text(), nullable=True),
        sa.Column("source_record_id", sa.Integer(), nullable=False),
        sa.Column("owner_agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agency.id"], name=op.f("fk_screening_owner_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_screening_person_record_id_person_record"),
        ),
        sa.ForeignKeyConstraint(
            ["screening_agency_id"],
            ["agency.id"],
            name=op.f("fk_screening_screening_agency_id_agency"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_screening_source_record_id_source_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    op.create_index(
        op.f("ix_screening_owner_agency_id"), "screening", ["owner_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_screening_person_record_id"), "screening", ["person_record_id"], unique=False
    )
    op.create_index(
        op.f("ix_screening_screening_agency_id"), "screening", ["screening_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_screening_source_record_id"), "screening", ["source_record_id"], unique=False
    )
    op.create_table(
        "screening_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=60), nullable=False),
        sa.Column(
            "answer",
            sa.Enum(
                "yes",
                "no",
                "unknown",
                native_enum=False,
                create_constraint=True,
                name=op.f("ck_screening_answer_answer"),
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screening.id"],
            name=op.f("fk_screening_answer_screening_id_screening"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_answer")),
        sa.UniqueConstraint(
            "screening_id",
            "indicator_code",
            name=op.f("uq_screening_answer_screening_id_indicator_code"),
        ),
    )


def downgrade() -> None:
    op.drop_table("screening_answer")
    op.drop_index(op.f("ix_screening_source_record_id"), table_name="screening")
    op.drop_index(op.f("ix_screening_screening_agency_id"), table_name="screening")
    op.drop_index(op.f("ix_screening_person_record_id"), table_name="screening")
    op.drop_index(op.f("ix_screening_owner_agency_id"), table_name="screening")
    op.drop_table("screening")
    op.drop_index(op.f("ix_referral_to_provider_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_to_agency_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_source_record_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_person_record_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_owner_agency_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_from_agency_id"), table_name="referral")
    op.drop_table("referral")
    op.drop_index(op.f("ix_event_source_record_id"), table_name="event")
    op.drop_index(op.f("ix_event_person_record_id_event_date"), table_name="event")
    op.drop_index(op.f("ix_event_owner_agency_id"), table_name="event")
    op.drop_index(op.f("ix_event_event_type_event_date"), table_name="event")
    op.drop_index(op.f("ix_event_case_id"), table_name="event")
    op.drop_index(op.f("ix_event_agency_id"), table_name="event")
    op.drop_table("event")
    op.drop_index(op.f("ix_charge_suspect_record_id"), table_name="charge")
    op.drop_index(op.f("ix_charge_source_record_id"), table_name="charge")
    op.drop_index(op.f("ix_charge_owner_agency_id"), table_name="charge")
    op.drop_index(op.f("ix_charge_law_article_id"), table_name="charge")
    op.drop_index(op.f("ix_charge_case_id"), table_name="charge")
    op.drop_table("charge")
    op.drop_index(op.f("ix_case_person_person_record_id"), table_name="case_person")
    op.drop_table("case_person")
    op.drop_index(op.f("ix_case_exploitation_exploitation_type"), table_name="case_exploitation")
    op.drop_table("case_exploitation")
    op.drop_index(
        op.f("ix_source_record_version_import_run_id"), table_name="source_record_version"
    )
    op.drop_table("source_record_version")
    op.drop_index(op.f("ix_person_record_source_record_id"), table_name="person_record")
    op.drop_index(op.f("ix_person_record_province_code"), table_name="person_record")
    op.drop_index(op.f("ix_person_record_person_id"), table_name="person_record")
    op.drop_index(op.f("ix_person_record_owner_agency_id"), table_name="person_record")
    op.drop_index(op.f("ix_person_record_family_name_given_name"), table_name="person_record")
    op.drop_table("person_record")
    op.drop_index(op.f("ix_case_source_record_id"), table_name="case")
    op.drop_index(op.f("ix_case_province_code"), table_name="case")
    op.drop_index(op.f("ix_case_owner_agency_id"), table_name="case")
    op.drop_table("case")
    op.drop_index(op.f("ix_source_record_import_run_id"), table_name="source_record")
    op.drop_index(op.f("ix_source_record_first_import_run_id"), table_name="source_record")
    op.drop_table("source_record")
    op.drop_table("provincial_report_value")
    op.drop_index(op.f("ix_provider_service_service_code"), table_name="provider_service")
    op.drop_table("provider_service")
    op.drop_index(op.f("ix_import_run_source_id_file_sha256"), table_name="import_run")
    op.drop_index(op.f("ix_import_run_owner_agency_id"), table_name="import_run")
    op.drop_table("import_run")
    op.drop_index(op.f("ix_audit_event_user_id"), table_name="audit_event")
    op.drop_index(op.f("ix_audit_event_occurred_at"), table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_index(op.f("ix_source_agency_id"), table_name="source")
    op.drop_table("source")
    op.drop_index(op.f("ix_service_provider_province_code"), table_name="service_provider")
    op.drop_index(op.f("ix_service_provider_agency_id"), table_name="service_provider")
    op.drop_table("service_provider")
    op.drop_index(op.f("ix_provincial_report_owner_agency_id"), table_name="provincial_report")
    op.drop_table("provincial_report")
    op.drop_index(op.f("ix_person_owner_agency_id"), table_name="person")
    op.drop_index(op.f("ix_person_merged_into_id"), table_name="person")
    op.drop_table("person")
    op.drop_index(op.f("ix_penalty_range_law_article_id"), table_name="penalty_range")
    op.drop_table("penalty_range")
    op.drop_index(op.f("ix_app_user_role_id"), table_name="app_user")
    op.drop_index(op.f("ix_app_user_agency_id"), table_name="app_user")
    op.drop_table("app_user")
    op.drop_table("law_article")
    op.drop_table("agency")
    op.drop_table("role")
    op.drop_table("province")
    op.drop_table("law")
    op.drop_table("exploitation_type")
    op.drop_table("country")
