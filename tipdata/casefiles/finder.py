"""Finding a person: the filtered, sorted person list and the fuzzy name search.

The list (:func:`find_persons`) filters on what is in clear for statistics (person role,
sex, age group, province, owning agency), on the own agency's case status and on the
dates of the person's events; it never shows a name. The name search
(:func:`fuzzy_search_persons`) is for roles that may read identities: the names of the
records in the actor's scope are decrypted in memory (never written anywhere) and
compared by their romanisation keys (``tipdata.linkage.romanise``), so ``Sreyneang
Roos`` finds ``Srey Neang Roos`` and ``សុខ ដារ៉ា`` finds ``Sok Dara``. The scan is bounded
(:data:`SCAN_LIMIT` records); a scope larger than that is searched newest first and the
answer says it was cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tipdata.access import audit
from tipdata.access.permissions import Permission
from tipdata.access.policy import Actor, authorize, scope_filter
from tipdata.access.protected import keyring_for, reveal_person_record
from tipdata.casefiles.errors import CaseFileError
from tipdata.casefiles.persons import MAX_NAME, PersonSummary, _in_scope
from tipdata.codelists.ages import adult_age
from tipdata.linkage.romanise import romanisation_key
from tipdata.model.enums import PersonStatus
from tipdata.store import Agency, CaseWork, Event, Person, PersonRecord
from tipdata.store.database import Database

Sort = Literal["newest", "oldest", "public_id"]
SORTS: tuple[Sort, ...] = ("newest", "oldest", "public_id")

AGE_GROUPS = ("child", "adult")

SCAN_LIMIT = 20_000
"""Most in-scope records whose names one fuzzy search decrypts (newest first)."""

MATCH_THRESHOLD = 0.8
"""The least similarity of romanisation keys (0..1) that counts as a match."""


NAME_SEARCH_PERMISSION: Permission = "persons:read_identity"
"""Searching persons by name (similar or exact) reveals identities: this permission."""


@dataclass(frozen=True)
class PersonFilters:
    """What the person list is narrowed to; None means any.

    Attributes:
        role: a person role of one of the person's records (``victim``...).
        sex: ``female``, ``male``, ``other`` or ``unknown``.
        age_group: ``child`` or ``adult`` (age now, from the birth year or the stated age).
        province_code: the home province of one of the records.
        agency: code of an agency owning one of the records.
        status: the own agency's case status (``open``, ``on_hold``, ``closed``), or
            ``none`` for persons without a case of the own agency.
        event_from: a pathway event on or after this date.
        event_to: a pathway event on or before this date.
    """

    role: str | None = None
    sex: str | None = None
    age_group: str | None = None
    province_code: str | None = None
    agency: str | None = None
    status: str | None = None
    event_from: date | None = None
    event_to: date | None = None


def _record_condition(filters: PersonFilters, today: date) -> sa.ColumnElement[bool] | None:
    parts: list[sa.ColumnElement[bool]] = []
    if filters.role:
        parts.append(sa.type_coerce(PersonRecord.role, sa.String()) == filters.role)
    if filters.sex:
        parts.append(sa.type_coerce(PersonRecord.sex, sa.String()) == filters.sex)
    if filters.province_code:
        parts.append(PersonRecord.province_code == filters.province_code)
    if filters.agency:
        parts.append(
            PersonRecord.owner_agency_id.in_(
                sa.select(Agency.id).where(Agency.code == filters.agency)
            )
        )
    if filters.age_group:
        if filters.age_group not in AGE_GROUPS:
            raise CaseFileError(f"age_group: choose one of {', '.join(AGE_GROUPS)}")
        age = sa.func.coalesce(today.year - PersonRecord.birth_year, PersonRecord.age_years)
        parts.append(age < adult_age() if filters.age_group == "child" else age >= adult_age())
    return sa.and_(*parts) if parts else None


def find_persons(
    db: Database,
    *,
    actor: Actor,
    filters: PersonFilters,
    sort: Sort = "newest",
    limit: int,
    offset: int = 0,
    today: date,
) -> list[PersonSummary]:
    """Active persons in the actor's scope matching the filters, sorted; no names.

    Args:
        db: the database.
        actor: the reader; needs ``persons:read``.
        filters: the filters.
        sort: ``newest`` (latest person first), ``oldest`` or ``public_id``.
        limit: at most this many (pass page size + 1 to learn whether the list is cut).
        offset: skip this many (the page).
        today: the date ages are counted to.

    Returns:
        The persons, as :func:`tipdata.casefiles.list_persons` shows them.

    Raises:
        AccessDenied: the actor lacks ``persons:read``.
        CaseFileError: an unknown sort or age group.
    """
    authorize(actor, "persons:read")
    if sort not in SORTS:
        raise CaseFileError(f"sort: choose one of {', '.join(SORTS)}")
    scope = scope_filter(actor, PersonRecord)
    query = sa.select(Person.id, Person.public_id).where(
        Person.status == PersonStatus.ACTIVE, _in_scope(actor)
    )
    records = _record_condition(filters, today)
    if records is not None:
        query = query.where(sa.exists().where(PersonRecord.person_id == Person.id, scope, records))
    if filters.status:
        own = sa.exists().where(
            CaseWork.person_id == Person.id, CaseWork.owner_agency_id == actor.agency_id
        )
        if filters.status == "none":
            query = query.where(~own)
        else:
            query = query.where(
                sa.exists().where(
                    CaseWork.person_id == Person.id,
                    CaseWork.owner_agency_id == actor.agency_id,
                    sa.type_coerce(CaseWork.status, sa.String()) == filters.status,
                )
            )
    if filters.event_from or filters.event_to:
        dated = [Event.person_record_id == PersonRecord.id, PersonRecord.person_id == Person.id]
        if filters.event_from:
            dated.append(Event.event_date >= filters.event_from)
        if filters.event_to:
            dated.append(Event.event_date <= filters.event_to)
        query = query.where(sa.exists().where(scope, *dated))
    order: dict[str, sa.UnaryExpression[Any]] = {
        "newest": Person.id.desc(),
        "oldest": Person.id.asc(),
        "public_id": Person.public_id.asc(),
    }
    query = query.order_by(order[sort]).limit(limit).offset(offset)
    with db.session() as session:
        persons = list(session.execute(query).tuples())
        summaries = _summaries(session, actor, persons)
        audit.record(
            session, actor, "read", "person", [person_id for person_id, _ in persons],
            {"list": "persons", "persons": len(persons)},
        )  # fmt: skip
    return summaries


def _summaries(
    session: Session, actor: Actor, persons: list[tuple[int, str]]
) -> list[PersonSummary]:
    details: dict[int, list[tuple[str, str]]] = {person_id: [] for person_id, _ in persons}
    if persons:
        rows = session.execute(
            sa.select(
                PersonRecord.person_id, sa.type_coerce(PersonRecord.role, sa.String()), Agency.code
            )
            .join(Agency, Agency.id == PersonRecord.owner_agency_id)
            .where(PersonRecord.person_id.in_(details), scope_filter(actor, PersonRecord))
        )
        for person_id, role, agency in rows:
            details[person_id].append((role, agency))
    return [
        PersonSummary(
            id=person_id, public_id=public_id, records=len(details[person_id]),
            roles=sorted({role for role, _ in details[person_id]}),
            agencies=sorted({agency for _, agency in details[person_id]}),
        )
        for person_id, public_id in persons
    ]  # fmt: skip


@dataclass(frozen=True)
class FuzzyMatch:
    """A person whose record's name resembles the name searched.

    Attributes:
        public_id: the person's public id.
        record_id: the record whose name matched best.
        agency: code of the agency owning that record.
        role: the record's person role.
        name: the name as written (Latin, then Khmer).
        score: similarity of the romanisation keys, 0..1 (1: same key).
    """

    public_id: str
    record_id: int
    agency: str
    role: str
    name: str
    score: float


@dataclass(frozen=True)
class FuzzyResult:
    """The matches, best first, and whether the scan or the answer was cut."""

    matches: list[FuzzyMatch]
    scanned: int
    scan_cut: bool
    answer_cut: bool


@lru_cache(maxsize=65_536)
def _keys(name: str) -> frozenset[str]:
    """The compact romanisation keys of a name and of its words in sorted order.

    Cached: names repeat (family names above all), and the key is the costly part.
    The cache holds keys only in this process's memory, as the decrypted names are.
    """
    words = romanisation_key(name).split()
    if not words:
        return frozenset()
    return frozenset({romanisation_key(name, compact=True), "".join(sorted(words))})


def _best_ratio(wanted: frozenset[str], name: str, floor: float) -> float:
    """The best similarity of ``name``'s keys to the wanted keys (0.0 when below ``floor``).

    ``real_quick_ratio`` and ``quick_ratio`` are upper bounds of ``ratio``: a pair they
    put below the floor is skipped without the costly matching.
    """
    best = 0.0
    for found in _keys(name):
        for key in wanted:
            matcher = SequenceMatcher(None, key, found)
            if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
                continue
            best = max(best, matcher.ratio())
    return best


def similarity(query: str, name: str) -> float:
    """How alike two names are by their romanisation keys (1.0: same key), 0..1.

    Examples:
        >>> similarity("Sreyneang Roos", "Srey Neang Roos")
        1.0
        >>> similarity("Sok Dara", "Chan Vuthy") < 0.5
        True
    """
    wanted = _keys(query)
    return _best_ratio(wanted, name, 0.0) if wanted else 0.0


@audit.audits_denials("person_record")
def fuzzy_search_persons(db: Database, name: str, *, actor: Actor, limit: int = 50) -> FuzzyResult:
    """Persons in the actor's scope with a record whose name resembles ``name``.

    Needs ``persons:read_identity``. The names of in-scope records of linked, active
    persons are decrypted in memory, newest records first, at most :data:`SCAN_LIMIT`;
    each is compared with ``name`` by :func:`similarity`. Audited as ``read_protected``
    with the matching records' ids, never the name searched (callers take it in a POST
    body, never in a URL).

    Args:
        db: the database.
        name: the name as a person would type it (Latin or Khmer script).
        actor: the reader.
        limit: at most this many persons.

    Returns:
        The matches, best score first (one per person: its best record).

    Raises:
        AccessDenied: the actor lacks ``persons:read_identity``.
        CaseFileError: an empty name or one longer than :data:`MAX_NAME`.
    """
    authorize(actor, "persons:read")
    authorize(actor, NAME_SEARCH_PERMISSION)
    if not name.strip():
        raise CaseFileError("name: type the name to search for")
    if len(name) > MAX_NAME:
        raise CaseFileError(f"name: at most {MAX_NAME} characters")
    wanted = _keys(name)
    if not wanted:
        raise CaseFileError("name: type a name with letters")
    cipher = keyring_for(db).cipher
    columns = ("family_name", "given_name", "full_name", "full_name_khmer")
    with db.session() as session:
        rows = session.execute(
            sa.select(
                PersonRecord.id, PersonRecord.family_name, PersonRecord.given_name,
                PersonRecord.full_name, PersonRecord.full_name_khmer, Person.public_id,
                Agency.code, sa.type_coerce(PersonRecord.role, sa.String()),
            )
            .join(Person, Person.id == PersonRecord.person_id)
            .join(Agency, Agency.id == PersonRecord.owner_agency_id)
            .where(scope_filter(actor, PersonRecord), Person.status == PersonStatus.ACTIVE)
            .order_by(PersonRecord.id.desc())
            .limit(SCAN_LIMIT + 1)
        ).all()  # fmt: skip
        scan_cut = len(rows) > SCAN_LIMIT
        best: dict[str, FuzzyMatch] = {}
        scores: dict[str, float] = {}
        for record_id, family, given, full, khmer, public_id, agency, role in rows[:SCAN_LIMIT]:
            shown = reveal_person_record(
                cipher, record_id, dict(zip(columns, (family, given, full, khmer), strict=True))
            )
            latin = shown["full_name"] or " ".join(
                part for part in (shown["family_name"], shown["given_name"]) if part
            )
            score = 0.0
            for candidate in (latin, shown["full_name_khmer"]):
                if candidate:
                    if candidate not in scores:  # one comparison per distinct name
                        scores[candidate] = _best_ratio(wanted, candidate, MATCH_THRESHOLD)
                    score = max(score, scores[candidate])
            if score < MATCH_THRESHOLD:
                continue
            written = " ".join(part for part in (latin, shown["full_name_khmer"]) if part)
            found = FuzzyMatch(public_id, record_id, agency, role, written, round(score, 3))
            if public_id not in best or score > best[public_id].score:
                best[public_id] = found
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.public_id))
        shown_matches = ranked[:limit]
        audit.record(
            session, actor, "read_protected", "person_record",
            [match.record_id for match in shown_matches],
            {"search": "name", "matches": len(shown_matches),
             "scanned": min(len(rows), SCAN_LIMIT)},
            forbidden_values=[name],
        )  # fmt: skip
    return FuzzyResult(
        matches=shown_matches,
        scanned=min(len(rows), SCAN_LIMIT),
        scan_cut=scan_cut,
        answer_cut=len(ranked) > limit,
    )
