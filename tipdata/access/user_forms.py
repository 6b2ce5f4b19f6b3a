"""What the web's user forms need: agencies and provinces by name, an account made from names.

An administrator chooses a new user's agency and province by name (never an internal
number); :func:`create_account` resolves them and applies the rules of
:func:`tipdata.access.users.add_user` (agency and province agree, approval for data access).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.passwords import Passwords
from tipdata.access.policy import Actor, Policy, authorize, default_policy
from tipdata.access.users import UserError, add_user, issue_setup_link
from tipdata.store.reference import Agency, Province

MAX_DISPLAY_NAME = 120


@dataclass(frozen=True)
class AgencyChoice:
    """An agency as offered in a form: its code, its name and its province, if any."""

    code: str
    name: str
    province_code: str | None


@dataclass(frozen=True)
class ProvinceChoice:
    """A current province as offered in a form, with its English and Khmer names."""

    code: str
    name_en: str
    name_km: str | None


def agency_choices(session: Session) -> list[AgencyChoice]:
    """Every agency by name, for choosing a user's agency by name."""
    rows = session.execute(
        sa.select(Agency.code, Agency.name, Agency.province_code).order_by(Agency.name)
    ).tuples()
    return [AgencyChoice(code, name, province) for code, name, province in rows]


def province_choices(session: Session) -> list[ProvinceChoice]:
    """The provinces of today's map (none abolished), by English name."""
    rows = session.execute(
        sa.select(Province.code, Province.name_en, Province.name_km)
        .where(Province.abolished.is_(None))
        .order_by(Province.name_en)
    ).tuples()
    return [ProvinceChoice(code, name_en, name_km) for code, name_en, name_km in rows]


def agency_id_of(session: Session, code: str) -> int:
    """The id of the agency with this code.

    Raises:
        UserError: no agency has this code.
    """
    agency_id = session.scalar(sa.select(Agency.id).where(Agency.code == code.strip()))
    if agency_id is None:
        raise UserError(f"there is no agency {code!r} (choose one from the list)")
    return agency_id


@dataclass(frozen=True)
class NewAccount:
    """An account an administrator just requested.

    Attributes:
        username: its username.
        awaiting_approval: its role reaches victim data: a second administrator enables it.
        setup_token: the one-time set-password token to hand to the user (None while the
            account awaits approval: the approver gets it).
    """

    username: str
    awaiting_approval: bool
    setup_token: str | None


def create_account(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    display_name: str,
    role: str,
    agency_code: str,
    province_code: str | None,
    passwords: Passwords,
    policy: Policy | None = None,
    remote_addr: str | None = None,
    password: str | None = None,
) -> NewAccount:
    """Add an account, on every front: agency by code; who gets a set-password link.

    An administrator sets no password: an account without data access gets its one-time
    set-password link at once, one with data access waits for a second administrator
    (:func:`add_user`, :func:`approve_user`). The local operator (``actor=None``, the
    CLI) may give a first ``password`` instead, which the user must replace at the first
    sign-in; such an account needs no link.

    Raises:
        AccessDenied: the actor lacks ``users:manage``.
        UserError: unknown role, agency or province, agency and province disagree, the
            username is refused or taken, or a provincial role has no province.
    """
    if actor is not None:
        authorize(actor, "users:manage")
    policy = policy or default_policy()
    if role not in policy.roles:
        raise UserError(f"unknown role {role!r}")
    display_name = display_name.strip()
    if not display_name or len(display_name) > MAX_DISPLAY_NAME:
        raise UserError("give the user's name")
    user = add_user(
        session, actor, username=username.strip(), display_name=display_name, role=role,
        agency_id=agency_id_of(session, agency_code), province_code=province_code or None,
        password=password, passwords=passwords, policy=policy, remote_addr=remote_addr,
        password_must_change=password is not None,
    )  # fmt: skip
    token = None
    if user.active and password is None:
        token = issue_setup_link(
            session, actor, user.username, policy=policy, remote_addr=remote_addr
        )
    return NewAccount(user.username, not user.active, token)
