"""Assembly of pathways: every step that any source recorded about a person, in time order.

A pathway belongs to a linked :class:`~tipdata.store.Person` when linkage has set
``PersonRecord.person_id``, else to the single :class:`~tipdata.store.PersonRecord`.
Steps come from events (every source) and, for the victim pathway, from screenings
(the determination, final if a person made it, else the suggested one). On the same
day steps follow the stage order of ``codelists/stages.yaml``; undated steps are kept
apart (they cannot be placed in time).

Assembly reads plain rows with one query per table, a batch at a time, and groups them in
one pass, so scale-10 demo data (millions of steps) assembles in well under a minute.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.model.enums import (
    PROSECUTION_PATHWAY_EVENTS,
    VICTIM_PATHWAY_EVENTS,
    Determination,
    EventType,
)
from tipdata.pathways.model import PathwayKind, stage_order
from tipdata.store import Agency, Charge, Event, PersonRecord, Screening

SubjectType = Literal["person", "person_record"]
StepOrigin = Literal["event", "screening", "charge"]

DETERMINATION_STAGES: dict[Determination, EventType] = {
    Determination.VICTIM: EventType.DETERMINED_VICTIM,
    Determination.NOT_VICTIM: EventType.DETERMINED_NOT_VICTIM,
}
"""Screening outcomes that are pathway steps (a possible victim is only ``screened``)."""


class Step(NamedTuple):
    """One step of a pathway, as one source recorded it.

    Attributes:
        stage: the stage (an event type).
        on: the date, or None when the source gave none.
        agency: code of the agency that recorded the step.
        person_record_id: the person record the step is about.
        case_id: the case, when the source names one.
        origin: ``event`` or ``screening``.
        record_id: id of the event or screening row.
        source_record_id: the raw source row it came from.
    """

    stage: EventType
    on: date | None
    agency: str
    person_record_id: int
    case_id: int | None
    origin: StepOrigin
    record_id: int
    source_record_id: int | None


@dataclass(slots=True)
class Pathway:
    """The steps of one person (or one unlinked person record) on one pathway.

    Attributes:
        kind: ``victim`` or ``prosecution``.
        subject_type: ``person`` when linked, else ``person_record``.
        subject_id: id of the person or person record.
        steps: dated steps in time order (same day: stage order).
        undated: steps without a date.
    """

    kind: PathwayKind
    subject_type: SubjectType
    subject_id: int
    steps: list[Step] = field(default_factory=list)
    undated: list[Step] = field(default_factory=list)

    @property
    def person_record_ids(self) -> frozenset[int]:
        """Every person record whose steps the pathway holds."""
        return frozenset(s.person_record_id for s in (*self.steps, *self.undated))

    @property
    def stages(self) -> tuple[EventType, ...]:
        """The dated stages in order."""
        return tuple(step.stage for step in self.steps)

    def first(self, stage: EventType) -> Step | None:
        """The first dated step of ``stage``, if any."""
        return next((step for step in self.steps if step.stage == stage), None)


def _events_query(kind: PathwayKind) -> sa.Select[Any]:
    wanted = VICTIM_PATHWAY_EVENTS if kind == "victim" else PROSECUTION_PATHWAY_EVENTS
    return (
        sa.select(
            PersonRecord.person_id,
            Event.person_record_id,
            sa.type_coerce(Event.event_type, sa.String()),
            sa.type_coerce(Event.event_date, sa.String()),
            Agency.code,
            Event.case_id,
            Event.id,
            Event.source_record_id,
        )
        .join(PersonRecord, PersonRecord.id == Event.person_record_id)
        .join(Agency, Agency.id == Event.agency_id)
        .where(Event.event_type.in_(sorted(wanted)))
    )


def _screenings_query() -> sa.Select[Any]:
    determination = sa.type_coerce(
        sa.func.coalesce(Screening.final_determination, Screening.suggested_determination),
        sa.String(),
    )
    return (
        sa.select(
            PersonRecord.person_id,
            Screening.person_record_id,
            determination,
            sa.type_coerce(Screening.screening_date, sa.String()),
            Agency.code,
            Screening.id,
            Screening.source_record_id,
        )
        .join(PersonRecord, PersonRecord.id == Screening.person_record_id)
        .join(Agency, Agency.id == Screening.screening_agency_id)
        .where(determination.in_([d.value for d in DETERMINATION_STAGES]))
    )


def iter_steps(session: Session, kind: PathwayKind) -> Iterator[tuple[int | None, Step]]:
    """Every step of the pathway ``kind``, with the linked person id (or None).

    Args:
        session: an open session.
        kind: ``victim`` or ``prosecution``.

    Yields:
        ``(person_id, step)`` pairs, in no particular order.
    """
    stages = {stage.value: stage for stage in EventType}
    dates = _Dates()
    new = tuple.__new__
    # rows are turned into steps a batch at a time in one comprehension, without calling
    # Step's Python-level constructor: at scale 10 there are millions, and per-row
    # function calls cost more than the query
    for rows in fetch_batches(session, _events_query(kind)):
        yield from [
            (
                person_id,
                new(
                    Step,
                    (
                        stages[event_type],
                        dates[on],
                        agency,
                        record_id,
                        case_id,
                        "event",
                        event_id,
                        source_id,
                    ),
                ),
            )
            for person_id, record_id, event_type, on, agency, case_id, event_id, source_id in rows
        ]
    if kind != "victim":
        yield from _sentence_steps(session)
        return
    by_code = {d.value: stage for d, stage in DETERMINATION_STAGES.items()}
    for rows in fetch_batches(session, _screenings_query()):
        yield from [
            (
                person_id,
                new(
                    Step,
                    (
                        by_code[determination],
                        dates[on],
                        agency,
                        record_id,
                        None,
                        "screening",
                        screening_id,
                        source_id,
                    ),
                ),
            )
            for person_id, record_id, determination, on, agency, screening_id, source_id in rows
        ]


def _sentence_steps(session: Session) -> Iterator[tuple[int | None, Step]]:
    """``sentenced`` steps from the charges with a prison term (court files record no
    separate sentencing event)."""
    query = (
        sa.select(
            PersonRecord.person_id,
            Charge.suspect_record_id,
            sa.type_coerce(Charge.verdict_date, sa.String()),
            Agency.code,
            Charge.case_id,
            Charge.id,
            Charge.source_record_id,
        )
        .join(PersonRecord, PersonRecord.id == Charge.suspect_record_id)
        .join(Agency, Agency.id == Charge.owner_agency_id)
        .where(Charge.sentence_months > 0)
    )
    for person_id, record_id, on, agency, case_id, charge_id, source_id in fetch_raw(
        session, query
    ):
        yield (
            person_id,
            Step(
                EventType.SENTENCED,
                _as_date(on),
                agency,
                record_id,
                case_id,
                "charge",
                charge_id,
                source_id,
            ),
        )


def fetch_batches(
    session: Session, query: sa.Select[Any], batch: int = 50_000
) -> Iterator[Sequence[Any]]:
    """Rows of ``query`` in batches of plain DB-API tuples, without SQLAlchemy's row processing.

    Assembly reads millions of rows; building SQLAlchemy rows costs more than the query.
    The query holds only constants of our own (stage codes), so it is compiled with its
    values inline for the session's dialect.
    """
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(compiled))
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def fetch_raw(session: Session, query: sa.Select[Any], batch: int = 50_000) -> Iterator[Any]:
    """Rows of ``query`` one by one (see :func:`fetch_batches`)."""
    for rows in fetch_batches(session, query, batch):
        yield from rows


class _Dates(dict[Any, date | None]):
    """Date column values (ISO text on SQLite, dates on PostgreSQL, None) -> one shared date.

    A year of steps has a few hundred distinct days: parsing each once and sharing the
    objects saves time and millions of date objects.
    """

    def __missing__(self, key: Any) -> date | None:
        value = self[key] = _as_date(key)
        return value


def _as_date(value: date | str | None) -> date | None:
    """A date column read as text (SQLite) or as a date (PostgreSQL); text is parsed in C."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def group_steps(kind: PathwayKind, steps: Iterable[tuple[int | None, Step]]) -> list[Pathway]:
    """Group steps into pathways (per linked person, else per record) and sort them.

    Args:
        kind: the pathway the steps belong to.
        steps: ``(person_id, step)`` pairs, e.g. from :func:`iter_steps`.

    Returns:
        The pathways, ordered by subject (persons first, then unlinked records).
    """
    order = stage_order()
    persons: dict[int, Pathway] = {}
    records: dict[int, Pathway] = {}
    for person_id, step in steps:
        if person_id is not None:
            pathway = persons.get(person_id)
            if pathway is None:
                pathway = persons[person_id] = Pathway(kind, "person", person_id)
        else:
            pathway = records.get(step.person_record_id)
            if pathway is None:
                pathway = records[step.person_record_id] = Pathway(
                    kind, "person_record", step.person_record_id
                )
        (pathway.steps if step.on is not None else pathway.undated).append(step)

    def same_day_order(s: Step) -> tuple[date | None, int, str, int]:
        return (s.on, order.get(s.stage, 0), s.agency, s.record_id)

    found = [persons[key] for key in sorted(persons)]
    found += [records[key] for key in sorted(records)]
    for pathway in found:
        if len(pathway.steps) > 1:
            pathway.steps.sort(key=same_day_order)
    return found


def assemble_pathways(session: Session, kind: PathwayKind) -> list[Pathway]:
    """Assemble every pathway of ``kind`` from the events (and screenings) of all sources.

    Args:
        session: an open session.
        kind: ``victim`` or ``prosecution``.

    Returns:
        One pathway per linked person, or per person record not yet linked.

    Examples:
        >>> with db.session() as session:  # doctest: +SKIP
        ...     pathways = assemble_pathways(session, "victim")
    """
    with paused_gc():
        return group_steps(kind, iter_steps(session, kind))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of small objects are made.

    Steps and pathways hold no reference cycles, yet each allocation burst triggers a
    collection that walks every object made so far; at scale 10 that tripled the CPU
    time of assembly. Reference counting still frees memory; the collector's previous
    state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
