"""One demo user per role, with fresh printed passwords — in development only.

The demo needs people to log in as: the NTF data officer, a provincial focal point, a police
analyst, and so on. Their passwords are generated anew on every demo run (never fixed in the
code) and printed once. No second factor is handed out: a role that may read victims'
identities enrols its authenticator app at its first sign-in (the password, then a QR code to
scan and a code to type, :mod:`tipdata.access.enrolment`), as a real user would; a rerun
keeps an enrolment already made. A production system refuses to create them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tipdata.errors import ConfigError

if TYPE_CHECKING:
    from tipdata.system import System

# username, role, agency code, province code (for provincial roles)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("ntf.officer", "ntf_data_officer", "NTF", None),
    ("focal.battambang", "provincial_focal_point", "PWG-02", "02"),
    ("police.analyst", "police_analyst", "MOI", None),
    ("dosavy.battambang", "social_worker", "DOSAVY-02", "02"),
    ("afesip.caseworker", "ngo_case_worker", "AFESIP", None),
    ("court.clerk", "court_clerk", "PPMC", None),
    ("stats.reader", "statistics_reader", "NTF", None),
    ("molvt.officer", "molvt_officer", "MOLVT", None),
    ("auditor", "auditor", "NTF", None),
    ("admin", "administrator", "NTF", None),
)


@dataclass(frozen=True)
class DemoUser:
    """A demo account as printed at the end of the demo run.

    Attributes:
        enrols_totp: the role needs a second factor and the user has none confirmed yet:
            the first sign-in shows the QR code to scan (no secret is printed).
    """

    username: str
    role: str
    agency: str
    province: str | None
    password: str
    enrols_totp: bool


_ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679"


def _password() -> str:
    """Four groups of five unambiguous letters and digits (about 113 bits)."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


def create_demo_users(system: System) -> list[DemoUser]:
    """Create (or reset) one user per role and return their new credentials.

    Args:
        system: the application object; its database must be migrated and hold the agencies.

    Returns:
        The demo users with their passwords and whether they enrol TOTP at first sign-in.

    Raises:
        ConfigError: outside the development environment.
    """
    from tipdata.access import add_user, default_policy, set_password, sync_roles
    from tipdata.access.enrolment import needs_totp
    from tipdata.store import Agency, AppUser

    if system.settings.environment != "development":
        raise ConfigError("demo users are only created when TIPDATA_ENVIRONMENT=development")
    policy = default_policy()
    created: list[DemoUser] = []
    with system.db.session() as session:
        sync_roles(session, policy)
        agencies = dict(session.execute(sa.select(Agency.code, Agency.id)).tuples().all())
        for username, role, agency, province in DEMO_ACCOUNTS:
            password = _password()
            user = session.scalar(sa.select(AppUser).where(AppUser.username == username))
            if user is None:
                user = add_user(
                    session, None, username=username, display_name=username, role=role,
                    agency_id=agencies[agency], province_code=province, password=password,
                    passwords=system.passwords, policy=policy,
                )  # fmt: skip
            else:
                set_password(session, None, username, password, system.passwords)
            enrols = needs_totp(user, policy)
            created.append(DemoUser(username, role, agency, province, password, enrols))
    return created
