"""Screening services: record a screening, suggest a determination, record the person's decision.

API-ready: the web app and the CLI call these with plain values; ORM rows never leave.
A screening entered by hand gets provenance like an imported one: a ``SourceRecord`` of
the source ``manual:<agency code>`` holding the answers as entered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.errors import TipdataError
from tipdata.model.enums import Determination, ImportStatus, IndicatorAnswer
from tipdata.screening.indicators import Suggestion, indicator_set, suggest_determination
from tipdata.store import Agency, ImportRun, Screening, ScreeningAnswer, Source, SourceRecord


class ScreeningError(TipdataError):
    """A screening cannot be recorded as asked (unknown indicator, agency or screening)."""


class DuplicateScreening(ScreeningError):
    """The same screening (record, date, answers, agency) was already entered.

    Args:
        screening_id: the screening already stored, when known.
    """

    def __init__(self, screening_id: int | None) -> None:
        self.screening_id = screening_id
        stored = f" (screening {screening_id})" if screening_id is not None else ""
        super().__init__(
            "this screening was already recorded: same record, date and answers" + stored
        )


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    """A stored screening, as the API returns it.

    Attributes:
        screening_id: the screening row.
        person_record_id: the person screened.
        screening_date: when.
        agency: code of the screening agency.
        answers: indicator code -> answer.
        suggestion: the rule's suggestion and its reason.
        final_determination: the person's determination, once made.
        determined_by: who made it.
    """

    screening_id: int
    person_record_id: int
    screening_date: date | None
    agency: str
    answers: dict[str, str]
    suggestion: Suggestion
    final_determination: Determination | None
    determined_by: str | None


def _agency_id(session: Session, code: str) -> int:
    agency_id = session.execute(sa.select(Agency.id).where(Agency.code == code)).scalar()
    if agency_id is None:
        raise ScreeningError(f"unknown agency {code!r}")
    return int(agency_id)


def manual_source_record(
    session: Session,
    agency_code: str,
    key: str,
    payload: Mapping[str, object],
    entered_by: str | None = None,
) -> int:
    """A source record for data entered by hand (API/web), so it has provenance.

    Args:
        session: an open session.
        agency_code: the agency entering the data.
        key: a record id unique within the agency's manual entries.
        payload: the values as entered.
        entered_by: the user.

    Returns:
        The source record id.
    """
    agency_id = _agency_id(session, agency_code)
    code = f"manual:{agency_code}"
    source_id = session.execute(sa.select(Source.id).where(Source.code == code)).scalar()
    if source_id is None:
        source = Source(
            code=code, agency_id=agency_id, name=f"Entered by {agency_code}", file_format="api"
        )
        session.add(source)
        session.flush()
        source_id = source.id
    text = json.dumps(payload, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    run = ImportRun(
        owner_agency_id=agency_id,
        source_id=source_id,
        file_name="(entered)",
        file_sha256=digest,
        status=ImportStatus.COMMITTED,
        rows_read=1,
        rows_stored=1,
        imported_by=entered_by,
    )
    session.add(run)
    session.flush()
    record = SourceRecord(
        source_id=source_id,
        source_key=key,
        import_run_id=run.id,
        first_import_run_id=run.id,
        row_number=1,
        payload=json.loads(text),
        payload_sha256=digest,
    )
    session.add(record)
    session.flush()
    return record.id


def record_screening(
    session: Session,
    *,
    person_record_id: int,
    agency: str,
    screening_date: date | None,
    answers: Mapping[str, IndicatorAnswer | str],
    source_record_id: int | None = None,
    entered_by: str | None = None,
) -> ScreeningResult:
    """Record a screening with its answers and the rule's suggested determination.

    Args:
        session: an open session; the caller commits.
        person_record_id: the person screened.
        agency: code of the screening agency (``IOM``, ``DOSAVY-01``, ``MOI``...).
        screening_date: the date of the interview.
        answers: indicator code -> yes / no / unknown.
        source_record_id: the raw row, for imported screenings; None for entered ones
            (a manual source record is made).
        entered_by: the user entering it.

    Returns:
        The stored screening.

    Raises:
        DuplicateScreening: an entered screening (no ``source_record_id``) with the same
            record, date, answers and agency is already stored; nothing is added.
        ScreeningError: an indicator code or answer that is not on the form, or an
            unknown agency.
    """
    known = indicator_set().by_code()
    unknown_codes = sorted(set(answers) - set(known))
    if unknown_codes:
        raise ScreeningError(f"not indicators of the screening form: {unknown_codes}")
    try:
        clean = {code: IndicatorAnswer(str(value)) for code, value in answers.items()}
    except ValueError as error:
        raise ScreeningError(f"answers are yes, no or unknown: {error}") from None
    agency_id = _agency_id(session, agency)
    if source_record_id is None:
        key = f"screening:{person_record_id}:{screening_date}:{len(clean)}"
        key += ":" + hashlib.sha256(repr(sorted(clean.items())).encode()).hexdigest()[:8]
        existing = _entered_screening(session, agency, key)
        if existing is not None:
            raise DuplicateScreening(existing)
        payload = {
            "person_record_id": person_record_id,
            "screening_date": screening_date,
            "answers": {c: a.value for c, a in clean.items()},
        }
        try:  # a concurrent identical entry can still win the race to the unique key
            with session.begin_nested():
                source_record_id = manual_source_record(session, agency, key, payload, entered_by)
        except sa.exc.IntegrityError:
            raise DuplicateScreening(_entered_screening(session, agency, key)) from None
    suggestion = suggest_determination(clean)
    screening = Screening(
        owner_agency_id=agency_id,
        person_record_id=person_record_id,
        screening_agency_id=agency_id,
        screening_date=screening_date,
        suggested_determination=suggestion.determination,
        source_record_id=source_record_id,
        answers=[ScreeningAnswer(indicator_code=c, answer=a) for c, a in clean.items()],
    )
    session.add(screening)
    session.flush()
    return _result(session, screening)


def _entered_screening(session: Session, agency: str, key: str) -> int | None:
    """The screening entered by hand under ``key`` for the agency, if there is one."""
    return session.scalar(
        sa.select(Screening.id)
        .join(SourceRecord, Screening.source_record_id == SourceRecord.id)
        .join(Source, SourceRecord.source_id == Source.id)
        .where(Source.code == f"manual:{agency}", SourceRecord.source_key == key)
    )


def determine(
    session: Session, screening_id: int, determination: Determination | str, determined_by: str
) -> ScreeningResult:
    """Record the final determination a person made on a screening.

    Args:
        session: an open session; the caller commits.
        screening_id: the screening.
        determination: victim, possible_victim or not_victim.
        determined_by: who decided (a name or user id; required).

    Returns:
        The updated screening.

    Raises:
        ScreeningError: no such screening, or no one named as deciding.
    """
    screening = session.get(Screening, screening_id)
    if screening is None:
        raise ScreeningError(f"no screening {screening_id}")
    if not determined_by.strip():
        raise ScreeningError("a final determination names the person who made it")
    screening.final_determination = Determination(str(determination))
    screening.determined_by = determined_by.strip()
    session.flush()
    return _result(session, screening)


def get_screening(session: Session, screening_id: int) -> ScreeningResult:
    """A screening with its answers and the rule's suggestion (recomputed, so it always
    shows the current rule's reason)."""
    screening = session.get(Screening, screening_id)
    if screening is None:
        raise ScreeningError(f"no screening {screening_id}")
    return _result(session, screening)


def _result(session: Session, screening: Screening) -> ScreeningResult:
    answers = {a.indicator_code: a.answer.value for a in screening.answers}
    agency = session.get(Agency, screening.screening_agency_id)
    return ScreeningResult(
        screening_id=screening.id,
        person_record_id=screening.person_record_id,
        screening_date=screening.screening_date,
        agency=agency.code if agency else "?",
        answers=answers,
        suggestion=suggest_determination(answers),
        final_determination=screening.final_determination,
        determined_by=screening.determined_by,
    )


def rule_agreement(session: Session) -> dict[tuple[str, str], int]:
    """How the rule's suggestion compares with the determinations recorded (imported or
    made by a person): counts per (recorded, suggested by the rule)."""
    answers: dict[int, dict[str, str]] = {}
    for screening_id, code, answer in session.execute(
        sa.select(
            ScreeningAnswer.screening_id,
            ScreeningAnswer.indicator_code,
            sa.type_coerce(ScreeningAnswer.answer, sa.String()),
        )
    ).tuples():
        answers.setdefault(screening_id, {})[code] = answer
    counts: dict[tuple[str, str], int] = {}
    for screening_id, final, suggested in session.execute(
        sa.select(
            Screening.id,
            sa.type_coerce(Screening.final_determination, sa.String()),
            sa.type_coerce(Screening.suggested_determination, sa.String()),
        )
    ).tuples():
        recorded = final or suggested or "none"
        rule = suggest_determination(answers.get(screening_id, {})).determination.value
        counts[(recorded, rule)] = counts.get((recorded, rule), 0) + 1
    return counts
