"""The facts a legal check reads: charges grouped into judgments, with victims and case facts.

Court files have one row per defendant, charge and victim, so one judgment on a charge
arrives as several ``Charge`` rows; :func:`load_judgments` groups them (same case,
suspect, article, outcome, verdict date and sentence) and gathers the facts every rule
needs: the article as convicted and as first charged, the victims' ages, the case's
exploitation types and description, and the court.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.codelists import load_codelists
from tipdata.legal.articles import ArticleRef, parse_article
from tipdata.model.enums import ChargeOutcome, PersonRole
from tipdata.store import (
    Agency,
    Case,
    CaseExploitation,
    CasePerson,
    Charge,
    Law,
    LawArticle,
    PersonRecord,
    SourceRecord,
)

CHARGED_ARTICLE_FIELDS: tuple[str, ...] = ("Article Charged", "article_charged")
"""Raw-row columns holding the article first charged, when the charge row keeps only the
verdict article (``Charge`` has one article; the court file has both)."""


@dataclass(frozen=True, slots=True)
class Victim:
    """A victim named in a case, with what is known of their age.

    Attributes:
        person_record_id: the victim's record.
        age: age at ``age_date`` (as recorded, or from the date or year of birth).
        age_date: the date the age refers to (the record's reference date or the verdict).
    """

    person_record_id: int
    age: int | None
    age_date: date | None


@dataclass(slots=True)
class Judgment:
    """One decision on one charge against one suspect, and the facts around it.

    Attributes:
        charge_ids: the charge rows (one per victim row of the court file).
        source_record_ids: their raw rows.
        case_id: the case.
        case_number: the case number.
        court: the court as written.
        agency: code of the court (``PPMC``, ``COURT-09``), else of the owning agency.
        suspect_record_ids: the suspect's records.
        suspect_person_id: the linked suspect, when linkage ran.
        article: the article of the verdict (or of the charge, before a verdict).
        article_text: the article as written.
        law_article_id: the catalogue row, when ingestion resolved it.
        charged_article: the article first charged, when the source says and it differs.
        outcome: the charge's outcome.
        verdict_date: date of the verdict.
        sentence_months: prison term.
        suspended_months: part suspended.
        fine_riel: fine.
        compensation_riel: compensation ordered.
        compensation_paid: whether it was paid (None: not recorded).
        victims: the case's victims.
        exploitation_types: the case's forms of exploitation.
        description: the case description (offence as written, facts).
        destination_country: where victims were taken, when known.
    """

    charge_ids: list[int]
    source_record_ids: list[int]
    case_id: int
    case_number: str
    court: str | None
    agency: str | None
    suspect_record_ids: list[int]
    suspect_person_id: int | None
    article: ArticleRef | None
    article_text: str | None
    law_article_id: int | None
    charged_article: ArticleRef | None
    outcome: ChargeOutcome
    verdict_date: date | None
    sentence_months: int | None
    suspended_months: int | None
    fine_riel: int | None
    compensation_riel: int | None
    compensation_paid: bool | None
    victims: list[Victim] = field(default_factory=list)
    exploitation_types: frozenset[str] = frozenset()
    description: str | None = None
    destination_country: str | None = None

    @property
    def year(self) -> int | None:
        """The year the judgment is listed under."""
        return self.verdict_date.year if self.verdict_date else None

    @property
    def victim_ages(self) -> list[int]:
        """Recorded ages of the victims, youngest first."""
        return sorted(v.age for v in self.victims if v.age is not None)

    def record_ids(self) -> dict[str, list[int]]:
        """The rows the facts come from, by table."""
        return {
            "charge": sorted(self.charge_ids),
            "source_record": sorted(self.source_record_ids),
            "case": [self.case_id],
            "person_record": sorted(
                {*self.suspect_record_ids, *(v.person_record_id for v in self.victims)}
            ),
        }


def age_of(
    birth_date: date | None,
    birth_year: int | None,
    age_years: int | None,
    age_reference_date: date | None,
    on: date | None,
) -> tuple[int | None, date | None]:
    """A person's age and the date it refers to, from what their record holds.

    Returns:
        ``(age, date)``: the age at ``on`` from a date of birth or birth year when there
        is one, else the recorded age at its reference date.
    """
    if birth_date is not None and on is not None:
        before = (on.month, on.day) < (birth_date.month, birth_date.day)
        return on.year - birth_date.year - int(before), on
    if age_years is not None:
        return age_years, age_reference_date or on
    if birth_year is not None and on is not None:
        return on.year - birth_year, on
    return None, None


def court_agency(court: str | None) -> str | None:
    """The agency code of a court written as ``Phnom Penh Municipal Court`` or
    ``<Province> Provincial Court``, or None."""
    if not court:
        return None
    codelists = load_codelists()
    agency = codelists.resolve_agency(court)
    if agency is not None:
        return agency.code
    for suffix in (" Provincial Court of First Instance", " Provincial Court", " Court"):
        if court.endswith(suffix):
            province = codelists.resolve_province(court[: -len(suffix)])
            if province is not None:
                unit = codelists.agencies.provincial_unit("COURT", province.code)
                return unit.code if unit is not None else None
    return None


def _charged_article(payload: Mapping[str, Any] | None) -> ArticleRef | None:
    if not payload:
        return None
    for name in CHARGED_ARTICLE_FIELDS:
        value = payload.get(name)
        if value:
            return parse_article(str(value))
    return None


def load_judgments(session: Session, *, case_ids: Iterable[int] | None = None) -> list[Judgment]:
    """Every judgment (charge decision) in the database, with its facts.

    Args:
        session: an open session.
        case_ids: only these cases (default: all).

    Returns:
        The judgments, ordered by court, verdict date and case number.
    """
    wanted = list(case_ids) if case_ids is not None else None
    query = (
        sa.select(
            Charge,
            Case.case_number,
            Case.court,
            Case.description,
            Case.destination_country,
            Agency.code,
            PersonRecord.person_id,
            LawArticle.article,
            Law.code,
            SourceRecord.payload,
        )
        .join(Case, Case.id == Charge.case_id)
        .join(Agency, Agency.id == Charge.owner_agency_id)
        .join(PersonRecord, PersonRecord.id == Charge.suspect_record_id)
        .outerjoin(LawArticle, LawArticle.id == Charge.law_article_id)
        .outerjoin(Law, Law.id == LawArticle.law_id)
        .outerjoin(SourceRecord, SourceRecord.id == Charge.source_record_id)
        .order_by(Charge.id)
    )
    if wanted is not None:
        query = query.where(Charge.case_id.in_(wanted))
    groups: dict[tuple[Any, ...], Judgment] = {}
    court_codes: dict[str | None, str | None] = {}
    for (
        charge,
        number,
        court,
        description,
        destination,
        owner,
        person_id,
        art,
        law,
        payload,
    ) in session.execute(query).tuples():
        article = parse_article(charge.article_text)
        if article is None and art is not None and law is not None:
            article = parse_article(f"{law}/{art}")
        charged = _charged_article(payload)
        if charged == article:
            charged = None
        key = (
            charge.case_id,
            person_id if person_id is not None else "unlinked",
            article,
            charged,
            charge.outcome,
            charge.verdict_date,
            charge.sentence_months,
            charge.suspended_months,
            charge.fine_riel,
            charge.compensation_riel,
        )
        judgment = groups.get(key)
        if judgment is None:
            if court not in court_codes:
                court_codes[court] = court_agency(court)
            judgment = groups[key] = Judgment(
                charge_ids=[],
                source_record_ids=[],
                case_id=charge.case_id,
                case_number=number,
                court=court,
                agency=court_codes[court] or owner,
                suspect_record_ids=[],
                suspect_person_id=person_id,
                article=article,
                article_text=charge.article_text,
                law_article_id=charge.law_article_id,
                charged_article=charged,
                outcome=charge.outcome,
                verdict_date=charge.verdict_date,
                sentence_months=charge.sentence_months,
                suspended_months=charge.suspended_months,
                fine_riel=charge.fine_riel,
                compensation_riel=charge.compensation_riel,
                compensation_paid=charge.compensation_paid,
                description=description,
                destination_country=destination,
            )
        judgment.charge_ids.append(charge.id)
        judgment.source_record_ids.append(charge.source_record_id)
        if charge.suspect_record_id not in judgment.suspect_record_ids:
            judgment.suspect_record_ids.append(charge.suspect_record_id)
        if charge.compensation_paid is not None:
            judgment.compensation_paid = (
                bool(judgment.compensation_paid) or charge.compensation_paid
            )
    judgments = list(groups.values())
    _attach_case_facts(session, judgments)
    judgments.sort(key=lambda j: (j.agency or "", j.verdict_date or date.min, j.case_number))
    return judgments


def _attach_case_facts(session: Session, judgments: list[Judgment]) -> None:
    """Fill in the victims and exploitation types of each judgment's case."""
    case_ids = sorted({j.case_id for j in judgments})
    victims: dict[int, list[tuple[int, date | None, int | None, int | None, date | None]]] = (
        defaultdict(list)
    )
    exploitations: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(case_ids), 500):
        batch = case_ids[start : start + 500]
        rows = session.execute(
            sa.select(
                CasePerson.case_id,
                PersonRecord.id,
                PersonRecord.birth_year,
                PersonRecord.age_years,
                PersonRecord.age_reference_date,
            )
            .join(PersonRecord, PersonRecord.id == CasePerson.person_record_id)
            .where(CasePerson.case_id.in_(batch), CasePerson.role == PersonRole.VICTIM)
        ).tuples()
        for case_id, record_id, birth_year, age_years, age_date in rows:
            # the date of birth is encrypted at rest: the clear birth year serves
            victims[case_id].append((record_id, None, birth_year, age_years, age_date))
        for case_id, code in session.execute(
            sa.select(CaseExploitation.case_id, CaseExploitation.exploitation_type).where(
                CaseExploitation.case_id.in_(batch)
            )
        ).tuples():
            exploitations[case_id].add(code)
    for judgment in judgments:
        for record_id, birth_date, birth_year, age_years, age_date in sorted(
            set(victims.get(judgment.case_id, ()))
        ):
            age, on = age_of(birth_date, birth_year, age_years, age_date, judgment.verdict_date)
            judgment.victims.append(Victim(record_id, age, on))
        judgment.exploitation_types = frozenset(exploitations.get(judgment.case_id, ()))
