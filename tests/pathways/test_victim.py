"""Victim pathway: every transition rule on inline events, assembled across agencies."""

from __future__ import annotations

from datetime import date

import pytest

from tests.legal.conftest import Rows
from tipdata.model.enums import EventType as E
from tipdata.pathways import (
    assemble_pathways,
    check_sequence,
    check_victim_pathways,
    pathway_model,
    victim_report,
)
from tipdata.pathways.assemble import Pathway, Step
from tipdata.store import Database


def _pathway(*steps: tuple[E, int, str]) -> Pathway:
    pathway = Pathway("victim", "person", 1)
    for index, (stage, day, agency) in enumerate(steps):
        pathway.steps.append(
            Step(stage, date(2008, 1, 1).replace(day=day), agency, 1, None, "event", index, index)
        )
    return pathway


def _rules(pathway: Pathway) -> list[str]:
    """Rules of the transition findings (a first step outside ``start`` is checked apart)."""
    return [f.rule for f in check_sequence(pathway) if len(f.facts["steps"]) > 1]


def test_a_pathway_must_begin_with_a_start_stage() -> None:
    findings = check_sequence(_pathway((E.CASE_CLOSED, 2, "CWCC")))
    assert [(f.rule, f.message) for f in findings] == [
        ("impossible_sequence", "pathway starts with case_closed")
    ]


@pytest.mark.parametrize(
    ("before", "after", "rule"),
    [
        (E.SHELTERED, E.RESCUED, "sheltered_before_rescued"),
        (E.SERVICE_PROVIDED, E.RESCUED, "sheltered_before_rescued"),
        (E.CASE_CLOSED, E.SHELTERED, "impossible_sequence"),
        (E.DETERMINED_NOT_VICTIM, E.SHELTERED, "impossible_sequence"),
    ],
)
def test_named_and_generic_impossible_transitions(before: E, after: E, rule: str) -> None:
    assert _rules(_pathway((before, 2, "AFESIP"), (after, 3, "MOI"))) == [rule]


def test_every_declared_transition_is_allowed() -> None:
    model = pathway_model("victim")
    for before, afters in model.transitions.items():
        for after in afters:
            if before == after == E.SHELTERED:
                continue
            assert _rules(_pathway((before, 2, "X"), (after, 3, "X"))) == [], (before, after)


@pytest.mark.parametrize("determined", [E.SCREENED, E.DETERMINED_VICTIM, E.DETERMINED_NOT_VICTIM])
def test_a_screening_after_shelter_admission_is_normal_practice(determined: E) -> None:
    """Shelters screen the people they admit (issue 18): no impossible-sequence finding."""
    admitted = _pathway(
        (E.RESCUED, 1, "MOI"), (E.SHELTERED, 2, "AFESIP"), (determined, 4, "AFESIP")
    )
    assert _rules(admitted) == []
    served = _pathway((E.SHELTERED, 2, "AFESIP"), (E.SERVICE_PROVIDED, 3, "AFESIP"),
                      (determined, 4, "DOSAVY-12"))  # fmt: skip
    assert _rules(served) == []


def test_two_shelters_at_once_but_not_a_transfer() -> None:
    at_once = _pathway((E.RESCUED, 1, "MOI"), (E.SHELTERED, 2, "WHI"), (E.SHELTERED, 9, "AFESIP"))
    transfer = _pathway(
        (E.RESCUED, 1, "MOI"),
        (E.SHELTERED, 2, "WHI"),
        (E.REFERRED, 9, "WHI"),
        (E.SHELTERED, 9, "AFESIP"),
    )
    assert _rules(at_once) == ["two_shelters_at_once"]
    assert _rules(transfer) == []


def test_identified_not_referred_and_re_trafficked() -> None:
    never = _pathway((E.RESCUED, 2, "MOI"))
    referred = _pathway((E.RESCUED, 2, "MOI"), (E.REFERRED, 3, "MOSAVY"))
    again = _pathway(
        (E.RESCUED, 2, "MOI"),
        (E.SHELTERED, 3, "CWCC"),
        (E.REINTEGRATED, 10, "CWCC"),
        (E.RESCUED, 20, "MOI"),
        (E.REFERRED, 21, "MOSAVY"),
    )
    findings = check_victim_pathways([never, referred, again], as_of=date(2008, 6, 30))
    assert [f.rule for f in findings] == ["identified_not_referred"]
    report = victim_report([never, referred, again], findings=findings)
    assert report.identified_not_referred == [("person", 1)]
    assert len(report.re_trafficked) == 1
    assert report.reached["rescued"] == 3
    recent = check_victim_pathways([never], as_of=date(2008, 1, 20), grace_days=30)
    assert recent == []


def test_durations_median_and_p90() -> None:
    pathways = [
        _pathway((E.RESCUED, 1, "MOI"), (E.REFERRED, 1 + days, "MOSAVY")) for days in range(11)
    ]
    report = victim_report(pathways)
    [referred] = [d for d in report.durations if d.label == "identified → referred"]
    assert (referred.count, referred.median_days, referred.p90_days) == (11, 5.0, 9.0)


def test_assembly_joins_the_sources_of_a_linked_person(rows: Rows, ref_db: Database) -> None:
    person = rows.person()
    police = rows.record("MOI", person_id=person)
    shelter = rows.record("AFESIP", person_id=person)
    social = rows.record("MOSAVY", person_id=person)
    rows.event(shelter, E.SHELTERED, date(2008, 7, 5), "AFESIP")
    rows.event(police, E.RESCUED, date(2008, 7, 21), "MOI")
    rows.event(social, E.REFERRED, date(2008, 7, 21), "MOSAVY")
    unlinked = rows.record("MOI")
    rows.event(unlinked, E.RESCUED, None, "MOI")
    rows.session.commit()
    with ref_db.session() as session:
        pathways = assemble_pathways(session, "victim")
    assert [(p.subject_type, len(p.steps), len(p.undated)) for p in pathways] == [
        ("person", 3, 0),
        ("person_record", 0, 1),
    ]
    linked = pathways[0]
    assert [(s.stage.value, s.agency) for s in linked.steps] == [
        ("sheltered", "AFESIP"),
        ("rescued", "MOI"),
        ("referred", "MOSAVY"),
    ]
    findings = check_victim_pathways(pathways, as_of=date(2008, 12, 31))
    assert [f.rule for f in findings] == ["sheltered_before_rescued"]
    assert findings[0].record_ids["person_record"] == sorted([shelter, police])
