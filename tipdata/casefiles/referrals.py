"""Referring a person to a service of the directory, with their consent (or an override).

:func:`referral_form` gives what the form offers: the person's records in the actor's
scope (a referral is of one agency's record) and the service directory, narrowed by
province and service. :func:`refer_person` checks the record is the person's and in
scope, finds the provider by its directory code and calls
:func:`tipdata.access.consent.create_referral`, which refuses a referral without
recorded consent unless the role may override it with a reason (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tipdata.access.consent import Consent, create_referral
from tipdata.access.errors import ConsentRequiredError
from tipdata.access.permissions import Permission
from tipdata.access.policy import Actor, authorize, can
from tipdata.access.protected import keyring_for
from tipdata.casefiles.errors import CaseFileError
from tipdata.casefiles.persons import in_scope_records
from tipdata.services import SERVICE_CODES, ProviderEntry, list_providers
from tipdata.store import Agency, ServiceProvider
from tipdata.store.database import Database

REFERRAL_PERMISSION: Permission = "referrals:create"
"""Referring a person to a service provider."""


@dataclass(frozen=True)
class ReferableRecord:
    """One of the person's records the actor may refer: its id, agency and person role."""

    record_id: int
    agency: str
    role: str


@dataclass(frozen=True)
class ReferralForm:
    """What the referral form offers.

    Attributes:
        records: the person's records in scope.
        providers: the service directory (narrowed by the province and service asked).
        services: the service codes one may narrow by.
        may_override: whether the actor may refer without consent, with a reason.
    """

    records: list[ReferableRecord]
    providers: list[ProviderEntry]
    services: list[str]
    may_override: bool


def referral_form(
    db: Database,
    public_id: str,
    *,
    actor: Actor,
    province: str | None = None,
    service: str | None = None,
) -> ReferralForm:
    """The records that may be referred and the directory's providers.

    Raises:
        AccessDenied: the actor lacks ``referrals:create``.
        NotFoundError: no such person in scope.
        CaseFileError: an unknown service code.
    """
    authorize(actor, REFERRAL_PERMISSION)
    if service is not None and service not in SERVICE_CODES:
        raise CaseFileError(f"service: choose one of {', '.join(sorted(SERVICE_CODES))}")
    with db.session() as session:
        records = in_scope_records(session, actor, public_id)
        codes = dict(session.execute(sa.select(Agency.id, Agency.code)).tuples().all())
        providers = list_providers(session, province=province or None, service=service)
    return ReferralForm(
        records=[ReferableRecord(rid, codes[owner], role) for rid, owner, role in records],
        providers=providers,
        services=sorted(SERVICE_CODES),
        may_override=can(actor, "consent:override"),
    )


def refer_person(
    db: Database,
    public_id: str,
    *,
    actor: Actor,
    record_id: int,
    provider_code: str,
    consent_on: date | None,
    by_guardian: bool = False,
    override_reason: str | None = None,
    referral_date: date,
    remote_addr: str | None = None,
) -> int:
    """Refer one of the person's records to a provider of the directory; returns the referral id.

    Args:
        db: the database.
        public_id: the person.
        actor: needs ``referrals:create``; without consent, ``consent:override``.
        record_id: the record referred (one of the person's, in scope).
        provider_code: the provider's directory code.
        consent_on: when the person (or guardian) consented; None without consent.
        by_guardian: consent given by a parent or guardian.
        override_reason: why the referral goes ahead without consent.
        referral_date: the date of the referral.
        remote_addr: the client's address, for the audit log.

    Raises:
        AccessDenied: no permission.
        NotFoundError: no such person in scope.
        CaseFileError: a record that is not the person's, an unknown provider, or no
            consent without a permitted, reasoned override.
    """
    authorize(actor, REFERRAL_PERMISSION)
    keyring = keyring_for(db)
    with db.session() as session:
        records = {rid for rid, _owner, _role in in_scope_records(session, actor, public_id)}
        if record_id not in records:
            raise CaseFileError("record: choose one of the person's records")
        provider_id = session.scalar(
            sa.select(ServiceProvider.id).where(ServiceProvider.code == provider_code)
        )
        if provider_id is None:
            raise CaseFileError("provider: choose a provider of the service directory")
        consent = Consent(consent_on, by_guardian) if consent_on is not None else None
        try:
            referral = create_referral(
                session, actor, record_id, provider_id, consent, override_reason,
                cipher=keyring.cipher, referral_date=referral_date, remote_addr=remote_addr,
            )  # fmt: skip
        except ConsentRequiredError as exc:
            raise CaseFileError(f"consent: {exc}") from None
        return referral.id
