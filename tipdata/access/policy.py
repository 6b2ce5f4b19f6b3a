"""Roles, permissions and scopes, declared as data (``roles.yaml``) and enforced in queries.

Default deny: a role has exactly the permissions ``roles.yaml`` lists. A user's
*scope* is role × agency × province; :func:`scope_filter` turns it into a SQL
``WHERE`` clause so records outside the scope are never loaded at all.

Who acts is one type, :data:`Acting`: a signed-in :class:`Actor`, or the local operator
(the command line on the server) named by a label. :func:`authorize` is the one check of
a permission (and, where asked, of national scope or of a province).

Examples:
    >>> policy = default_policy()
    >>> policy.allows("police_analyst", "shelter:read_location")
    False
    >>> rows = session.scalars(  # doctest: +SKIP
    ...     sa.select(PersonRecord).where(scope_filter(actor, PersonRecord))
    ... )
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import sqlalchemy as sa
import yaml

from tipdata.access.errors import AccessDenied
from tipdata.access.permissions import Permission
from tipdata.errors import DataFileError
from tipdata.model.enums import PersonRole
from tipdata.store.access import AppUser
from tipdata.store.cases import Case, CasePerson
from tipdata.store.people import PersonRecord
from tipdata.store.services import Referral, ServiceProvider

ROLES_FILE = Path(__file__).with_name("roles.yaml")

ScopeKind = Literal["national", "agency", "province", "organisation_clients", "none"]
SCOPE_KINDS: tuple[str, ...] = get_args(ScopeKind)

PersonView = Literal["case_work", "police", "court", "statistics"]
"""The person-record views a role may be given (``person_view`` in ``roles.yaml``); each is
an output schema in :mod:`tipdata.access.schemas`."""
PERSON_VIEWS: tuple[str, ...] = get_args(PersonView)

PERSON_VIEW_NEEDS: dict[str, frozenset[str]] = {
    "case_work": frozenset({"persons:read", "persons:read_identity", "shelter:read_location"}),
    "police": frozenset({"persons:read", "persons:read_identity"}),
    "court": frozenset({"persons:read"}),
    "statistics": frozenset({"persons:read"}),
}
"""The permissions a role needs for each view: a view showing names needs
``persons:read_identity``, one showing the shelter ``shelter:read_location`` (a test checks
this against the schemas' fields)."""

ScopedModel = type[PersonRecord] | type[Case] | type[Referral]

READ_PERMISSION: dict[type[Any], Permission] = {
    PersonRecord: "persons:read",
    Case: "cases:read",
    Referral: "referrals:read",
}
"""The permission needed to read any row of each scoped table."""


@dataclass(frozen=True)
class RoleDefinition:
    """One role of ``roles.yaml``.

    Attributes:
        code: stable code stored in ``role.code``, e.g. ``"police_analyst"``.
        name: human name (English).
        description: what the role is for.
        scope: which records its record permissions reach.
        permissions: the permissions it holds; everything else is denied.
        person_roles: if set, person records are limited to these person roles.
        person_view: the view of person records it gets; set exactly when it holds
            ``persons:read``.
    """

    code: str
    name: str
    description: str
    scope: ScopeKind
    permissions: frozenset[str]
    person_roles: frozenset[PersonRole] | None = None
    person_view: PersonView | None = None
    name_km: str | None = None
    """The role's name in Khmer (pages in Khmer show it)."""


@dataclass(frozen=True)
class Policy:
    """All permissions and roles.

    Attributes:
        permissions: permission code → description.
        roles: role code → definition.
    """

    permissions: dict[str, str]
    roles: dict[str, RoleDefinition]

    def role(self, code: str) -> RoleDefinition:
        """The role with this code.

        Raises:
            AccessDenied: no such role (an unknown role holds nothing).
        """
        try:
            return self.roles[code]
        except KeyError:
            raise AccessDenied("a known role", f"unknown role {code!r}") from None

    def allows(self, role_code: str, permission: str) -> bool:
        """Whether the role holds the permission; unknown roles and permissions: False."""
        role = self.roles.get(role_code)
        return role is not None and permission in role.permissions

    def requires_totp(self, role_code: str) -> bool:
        """Whether users of the role must sign in with a TOTP code (they can read identities)."""
        return self.allows(role_code, "persons:read_identity")


def load_policy(path: Path = ROLES_FILE) -> Policy:
    """Read and validate a roles file.

    Args:
        path: the YAML file (default: the ``roles.yaml`` shipped in this package).

    Returns:
        The policy.

    Raises:
        DataFileError: the file is malformed; the message names the role and field.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataFileError(path, f"cannot read roles file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("permissions"), dict):
        raise DataFileError(path, "expected mappings 'permissions' and 'roles'")
    permissions = {str(code): str(text) for code, text in data["permissions"].items()}
    roles: dict[str, RoleDefinition] = {}
    for code, spec in (data.get("roles") or {}).items():
        roles[code] = _role_definition(path, str(code), spec, permissions)
    if not roles:
        raise DataFileError(path, "no roles declared", field="roles")
    return Policy(permissions=permissions, roles=roles)


def _role_definition(
    path: Path, code: str, spec: Any, permissions: dict[str, str]
) -> RoleDefinition:
    if not isinstance(spec, dict):
        raise DataFileError(path, "a role must be a mapping", field=code)
    scope = spec.get("scope")
    if scope not in SCOPE_KINDS:
        raise DataFileError(path, f"scope must be one of {SCOPE_KINDS}", field=code, value=scope)
    granted = spec.get("permissions") or []
    unknown = sorted(set(granted) - set(permissions))
    if unknown:
        raise DataFileError(path, "undeclared permissions", field=code, value=unknown)
    person_roles = None
    if spec.get("person_roles") is not None:
        try:
            person_roles = frozenset(PersonRole(value) for value in spec["person_roles"])
        except ValueError as exc:
            raise DataFileError(path, str(exc), field=f"{code}.person_roles") from None
    view = spec.get("person_view")
    if view is not None and view not in PERSON_VIEWS:
        raise DataFileError(
            path,
            f"person_view must be one of {PERSON_VIEWS}",
            field=f"{code}.person_view",
            value=view,
        )
    if (view is None) == ("persons:read" in granted):
        raise DataFileError(
            path,
            "a role that holds persons:read needs a person_view, and only such a role has one",
            field=f"{code}.person_view",
            value=view,
        )
    if view is not None and not PERSON_VIEW_NEEDS[view] <= set(granted):
        raise DataFileError(
            path,
            f"person_view {view} shows fields the role may not read: it needs",
            field=f"{code}.person_view",
            value=sorted(PERSON_VIEW_NEEDS[view] - set(granted)),
        )
    return RoleDefinition(
        code=code,
        name=str(spec.get("name", code)),
        description=str(spec.get("description", "")),
        scope=scope,
        permissions=frozenset(granted),
        person_roles=person_roles,
        person_view=cast(PersonView | None, view),
        name_km=str(spec["name_km"]) if spec.get("name_km") else None,
    )


def permissions_module(policy_file: Path = ROLES_FILE) -> str:
    """The source of ``tipdata/access/permissions.py``: the permissions of a roles file as a type.

    A test checks that the module in the package is exactly this for the shipped
    ``roles.yaml``; after adding a permission there, write this text to the module.
    """
    try:
        data = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
        codes = [str(code) for code in data["permissions"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise DataFileError(policy_file, f"cannot read the permissions: {exc}") from None
    members = "".join(f'    "{code}",\n' for code in codes)
    return (
        '"""The permissions of ``roles.yaml`` as a type (generated by\n'
        "``tipdata.access.policy.permissions_module``; a test keeps the two equal).\n"
        '"""\n\n'
        "from typing import Literal, get_args\n\n"
        f"Permission = Literal[\n{members}]\n"
        '"""A permission declared in ``roles.yaml``."""\n\n'
        "PERMISSIONS: tuple[str, ...] = get_args(Permission)\n"
    )


@cache
def default_policy() -> Policy:
    """The policy of the shipped ``roles.yaml`` (read once)."""
    return load_policy()


@dataclass(frozen=True)
class Actor:
    """The acting user as the services see it: identity, role and scope, no ORM state.

    Attributes:
        user_id: ``app_user.id``.
        username: sign-in name.
        role: role code.
        agency_id: the user's agency.
        province_code: the user's province, if the role is provincial.
        active: False once the account is disabled (it then may do nothing).
    """

    user_id: int
    username: str
    role: str
    agency_id: int
    province_code: str | None = None
    active: bool = True

    @classmethod
    def of(cls, user: AppUser) -> Actor:
        """The actor for a user row (its ``role`` relationship is loaded)."""
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.role.code,
            agency_id=user.agency_id,
            province_code=user.province_code,
            active=user.active,
        )


LOCAL_OPERATOR = "operator"
"""The name recorded for the local operator when it gives no label."""

Acting = Actor | str | None
"""Who acts, the one shape every service takes: a signed-in :class:`Actor` (permission and
scope checked), or the local operator, the command line on the server, trusted like the
database owner and named in histories by a label (None is :data:`LOCAL_OPERATOR`)."""


def actor_name(actor: Acting) -> str:
    """The name recorded in histories: the username, else the local operator's label."""
    if isinstance(actor, Actor):
        return actor.username
    return actor or LOCAL_OPERATOR


def can(actor: Actor, permission: str, policy: Policy | None = None) -> bool:
    """Whether an active actor holds the permission."""
    return actor.active and (policy or default_policy()).allows(actor.role, permission)


def authorize(
    actor: Acting,
    permission: Permission,
    *,
    national: bool = False,
    province_code: str | None = None,
    policy: Policy | None = None,
) -> None:
    """Raise unless the actor may act with this permission (the local operator always may).

    Args:
        actor: who acts.
        permission: the permission the action needs.
        national: the action reads or changes every agency and province at once (e.g.
            tracing a national figure to its persons, accepting a province's report), where
            a row-level :func:`scope_filter` cannot apply: national scope is needed.
        province_code: the action concerns this province: national users reach every
            province, provincial users their own, others none.
        policy: the policy (default: the shipped one).

    Raises:
        AccessDenied: the actor is disabled, lacks the permission, or its scope does not
            reach.
    """
    if not isinstance(actor, Actor):
        return
    policy = policy or default_policy()
    if not can(actor, permission, policy):
        raise AccessDenied(permission)
    scope = policy.role(actor.role).scope
    if national and scope != "national":
        raise AccessDenied(permission, "with national scope")
    reaches_province = scope == "national" or (
        scope == "province" and actor.province_code == province_code
    )
    if province_code is not None and not reaches_province:
        raise AccessDenied(permission, f"for province {province_code}")


def require(actor: Actor, permission: str, policy: Policy | None = None) -> None:
    """:func:`authorize` for callers that hold the permission as a plain string.

    Raises:
        AccessDenied: the actor is disabled or the role lacks the permission.
    """
    authorize(actor, _permission(permission), policy=policy)


def require_national(actor: Actor, permission: str, policy: Policy | None = None) -> None:
    """:func:`authorize` with ``national=True``, for callers holding a plain string.

    Raises:
        AccessDenied: the actor is disabled, lacks the permission, or is not national.
    """
    authorize(actor, _permission(permission), national=True, policy=policy)


def _permission(code: str) -> Permission:
    """A string taken as a permission; an undeclared one is held by no role (denied)."""
    return cast(Permission, code)


def scope_filter(
    actor: Actor,
    model: ScopedModel,
    policy: Policy | None = None,
    *,
    by_person: bool = False,
) -> sa.ColumnElement[bool]:
    """The SQL condition selecting exactly the rows of ``model`` the actor may read.

    Use it in the query itself, so rows outside the scope never leave the database.
    Without the model's read permission (see :data:`READ_PERMISSION`) the condition
    is always false.

    Args:
        actor: the acting user.
        model: ``PersonRecord``, ``Case`` or ``Referral``.
        policy: the policy (default: the shipped one).

        by_person: the query finds person records by ``person_id`` (a correlated EXISTS
            per person, or a page of person ids): the province is then compared so that
            no index can serve it, leaving the ``person_id`` index to the planner. Without
            table statistics SQLite otherwise reads a province's every record for each
            person: 114-147 s for a social worker's page of persons at scale 10, against
            0.4-33 ms with the ``person_id`` index (the same rows).

    Returns:
        A boolean SQL expression for ``.where(...)``.

    Raises:
        TypeError: the model is not a scoped table.
    """
    policy = policy or default_policy()
    if model not in READ_PERMISSION:
        raise TypeError(f"no scope rule for {model.__name__}")
    if not can(actor, READ_PERMISSION[model], policy):
        return sa.false()
    role = policy.role(actor.role)
    if model is PersonRecord:
        condition = _person_record_scope(actor, role.scope, by_person=by_person)
        if role.person_roles is not None:
            allowed = sorted(role.person_roles)
            condition = sa.and_(condition, PersonRecord.role.in_(allowed))
        return condition
    if model is Case:
        return _case_scope(actor, role.scope)
    return _referral_scope(actor, role.scope)


def _provider_ids_of(agency_id: int) -> sa.Select[tuple[int]]:
    return sa.select(ServiceProvider.id).where(ServiceProvider.agency_id == agency_id)


def _referred_to(agency_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        Referral.to_agency_id == agency_id,
        Referral.to_provider_id.in_(_provider_ids_of(agency_id)),
    )


def _person_record_scope(
    actor: Actor, scope: ScopeKind, *, by_person: bool = False
) -> sa.ColumnElement[bool]:
    if scope == "national":
        return sa.true()
    if scope == "agency":
        in_own_cases = (
            sa.select(CasePerson.person_record_id)
            .join(Case, Case.id == CasePerson.case_id)
            .where(Case.owner_agency_id == actor.agency_id)
        )
        return sa.or_(
            PersonRecord.owner_agency_id == actor.agency_id, PersonRecord.id.in_(in_own_cases)
        )
    if scope == "province":
        if actor.province_code is None:
            return sa.false()
        if by_person:  # the same rows; no index on province_code can serve it
            return sa.func.coalesce(PersonRecord.province_code, "") == actor.province_code
        return PersonRecord.province_code == actor.province_code
    if scope == "organisation_clients":
        referred = sa.select(Referral.person_record_id).where(_referred_to(actor.agency_id))
        return sa.or_(
            PersonRecord.owner_agency_id == actor.agency_id, PersonRecord.id.in_(referred)
        )
    return sa.false()


def _case_scope(actor: Actor, scope: ScopeKind) -> sa.ColumnElement[bool]:
    if scope == "national":
        return sa.true()
    if scope in ("agency", "organisation_clients"):
        return Case.owner_agency_id == actor.agency_id
    if scope == "province" and actor.province_code is not None:
        return Case.province_code == actor.province_code
    return sa.false()


def _referral_scope(actor: Actor, scope: ScopeKind) -> sa.ColumnElement[bool]:
    if scope == "national":
        return sa.true()
    if scope == "agency":
        return sa.or_(
            Referral.owner_agency_id == actor.agency_id,
            Referral.from_agency_id == actor.agency_id,
        )
    if scope == "province" and actor.province_code is not None:
        in_province = sa.select(PersonRecord.id).where(
            PersonRecord.province_code == actor.province_code
        )
        return Referral.person_record_id.in_(in_province)
    if scope == "organisation_clients":
        return sa.or_(
            Referral.owner_agency_id == actor.agency_id,
            Referral.from_agency_id == actor.agency_id,
            _referred_to(actor.agency_id),
        )
    return sa.false()
