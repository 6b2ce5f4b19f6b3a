"""Legal checks: charges and sentences checked against the law catalogue.

The runner of all checks (legal and pathway) is `tipdata.checks`; this package never
imports `tipdata.pathways`.

Public surface::

    load_judgments(session) -> list[Judgment]          # charges grouped, with facts
    check_judgments(judgments, catalogue) -> list[CheckFinding]
    store_findings(session, findings, checks=...) / list_findings(session, ...)
    parse_article("មាត្រា ១៥") -> ArticleRef("lshtse-2008", 15)
"""

from tipdata.legal.articles import ArticleRef, parse_article
from tipdata.legal.findings import (
    CheckFinding,
    StoredRun,
    latest_run_id,
    list_findings,
    store_findings,
    summarise_findings,
)
from tipdata.legal.judgments import Judgment, Victim, load_judgments
from tipdata.legal.rules import RULES, check_judgment, check_judgments, rule_book

__all__ = [
    "RULES",
    "ArticleRef",
    "CheckFinding",
    "Judgment",
    "StoredRun",
    "Victim",
    "check_judgment",
    "check_judgments",
    "latest_run_id",
    "list_findings",
    "load_judgments",
    "parse_article",
    "rule_book",
    "store_findings",
    "summarise_findings",
]
