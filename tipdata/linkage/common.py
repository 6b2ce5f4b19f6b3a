"""What every linkage use case shares: its errors, the owning agency and the acting user.

The local operator (``actor=None``: the CLI and the demo) holds every permission
(:func:`_require`) and is named :data:`LOCAL_OPERATOR` on decisions unless a name is given.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tipdata.access.policy import LOCAL_OPERATOR, Actor, require
from tipdata.errors import TipdataError
from tipdata.store.people import (
    Person,
)
from tipdata.store.reference import Agency

LINKAGE_OWNER = "NTF"
"""The agency that owns linkage rows: the National Task Force links for everyone."""


class LinkageError(TipdataError):
    """Linkage cannot run or a review action is invalid (says what to do instead)."""


class StaleDecisionError(LinkageError):
    """The pair's status changed since the reviewer saw it: another reviewer decided it."""


def _owner_id(session: Any) -> int:
    owner = session.scalar(sa.select(Agency.id).where(Agency.code == LINKAGE_OWNER))
    if owner is None:
        raise LinkageError(
            f"agency {LINKAGE_OWNER} is not in the database: load the reference data first "
            "(tipdata codelists load)"
        )
    return int(owner)


def _require(actor: Actor | None, permission: str) -> None:
    """Check a signed-in actor's permission; the local operator (None) holds every one."""
    if actor is not None:
        require(actor, permission)


def _reviewer_name(actor: Actor | None, given: str | None) -> str:
    """The name kept on a decision: the signed-in username, else the name given at the CLI."""
    if actor is not None:
        return actor.username
    return given or LOCAL_OPERATOR


def _person_by_public_id(session: Any, public_id: str) -> Person:
    person = session.scalar(sa.select(Person).where(Person.public_id == public_id))
    if person is None:
        raise LinkageError(f"no person {public_id}")
    return person
