"""The case list and the case file: people, charges with verdicts and sentences, legal findings.

Every query carries :func:`~tipdata.access.scope_filter` for ``Case`` (police see their
agency's cases, court clerks their court's, the NTF every case; see ``roles.yaml``), so a
case outside the scope is never loaded: it is reported as not found, like a case that
does not exist. The people of a case are read through the scope filter of person records
and shown with the role's output schema (names only with ``persons:read_identity``);
charges and findings need ``charges:read``.

Examples:
    >>> case = case_details(db, 12, actor=clerk)  # doctest: +SKIP
    >>> [(c.article, c.outcome, c.sentence_months) for c in case.charges]  # doctest: +SKIP
    [('LSHTSE-2008 art. 15', 'convicted', 120)]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.crypto import FieldCipher
from tipdata.access.policy import Actor, authorize, can, scope_filter
from tipdata.access.protected import keyring_for, person_record_values, reveal_person_record
from tipdata.access.schemas import present_person_record
from tipdata.casefiles.errors import NotFoundError
from tipdata.legal.findings import latest_run_id
from tipdata.legal.rules import rule_book
from tipdata.linkage.person_view import birth_text
from tipdata.store import (
    Agency,
    Case,
    CaseExploitation,
    CasePerson,
    Charge,
    Finding,
    Law,
    LawArticle,
    Person,
    PersonRecord,
)
from tipdata.store.database import Database


@dataclass(frozen=True)
class CaseSummary:
    """A case in the list.

    Attributes:
        id: the case id (integer, not personal data; also the pagination key).
        case_number: the owning agency's case number.
        kind: ``investigation`` or ``court``.
        agency: code of the owning agency.
        court: the court as written, for court cases.
        province_code: the province of the case.
        opened_date: when it was opened.
        closed_date: when it was closed.
        exploitation_types: codes, sorted.
        victims: how many victim records the case names.
        suspects: how many suspect records the case names.
    """

    id: int
    case_number: str
    kind: str
    agency: str
    court: str | None
    province_code: str | None
    opened_date: date | None
    closed_date: date | None
    exploitation_types: list[str]
    victims: int
    suspects: int


@dataclass(frozen=True)
class CasePersonView:
    """A person record in a case, as the actor's role may see it.

    Attributes:
        person_record_id: the record.
        person_public_id: the linked person's public id, once linkage has run.
        role: the role in the case (victim, suspect, witness, ...).
        agency: code of the agency owning the record.
        name: the name as written, or None when the role may not read names.
        sex: the sex recorded.
        birth: birth date (identity roles), else birth year or age at a date.
        province_code: the home province.
    """

    person_record_id: int
    person_public_id: str | None
    role: str
    agency: str
    name: str | None
    sex: str
    birth: str
    province_code: str | None


@dataclass(frozen=True)
class ChargeView:
    """A charge with its article as resolved from the law catalogue, verdict and sentence.

    Attributes:
        charge_id: the charge.
        case_id: its case.
        case_number: the case's number.
        suspect_record_id: the suspect's person record.
        article: the catalogue article (``LAW art. N``), or None if it did not resolve.
        article_title: the article's title in the catalogue.
        trafficking_offence: whether the catalogue marks it a trafficking offence.
        article_as_written: the article as the court or police wrote it.
        outcome: charged, pending, convicted, acquitted, dismissed or appealed.
        verdict_date: the date of the verdict.
        sentence_months: prison months.
        suspended_months: of which suspended.
        fine_riel: fine in riel.
        compensation_riel: compensation ordered, in riel.
        compensation_paid: whether it was paid, when known.
    """

    charge_id: int
    case_id: int
    case_number: str
    suspect_record_id: int
    article: str | None
    article_title: str | None
    trafficking_offence: bool | None
    article_as_written: str | None
    outcome: str
    verdict_date: date | None
    sentence_months: int | None
    suspended_months: int | None
    fine_riel: int | None
    compensation_riel: int | None
    compensation_paid: bool | None


@dataclass(frozen=True)
class FindingView:
    """A finding of the latest legal check run about a charge of the case."""

    rule: str
    severity: str
    charge_id: int
    article: str | None
    message: str
    title: str | None = None
    """The rule's title in the rule book (``legal/rules.yaml``), None for an unknown rule."""


@dataclass(frozen=True)
class CaseFile:
    """Everything the actor may see of one case.

    Attributes:
        case: the case's own fields.
        people: victims, suspects and other people of the case, in that order.
        charges: charges (empty without ``charges:read``).
        findings: legal findings of the latest check run (empty without ``charges:read``).
        may_see_charges: whether the role may read charges and findings.
    """

    case: CaseSummary
    description: str | None
    destination_country: str | None
    people: list[CasePersonView]
    charges: list[ChargeView]
    findings: list[FindingView]
    may_see_charges: bool


ROLE_ORDER = {"victim": 0, "suspect": 1, "convicted": 2, "witness": 3}
"""How the people of a case are listed: victims, then suspects, then the others."""


@audit.audits_denials("case")
def list_cases(
    db: Database, *, actor: Actor, limit: int, before_id: int | None = None
) -> list[CaseSummary]:
    """Cases in the actor's scope, newest first. Audited as ``read`` of the cases listed.

    Args:
        db: the database.
        actor: the reader; needs ``cases:read``.
        limit: at most this many cases (pass page size + 1 to learn whether more follow).
        before_id: only cases with a smaller id (the pagination cursor).

    Returns:
        The cases, by descending id.

    Raises:
        AccessDenied: the actor lacks ``cases:read``.
    """
    authorize(actor, "cases:read")
    query = (
        sa.select(Case, Agency.code)
        .join(Agency, Agency.id == Case.owner_agency_id)
        .where(scope_filter(actor, Case))
        .order_by(Case.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(Case.id < before_id)
    with db.session() as session:
        rows = session.execute(query).all()
        ids = [case.id for case, _ in rows]
        types = _exploitation_types(session, ids)
        roles = _role_counts(session, ids)
        audit.record(session, actor, "read", "case", ids, {"list": "cases", "cases": len(ids)})
        return [_summary(case, agency, types, roles) for case, agency in rows]


@audit.audits_denials("case", "case_id")
def case_details(db: Database, case_id: int, *, actor: Actor) -> CaseFile:
    """One case with its people, charges, verdicts, sentences and legal findings.

    Audited as ``read_protected`` when names of people were shown, else ``read``
    (object: the case; never a name in the detail).

    Args:
        db: the database.
        case_id: the case id.
        actor: the reader; needs ``cases:read``.

    Returns:
        The case file.

    Raises:
        AccessDenied: the actor lacks ``cases:read``.
        NotFoundError: no such case, or it is outside the actor's scope.
    """
    authorize(actor, "cases:read")
    may_see_charges = can(actor, "charges:read")
    cipher = keyring_for(db).cipher if can(actor, "persons:read_identity") else None
    with db.session() as session:
        row = session.execute(
            sa.select(Case, Agency.code)
            .join(Agency, Agency.id == Case.owner_agency_id)
            .where(Case.id == case_id, scope_filter(actor, Case))
        ).first()
        if row is None:
            raise NotFoundError("case", case_id)
        case, agency = row
        types = _exploitation_types(session, [case.id])
        roles = _role_counts(session, [case.id])
        people = _people(session, actor, case.id, cipher)
        charges = (
            charge_views(session, charges_query(actor).where(Charge.case_id == case.id))
            if may_see_charges
            else []
        )
        findings = _findings(session, [c.charge_id for c in charges])
        names = [person.name for person in people if person.name]
        audit.record(
            session, actor, "read_protected" if names else "read", "case", [case.id],
            {"people": len(people), "charges": len(charges)}, forbidden_values=names,
        )  # fmt: skip
        return CaseFile(
            case=_summary(case, agency, types, roles),
            description=case.description,
            destination_country=case.destination_country,
            people=people,
            charges=charges,
            findings=findings,
            may_see_charges=may_see_charges,
        )


def charges_query(actor: Actor) -> sa.Select[Any]:
    """Charges in cases inside the actor's case scope, with their resolved article.

    Callers add their own condition (one case, one suspect's records) and pass the query
    to :func:`charge_views`.
    """
    return (
        sa.select(Charge, Case.case_number, LawArticle, Law.code)
        .join(Case, Case.id == Charge.case_id)
        .outerjoin(LawArticle, LawArticle.id == Charge.law_article_id)
        .outerjoin(Law, Law.id == LawArticle.law_id)
        .where(scope_filter(actor, Case))
        .order_by(Charge.case_id, Charge.id)
    )


def charge_views(session: Session, query: sa.Select[Any]) -> list[ChargeView]:
    """The rows of a :func:`charges_query` as views."""
    views = []
    for charge, case_number, article, law_code in session.execute(query):
        views.append(
            ChargeView(
                charge_id=charge.id,
                case_id=charge.case_id,
                case_number=case_number,
                suspect_record_id=charge.suspect_record_id,
                article=f"{law_code} art. {article.article}" if article is not None else None,
                article_title=article.title if article is not None else None,
                trafficking_offence=article.is_trafficking_offence if article is not None else None,
                article_as_written=charge.article_text,
                outcome=charge.outcome.value,
                verdict_date=charge.verdict_date,
                sentence_months=charge.sentence_months,
                suspended_months=charge.suspended_months,
                fine_riel=charge.fine_riel,
                compensation_riel=charge.compensation_riel,
                compensation_paid=charge.compensation_paid,
            )
        )
    return views


def display_name(shown: Any) -> str | None:
    """The name as written (Latin, then Khmer) from a role's output schema; None if absent."""
    latin = getattr(shown, "full_name", None) or " ".join(
        part for part in (getattr(shown, "family_name", None), getattr(shown, "given_name", None))
        if part
    )  # fmt: skip
    text = " ".join(part for part in (latin, getattr(shown, "full_name_khmer", None)) if part)
    return text or None


def _summary(
    case: Case,
    agency: str,
    types: dict[int, list[str]],
    roles: dict[int, Counter[str]],
) -> CaseSummary:
    counts = roles.get(case.id, Counter())
    return CaseSummary(
        id=case.id,
        case_number=case.case_number,
        kind=case.kind.value,
        agency=agency,
        court=case.court,
        province_code=case.province_code,
        opened_date=case.opened_date,
        closed_date=case.closed_date,
        exploitation_types=types.get(case.id, []),
        victims=counts["victim"],
        suspects=counts["suspect"],
    )


def _exploitation_types(session: Session, case_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not case_ids:
        return found
    rows = session.execute(
        # Several source rows may state the same form for one case: count each form once.
        sa.select(CaseExploitation.case_id, CaseExploitation.exploitation_type)
        .where(CaseExploitation.case_id.in_(case_ids))
        .distinct()
        .order_by(CaseExploitation.case_id, CaseExploitation.exploitation_type)
    )
    for case_id, code in rows:
        found.setdefault(case_id, []).append(code)
    return found


def _role_counts(session: Session, case_ids: list[int]) -> dict[int, Counter[str]]:
    found: dict[int, Counter[str]] = {}
    if not case_ids:
        return found
    rows = session.execute(
        sa.select(CasePerson.case_id, sa.type_coerce(CasePerson.role, sa.String()))
        .where(CasePerson.case_id.in_(case_ids))
    )  # fmt: skip
    for case_id, role in rows:
        found.setdefault(case_id, Counter())[role] += 1
    return found


def _people(
    session: Session, actor: Actor, case_id: int, cipher: FieldCipher | None
) -> list[CasePersonView]:
    """The case's people inside the actor's person-record scope, through the role's schema.

    Protected fields are decrypted (in memory) only with a ``cipher``, i.e. for roles that
    may read identities; for the others the schema has no such field to fill.
    """
    rows = session.execute(
        sa.select(CasePerson.role, PersonRecord, Person.public_id, Agency.code)
        .join(PersonRecord, PersonRecord.id == CasePerson.person_record_id)
        .outerjoin(Person, Person.id == PersonRecord.person_id)
        .join(Agency, Agency.id == PersonRecord.owner_agency_id)
        .where(CasePerson.case_id == case_id, scope_filter(actor, PersonRecord))
    )
    people = []
    for role, record, public_id, agency in rows:
        values = person_record_values(record)
        if cipher is not None:
            values = reveal_person_record(cipher, record.id, values)
        shown = present_person_record(actor, values)
        people.append(
            CasePersonView(
                person_record_id=record.id,
                person_public_id=public_id,
                role=role.value,
                agency=agency,
                name=display_name(shown),
                sex=record.sex.value,
                birth=birth_text(shown),
                province_code=record.province_code,
            )
        )
    people.sort(key=lambda p: (ROLE_ORDER.get(p.role, 9), p.person_record_id))
    return people


def _findings(session: Session, charge_ids: list[int]) -> list[FindingView]:
    """Findings of the latest check run about these charges, most severe first."""
    run_id = latest_run_id(session)
    if run_id is None or not charge_ids:
        return []
    rows = session.scalars(
        sa.select(Finding).where(
            Finding.run_id == run_id,
            Finding.subject_type == "charge",
            Finding.subject_id.in_(charge_ids),
        )
    )
    severity = {"critical": 0, "error": 1, "warning": 2, "info": 3}
    findings = [
        FindingView(
            rule=finding.rule,
            severity=finding.severity,
            charge_id=finding.subject_id,
            article=finding.article,
            message=finding.message,
            title=_rule_title(finding.rule),
        )
        for finding in rows
    ]
    findings.sort(key=lambda f: (severity.get(f.severity, 9), f.charge_id, f.rule))
    return findings


def _rule_title(code: str) -> str | None:
    try:
        return rule_book().spec(code).title
    except KeyError:
        return None
