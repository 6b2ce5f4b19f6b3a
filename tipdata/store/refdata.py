"""Load the code lists and the law catalogue into the reference tables (idempotent).

The data files under `tipdata/codelists/` are the authority; the tables mirror them so that
domain rows can reference codes with foreign keys. A sync inserts what is new, updates what
changed and never deletes a code other rows may reference (a retired code stays, so history
keeps its meaning).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from tipdata.model.enums import AgencyKind, LawArticleKind
from tipdata.store.database import Database
from tipdata.store.reference import (
    Agency,
    Country,
    ExploitationType,
    Law,
    LawArticle,
    PenaltyRange,
    Province,
)

if TYPE_CHECKING:
    from tipdata.codelists import Codelists, LawCatalogue
    from tipdata.codelists.law import Penalty

logger = logging.getLogger(__name__)


def sync_reference_data(db: Database, codelists: Codelists, law: LawCatalogue) -> dict[str, int]:
    """Bring the reference tables in line with the code lists and the law catalogue.

    Runs in one transaction: either every table is synced or none is.

    Args:
        db: the database (already migrated).
        codelists: the loaded code lists.
        law: the loaded law catalogue.

    Returns:
        Rows per reference table after the sync, e.g. ``{"province": 25, ...}``.
    """
    with db.session() as session:
        _sync_provinces(session, codelists)
        _sync_countries(session, codelists)
        _sync_agencies(session, codelists)
        _sync_exploitation_types(session, codelists)
        _sync_law(session, law)
        tables = (Province, Country, Agency, ExploitationType, Law, LawArticle, PenaltyRange)
        counts = {
            table.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            for table in tables
        }
    logger.info("reference data synced: %s", counts)
    return counts


def _upsert(
    session: Session, model: type[Any], key: str, rows: Iterable[dict[str, object]]
) -> None:
    """Insert rows whose key is new, update rows whose values changed, in the given order."""
    existing: dict[object, object] = {
        getattr(obj, key): obj for obj in session.scalars(sa.select(model))
    }
    new: list[object] = []
    changed: list[tuple[object, dict[str, object]]] = []
    for row in rows:
        current = existing.get(row[key])
        if current is None:
            new.append(model(**row))
        else:
            changed.append((current, row))
    # New rows first, in one flush (the unit of work keeps the order of ``add`` within a
    # table, so a parent precedes its children): a few batched statements instead of a
    # round trip a row. Then the changes, which may point at a new row (the unit of work
    # would update before it inserts).
    session.add_all(new)
    session.flush()
    for current, row in changed:
        for column, value in row.items():
            if getattr(current, column) != value:
                setattr(current, column, value)
    session.flush()


def _sync_provinces(session: Session, codelists: Codelists) -> None:
    _upsert(
        session,
        Province,
        "code",
        (
            {
                "code": p.code,
                "name_en": p.name_en,
                "name_km": p.name_km,
                "kind": p.kind,
                "created": p.created,
                "abolished": p.abolished,
            }
            for p in codelists.all_provinces
        ),
    )


def _sync_countries(session: Session, codelists: Codelists) -> None:
    _upsert(
        session,
        Country,
        "iso3",
        ({"iso3": c.iso3, "name": c.name} for c in codelists.countries.by_iso3.values()),
    )


def _parents_first(codes_and_parents: Sequence[tuple[str, str | None]]) -> list[str]:
    """Order codes so that every parent comes before its children (self-referencing tables)."""
    parent_of = dict(codes_and_parents)
    ordered: list[str] = []
    placed: set[str] = set()

    def place(code: str) -> None:
        if code in placed:
            return
        parent = parent_of.get(code)
        if parent is not None and parent in parent_of:
            place(parent)
        placed.add(code)
        ordered.append(code)

    for code, _ in codes_and_parents:
        place(code)
    return ordered


def _sync_agencies(session: Session, codelists: Codelists) -> None:
    agencies = codelists.agencies.by_code
    order = _parents_first([(code, a.parent) for code, a in agencies.items()])
    _upsert(
        session,
        Agency,
        "code",
        (
            {
                "code": code,
                "name": agencies[code].name,
                "kind": AgencyKind(agencies[code].kind),
                "parent_code": agencies[code].parent,
                "province_code": agencies[code].province,
            }
            for code in order
        ),
    )


def _sync_exploitation_types(session: Session, codelists: Codelists) -> None:
    types = {t.code: t for t in codelists.exploitation_types}
    order = _parents_first([(code, t.parent) for code, t in types.items()])
    _upsert(
        session,
        ExploitationType,
        "code",
        (
            {"code": code, "name": types[code].name_en, "parent_code": types[code].parent}
            for code in order
        ),
    )


def _penalty_row(penalty: Penalty) -> dict[str, object]:
    condition: str = penalty.condition
    if penalty.circumstances:
        condition += ":" + "|".join(penalty.circumstances)
    return {
        "condition": condition,
        "min_months": penalty.min_months,
        "max_months": penalty.max_months,
        "min_days": penalty.min_days,
        "max_days": penalty.max_days,
        "min_fine": penalty.min_fine,
        "max_fine": penalty.max_fine,
        "fine_unit": penalty.fine_unit if penalty.min_fine or penalty.max_fine else None,
    }


def _stored(penalty: PenaltyRange, wanted: list[dict[str, object]]) -> dict[str, object]:
    """A stored penalty range as the columns of the wanted rows (nothing if none wanted)."""
    return {column: getattr(penalty, column) for column in wanted[0]} if wanted else {}


def _sync_law(session: Session, catalogue: LawCatalogue) -> None:
    _upsert(
        session,
        Law,
        "code",
        ({"code": law.code, "title": law.title} for law in catalogue.laws.values()),
    )
    law_ids = {law.code: law.id for law in session.scalars(sa.select(Law))}
    stored = session.scalars(sa.select(LawArticle).options(selectinload(LawArticle.penalty_ranges)))
    existing = {(a.law_id, a.article): a for a in stored}
    rows: list[tuple[LawArticle, list[dict[str, object]], bool]] = []
    for article in catalogue.articles:
        law_id = law_ids[article.law_code]
        values = {
            "title": article.title,
            "kind": LawArticleKind(article.kind) if article.kind else None,
            "is_trafficking_offence": article.is_trafficking_offence,
            "verified": article.verified,
            "source": "; ".join(article.source) or None,
        }
        wanted = [_penalty_row(p) for p in article.penalties or ()]
        row = existing.get((law_id, str(article.number)))
        if row is None:
            row = LawArticle(law_id=law_id, article=str(article.number), **values)
            session.add(row)
            rows.append((row, wanted, True))
            continue
        for column, value in values.items():
            if getattr(row, column) != value:
                setattr(row, column, value)
        rows.append((row, wanted, False))
    session.flush()  # the new articles in one batch, so that their ids are known
    for row, wanted, is_new in rows:
        # a new article has no penalty range yet (no query to ask)
        current = [] if is_new else [_stored(p, wanted) for p in row.penalty_ranges]
        if current != wanted:
            if not is_new:
                for old in list(row.penalty_ranges):
                    session.delete(old)
                session.flush()
            for penalty in wanted:
                session.add(PenaltyRange(law_article_id=row.id, **penalty))
    session.flush()
