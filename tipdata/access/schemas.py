"""Field-level policy: per role, an output schema that simply lacks the forbidden fields.

Services build the response with :func:`present_person_record`; a field a role
may not read is not in its schema, so it cannot reach a page, an API response
or an export by mistake (``extra="ignore"`` drops it on validation).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AccessDenied
from tipdata.access.keys import PERSON_RECORD_PROTECTED
from tipdata.access.policy import Actor, PersonView, Policy, can, default_policy
from tipdata.access.protected import reveal_person_record
from tipdata.model.enums import PersonRole, Sex


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore", frozen=True)


class PersonRecordForStatistics(_Output):
    """Pseudonymised: no name, birth date, contact, village or shelter; age and place only."""

    id: int
    person_id: int | None = None
    owner_agency_id: int
    role: PersonRole
    sex: Sex
    birth_year: int | None = None
    age_years: int | None = None
    age_reference_date: date | None = None
    nationality: str | None = None
    province_code: str | None = None


class PersonRecordForCourt(PersonRecordForStatistics):
    """Court clerks: the pseudonymised view plus district; identities come from the case file."""

    district: str | None = None


class PersonRecordForPolice(PersonRecordForStatistics):
    """Police analysts: names and birth date in their own cases; no shelter, contact or notes."""

    family_name: str | None = None
    given_name: str | None = None
    full_name: str | None = None
    full_name_khmer: str | None = None
    birth_date: date | None = None
    district: str | None = None
    commune: str | None = None


class PersonRecordForCaseWork(PersonRecordForPolice):
    """Social workers, NGO case workers and NTF data officers: identity, home and shelter."""

    village: str | None = None
    contact: str | None = None
    shelter_location: str | None = None


PERSON_VIEW_SCHEMAS: dict[PersonView, type[PersonRecordForStatistics]] = {
    "case_work": PersonRecordForCaseWork,
    "police": PersonRecordForPolice,
    "court": PersonRecordForCourt,
    "statistics": PersonRecordForStatistics,
}
"""The schema of each person-record view; which role gets which view is ``person_view`` in
``roles.yaml``, so a role added there needs no change here."""

IDENTITY_FIELDS = frozenset(
    {"family_name", "given_name", "full_name", "full_name_khmer", "birth_date", "contact"}
)
"""Fields that need ``persons:read_identity``."""

SHELTER_FIELDS = frozenset({"shelter_location"})
"""Fields that need ``shelter:read_location``."""


def person_record_schema(actor: Actor, policy: Policy | None = None) -> type[BaseModel]:
    """The output schema of person records for the actor's role (its ``person_view``).

    Raises:
        AccessDenied: the role may not read person records at all.
    """
    policy = policy or default_policy()
    if not can(actor, "persons:read", policy):
        raise AccessDenied("persons:read")
    view = policy.role(actor.role).person_view
    if view is None:  # load_policy gives every role holding persons:read a view
        raise AccessDenied("persons:read", "with a person_view")
    return PERSON_VIEW_SCHEMAS[view]


def present_person_record(
    actor: Actor,
    record: Any,
    policy: Policy | None = None,
    *,
    cipher: FieldCipher | None = None,
    **extra: Any,
) -> BaseModel:
    """A person record (ORM row or mapping) as the actor may see it.

    A ``PersonRecord`` row holds its identifying fields encrypted: they are decrypted
    with ``cipher`` when the role's schema has them and the actor holds
    ``persons:read_identity``, else left out (never shown as ciphertext). A mapping is
    taken as already decrypted (see :func:`tipdata.access.protected.reveal_person_record`).

    Args:
        actor: the acting user.
        record: a ``PersonRecord`` row, or a mapping with its fields (decrypted).
        policy: the policy (default: the shipped one).
        cipher: the field cipher, to decrypt a row's identifying fields.
        **extra: computed fields such as ``shelter_location``; dropped if not in the schema.

    Returns:
        An instance of the role's schema, without the fields it may not read.
    """
    schema = person_record_schema(actor, policy)
    if isinstance(record, dict):
        data = {**record, **extra}
    else:
        data = {name: getattr(record, name, None) for name in schema.model_fields}
        protected = [c for c in PERSON_RECORD_PROTECTED if c in schema.model_fields]
        if protected:
            for column in protected:
                data[column] = None
            if cipher is not None and can(actor, "persons:read_identity", policy):
                shown = reveal_person_record(
                    cipher, record.id, {c: getattr(record, c) for c in protected}
                )
                data.update(shown)
        data.update(extra)
    return schema.model_validate({k: v for k, v in data.items() if k in schema.model_fields})
