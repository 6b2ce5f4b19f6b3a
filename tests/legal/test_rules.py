"""Each legal rule, with the 2009 report's real cases (S0:655-666, S0:869-883, S0:1107-1118)."""

from __future__ import annotations

from datetime import date

from tests.legal.conftest import Rows
from tipdata.codelists import load_law_catalogue
from tipdata.legal import (
    check_judgments,
    list_findings,
    load_judgments,
    parse_article,
    store_findings,
)
from tipdata.model.enums import ChargeOutcome
from tipdata.store import Database


def _rules(ref_db: Database) -> dict[str, list[str]]:
    with ref_db.session() as session:
        findings = check_judgments(load_judgments(session), load_law_catalogue())
    found: dict[str, list[str]] = {}
    for finding in findings:
        found.setdefault(finding.facts["case_number"], []).append(finding.rule)
    return {case: sorted(rules) for case, rules in found.items()}


def test_parse_article_reads_the_clerks_forms() -> None:
    forms = ["Art. 15", "Art 15", "15", "Article 15", "ម15", "មាត្រា ១៥", "lshtse-2008/15"]
    assert {str(parse_article(f)) for f in forms} == {"LSHTSE 2008 Art 15"}
    assert str(parse_article("Labour Law Art 363")) == "Labour Law Art 363"
    assert parse_article("") is None


def test_trafficker_convicted_under_article_3_with_two_years(rows: Rows, ref_db: Database) -> None:
    case = rows.case("PP-2008-ART3", description="trafficking in persons", victims=(23,))
    rows.charge(case, "Art. 3", sentence=24)
    rows.session.commit()
    assert _rules(ref_db) == {"PP-2008-ART3": ["conviction_under_non_penal_article"]}


def test_charged_under_article_3_convicted_under_article_11(rows: Rows, ref_db: Database) -> None:
    case = rows.case(
        "PP-2008-ART11", description="woman abducted to be a prostitute", victims=(20,)
    )
    rows.charge(case, "Art. 11", charged="Art. 3", sentence=162)
    rows.session.commit()
    assert _rules(ref_db) == {
        "PP-2008-ART11": [
            "charge_under_non_penal_article",
            "exploitation_facts_under_cross_border_article",
            "verdict_article_differs_from_charge",
        ]
    }


def test_client_of_12_and_16_year_olds_charged_with_indecent_acts(
    rows: Rows, ref_db: Database
) -> None:
    case = rows.case(
        "PP-2008-RAPANOS",
        description="indecent acts against a minor; money paid for sex with the victims",
        victims=(12, 16),
    )
    rows.charge(case, "Art 43", sentence=30, compensation=3_000_000, paid=True)
    rows.session.commit()
    assert _rules(ref_db) == {
        "PP-2008-RAPANOS": ["trafficking_facts_as_indecent_acts", "victim_too_old_for_article"]
    }


def test_sentence_range_uses_victim_age_and_flags_below_minimum_for_mitigation(
    rows: Rows, ref_db: Database
) -> None:
    adult = rows.case("ADULT-OK", victims=(25,))
    rows.charge(adult, "Art. 15", sentence=96)
    adult_low = rows.case("ADULT-LOW", victims=(25,))
    rows.charge(adult_low, "Art. 15", sentence=60)
    adult_high = rows.case("ADULT-HIGH", victims=(25,))
    rows.charge(adult_high, "Art. 15", sentence=204)
    minor = rows.case("MINOR-OK", victims=(16,))
    rows.charge(minor, "Art. 15", sentence=204)
    minor_low = rows.case("MINOR-LOW", victims=(16,))
    rows.charge(minor_low, "Art. 15", sentence=120)
    unknown = rows.case("ART11-UNKNOWN", victims=(25,))
    rows.charge(unknown, "Art. 11", sentence=12)
    rows.session.commit()
    assert _rules(ref_db) == {
        "ADULT-LOW": ["sentence_below_minimum"],
        "ADULT-HIGH": ["sentence_above_maximum"],
        "MINOR-LOW": ["sentence_below_minimum"],
    }
    with ref_db.session() as session:
        [finding] = [
            f
            for f in check_judgments(load_judgments(session), load_law_catalogue())
            if f.facts["case_number"] == "MINOR-LOW"
        ]
    assert finding.severity == "warning"
    assert "check for mitigation" in finding.message
    assert finding.facts["condition"] == "aggravated"
    assert finding.facts["min_months"] == 180


def test_age_limit_allows_a_year_between_offence_and_judgment(rows: Rows, ref_db: Database) -> None:
    boundary = rows.case("ART42-15", victims=(15,))
    rows.charge(boundary, "Art. 42", sentence=72)
    rows.session.commit()
    assert _rules(ref_db) == {}


def test_sentence_range_allows_the_victim_to_have_been_a_year_younger_at_the_offence(
    rows: Rows, ref_db: Database
) -> None:
    # 18 at the judgment may have been 17, a minor, at the offence: 15-20 years may apply.
    maybe_minor = rows.case("ART15-AGE18", victims=(18,))
    rows.charge(maybe_minor, "Art. 15", sentence=200)
    adult = rows.case("ART15-AGE19", victims=(19,))
    rows.charge(adult, "Art. 15", sentence=200)
    rows.session.commit()
    assert _rules(ref_db) == {"ART15-AGE19": ["sentence_above_maximum"]}


def test_minor_victim_under_an_adult_prostitution_article(rows: Rows, ref_db: Database) -> None:
    case = rows.case("PROCURE-14", victims=(14,))
    rows.charge(case, "Art. 27", sentence=60)
    rows.session.commit()
    assert _rules(ref_db) == {"PROCURE-14": ["minor_victim_adult_article"]}


def test_suspended_sentence_for_trafficking_not_for_other_offences(
    rows: Rows, ref_db: Database
) -> None:
    trafficking = rows.case("SUSP-15", victims=(25,))
    rows.charge(trafficking, "Art. 15", sentence=96, suspended=24)
    indecent = rows.case("SUSP-43", victims=(13,))  # Makhout: 18 months, 10 suspended
    rows.charge(indecent, "Art. 43", sentence=18, suspended=10)
    rows.session.commit()
    assert _rules(ref_db) == {"SUSP-15": ["suspended_trafficking_sentence"]}


def test_compensation_not_recorded_as_paid(rows: Rows, ref_db: Database) -> None:
    unknown = rows.case("COMP-UNKNOWN", victims=(25,))
    rows.charge(unknown, "Art. 10", sentence=96, compensation=20_000_000)
    unpaid = rows.case("COMP-UNPAID", victims=(25,))
    rows.charge(unpaid, "Art. 10", sentence=96, compensation=20_000_000, paid=False)
    paid = rows.case("COMP-PAID", victims=(25,))
    rows.charge(paid, "Art. 10", sentence=96, compensation=20_000_000, paid=True)
    rows.session.commit()
    with ref_db.session() as session:
        findings = check_judgments(load_judgments(session), load_law_catalogue())
    assert {(f.facts["case_number"], f.severity) for f in findings} == {
        ("COMP-UNKNOWN", "info"),
        ("COMP-UNPAID", "warning"),
    }


def test_acquittal_under_article_3_is_a_charge_finding(rows: Rows, ref_db: Database) -> None:
    case = rows.case("ACQ-3", victims=(25,))
    rows.charge(case, "Art. 3", outcome=ChargeOutcome.ACQUITTED)
    rows.session.commit()
    assert _rules(ref_db) == {"ACQ-3": ["charge_under_non_penal_article"]}


def test_per_victim_rows_are_one_judgment_and_findings_are_listed_per_court_and_year(
    rows: Rows, ref_db: Database
) -> None:
    case = rows.case("PP-MULTI", victims=(20, 30))
    for _ in range(2):  # the court file has one row per victim
        rows.charge(case, "Art. 3", sentence=24)
    provincial = rows.case("09-01/2008", court="Koh Kong Provincial Court", victims=(25,))
    rows.charge(provincial, "Art 3", sentence=24, on=date(2009, 3, 1))
    rows.session.commit()
    with ref_db.session() as session:
        judgments = load_judgments(session)
        findings = check_judgments(judgments, load_law_catalogue())
        run = store_findings(session, findings, checks="legal")
        session.commit()
        listed = list_findings(session, actor=None, agency="PPMC", year=2008)
        koh_kong = list_findings(session, actor=None, agency="COURT-09")
    assert len(judgments) == 2
    assert run.counts == {"conviction_under_non_penal_article": 2}
    assert [(f.agency, f.year, f.rule) for f in listed] == [
        ("PPMC", 2008, "conviction_under_non_penal_article")
    ]
    assert len(listed[0].record_ids["charge"]) == 2
    assert [(f.agency, f.year) for f in koh_kong] == [("COURT-09", 2009)]
