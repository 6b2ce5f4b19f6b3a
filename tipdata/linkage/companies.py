"""The recruitment company of a person record, as one key across the ways sources write it.

A departure list names the company by its MOLVT licence (``MOLVT/LIC/003``), a hotline
log by what the caller calls it (``Rumduol Overseas Employment Co., Ltd.``), an NGO's
register by its name again. No list in the database says which licence is which name,
but the records do: a caller who gives the worker's passport number ties the name the
family uses to the licence the worker departed under. :func:`company_aliases` learns
those ties from identity documents shared between records (the same blind index), and
:func:`company_keys` turns each record's company into one key, so the linkage model can
compare a hotline call's company with a departure's (``settings._company_comparison``).

A tie is kept only when it is the usual one: of the documents a company key shares with
records naming another company, at least :data:`ALIAS_MIN_DOCUMENTS` and at least half
name the same other company. A family that names the wrong company, or an agent who
moves a worker to another licence, does not join two companies.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from tipdata.store.cases import Event
from tipdata.store.database import Database
from tipdata.store.documents import IdentityDocument

LEGAL_FORM_WORDS = frozenset(
    {"co", "ltd", "company", "limited", "inc", "corp", "corporation", "plc", "llc", "the"}
)
"""Words of a company's legal form, left out of its key (``Co., Ltd.``, ``Company``)."""

ALIAS_MIN_DOCUMENTS = 3
"""Shared documents needed before two ways of writing a company are taken as one."""


def company_key(value: Any) -> str | None:
    """A company as written, as a key: lower case, letters and digits, no legal form.

    Examples:
        >>> company_key("Rumduol Overseas Employment Co., Ltd.")
        'rumduol overseas employment'
        >>> company_key(" MOLVT/LIC/003 ")
        'molvt lic 003'
        >>> company_key("Co., Ltd.") is None
        True
    """
    if not isinstance(value, str):
        return None
    words = [w for w in re.split(r"[\W_]+", value.casefold()) if w and w not in LEGAL_FORM_WORDS]
    return " ".join(words) or None


def aliases_from_documents(rows: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Company key -> the key of its group, from (document blind index, company) rows.

    Two keys named on records that share a document are tied (see the module's rule);
    tied keys form a group, named by its smallest key. Keys tied to nothing are left out.

    Examples:
        >>> rows = [(f"d{i}", c) for i in range(3) for c in ("MOLVT/LIC/003", "Rumduol Co")]
        >>> aliases_from_documents(rows)
        {'molvt lic 003': 'molvt lic 003', 'rumduol': 'molvt lic 003'}
        >>> aliases_from_documents(rows[:4])  # two shared documents: not enough
        {}
    """
    by_document: dict[str, set[str]] = defaultdict(set)
    for document, company in rows:
        key = company_key(company)
        if key is not None:
            by_document[document].add(key)
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    for keys in by_document.values():
        for key in keys:
            partners[key].update(keys - {key})
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    for key, counts in partners.items():
        if not counts:
            continue
        other, shared = min(counts.items(), key=lambda item: (-item[1], item[0]))
        if shared >= ALIAS_MIN_DOCUMENTS and 2 * shared >= sum(counts.values()):
            a, b = sorted((root(key), root(other)))
            if a != b:
                parent[b] = a
            parent.setdefault(a, a)
    return {key: root(key) for key in sorted(parent)}


def company_aliases(db: Database) -> dict[str, str]:
    """The company groups the database's shared identity documents show.

    Reads, for each document number (blind index) held by more than one person record,
    the companies the events of those records name; only clear columns are read.

    Args:
        db: the database.

    Returns:
        Company key -> group key (:func:`aliases_from_documents`).
    """
    doc, event = IdentityDocument.__table__, Event.__table__
    shared = (
        sa.select(doc.c.number_bidx)
        .group_by(doc.c.number_bidx)
        .having(sa.func.count(sa.distinct(doc.c.person_record_id)) > 1)
    )
    query = (
        sa.select(doc.c.number_bidx, event.c.company)
        .join(event, event.c.person_record_id == doc.c.person_record_id)
        .where(event.c.company.is_not(None), doc.c.number_bidx.in_(shared))
        .distinct()
    )
    with db.connect() as connection:
        return aliases_from_documents((str(b), c) for b, c in connection.execute(query))


def company_keys(companies: Iterable[Any], aliases: Mapping[str, str]) -> list[str | None]:
    """Each company as written, as its group's key (its own key when in no group).

    Examples:
        >>> company_keys(["Rumduol Co", None, "Other Ltd"], {"rumduol": "molvt lic 003"})
        ['molvt lic 003', None, 'other']
    """
    keys = [company_key(c) for c in companies]
    return [aliases.get(k, k) if k is not None else None for k in keys]
