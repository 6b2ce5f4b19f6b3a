"""The policy as a table: every role × every permission, and scopes filtered in SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.access.conftest import World
from tests.protected import protect_new_person_records
from tests.store.rows import add_source_record
from tipdata.access import AccessDenied, Actor, default_policy, present_person_record, scope_filter
from tipdata.access.permissions import PERMISSIONS as PERMISSION_TYPE
from tipdata.access.policy import (
    PERSON_VIEW_NEEDS,
    ROLES_FILE,
    authorize,
    load_policy,
    permissions_module,
)
from tipdata.access.schemas import (
    IDENTITY_FIELDS,
    PERSON_VIEW_SCHEMAS,
    SHELTER_FIELDS,
    person_record_schema,
)
from tipdata.errors import DataFileError
from tipdata.model import CaseKind, PersonRole
from tipdata.store import (
    Case,
    CasePerson,
    Database,
    PersonRecord,
    Referral,
    ServiceProvider,
)

# Y = allowed, . = denied. Columns in this order:
PERMISSIONS = [
    "persons:read", "persons:read_identity", "shelter:read_location",
    "cases:read", "charges:read", "referrals:read", "referrals:create", "screenings:read",
    "screenings:create", "consent:override", "imports:run", "linkage:run", "linkage:review",
    "reports:read_province", "reports:submit", "reports:accept", "reports:publish",
    "reports:read_published", "audit:read", "users:manage", "keys:rotate",
    "reports:read_migration", "casework:manage", "case_notes:read", "case_notes:create",
    "records:correct",
]  # fmt: skip
MATRIX = """
ntf_data_officer        Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y Y . . . Y Y . . Y
provincial_focal_point  . . . . . . . . . . . . . Y Y . . Y . . . . . . . .
police_analyst          Y Y . Y Y . . . . . . . . . . . . Y . . . . . . . .
social_worker           Y Y Y . . Y Y Y Y Y . . . . . . . Y . . . . Y Y Y Y
ngo_case_worker         Y Y Y . . Y Y Y Y . . . . . . . . Y . . . . Y Y Y Y
court_clerk             Y . . Y Y . . . . . . . . . . . . Y . . . . . . . .
statistics_reader       . . . . . . . . . . . . . . . . . Y . . . . . . . .
molvt_officer           . . . . . . . . . . . . . . . . . Y . . . Y . . . .
auditor                 . . . . . . . . . . . . . . . . . . Y . . . . . . .
administrator           . . . . . . . . . . . . . . . . . . . Y Y . . . . .
"""


def _expected() -> dict[tuple[str, str], bool]:
    table = {}
    for line in MATRIX.strip().splitlines():
        role, *marks = line.split()
        assert len(marks) == len(PERMISSIONS), role
        for permission, mark in zip(PERMISSIONS, marks, strict=True):
            table[role, permission] = mark == "Y"
    return table


def test_every_role_and_permission_is_in_the_table() -> None:
    policy = default_policy()
    assert sorted(policy.permissions) == sorted(PERMISSIONS)
    assert sorted({role for role, _ in _expected()}) == sorted(policy.roles)


@pytest.mark.parametrize(("role", "permission"), sorted(_expected()))
def test_policy_matches_the_reference_table(role: str, permission: str) -> None:
    assert default_policy().allows(role, permission) is _expected()[role, permission]


def test_default_deny_for_unknown_roles_and_permissions() -> None:
    policy = default_policy()
    assert not policy.allows("superuser", "persons:read")
    assert not policy.allows("ntf_data_officer", "persons:delete_everything")


def test_totp_is_required_exactly_for_roles_reading_identities() -> None:
    policy = default_policy()
    required = sorted(code for code in policy.roles if policy.requires_totp(code))
    assert required == ["ngo_case_worker", "ntf_data_officer", "police_analyst", "social_worker"]


def test_a_roles_file_granting_an_undeclared_permission_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roles.yaml"
    path.write_text(
        "permissions: {a:read: x}\nroles:\n  r: {scope: national, permissions: [a:write]}\n"
    )
    with pytest.raises(DataFileError, match="undeclared permissions"):
        load_policy(path)


def test_the_permission_type_is_generated_from_roles_yaml() -> None:
    module = Path(__file__).parents[2] / "tipdata" / "access" / "permissions.py"
    assert module.read_text(encoding="utf-8") == permissions_module(ROLES_FILE)
    assert sorted(PERMISSION_TYPE) == sorted(default_policy().permissions)


def test_case_notes_are_read_only_by_case_workers() -> None:
    """Notes are case workers' own (Primero): not the NTF, the police or the courts."""
    policy = default_policy()
    readers = {code for code, role in policy.roles.items() if "case_notes:read" in role.permissions}
    assert readers == {"social_worker", "ngo_case_worker"}


def _roles_file_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "roles.yaml"
    path.write_text(ROLES_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_a_role_added_in_roles_yaml_reads_person_records_with_no_change_in_code(
    tmp_path: Path,
) -> None:
    policy = load_policy(
        _roles_file_with(
            tmp_path,
            "  labour_inspector:\n"
            "    name: Labour inspector\n"
            "    scope: national\n"
            "    person_view: court\n"
            "    permissions: [persons:read, cases:read]\n",
        )
    )
    actor = Actor(1, "inspector", "labour_inspector", 1)
    record = {"id": 1, "owner_agency_id": 1, "role": "victim", "sex": "female", **CANARIES}
    shown = present_person_record(actor, record, policy).model_dump()
    assert person_record_schema(actor, policy) is PERSON_VIEW_SCHEMAS["court"]
    assert set(shown) == set(PERSON_VIEW_SCHEMAS["court"].model_fields)
    assert not set(shown) & (IDENTITY_FIELDS | SHELTER_FIELDS)
    assert str(scope_filter(actor, PersonRecord, policy)) == str(sa.true())
    with pytest.raises(AccessDenied):
        present_person_record(actor, record)  # the shipped policy has no such role


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("person_view: case_work\n    permissions: [persons:read]", "needs"),
        ("person_view: police\n    permissions: [persons:read]", "needs"),
        ("permissions: [persons:read]", "needs a person_view"),
        ("person_view: court\n    permissions: [cases:read]", "only such a role"),
        ("person_view: everything\n    permissions: [persons:read]", "must be one of"),
    ],
)
def test_a_person_view_must_fit_the_roles_permissions(
    tmp_path: Path, spec: str, message: str
) -> None:
    path = _roles_file_with(tmp_path, f"  newcomer:\n    scope: national\n    {spec}\n")
    with pytest.raises(DataFileError, match=message) as raised:
        load_policy(path)
    assert raised.value.field == "newcomer.person_view"


@pytest.mark.parametrize("view", sorted(PERSON_VIEW_SCHEMAS))
def test_each_view_needs_the_permissions_of_the_fields_it_shows(view: str) -> None:
    fields = set(PERSON_VIEW_SCHEMAS[view].model_fields)
    needs = PERSON_VIEW_NEEDS[view]
    assert bool(fields & IDENTITY_FIELDS) == ("persons:read_identity" in needs)
    assert bool(fields & SHELTER_FIELDS) == ("shelter:read_location" in needs)


@pytest.mark.parametrize(
    ("role", "province", "kwargs", "allowed"),
    [
        ("ntf_data_officer", None, {"national": True}, True),
        ("ntf_data_officer", None, {"province_code": "12"}, True),
        ("provincial_focal_point", "12", {"province_code": "12"}, True),
        ("provincial_focal_point", "12", {"province_code": "13"}, False),
        ("provincial_focal_point", "12", {"national": True}, False),
        ("provincial_focal_point", "12", {}, True),
        ("police_analyst", None, {"province_code": "12"}, False),
    ],
)
def test_authorize_checks_the_permission_and_the_scope_asked_for(
    role: str, province: str | None, kwargs: dict[str, object], allowed: bool
) -> None:
    actor = Actor(1, "u", role, 1, province)
    if role == "police_analyst":
        with pytest.raises(AccessDenied, match="reports:read_published"):
            authorize(actor, "reports:read_published", **kwargs)
        return
    if allowed:
        authorize(actor, "reports:read_province", **kwargs)
    else:
        with pytest.raises(AccessDenied):
            authorize(actor, "reports:read_province", **kwargs)
    with pytest.raises(AccessDenied):
        authorize(Actor(1, "u", role, 1, province, active=False), "reports:read_province")
    authorize(None, "reports:accept", national=True)  # the local operator
    authorize("cli", "reports:accept", national=True)


def test_disabled_actor_may_do_nothing() -> None:
    actor = Actor(1, "x", "ntf_data_officer", 1, active=False)
    assert str(scope_filter(actor, PersonRecord)) == str(sa.false())


# --- scopes, in SQL ---------------------------------------------------------------


def _people(db: Database, world: World) -> dict[str, int]:
    """Person records of several owners and provinces, a police case and a referral."""
    with db.session() as session:
        source_record = add_source_record(
            session,
            session.get_one(__import__("tipdata.store", fromlist=["Agency"]).Agency, world.police),
        )

        def person(name: str, owner: int, province: str | None, role: PersonRole) -> PersonRecord:
            row = PersonRecord(
                source_record_id=source_record.id, role=role, full_name=name,
                owner_agency_id=owner, province_code=province,
            )  # fmt: skip
            session.add(row)
            return row

        rows = {
            "police_victim_pp": person("A", world.police, "12", PersonRole.VICTIM),
            "police_suspect_bb": person("B", world.police, "02", PersonRole.SUSPECT),
            "ngo_victim_bb": person("C", world.ngo, "02", PersonRole.VICTIM),
            "other_ngo_victim_bb": person("D", world.other_ngo, "02", PersonRole.VICTIM),
            "other_ngo_referred_pp": person("E", world.other_ngo, "12", PersonRole.VICTIM),
            "court_victim_pp": person("F", world.court, "12", PersonRole.VICTIM),
        }
        protect_new_person_records(session, db.master_key())
        case = Case(
            owner_agency_id=world.police, case_number="K-1", kind=CaseKind.INVESTIGATION,
            province_code="12",
            people=[CasePerson(person_record_id=rows["court_victim_pp"].id,
                               role=PersonRole.VICTIM)],
        )  # fmt: skip
        shelter = ServiceProvider(code="S1", name="Shelter", agency_id=world.ngo)
        session.add_all([case, shelter])
        session.flush()
        session.add(
            Referral(
                person_record_id=rows["other_ngo_referred_pp"].id,
                from_agency_id=world.other_ngo, to_provider_id=shelter.id,
                owner_agency_id=world.other_ngo,
            )
        )  # fmt: skip
        return {name: row.id for name, row in rows.items()}


EVERYONE = {
    "police_victim_pp", "police_suspect_bb", "ngo_victim_bb", "other_ngo_victim_bb",
    "other_ngo_referred_pp", "court_victim_pp",
}  # fmt: skip

# role, agency attribute of World, province -> person records visible
SCOPE_TABLE = [
    ("ntf_data_officer", "police", None, EVERYONE),
    ("police_analyst", "police", None, {"police_victim_pp", "police_suspect_bb",
                                        "court_victim_pp"}),
    ("social_worker", "dosavy", "02", {"ngo_victim_bb", "other_ngo_victim_bb"}),
    ("social_worker", "dosavy", None, set()),
    ("ngo_case_worker", "ngo", None, {"ngo_victim_bb", "other_ngo_referred_pp"}),
    ("court_clerk", "court", None, {"court_victim_pp"}),
    ("provincial_focal_point", "dosavy", "02", set()),
    ("statistics_reader", "police", None, set()),
    ("auditor", "police", None, set()),
    ("administrator", "police", None, set()),
]  # fmt: skip


@pytest.mark.parametrize(("role", "agency", "province", "visible"), SCOPE_TABLE)
def test_scope_filter_selects_exactly_the_records_in_scope(
    db: Database, world: World, role: str, agency: str, province: str | None, visible: set[str]
) -> None:
    ids = _people(db, world)
    actor = Actor(99, "someone", role, getattr(world, agency), province)
    with db.session() as session:
        found = set(
            session.scalars(sa.select(PersonRecord.id).where(scope_filter(actor, PersonRecord)))
        )
    assert found == {ids[name] for name in visible}


def test_scope_filter_for_cases_and_referrals(db: Database, world: World) -> None:
    _people(db, world)
    police = Actor(1, "p", "police_analyst", world.police)
    other_police = Actor(2, "q", "police_analyst", world.court)
    ngo = Actor(3, "n", "ngo_case_worker", world.ngo)
    with db.session() as session:

        def count(actor: Actor, model: type[Case] | type[Referral]) -> int:
            query = sa.select(sa.func.count()).select_from(model).where(scope_filter(actor, model))
            return int(session.scalar(query) or 0)

        assert [count(police, Case), count(other_police, Case), count(ngo, Case)] == [1, 0, 0]
        assert [count(police, Referral), count(ngo, Referral)] == [0, 1]


# --- field-level policy --------------------------------------------------------------

CANARIES = {
    "full_name": "CANARY-NAME-7d1",
    "family_name": "CANARY-FAMILY",
    "given_name": "CANARY-GIVEN",
    "full_name_khmer": "កាណារី",
    "contact": "CANARY-PHONE-0123",
    "village": "CANARY-VILLAGE",
    "shelter_location": "CANARY-SHELTER",
}


@pytest.mark.parametrize("role", sorted(default_policy().roles))
def test_output_schemas_lack_the_fields_a_role_may_not_read(role: str) -> None:
    policy = default_policy()
    actor = Actor(1, "u", role, 1, "12")
    record = {"id": 1, "owner_agency_id": 1, "role": "victim", "sex": "female", **CANARIES}
    if not policy.allows(role, "persons:read"):
        with pytest.raises(AccessDenied):
            present_person_record(actor, record)
        return
    shown = present_person_record(actor, record).model_dump_json()
    view = policy.role(role).person_view
    assert view is not None
    fields = set(PERSON_VIEW_SCHEMAS[view].model_fields)
    if not policy.allows(role, "persons:read_identity"):
        assert not fields & IDENTITY_FIELDS
    if not policy.allows(role, "shelter:read_location"):
        assert not fields & SHELTER_FIELDS
    leaked = {name for name, value in CANARIES.items() if value in shown}
    assert leaked <= fields


def test_police_never_see_shelter_or_contact_and_statistics_no_names() -> None:
    from tipdata.access.schemas import PersonRecordForPolice, PersonRecordForStatistics

    assert "shelter_location" not in PersonRecordForPolice.model_fields
    assert "contact" not in PersonRecordForPolice.model_fields
    assert not {"full_name", "family_name", "given_name", "birth_date"} & set(
        PersonRecordForStatistics.model_fields
    )
