"""Screening entry for a person: the form's contents and recording a screening, scoped and audited.

Builds on :mod:`tipdata.screening` (indicators as data, the suggestion rule, the
screening rows with provenance). The screening is recorded against one of the person's
records inside the actor's scope (by default one of the actor's own agency, else the
first in scope), under the actor's agency, and entered by the actor's username; a final
determination, when given, is made by the same user. Audited as ``screening_recorded``
(object: the screening; the answers stay out of the log).

Only roles that do victim identification may record one: those holding
:data:`SCREENING_ENTRY_PERMISSION` (``screenings:create``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from tipdata.access import audit
from tipdata.access.clock import now_utc
from tipdata.access.permissions import Permission
from tipdata.access.policy import Actor, authorize
from tipdata.casefiles.errors import CaseFileError, ConflictError
from tipdata.casefiles.persons import in_scope_records
from tipdata.model.enums import Determination, IndicatorAnswer
from tipdata.screening import (
    DuplicateScreening,
    Indicator,
    ScreeningError,
    ScreeningResult,
    Suggestion,
    determine,
    indicator_set,
    record_screening,
    suggest_determination,
)
from tipdata.store import Agency
from tipdata.store.database import Database

SCREENING_ENTRY_PERMISSION: Permission = "screenings:create"
"""Who may record a screening: the roles that act on a victim's case (NTF, social workers,
NGO case workers)."""


@dataclass(frozen=True)
class RecordChoice:
    """A record of the person a screening may be recorded against."""

    record_id: int
    role: str
    own_agency: bool


@dataclass(frozen=True)
class ScreeningForm:
    """What the screening form offers for one person.

    Attributes:
        public_id: the person.
        records: the person's records in the actor's scope (the default first).
        indicators: the indicators of the form, in order.
        suggestion: the rule's suggestion for the answers given so far, if any were given.
        determinations: the determinations a user may make.
        answers: the answers a user may give.
    """

    public_id: str
    records: list[RecordChoice]
    indicators: tuple[Indicator, ...]
    suggestion: Suggestion | None = None
    determinations: tuple[str, ...] = tuple(d.value for d in Determination)
    answers: tuple[str, ...] = tuple(a.value for a in IndicatorAnswer)


@dataclass(frozen=True)
class ScreeningEntry:
    """A screening as a user entered it.

    Attributes:
        screening_date: the date of the interview (not in the future).
        answers: indicator code -> yes / no / unknown (indicators left out: not asked).
        final_determination: the user's determination, or None to decide later.
        person_record_id: the record to screen, or None for the default record.
    """

    screening_date: date
    answers: Mapping[str, str] = field(default_factory=dict)
    final_determination: str | None = None
    person_record_id: int | None = None


@audit.audits_denials("person", "public_id")
def screening_form(
    db: Database,
    public_id: str,
    *,
    actor: Actor,
    answers: Mapping[str, str] | None = None,
) -> ScreeningForm:
    """The form to screen a person: their records in scope, the indicators, and — when
    ``answers`` are given — the rule's suggestion for them (nothing is stored).

    Args:
        db: the database.
        public_id: the person's public id.
        actor: the screener.
        answers: indicator code -> yes / no / unknown, to preview the suggestion.

    Raises:
        AccessDenied: the actor may not record screenings.
        NotFoundError: no such person in the actor's scope.
    """
    authorize(actor, SCREENING_ENTRY_PERMISSION)
    with db.session() as session:
        records = in_scope_records(session, actor, public_id)
    return ScreeningForm(
        public_id=public_id,
        records=_choices(records, actor),
        indicators=indicator_set().indicators,
        suggestion=suggest_determination(_known_answers(answers)) if answers else None,
    )


@audit.audits_denials("person", "public_id")
def record_person_screening(
    db: Database, public_id: str, entry: ScreeningEntry, *, actor: Actor
) -> ScreeningResult:
    """Record a screening of a person, with the rule's suggestion and the user's decision.

    Args:
        db: the database.
        public_id: the person's public id.
        entry: date, answers, optional final determination and record.
        actor: the screener; needs :data:`SCREENING_ENTRY_PERMISSION`.

    Returns:
        The stored screening with the suggested (and final) determination.

    Raises:
        AccessDenied: the actor may not record screenings.
        NotFoundError: no such person in the actor's scope.
        ConflictError: the same screening (record, date, answers) was already recorded by
            the actor's agency; nothing is stored twice.
        CaseFileError: the date is in the future, the record is not one of the person's
            records in scope, or an indicator, answer or determination is not on the form.
    """
    authorize(actor, SCREENING_ENTRY_PERMISSION)
    if entry.screening_date > now_utc().date():
        raise CaseFileError(f"screening_date {entry.screening_date.isoformat()} is in the future")
    if entry.final_determination is not None and entry.final_determination not in {
        d.value for d in Determination
    }:
        known = ", ".join(d.value for d in Determination)
        raise CaseFileError(
            f"final_determination must be one of {known}, got {entry.final_determination!r}"
        )
    with db.session() as session:
        choices = _choices(in_scope_records(session, actor, public_id), actor)
        record_id = entry.person_record_id or choices[0].record_id
        if record_id not in {choice.record_id for choice in choices}:
            raise CaseFileError(
                f"person_record_id {record_id} is not a record of person {public_id} in your scope"
            )
        agency = session.scalar(sa.select(Agency.code).where(Agency.id == actor.agency_id))
        assert agency is not None  # users belong to an existing agency (foreign key)
        try:
            result = record_screening(
                session, person_record_id=record_id, agency=agency,
                screening_date=entry.screening_date, answers=dict(entry.answers),
                entered_by=actor.username,
            )  # fmt: skip
            if entry.final_determination is not None:
                result = determine(
                    session, result.screening_id, entry.final_determination, actor.username
                )
        except DuplicateScreening as exc:
            raise ConflictError(str(exc)) from None
        except ScreeningError as exc:
            raise CaseFileError(str(exc)) from None
        audit.record(
            session, actor, "screening_recorded", "screening", [result.screening_id],
            {"answers": len(result.answers), "final": entry.final_determination or "none"},
        )  # fmt: skip
        return result


def _known_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """The answers that are yes / no / unknown (a preview ignores anything else)."""
    allowed = {answer.value for answer in IndicatorAnswer}
    return {code: value for code, value in answers.items() if value in allowed}


def _choices(records: list[tuple[int, int, str]], actor: Actor) -> list[RecordChoice]:
    """The records, the actor's own agency's first (the default), then by id."""
    choices = [
        RecordChoice(record_id=record_id, role=role, own_agency=owner == actor.agency_id)
        for record_id, owner, role in records
    ]
    choices.sort(key=lambda choice: (not choice.own_agency, choice.record_id))
    return choices


def indicator_names(language: str) -> dict[str, str]:
    """Each indicator's question in ``language`` (``km``: Khmer where known, else English)."""
    return {
        indicator.code: indicator.name_km
        if language == "km" and indicator.name_km
        else indicator.name_en
        for indicator in indicator_set().indicators
    }
