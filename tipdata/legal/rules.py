"""The legal checks: each rule reads one judgment and the law catalogue.

Rules follow the 2009 report's account of how the 2008 law was misapplied: convictions
under articles that define no offence (Art 3, the law's scope), trafficking facts charged
as indecent acts or cross-border transfer, sentences outside the article's range for the
victim's age and the aggravating circumstances, suspended sentences for trafficking, and
compensation ordered but never recorded as paid. Severities, messages and word lists are
data (``rules.yaml``).

Ages: a court records a victim's age at the judgment, not at the offence. A victim under
18 at the judgment was certainly a minor at the offence (the aggravated range applies);
an age limit of an article (Art 43: under 15) is only taken as exceeded when the victim
was at least ``limit + 1`` at the judgment, since the offence usually precedes the
judgment by up to a year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from tipdata.codelists import Article, LawCatalogue, UnknownArticleError
from tipdata.codelists.ages import adult_age
from tipdata.codelists.datafiles import CodelistModel, parse_model, read_yaml
from tipdata.legal.articles import ArticleRef
from tipdata.legal.findings import CheckFinding, Severity
from tipdata.legal.judgments import Judgment
from tipdata.model.enums import ChargeOutcome

RULES_FILE = Path(__file__).with_name("rules.yaml")
OFFENCE_LAG_YEARS = 1
"""Years an offence may precede the judgment at which a victim's age was recorded."""


class RuleSpec(CodelistModel):
    """One rule's severity, title and message template."""

    code: str
    severity: Severity
    title: str
    message: str


class RuleBook(CodelistModel):
    """The rules and the word lists of ``rules.yaml``."""

    rules: tuple[RuleSpec, ...]
    child_alternatives: str
    adult_only_families: tuple[str, ...]
    indecent_acts_families: tuple[str, ...]
    indecent_acts_words: tuple[str, ...]
    trafficking_words: tuple[str, ...]
    trafficking_exploitation_types: tuple[str, ...]

    def spec(self, code: str) -> RuleSpec:
        """The rule with ``code``."""
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(code)


@cache
def rule_book(path: Path = RULES_FILE) -> RuleBook:
    """The rule book (validated; errors name the file and line)."""
    document = read_yaml(path)
    return parse_model(RuleBook, document.data, path=path, line_of=document.line_of)


def _article(catalogue: LawCatalogue, ref: ArticleRef | None) -> Article | None:
    if ref is None:
        return None
    try:
        return catalogue.article(ref.law_code, ref.number)
    except UnknownArticleError:
        return None


def _finding(judgment: Judgment, code: str, ref: ArticleRef | None, **facts: Any) -> CheckFinding:
    spec = rule_book().spec(code)
    article = str(ref) if ref is not None else (judgment.article_text or "?")
    values = {"article": article, **facts}
    return CheckFinding(
        rule=code,
        severity=spec.severity,
        subject_type="charge",
        subject_id=min(judgment.charge_ids),
        message=spec.message.format(**values),
        facts={
            "case_number": judgment.case_number,
            "article": article,
            "article_text": judgment.article_text,
            "outcome": judgment.outcome.value,
            "verdict_date": judgment.verdict_date.isoformat() if judgment.verdict_date else None,
            "sentence_months": judgment.sentence_months,
            "suspended_months": judgment.suspended_months,
            "victim_ages": judgment.victim_ages,
            **facts,
        },
        record_ids=judgment.record_ids(),
        agency=judgment.agency,
        court=judgment.court,
        year=judgment.year,
        article=article,
        law_article_id=judgment.law_article_id,
    )


def _convicted(judgment: Judgment) -> bool:
    return judgment.outcome in (ChargeOutcome.CONVICTED, ChargeOutcome.APPEALED) or bool(
        judgment.sentence_months
    )


Rule = Callable[[Judgment, LawCatalogue], list[CheckFinding]]


def non_penal_article(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """A conviction or charge under an article that defines no offence (definition, scope)."""
    findings = []
    article = _article(catalogue, judgment.article)
    if article is not None and article.is_penal is False:
        code = (
            "conviction_under_non_penal_article"
            if _convicted(judgment)
            else "charge_under_non_penal_article"
        )
        findings.append(
            _finding(judgment, code, judgment.article, kind=article.kind, title=article.title)
        )
    charged = _article(catalogue, judgment.charged_article)
    if charged is not None and charged.is_penal is False:
        findings.append(
            _finding(
                judgment,
                "charge_under_non_penal_article",
                judgment.charged_article,
                kind=charged.kind,
                title=charged.title,
                verdict_article=str(judgment.article) if judgment.article else None,
            )
        )
    return findings


def verdict_article_differs(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """Convicted under another article than the one charged."""
    if judgment.charged_article is None or judgment.article is None or not _convicted(judgment):
        return []
    return [
        _finding(
            judgment,
            "verdict_article_differs_from_charge",
            judgment.article,
            charged=str(judgment.charged_article),
        )
    ]


def circumstances(judgment: Judgment) -> frozenset[str]:
    """Aggravating circumstances the recorded facts establish (victims' ages only)."""
    ages = judgment.victim_ages
    facts = set()
    if ages and ages[0] < adult_age():
        facts.add("victim_minor")
    if ages and ages[0] < 15:
        facts.add("victim_under_15")
    return frozenset(facts)


def sentence_range(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """A prison term outside the range of the article for the victim's age and aggravation.

    Below the minimum is a warning ("check for mitigation", Criminal Code Arts 93-94);
    above the maximum an error. Articles whose penalty is not known are not checked.
    """
    ref = judgment.article
    if ref is None or not _convicted(judgment) or judgment.sentence_months is None:
        return []
    article = _article(catalogue, ref)
    if article is None or not article.is_penal:
        return []
    # Ages are known at the judgment; the offence was up to OFFENCE_LAG_YEARS earlier, when the
    # victim may have been younger (and the range more severe). Flag only what is outside the
    # range under every age the victim may have had at the offence.
    ages = judgment.victim_ages
    possible_ages: list[int | None] = (
        [ages[0], max(ages[0] - OFFENCE_LAG_YEARS, 0)] if ages else [None]
    )
    aggravating = circumstances(judgment) - {"victim_under_15", "victim_minor"}
    candidates = [
        p
        for age in possible_ages
        if (p := catalogue.penalty_for(ref.law_code, ref.number, victim_age=age,
                                       aggravating=aggravating)) is not None
        and (p.min_months is not None or p.max_months is not None)
    ]  # fmt: skip
    if not candidates:
        return []
    sentence = judgment.sentence_months
    lowest = min(candidates, key=lambda p: p.min_months if p.min_months is not None else 0)
    highest = max(candidates, key=lambda p: p.max_months if p.max_months is not None else 10**6)
    if lowest.min_months is not None and sentence < lowest.min_months:
        code, penalty = "sentence_below_minimum", lowest
    elif highest.max_months is not None and sentence > highest.max_months:
        code, penalty = "sentence_above_maximum", highest
    else:
        return []
    facts = {
        "condition": penalty.condition,
        "min_months": penalty.min_months,
        "max_months": penalty.max_months,
        "circumstances": sorted(circumstances(judgment)),
        "sentence_months": sentence,
        "victim_age_at_judgment": ages[0] if ages else None,
        "age_basis": f"at the judgment, or up to {OFFENCE_LAG_YEARS} year younger at the offence",
    }
    return [_finding(judgment, code, ref, **facts)]


def victim_age_fit(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """The article does not fit the victims' ages.

    ``victim_too_old_for_article``: an article for victims under 15 (Arts 42, 43) where a
    victim was 15 or older (at least 16 at the judgment). ``minor_victim_adult_article``:
    a minor victim under an article for adults (procurement of prostitution).
    """
    article = _article(catalogue, judgment.article)
    if article is None:
        return []
    book = rule_book()
    findings = []
    limit = article.victim_age_under
    too_old = [
        a for a in judgment.victim_ages if limit is not None and a - OFFENCE_LAG_YEARS >= limit
    ]
    if too_old:
        findings.append(
            _finding(
                judgment,
                "victim_too_old_for_article",
                judgment.article,
                age_limit=limit,
                victim_age=too_old[0],
                alternatives=book.child_alternatives,
            )
        )
    minors = [a for a in judgment.victim_ages if a < adult_age()]
    if minors and article.offence_family in book.adult_only_families:
        findings.append(
            _finding(
                judgment,
                "minor_victim_adult_article",
                judgment.article,
                victim_age=minors[0],
                family=article.offence_family,
                alternatives=book.child_alternatives,
            )
        )
    return findings


def trafficking_evidence(judgment: Judgment) -> list[str]:
    """The recorded facts that indicate trafficking or the sale of a person for sex."""
    book = rule_book()
    evidence = []
    words = set(_words(judgment.description or ""))
    evidence += [f"description: {w}" for w in book.trafficking_words if w in words]
    evidence += [
        f"exploitation: {e}"
        for e in sorted(judgment.exploitation_types)
        if e in book.trafficking_exploitation_types
    ]
    if judgment.destination_country and judgment.destination_country != "KHM":
        evidence.append(f"destination: {judgment.destination_country}")
    return evidence


def _words(text: str) -> list[str]:
    return [w.strip(".,;:()\"'") for w in text.lower().split()]


def trafficking_as_indecent_acts(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """Facts of trafficking or child prostitution charged as indecent acts or debauchery."""
    book = rule_book()
    article = _article(catalogue, judgment.article)
    text = (judgment.article_text or "").lower()
    indecent = (
        article is not None and article.offence_family in book.indecent_acts_families
    ) or any(w in text for w in book.indecent_acts_words)
    if not indecent:
        return []
    evidence = [e for e in trafficking_evidence(judgment) if "indecent" not in e]
    if not evidence:
        return []
    return [
        _finding(
            judgment,
            "trafficking_facts_as_indecent_acts",
            judgment.article,
            evidence="; ".join(evidence),
            family=article.offence_family if article else "debauchery",
        )
    ]


def exploitation_under_cross_border(
    judgment: Judgment, catalogue: LawCatalogue
) -> list[CheckFinding]:
    """Facts of trafficking for exploitation charged under a cross-border transfer article."""
    article = _article(catalogue, judgment.article)
    if article is None or article.offence_family != "cross_border_transfer":
        return []
    evidence = [
        e
        for e in trafficking_evidence(judgment)
        if not e.startswith("destination") and not e.startswith("exploitation: forced_labour")
    ]
    if not evidence:
        return []
    return [
        _finding(
            judgment,
            "exploitation_facts_under_cross_border_article",
            judgment.article,
            evidence="; ".join(evidence),
        )
    ]


def suspended_trafficking(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """A suspended sentence for a trafficking offence."""
    article = _article(catalogue, judgment.article)
    if article is None or article.is_trafficking_offence is not True:
        return []
    if not judgment.suspended_months or not _convicted(judgment):
        return []
    return [
        _finding(
            judgment,
            "suspended_trafficking_sentence",
            judgment.article,
            suspended_months=judgment.suspended_months,
            sentence_months=judgment.sentence_months,
        )
    ]


def compensation_paid(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """Compensation ordered but not recorded as paid."""
    if not judgment.compensation_riel or judgment.compensation_paid is True:
        return []
    finding = _finding(
        judgment,
        "compensation_not_recorded_paid",
        judgment.article,
        compensation_riel=judgment.compensation_riel,
        verdict_date=judgment.verdict_date.isoformat() if judgment.verdict_date else "?",
        compensation_paid=judgment.compensation_paid,
    )
    if judgment.compensation_paid is False:
        return [CheckFinding(**{**_as_dict(finding), "severity": "warning"})]
    return [finding]


def _as_dict(finding: CheckFinding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in CheckFinding.__slots__}


RULES: tuple[Rule, ...] = (
    non_penal_article,
    verdict_article_differs,
    sentence_range,
    victim_age_fit,
    trafficking_as_indecent_acts,
    exploitation_under_cross_border,
    suspended_trafficking,
    compensation_paid,
)
"""Every legal rule, in the order findings are listed."""


def check_judgment(judgment: Judgment, catalogue: LawCatalogue) -> list[CheckFinding]:
    """Run every rule on one judgment."""
    return [finding for rule in RULES for finding in rule(judgment, catalogue)]


def check_judgments(judgments: Iterable[Judgment], catalogue: LawCatalogue) -> list[CheckFinding]:
    """Run every rule on every judgment."""
    return [finding for judgment in judgments for finding in check_judgment(judgment, catalogue)]
