"""A user's own account as they see it: who they are, their second factor, their API tokens.

Read-only; the changes a user makes to their own account go through the services that
audit them (:func:`tipdata.access.users.set_password`, :mod:`tipdata.access.tokens`,
:mod:`tipdata.access.enrolment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access.clock import as_utc
from tipdata.access.policy import Actor, Policy, default_policy
from tipdata.access.tokens import TokenSummary, list_tokens
from tipdata.errors import TipdataError
from tipdata.store.access import AppUser
from tipdata.store.reference import Agency, Province


@dataclass(frozen=True)
class OwnAccount:
    """What the account page shows its owner.

    Attributes:
        username: the sign-in name.
        display_name: the name shown in the app.
        role: the role's code (the page shows its label).
        role_name: the role's name in ``roles.yaml``.
        agency_name: the agency's name.
        province_code: the province, for provincial roles and agencies.
        province_name: its English name.
        province_name_km: its Khmer name, if known.
        totp_required: whether the role signs in with a second factor.
        totp_enrolled: whether a confirmed second factor is enrolled.
        password_changed_at: when the password was last set.
        tokens: the user's API tokens, newest first (never the tokens themselves).
    """

    username: str
    display_name: str
    role: str
    role_name: str
    agency_name: str
    province_code: str | None
    province_name: str | None
    province_name_km: str | None
    totp_required: bool
    totp_enrolled: bool
    password_changed_at: datetime | None
    tokens: tuple[TokenSummary, ...]


def own_account(session: Session, actor: Actor, policy: Policy | None = None) -> OwnAccount:
    """The signed-in user's own account (only theirs: tokens are filtered to the owner).

    Raises:
        TipdataError: the account is gone (it cannot be, while its session lives).
    """
    policy = policy or default_policy()
    user = session.get(AppUser, actor.user_id)
    if user is None:
        raise TipdataError("no such account")
    agency_name = session.scalar(sa.select(Agency.name).where(Agency.id == user.agency_id))
    province = session.get(Province, user.province_code) if user.province_code else None
    tokens = tuple(t for t in list_tokens(session, actor) if t.username == user.username)
    return OwnAccount(
        username=user.username,
        display_name=user.display_name,
        role=user.role.code,
        role_name=policy.role(user.role.code).name,
        agency_name=agency_name or "",
        province_code=user.province_code,
        province_name=province.name_en if province else None,
        province_name_km=province.name_km if province else None,
        totp_required=policy.requires_totp(user.role.code),
        totp_enrolled=user.totp_secret is not None and user.totp_confirmed_at is not None,
        password_changed_at=as_utc(user.password_changed_at) if user.password_changed_at else None,
        tokens=tokens,
    )
