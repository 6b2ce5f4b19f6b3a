"""Consent to referral: no referral of a person without recorded consent, or an audited override.

As in Primero: a victim is referred to another organisation only with their
consent (or their guardian's). Where consent cannot be obtained and the person
is at risk, a role holding ``consent:override`` may refer anyway, with a reason;
the override is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher
from tipdata.access.errors import AccessDenied, ConsentRequiredError
from tipdata.access.policy import Actor, Policy, authorize, can, default_policy, scope_filter
from tipdata.access.protected import person_record_values, reveal_person_record
from tipdata.model.enums import ReferralStatus
from tipdata.store.people import PersonRecord
from tipdata.store.services import Referral, ServiceProvider

MIN_REASON_LENGTH = 20


@dataclass(frozen=True)
class Consent:
    """Consent to a referral, as recorded.

    Attributes:
        given_on: the date consent was given.
        by_guardian: given by a parent or guardian (children).
    """

    given_on: date
    by_guardian: bool = False


@audit.audits_denials("person_record", "person_record_id")
def create_referral(
    session: Session,
    actor: Actor,
    person_record_id: int,
    to_provider_id: int,
    consent: Consent | None,
    override_reason: str | None = None,
    *,
    cipher: FieldCipher,
    referral_date: date | None = None,
    policy: Policy | None = None,
    remote_addr: str | None = None,
) -> Referral:
    """Refer a person to a service provider.

    Args:
        session: the open session.
        actor: who refers; needs ``referrals:create`` and the person in scope.
        person_record_id: the person record referred.
        to_provider_id: the service provider.
        consent: the recorded consent, or None.
        override_reason: why the referral goes ahead without consent (needs
            ``consent:override``); at least 20 characters, no names.
        cipher: the field cipher: the person's names are decrypted (in memory) to check
            that the override reason, stored in the audit log, does not contain them.
        referral_date: the date of the referral.
        policy: the policy (default: the shipped one).
        remote_addr: the client's address, for the audit log.

    Returns:
        The new referral.

    Raises:
        AccessDenied: no permission, or the person record is outside the actor's scope.
        ConsentRequiredError: no consent and no permitted, reasoned override.
        AuditError: the reason contains the person's name.
    """
    policy = policy or default_policy()
    authorize(actor, "referrals:create", policy=policy)
    record = session.scalar(
        sa.select(PersonRecord).where(
            PersonRecord.id == person_record_id, scope_filter(actor, PersonRecord, policy)
        )
    )
    if record is None:
        raise AccessDenied("referrals:create", "person record not found in your scope")
    if session.get(ServiceProvider, to_provider_id) is None:
        raise AccessDenied("referrals:create", "unknown service provider")
    if consent is None:
        if not can(actor, "consent:override", policy):
            raise ConsentRequiredError("a referral needs the person's recorded consent")
        reason = (override_reason or "").strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise ConsentRequiredError(
                f"referring without consent needs a reason of at least {MIN_REASON_LENGTH} "
                "characters"
            )
    referral = Referral(
        person_record_id=record.id,
        from_agency_id=actor.agency_id,
        to_provider_id=to_provider_id,
        referral_date=referral_date,
        status=ReferralStatus.PROPOSED,
        consent_recorded=consent is not None,
        consent_date=consent.given_on if consent else None,
        owner_agency_id=actor.agency_id,
    )
    session.add(referral)
    session.flush()
    if consent is None:
        shown = reveal_person_record(cipher, record.id, person_record_values(record))
        forbidden = [
            str(shown[column])
            for column in ("family_name", "given_name", "full_name", "full_name_khmer",
                           "village", "contact")
            if shown.get(column)
        ]  # fmt: skip
        audit.record(
            session, actor, "consent_override", "person_record", [record.id],
            {"reason": override_reason, "referral_id": referral.id,
             "to_provider_id": to_provider_id}, remote_addr,
            forbidden_values=forbidden,
        )  # fmt: skip
    else:
        audit.record(
            session, actor, "referral_created", "person_record", [record.id],
            {"referral_id": referral.id, "to_provider_id": to_provider_id,
             "by_guardian": consent.by_guardian}, remote_addr,
        )  # fmt: skip
    return referral
