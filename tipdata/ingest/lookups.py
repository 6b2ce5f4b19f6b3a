"""Code-list and database look-ups used while validating rows.

Validation needs to turn what an agency wrote ("Kg. Cham", "Thai", "MOI") into the
codes and ids the store uses. :class:`Lookups` is that interface; :func:`lookups_for`
builds one from the code lists and the reference tables of a database.
"""

from __future__ import annotations

import re
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

    def destination(self, text: str) -> str | None:
        """Where a victim was taken: a country (ISO code), or Cambodia for a province.

        Agency registers write the destination as a country ("Thailand") when the
        exploitation was abroad and as a Cambodian province ("Koh Kong", "P. Penh")
        when it was in the country.

        Args:
            text: the destination as written.

        Returns:
            The ISO 3166 alpha-3 code, ``"KHM"`` for a province, None if neither.
        """
        found = self.country(text)
        if found is None and self.province(text) is not None:
            return HOME_COUNTRY
        return found


HOME_COUNTRY = "KHM"
"""The destination of exploitation inside Cambodia (a province written as destination)."""

HINTS: dict[str, str] = {
    "province": "a province name or code (see tipdata codelists provinces)",
    "country": "a country name or ISO code (see tipdata codelists countries)",
    "exploitation_type": "an exploitation type code (see tipdata codelists exploitation-types)",
    "agency": "an agency code (see tipdata codelists agencies)",
    "provider": "a service-provider code from the directory",
    "law_article": "a law article of the catalogue (see tipdata codelists law)",
    "destination": "a country name or ISO code, or a Cambodian province (see tipdata codelists)",
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


_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")

_LAW_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "lshtse-2008",
        re.compile(
            r"lshtse(?:[- ]?2008)?|(?:anti[- ]?)?trafficking law|law on (?:the )?suppression"
            r"[^,;]*|(?:of )?(?:the )?2008(?: law)?|ច្បាប់ស្តីពីការបង្ក្រាបអំពើជួញដូរមនុស្ស"
        ),
    ),
    (
        "labour-1997",
        re.compile(
            r"labou?r[- ]?(?:law|code)?(?:[- ]?1997)?|(?:of )?(?:the )?1997(?: law)?|ច្បាប់ការងារ"
        ),
    ),
)
"""How agencies name a law in an article reference, by the law's catalogue code."""

_ARTICLE_WORD = re.compile(r"^(?:articles?|art\.?|arts\.?|មាត្រា|ម\.?|ma\.)\s*")
_PARAGRAPH = re.compile(r"\(\s*\d+\s*\)|\b(?:para(?:graph)?|al(?:inea)?|point|§)\.?\s*\d+")
_ONE_NUMBER = re.compile(r"^(?:no\.?\s*)?(\d{1,4})(?:\s*(?:new|bis))?$")


def parse_article_text(text: str) -> tuple[str | None, int] | None:
    """The law (catalogue code, if named) and article number of an article as written.

    Courts write articles in many ways: ``"Art. 15"``, ``"article 15"``, ``"15"``,
    ``"ម15"``, ``"មាត្រា ១៥"`` (Khmer digits), ``"15 LSHTSE"``, ``"Art 3 of 2008 law"``,
    ``"Labour Law Art. 363"``, ``"lshtse-2008/15"``. Paragraphs (``"Art. 15(2)"``,
    ``"para 2"``) are ignored. Text naming several articles (``"Art. 15 and 16"``) or
    none is not an article: None.

    Args:
        text: the article as written.

    Returns:
        ``(law code or None, number)``, or None when the text is not one article.

    Examples:
        >>> parse_article_text("មាត្រា ១៥")
        (None, 15)
        >>> parse_article_text("Art 3 of 2008 law")
        ('lshtse-2008', 3)
        >>> parse_article_text("Art. 15 and Art. 16") is None
        True
    """
    cleaned = _key(text.translate(_KHMER_DIGITS))
    law: str | None = None
    code = re.search(r"(lshtse-2008|labour-1997)\s*/\s*", cleaned)
    if code is not None:
        law = code.group(1)
        cleaned = (cleaned[: code.start()] + " " + cleaned[code.end() :]).strip()
    else:
        for law_code, words in _LAW_WORDS:
            named = words.search(cleaned)
            if named is not None:
                if law is not None:
                    return None  # two laws named
                law = law_code
                cleaned = cleaned[: named.start()] + " " + cleaned[named.end() :]
    cleaned = _PARAGRAPH.sub(" ", cleaned)
    cleaned = " ".join(re.sub(r"[,;:()\[\]]", " ", cleaned).split())
    cleaned = re.sub(r"\b(?:of|the|in|under)$", "", cleaned).strip()
    cleaned = _ARTICLE_WORD.sub("", cleaned)
    cleaned = re.sub(r"\s+(?:of|the|in|under)$", "", cleaned).strip()
    match = _ONE_NUMBER.match(cleaned)
    if match is None:
        return None
    return law, int(match.group(1))


def _article_key(text: str) -> str:
    """The catalogue key of an article as written: ``"<law>/<n>"``, ``"<n>"`` or the text."""
    parsed = parse_article_text(text)
    if parsed is None:
        return _key(text)
    law, number = parsed
    return f"{law}/{number}" if law is not None else str(number)


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
