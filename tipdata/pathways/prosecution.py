"""Prosecution pathway: per suspect, across police and court records; attrition and durations.

A suspect's pathway joins the police arrest (MOI case) and the court's verdict, sentence
and appeal (court case) through the linked person. The report gives the time from arrest
to verdict and from verdict to appeal, the attrition (arrests that never reach court,
arrests or charges pending longer than ``pending_months``) and how sentences end
(serving, suspended, released, escaped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tipdata.legal.findings import CheckFinding
from tipdata.legal.judgments import Judgment
from tipdata.model.enums import EventType
from tipdata.pathways.assemble import Pathway
from tipdata.pathways.model import pathway_model
from tipdata.pathways.victim import Durations, check_sequence, durations_between, latest_date

COURT_STAGES: frozenset[EventType] = frozenset(
    {
        EventType.CHARGED,
        EventType.TRIED,
        EventType.CONVICTED,
        EventType.ACQUITTED,
        EventType.DISMISSED,
        EventType.SENTENCED,
        EventType.APPEALED,
    }
)
VERDICT_STAGES: frozenset[EventType] = frozenset(
    {EventType.CONVICTED, EventType.ACQUITTED, EventType.DISMISSED}
)
DURATION_PAIRS: tuple[tuple[str, frozenset[EventType], EventType], ...] = (
    ("arrested → charged", frozenset({EventType.ARRESTED}), EventType.CHARGED),
    ("arrested → convicted", frozenset({EventType.ARRESTED}), EventType.CONVICTED),
    ("arrested → acquitted", frozenset({EventType.ARRESTED}), EventType.ACQUITTED),
    ("charged → convicted", frozenset({EventType.CHARGED}), EventType.CONVICTED),
    ("convicted → appealed", frozenset({EventType.CONVICTED}), EventType.APPEALED),
)
DAYS_PER_MONTH = 30.44


PENDING_MONTHS = 12
"""Months after which an arrest or charge without a verdict is reported as pending too long."""


def _pending_finding(pathway: Pathway, rule: str, message: str, months: int) -> CheckFinding:
    step = pathway.steps[0]
    return CheckFinding(
        rule=rule,
        severity="info",
        subject_type=pathway.subject_type,
        subject_id=pathway.subject_id,
        message=message,
        facts={
            "since": step.on.isoformat() if step.on else None,
            "pending_months": months,
            "stage": step.stage.value,
        },
        record_ids={
            "event": sorted({s.record_id for s in pathway.steps if s.origin == "event"}),
            "source_record": sorted(
                {s.source_record_id for s in pathway.steps if s.source_record_id}
            ),
            "person_record": sorted(pathway.person_record_ids),
        },
        agency=step.agency,
        year=step.on.year if step.on else None,
    )


def check_prosecution_pathways(
    pathways: Iterable[Pathway], *, as_of: date | None = None, pending_months: int = PENDING_MONTHS
) -> list[CheckFinding]:
    """Sequence findings, and arrests or charges with no verdict after ``pending_months``.

    Args:
        pathways: assembled prosecution pathways.
        as_of: the date the data run to (default: the latest step date).
        pending_months: months after which an open arrest or charge is reported.

    Returns:
        The findings (``impossible_sequence``, ``verdict_before_arrest``,
        ``arrest_not_reaching_court``, ``case_pending_too_long``).
    """
    pathways = list(pathways)
    as_of = as_of or latest_date(pathways)
    limit = as_of - timedelta(days=round(pending_months * DAYS_PER_MONTH))
    model = pathway_model("prosecution")
    findings: list[CheckFinding] = []
    for pathway in pathways:
        findings.extend(check_sequence(pathway, model))
        stages = set(pathway.stages)
        first = pathway.steps[0] if pathway.steps else None
        if first is None or first.on is None or first.on > limit or stages & VERDICT_STAGES:
            continue
        if EventType.ARRESTED in stages and not stages & COURT_STAGES:
            findings.append(
                _pending_finding(
                    pathway,
                    "arrest_not_reaching_court",
                    f"arrested on {first.on}, no court record after {pending_months} months",
                    pending_months,
                )
            )
        elif stages & COURT_STAGES:
            findings.append(
                _pending_finding(
                    pathway,
                    "case_pending_too_long",
                    f"in the courts since {first.on}, no verdict after {pending_months} months",
                    pending_months,
                )
            )
    return findings


@dataclass(slots=True)
class ProsecutionReport:
    """The prosecution pathway figures.

    Attributes:
        suspects: pathways assembled (suspects).
        arrested: suspects with an arrest.
        reached_court: arrested suspects with a court step.
        verdicts: suspects by verdict (convicted, acquitted, dismissed).
        pending: arrested suspects with no verdict.
        pending_too_long: of them, pending more than ``pending_months``.
        durations: time between stages.
        sentence_outcomes: convicted judgments by how the sentence ends.
    """

    suspects: int = 0
    arrested: int = 0
    reached_court: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    pending_too_long: int = 0
    durations: list[Durations] = field(default_factory=list)
    sentence_outcomes: dict[str, int] = field(default_factory=dict)


def sentence_outcome(judgment: Judgment, stages: Iterable[EventType] = ()) -> str:
    """How a convicted judgment's sentence ends: escaped, released, suspended, part
    suspended, serving or no prison."""
    seen = set(stages)
    if EventType.ESCAPED in seen:
        return "escaped"
    if EventType.RELEASED in seen:
        return "released"
    sentence = judgment.sentence_months or 0
    suspended = judgment.suspended_months or 0
    if sentence == 0:
        return "no prison"
    if suspended >= sentence:
        return "suspended"
    if suspended > 0:
        return "part suspended"
    return "serving"


def prosecution_report(
    pathways: Sequence[Pathway],
    judgments: Sequence[Judgment] = (),
    *,
    as_of: date | None = None,
    pending_months: int = PENDING_MONTHS,
) -> ProsecutionReport:
    """Attrition, durations and sentence outcomes of the prosecution pathway.

    Args:
        pathways: assembled prosecution pathways.
        judgments: the judgments (for sentence outcomes).
        as_of: the date the data run to (default: the latest step date).
        pending_months: months after which an open arrest is "pending too long".

    Returns:
        The report.
    """
    as_of = as_of or latest_date(pathways)
    limit = as_of - timedelta(days=round(pending_months * DAYS_PER_MONTH))
    report = ProsecutionReport(suspects=len(pathways))
    verdicts: Counter[str] = Counter()
    stages_of: dict[int, set[EventType]] = {}
    for pathway in pathways:
        stages = set(pathway.stages)
        if pathway.subject_type == "person":
            stages_of[pathway.subject_id] = stages
        for verdict in VERDICT_STAGES & stages:
            verdicts[verdict.value] += 1
        if EventType.ARRESTED not in stages:
            continue
        report.arrested += 1
        if stages & COURT_STAGES:
            report.reached_court += 1
        if not stages & VERDICT_STAGES:
            report.pending += 1
            first = pathway.steps[0].on
            if first is not None and first <= limit:
                report.pending_too_long += 1
    report.verdicts = dict(sorted(verdicts.items()))
    report.durations = durations_between(pathways, DURATION_PAIRS)
    outcomes: Counter[str] = Counter()
    for judgment in judgments:
        if judgment.outcome.value not in ("convicted", "appealed"):
            continue
        stages = stages_of.get(judgment.suspect_person_id or -1, set())
        outcomes[sentence_outcome(judgment, stages)] += 1
    report.sentence_outcomes = dict(outcomes.most_common())
    return report
