"""The law catalogue: articles of the laws charges refer to, with their penalty ranges.

One YAML file per law in ``codelists/law/`` (``lshtse-2008.yaml``, ``labour-1997.yaml``).
Every article carries how sure we are of it (``confidence``) and its sources; articles
no source confirms are placeholders with ``verified: false`` and no penalties, so a
checker can tell "no penalty" (``penalties: []``) from "penalty not known" (``None``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tipdata.codelists.ages import adult_age
from tipdata.codelists.datafiles import CodelistModel, check_unique, parse_model, read_yaml
from tipdata.errors import CodelistError, TipdataError

LAW_DIR = "law"

ArticleKind = Literal["definition", "scope", "penal", "procedural", "other"]
"""The values of ``tipdata.model.enums.LawArticleKind``."""

Confidence = Literal["text", "secondary", "unverified"]
"""text: statutory wording read; secondary: reported by others; unverified: not found."""

Circumstance = Literal["victim_minor", "victim_under_15", "public_official", "organized_group"]
"""Facts that select a penalty range other than the base one."""

CIRCUMSTANCES: frozenset[str] = frozenset(
    {"victim_minor", "victim_under_15", "public_official", "organized_group"}
)

OffenceFamily = Literal[
    "trafficking",
    "cross_border_transfer",
    "prostitution",
    "child_sexual_exploitation",
    "child_sexual_abuse",
    "pornography",
    "labour",
]

_SOURCE = re.compile(r"^(?P<key>[A-Z]+\d+)(:\d+(-\d+)?)?$")
_DAYS_PER_MONTH = 30


class UnknownArticleError(TipdataError, KeyError):
    """A law or article that is not in the catalogue was asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown article"


class Penalty(CodelistModel):
    """The penalty an article sets under one condition.

    Attributes:
        condition: label of the condition: ``base``, ``aggravated``, ``victim_under_15``,
            ``victim_15_to_17``.
        circumstances: the row applies when any of these holds; empty for ``base``.
        min_months: shortest prison term, in months.
        max_months: longest prison term, in months.
        min_days: shortest prison term, in days, for terms under a month.
        max_days: longest prison term, in days.
        min_fine: lowest fine, in ``fine_unit``.
        max_fine: highest fine, in ``fine_unit``.
        fine_unit: ``riel``, or ``base_daily_wage`` (days of the base daily wage).
        confidence: overrides the article's confidence for this row.
        source: citations for this row, when they differ from the article's.
        note: remarks.
    """

    condition: Literal["base", "aggravated", "victim_under_15", "victim_15_to_17"]
    circumstances: tuple[Circumstance, ...] = ()
    min_months: int | None = Field(default=None, ge=0)
    max_months: int | None = Field(default=None, ge=0)
    min_days: int | None = Field(default=None, ge=0)
    max_days: int | None = Field(default=None, ge=0)
    min_fine: int | None = Field(default=None, ge=0)
    max_fine: int | None = Field(default=None, ge=0)
    fine_unit: Literal["riel", "base_daily_wage"] = "riel"
    confidence: Literal["text", "secondary"] | None = None
    source: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Penalty:
        for low, high in (
            ("min_months", "max_months"),
            ("min_days", "max_days"),
            ("min_fine", "max_fine"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise ValueError(f"{low} ({low_value}) is greater than {high} ({high_value})")
        has_months = self.min_months is not None or self.max_months is not None
        has_days = self.min_days is not None or self.max_days is not None
        if has_months and has_days:
            raise ValueError("give a prison term in months or in days, not both")
        if not (has_months or has_days or self.min_fine is not None or self.max_fine is not None):
            raise ValueError("a penalty needs a prison term or a fine")
        if (self.condition == "base") != (not self.circumstances):
            raise ValueError("only condition 'base' has no circumstances")
        return self

    @property
    def min_fine_riel(self) -> int | None:
        """The lowest fine in riel, if the fine is set in riel."""
        return self.min_fine if self.fine_unit == "riel" else None

    @property
    def max_fine_riel(self) -> int | None:
        """The highest fine in riel, if the fine is set in riel."""
        return self.max_fine if self.fine_unit == "riel" else None

    @property
    def min_prison_days(self) -> int | None:
        """The shortest prison term in days (a month counted as 30 days)."""
        if self.min_months is not None:
            return self.min_months * _DAYS_PER_MONTH
        return self.min_days

    @property
    def max_prison_days(self) -> int | None:
        """The longest prison term in days (a month counted as 30 days)."""
        if self.max_months is not None:
            return self.max_months * _DAYS_PER_MONTH
        return self.max_days

    def applies(self, facts: frozenset[str]) -> bool:
        """Whether this row applies given the circumstances that hold."""
        return not self.circumstances or any(c in facts for c in self.circumstances)

    def severity(self) -> tuple[int, int, int]:
        """A sort key: longer maximum prison, then longer minimum, then higher fine."""
        return (
            self.max_prison_days if self.max_prison_days is not None else -1,
            self.min_prison_days if self.min_prison_days is not None else -1,
            self.max_fine if self.max_fine is not None else -1,
        )


class Article(CodelistModel):
    """One article of a law.

    Attributes:
        law_code: the law's code (filled in by the loader).
        number: the article number.
        title: title as found, or None.
        chapter: chapter, when confirmed.
        kind: definition, scope, penal, procedural, other; None when unknown.
        is_trafficking_offence: whether it is a trafficking-in-persons offence; None
            when that cannot be said from the article alone or is unknown.
        offence_family: the kind of offence (trafficking, prostitution, ...).
        victim_age_under: the offence requires a victim younger than this.
        penalties: the ranges; ``()`` the article sets none; None not known.
        penalties_complete: False when a condition of the article is known to exist
            but its range is not.
        penalises: for a penalty article, the articles whose violation it punishes.
        confidence: how the article is known (text, secondary, unverified).
        verified: False for placeholders no source confirms.
        source: citation keys of the law file's ``sources``, optionally ``:line-line``.
        quote: statutory wording read, when any.
        note: remarks.
    """

    law_code: str = ""
    number: int = Field(ge=1)
    title: str | None = None
    chapter: str | None = None
    kind: ArticleKind | None = None
    is_trafficking_offence: bool | None = None
    offence_family: OffenceFamily | None = None
    victim_age_under: int | None = Field(default=None, ge=1)
    penalties: tuple[Penalty, ...] | None = None
    penalties_complete: bool = True
    penalises: tuple[int, ...] = ()
    confidence: Confidence
    verified: bool
    source: tuple[str, ...] = ()
    quote: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Article:
        if self.verified != (self.confidence != "unverified"):
            raise ValueError("verified must be false exactly when confidence is 'unverified'")
        if not self.verified and self.penalties is not None:
            raise ValueError("an unverified article has penalties: null (no invented penalties)")
        if self.kind is not None and self.kind != "penal" and self.penalties:
            raise ValueError(f"a {self.kind} article sets no penalties; use penalties: []")
        if self.kind == "penal" and self.penalties == ():
            raise ValueError("a penal article with unknown penalties has penalties: null, not []")
        return self

    @property
    def is_penal(self) -> bool | None:
        """True for penal articles, False for other known kinds, None when unknown."""
        return None if self.kind is None else self.kind == "penal"


class ObservedSentence(CodelistModel):
    """A sentence actually imposed under an article, as reported.

    Attributes:
        articles: the articles of the conviction.
        article_inferred: the source names the offence, not the article number.
        sentence_months: prison term imposed.
        suspended_months: part of it suspended.
        fine_riel: fine imposed.
        compensation_riel: compensation ordered.
        victim_age: age of the (youngest) victim, when reported.
        year: year of the judgment.
        court: agency code of the court.
        source: citations.
        note: remarks.
    """

    articles: tuple[int, ...] = Field(min_length=1)
    article_inferred: bool = False
    sentence_months: int | None = Field(default=None, ge=0)
    suspended_months: int | None = Field(default=None, ge=0)
    fine_riel: int | None = Field(default=None, ge=0)
    compensation_riel: int | None = Field(default=None, ge=0)
    victim_age: int | None = Field(default=None, ge=0)
    year: int | None = None
    court: str | None = None
    source: tuple[str, ...] = Field(min_length=1)
    note: str | None = None


class Law(CodelistModel):
    """One law and its catalogued articles.

    Attributes:
        code: lower-case code, equal to the file name (``lshtse-2008``).
        title: full English title.
        short_title: title for tables.
        reference: Royal Kram number, when confirmed.
        adopted: date adopted by the National Assembly, when confirmed.
        promulgated: date of promulgation.
        article_count: number of articles; when given, every number 1..N is catalogued.
        text_used: which text or translation the catalogue follows.
        replaces: the law it replaces, if any.
        sources: citation key to reference.
        articles: the catalogued articles, in number order.
        observed_sentences: reported sentences, for checks and demo data.
    """

    code: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    short_title: str
    reference: str | None = None
    adopted: date | None = None
    promulgated: date | None = None
    article_count: int | None = Field(default=None, ge=1)
    text_used: str
    replaces: str | None = None
    sources: dict[str, str]
    articles: tuple[Article, ...]
    observed_sentences: tuple[ObservedSentence, ...] = ()

    def article(self, number: int) -> Article:
        """The article with ``number``.

        Raises:
            UnknownArticleError: not catalogued.
        """
        for article in self.articles:
            if article.number == number:
                return article
        raise UnknownArticleError(f"article {number} of {self.code} is not in the catalogue")

    def penalising_article(self, number: int) -> Article | None:
        """The article that sets the penalty for violating article ``number``, if any."""
        for article in self.articles:
            if number in article.penalises:
                return article
        return None


class LawCatalogue:
    """Every catalogued law.

    Attributes:
        laws: the laws keyed by code.
        articles: every article of every law (each knows its ``law_code``).
    """

    def __init__(self, laws: Iterable[Law]) -> None:
        """Index ``laws`` by code."""
        self.laws: Mapping[str, Law] = {law.code: law for law in laws}
        self.articles: tuple[Article, ...] = tuple(
            article for law in self.laws.values() for article in law.articles
        )

    def law(self, law_code: str) -> Law:
        """The law with ``law_code`` (case-insensitive).

        Raises:
            UnknownArticleError: no such law.
        """
        law = self.laws.get(law_code.strip().lower())
        if law is None:
            raise UnknownArticleError(f"law {law_code!r} is not in the catalogue")
        return law

    def article(self, law_code: str, number: int) -> Article:
        """The article ``number`` of the law ``law_code``.

        Raises:
            UnknownArticleError: unknown law or article.
        """
        return self.law(law_code).article(number)

    def is_penal(self, law_code: str, number: int) -> bool | None:
        """Whether the article defines an offence with a penalty; None when its kind is unknown.

        Raises:
            UnknownArticleError: unknown law or article.
        """
        return self.article(law_code, number).is_penal

    def penalty_for(
        self,
        law_code: str,
        number: int,
        victim_age: int | None = None,
        aggravating: frozenset[str] = frozenset(),
    ) -> Penalty | None:
        """The penalty range that applies to a conviction under an article.

        The victim's age adds ``victim_minor`` (under 18) and ``victim_under_15``
        (under 15) to ``aggravating``; of the rows that apply, the most severe is
        returned (an aggravated range replaces the base one). For an article whose
        violation is punished by another article (Labour Law 179 → 363), that article's
        penalty is returned.

        Args:
            law_code: e.g. ``"lshtse-2008"``.
            number: the article number.
            victim_age: age of the victim at the offence, if known.
            aggravating: circumstances that hold: ``victim_minor``, ``victim_under_15``,
                ``public_official``, ``organized_group``.

        Returns:
            The penalty, or None when the article sets none, its penalty is not known,
            no row applies, or the victim is too old for the offence (e.g. Art 42 for
            a victim of 16).

        Raises:
            UnknownArticleError: unknown law or article.
            ValueError: unknown circumstance.

        Examples:
            >>> catalogue = load_law_catalogue()  # doctest: +SKIP
            >>> catalogue.penalty_for("lshtse-2008", 15, victim_age=16).max_months  # doctest: +SKIP
            240
        """
        unknown = set(aggravating) - CIRCUMSTANCES
        if unknown:
            raise ValueError(f"unknown circumstance(s): {sorted(unknown)}")
        law = self.law(law_code)
        article = law.article(number)
        if article.penalties == ():
            penalising = law.penalising_article(number)
            if penalising is not None:
                article = penalising
        if not article.penalties:
            return None
        if (
            article.victim_age_under is not None
            and victim_age is not None
            and victim_age >= article.victim_age_under
        ):
            return None
        facts = set(aggravating)
        if victim_age is not None and victim_age < adult_age():
            facts.add("victim_minor")
        if victim_age is not None and victim_age < 15:
            facts.add("victim_under_15")
        applicable = [p for p in article.penalties if p.applies(frozenset(facts))]
        if not applicable:
            return None
        return max(applicable, key=Penalty.severity)


def load_law(path: Path) -> Law:
    """Read and validate one law file.

    Raises:
        CodelistError: a bad entry, a duplicate or missing article number, an unknown
            citation key, or a code different from the file name.
    """
    document = read_yaml(path)
    law = parse_model(Law, document.data, path=path, line_of=document.line_of)
    if law.code != path.stem:
        raise CodelistError(
            path,
            f"code must equal the file name {path.stem!r}",
            line=document.line_of(("code",)),
            field="code",
            value=law.code,
        )
    lines = [document.line_of(("articles", i)) for i in range(len(law.articles))]
    check_unique(
        path, ((str(a.number), n) for a, n in zip(law.articles, lines, strict=True)), what="number"
    )
    numbers = [a.number for a in law.articles]
    if numbers != sorted(numbers):
        raise CodelistError(path, "articles must be in number order", line=lines[0])
    if law.article_count is not None:
        missing = sorted(set(range(1, law.article_count + 1)) - set(numbers))
        extra = sorted(set(numbers) - set(range(1, law.article_count + 1)))
        if missing or extra:
            raise CodelistError(
                path,
                f"article_count is {law.article_count}: missing {missing}, beyond it {extra}",
                line=document.line_of(("article_count",)),
                field="article_count",
            )
    for i, article in enumerate(law.articles):
        if article.law_code not in ("", law.code):
            raise CodelistError(path, "law_code differs from the law's code", line=lines[i])
        citations = list(article.source)
        for penalty in article.penalties or ():
            citations.extend(penalty.source)
        _check_citations(path, law, citations, lines[i])
    for j, sentence in enumerate(law.observed_sentences):
        line = document.line_of(("observed_sentences", j))
        _check_citations(path, law, sentence.source, line)
        for number in sentence.articles:
            if number not in numbers:
                raise CodelistError(path, "article not catalogued", line=line, value=number)
    articles = tuple(a.model_copy(update={"law_code": law.code}) for a in law.articles)
    return law.model_copy(update={"articles": articles})


def _check_citations(path: Path, law: Law, citations: Iterable[str], line: int | None) -> None:
    """Raise if a citation is malformed or its key is not in the law's sources."""
    for citation in citations:
        match = _SOURCE.match(citation)
        if match is None or match["key"] not in law.sources:
            raise CodelistError(
                path,
                "unknown or malformed citation (expected a key of 'sources', e.g. S0:12-14)",
                line=line,
                field="source",
                value=citation,
            )


def load_law_files(directory: Path) -> LawCatalogue:
    """Read every ``*.yaml`` file of ``directory`` as a law.

    Raises:
        CodelistError: a bad file, or no law file at all.
    """
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CodelistError(directory, "no law files (*.yaml) found")
    return LawCatalogue(load_law(path) for path in paths)
