"""Prosecution pathway: transitions, attrition and sentence outcomes."""

from __future__ import annotations

from datetime import date

from tipdata.model.enums import EventType as E
from tipdata.pathways import check_prosecution_pathways, prosecution_report
from tipdata.pathways.assemble import Pathway, Step


def _pathway(subject: int, *steps: tuple[E, date]) -> Pathway:
    pathway = Pathway("prosecution", "person", subject)
    for index, (stage, on) in enumerate(steps):
        pathway.steps.append(Step(stage, on, "X", subject, None, "event", index, index))
    return pathway


def test_attrition_and_pending_cases() -> None:
    convicted = _pathway(
        1,
        (E.ARRESTED, date(2007, 5, 1)),
        (E.CONVICTED, date(2008, 3, 1)),
        (E.SENTENCED, date(2008, 3, 1)),
        (E.APPEALED, date(2008, 3, 1)),
    )
    never_in_court = _pathway(2, (E.ARRESTED, date(2007, 1, 10)))
    recent = _pathway(3, (E.ARRESTED, date(2008, 11, 1)))
    pending = _pathway(4, (E.ARRESTED, date(2007, 2, 1)), (E.CHARGED, date(2007, 3, 1)))
    impossible = _pathway(5, (E.CONVICTED, date(2008, 1, 1)), (E.ARRESTED, date(2008, 2, 1)))
    pathways = [convicted, never_in_court, recent, pending, impossible]
    findings = check_prosecution_pathways(pathways, as_of=date(2008, 12, 31), pending_months=12)
    assert sorted((f.subject_id, f.rule) for f in findings) == [
        (2, "arrest_not_reaching_court"),
        (4, "case_pending_too_long"),
        (5, "verdict_before_arrest"),
    ]
    report = prosecution_report(pathways, as_of=date(2008, 12, 31), pending_months=12)
    assert (report.arrested, report.reached_court, report.pending, report.pending_too_long) == (
        5,
        3,
        3,
        2,
    )
    [arrest_to_conviction] = [d for d in report.durations if d.label == "arrested → convicted"]
    assert arrest_to_conviction.count == 1
    assert arrest_to_conviction.median_days == 305.0
