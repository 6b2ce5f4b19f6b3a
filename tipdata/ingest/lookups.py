"""Code-list and database look-ups used while validating rows.

Validation needs to turn what an agency wrote ("Kg. Cham", "Thai", "MOI") into the
codes and ids the store uses. :class:`Lookups` is that interface; :func:`lookups_for`
builds one from the code lists and the reference tables of a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from tipdata.store import Database


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class Lookups:
    """Resolves written values to stored codes or ids; each function returns None if unknown.

    Attributes:
        province: name, variant or code -> province code.
        country: name or code -> ISO 3166 alpha-3 code.
        exploitation_type: name or code -> exploitation type code.
        agency: agency code -> agency id.
        provider: service-provider code -> provider id.
        law_article: article as written -> law article id.
    """

    province: Callable[[str], str | None]
    country: Callable[[str], str | None]
    exploitation_type: Callable[[str], str | None]
    agency: Callable[[str], int | None]
    provider: Callable[[str], int | None] = field(default=lambda _text: None)
    law_article: Callable[[str], int | None] = field(default=lambda _text: None)


HINTS: dict[str, str] = {
    "province": "a province name or code (see tipdata codelists provinces)",
    "country": "a country name or ISO code (see tipdata codelists countries)",
    "exploitation_type": "an exploitation type code (see tipdata codelists exploitation-types)",
    "agency": "an agency code (see tipdata codelists agencies)",
    "provider": "a service-provider code from the directory",
    "law_article": "a law article of the catalogue (see tipdata codelists law)",
}
"""What each look-up expects, for error messages."""


def _resolver_of(codelists: Any, name: str, code_attr: str) -> Callable[[str], str | None]:
    method = getattr(codelists, f"resolve_{name}" if name else "resolve")
    cache: dict[str, str | None] = {}

    def resolve(text: str) -> str | None:
        if text in cache:
            return cache[text]
        found = method(text)
        code = getattr(found, code_attr, found) if found is not None else None
        cache[text] = code
        return code

    return resolve


def _table_map(db: Database, table: str, key: str, value: str) -> dict[str, Any]:
    from tipdata.store import metadata

    tbl = metadata.tables[table]
    with db.connect() as connection:
        rows = connection.execute(sa.select(tbl.c[key], tbl.c[value])).all()
    return {_key(str(k)): v for k, v in rows}


def lookups_for(db: Database) -> Lookups:
    """Look-ups over the code lists and the reference tables of ``db``.

    Args:
        db: a migrated database with its reference data loaded.

    Returns:
        The look-ups; agencies, providers and law articles are read once from the database.
    """
    from tipdata.codelists import load_codelists

    codelists = load_codelists()
    agencies = _table_map(db, "agency", "code", "id")
    providers = _table_map(db, "service_provider", "code", "id")
    articles = _law_articles(db)
    exploitation = _resolver_of(codelists.exploitation_types, "", "code")
    return Lookups(
        province=_resolver_of(codelists, "province", "code"),
        country=_resolver_of(codelists, "country", "iso3"),
        exploitation_type=exploitation,
        agency=lambda text: agencies.get(_key(text)),
        provider=lambda text: providers.get(_key(text)),
        law_article=lambda text: articles.get(_article_key(text)),
    )


def _article_key(text: str) -> str:
    """``"Art. 15"``, ``"article 15"``, ``"15"`` -> ``"15"``; ``"2008/15"`` kept as is."""
    cleaned = _key(text)
    for prefix in ("articles", "article", "art.", "art", "ma."):
        if cleaned.startswith(prefix):
            cleaned = cleaned[len(prefix) :].strip()
            break
    return cleaned


def _law_articles(db: Database) -> dict[str, int]:
    """Law articles by ``"<law code>/<article>"`` and by bare article (if unambiguous)."""
    from tipdata.store import metadata

    article = metadata.tables["law_article"]
    law = metadata.tables["law"]
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(article.c.id, article.c.article, law.c.code).join(
                law, law.c.id == article.c.law_id
            )
        ).all()
    found: dict[str, int] = {}
    bare: dict[str, set[int]] = {}
    for article_id, number, law_code in rows:
        found[_key(f"{law_code}/{number}")] = article_id
        bare.setdefault(_key(str(number)), set()).add(article_id)
    for number, ids in bare.items():
        if len(ids) == 1:
            found.setdefault(number, next(iter(ids)))
    return found
