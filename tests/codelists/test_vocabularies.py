"""Exploitation types, means of control: HTCDS alignment and the words agencies write."""

from __future__ import annotations

import pytest

from tipdata.codelists import Codelists

TOP_LEVEL = {
    "sexual_exploitation", "forced_labour", "forced_marriage", "begging", "domestic_servitude",
    "child_sale_adoption", "organ_removal", "other",
}  # fmt: skip


def test_top_level_exploitation_types(codelists: Codelists) -> None:
    top = {t.code for t in codelists.exploitation_types if t.parent is None}
    assert top == TOP_LEVEL
    subtypes = {t.parent for t in codelists.exploitation_types if t.parent is not None}
    assert subtypes == {"sexual_exploitation", "forced_labour"}
    assert all(t.htcds for t in codelists.exploitation_types)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("sex", "sexual_exploitation"),
        ("CSE", "sexual_exploitation"),
        ("Sexual Exploitation", "sexual_exploitation"),
        ("labour", "forced_labour"),
        ("Labor", "forced_labour"),
        ("karaoke", "sex_entertainment_venue"),
        ("brothel", "sex_brothel"),
        ("virginity", "sex_virginity_sale"),
        ("fishing boat", "labour_fishing"),
        ("construction", "labour_construction"),
        ("begging", "begging"),
        ("bride", "forced_marriage"),
        ("forced_marriage", "forced_marriage"),
    ],
)
def test_resolve_exploitation_type(codelists: Codelists, written: str, code: str) -> None:
    term = codelists.exploitation_types.resolve(written)
    assert term is not None and term.code == code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Debt", "debt_bondage"),
        ("passport confiscated", "withholds_documents"),
        ("unpaid wages", "withholds_wages"),
        ("locked up", "restricted_movement"),
        ("False promises", "deception"),
    ],
)
def test_resolve_means_of_control(codelists: Codelists, written: str, code: str) -> None:
    term = codelists.means_of_control.resolve(written)
    assert term is not None and term.code == code


def test_htcds_methods_of_control_are_covered(codelists: Codelists) -> None:
    # HTCDS 2.0's value names (its picklist is checked in tests/standards/test_htcds.py)
    htcds = {m.htcds for m in codelists.means_of_control}
    assert {
        "DebtBondage",
        "WithholdsDocuments",
        "PhysicalThreats",
        "PhysicalAbuse",
        "FalsePromises",
        "ThreatsLawEnforcement",
        "PsychologicalAbuse",
        "PsychoactiveSubstance",
    } <= htcds
    assert "RestrictsMovement" not in htcds  # HTCDS 0.1's, gone from 2.0


def test_stages_are_ordered_within_each_pathway(codelists: Codelists) -> None:
    victim = [
        s.code for s in sorted(codelists.stages, key=lambda s: s.order) if s.pathway == "victim"
    ]
    assert victim[0] == "identified"
    assert victim[-1] == "case_closed"
    assert codelists.stages["convicted"].order == codelists.stages["acquitted"].order
