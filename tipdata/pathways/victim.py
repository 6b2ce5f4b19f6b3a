"""Victim pathway: sequence checks and the report (durations, drop-out, referral gaps).

The checks walk each assembled pathway against the state model of ``victim.yaml``:
a transition the model does not allow is a finding (``sheltered_before_rescued``,
``two_shelters_at_once``, ``impossible_sequence``), never an exception. A person rescued
or identified by police and never referred to social affairs or a shelter is the
finding ``identified_not_referred``. Returnees screened by IOM at the Poipet or Bavet
transit centres are in the care of a service provider from the start, so a return is
not an identification that must be followed by a referral.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tipdata.legal.findings import CheckFinding
from tipdata.model.enums import EventType
from tipdata.pathways.assemble import Pathway, Step
from tipdata.pathways.model import PathwayModel, pathway_model

IDENTIFICATION_STAGES: frozenset[EventType] = frozenset({EventType.IDENTIFIED, EventType.RESCUED})
"""Identifications that must lead to a referral (police rescue, identification)."""

CARE_STAGES: frozenset[EventType] = frozenset(
    {
        EventType.REFERRED,
        EventType.SHELTERED,
        EventType.SERVICE_PROVIDED,
        EventType.REINTEGRATED,
        EventType.REPATRIATED,
        EventType.HANDED_OVER,
        EventType.RECEIVED,
    }
)
"""Steps that show a person reached social affairs or a service provider."""

DURATION_PAIRS: tuple[tuple[str, frozenset[EventType], EventType], ...] = (
    (
        "identified → referred",
        frozenset({EventType.IDENTIFIED, EventType.RESCUED, EventType.RETURNED}),
        EventType.REFERRED,
    ),
    (
        "identified → sheltered",
        frozenset({EventType.IDENTIFIED, EventType.RESCUED, EventType.RETURNED}),
        EventType.SHELTERED,
    ),
    ("referred → sheltered", frozenset({EventType.REFERRED}), EventType.SHELTERED),
    ("sheltered → reintegrated", frozenset({EventType.SHELTERED}), EventType.REINTEGRATED),
    (
        "identified → reintegrated",
        frozenset({EventType.IDENTIFIED, EventType.RESCUED, EventType.RETURNED}),
        EventType.REINTEGRATED,
    ),
    ("reintegrated → followed up", frozenset({EventType.REINTEGRATED}), EventType.FOLLOWED_UP),
    ("handed over → received", frozenset({EventType.HANDED_OVER}), EventType.RECEIVED),
)
"""The stage pairs whose time apart the report gives (first ``from``, first ``to`` after)."""


REFERRAL_GRACE_DAYS = 30
"""Days allowed from identification to referral before a victim counts as never referred."""


def _finding(
    pathway: Pathway, rule: str, severity: str, message: str, steps: Sequence[Step], **facts: object
) -> CheckFinding:
    anchor = steps[-1]
    return CheckFinding(
        rule=rule,
        severity=severity,  # type: ignore[arg-type]
        subject_type=pathway.subject_type,
        subject_id=pathway.subject_id,
        message=message,
        facts={
            "steps": [
                {
                    "stage": s.stage.value,
                    "date": s.on.isoformat() if s.on else None,
                    "agency": s.agency,
                }
                for s in steps
            ],
            **facts,
        },
        record_ids={
            "event": sorted({s.record_id for s in steps if s.origin == "event"}),
            "screening": sorted({s.record_id for s in steps if s.origin == "screening"}),
            "source_record": sorted({s.source_record_id for s in steps if s.source_record_id}),
            "person_record": sorted({s.person_record_id for s in steps}),
        },
        agency=anchor.agency,
        year=anchor.on.year if anchor.on else None,
    )


def check_sequence(pathway: Pathway, model: PathwayModel | None = None) -> list[CheckFinding]:
    """Findings for the impossible sequences of one pathway.

    Args:
        pathway: an assembled pathway (victim or prosecution).
        model: the state model; default the built-in one of the pathway's kind.

    Returns:
        One finding per disallowed transition and per second shelter opened while
        another stay is open.
    """
    model = model or pathway_model(pathway.kind)
    findings: list[CheckFinding] = []
    previous: Step | None = None
    open_shelters: dict[str, Step] = {}
    exits = frozenset(model.exits_shelter)
    for step in pathway.steps:
        if previous is None:
            if step.stage not in model.start:
                rule = model.rules[-1]
                findings.append(
                    _finding(
                        pathway,
                        rule.code,
                        rule.severity,
                        f"pathway starts with {step.stage.value}",
                        [step],
                    )
                )
        elif not model.allows(previous.stage, step.stage):
            rule = model.rule_for(previous.stage, step.stage)
            findings.append(
                _finding(
                    pathway,
                    rule.code,
                    rule.severity,
                    f"{rule.message}: {previous.stage.value} then {step.stage.value}",
                    [previous, step],
                )
            )
        if step.stage == EventType.SHELTERED:
            others = [s for agency, s in open_shelters.items() if agency != step.agency]
            if others:
                rule = model.rule_for(EventType.SHELTERED, EventType.SHELTERED)
                findings.append(
                    _finding(
                        pathway,
                        rule.code,
                        rule.severity,
                        f"{rule.message}: {others[0].agency} and {step.agency}",
                        [*others, step],
                    )
                )
            open_shelters[step.agency] = step
        elif step.stage in exits:
            open_shelters.pop(step.agency, None)
        previous = step
    return findings


def check_never_referred(
    pathway: Pathway, *, as_of: date, grace_days: int = REFERRAL_GRACE_DAYS
) -> list[CheckFinding]:
    """A finding when a person identified (rescued) was never referred afterwards.

    Args:
        pathway: a victim pathway.
        as_of: the date the data run to; recent identifications are given time.
        grace_days: days allowed between identification and referral.

    Returns:
        At most one finding per episode without any care step after the identification.
    """
    findings: list[CheckFinding] = []
    steps = pathway.steps
    for index, step in enumerate(steps):
        if step.stage not in IDENTIFICATION_STAGES:
            continue
        if index > 0 and steps[index - 1].stage in IDENTIFICATION_STAGES:
            continue  # the same identification seen by two sources
        if step.on is None or step.on > as_of - timedelta(days=grace_days):
            continue
        later = steps[index + 1 :]
        before_next = []
        for other in later:
            if (
                other.stage in IDENTIFICATION_STAGES
                and other.on
                and other.on > step.on + timedelta(days=grace_days)
            ):
                break
            before_next.append(other)
        cared = any(s.stage in CARE_STAGES for s in before_next) or any(
            s.stage in CARE_STAGES and s.on == step.on for s in steps[:index]
        )
        if not cared:
            findings.append(
                _finding(
                    pathway,
                    "identified_not_referred",
                    "error",
                    f"identified ({step.stage.value}) by {step.agency} on {step.on} and "
                    "never referred to social affairs or a service provider",
                    [step],
                    grace_days=grace_days,
                    as_of=as_of.isoformat(),
                )
            )
    return findings


def check_victim_pathways(
    pathways: Iterable[Pathway], *, as_of: date | None = None, grace_days: int = REFERRAL_GRACE_DAYS
) -> list[CheckFinding]:
    """Run every victim-pathway check.

    Args:
        pathways: assembled victim pathways.
        as_of: the date the data run to (default: the latest step date).
        grace_days: days allowed between identification and referral.

    Returns:
        The findings of all pathways.
    """
    pathways = list(pathways)
    as_of = as_of or latest_date(pathways)
    model = pathway_model("victim")
    findings: list[CheckFinding] = []
    for pathway in pathways:
        findings.extend(check_sequence(pathway, model))
        findings.extend(check_never_referred(pathway, as_of=as_of, grace_days=grace_days))
    return findings


def latest_date(pathways: Iterable[Pathway]) -> date:
    """The latest step date of any pathway (today when there is none)."""
    return max(
        (p.steps[-1].on for p in pathways if p.steps and p.steps[-1].on), default=date.today()
    )


@dataclass(frozen=True, slots=True)
class Durations:
    """Time between two stages over the pathways that reached both.

    Attributes:
        label: ``"referred → sheltered"``.
        count: pathways measured.
        median_days: median, in days.
        p90_days: 90th percentile, in days.
    """

    label: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(slots=True)
class VictimPathwayReport:
    """The victim pathway figures.

    Attributes:
        pathways: pathways assembled.
        reached: pathways that reached each stage.
        last_stage: pathways by their last stage (where people drop out).
        durations: time between stage pairs.
        identified_not_referred: subjects identified and never referred.
        referrals_not_received: referred steps with no shelter admission within
            ``referral_wait_days``.
        re_trafficked: subjects identified again after reintegration (or marked so).
    """

    pathways: int = 0
    reached: dict[str, int] = field(default_factory=dict)
    last_stage: dict[str, int] = field(default_factory=dict)
    durations: list[Durations] = field(default_factory=list)
    identified_not_referred: list[tuple[str, int]] = field(default_factory=list)
    referrals_not_received: int = 0
    re_trafficked: list[tuple[str, int]] = field(default_factory=list)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (linear interpolation between ranks)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations_between(
    pathways: Iterable[Pathway],
    pairs: Sequence[tuple[str, frozenset[EventType], EventType]] = DURATION_PAIRS,
) -> list[Durations]:
    """Median and 90th percentile of days from the first ``from`` to the first ``to`` after it.

    Args:
        pathways: assembled pathways.
        pairs: ``(label, from stages, to stage)`` triples.

    Returns:
        One :class:`Durations` per pair, in the order given.
    """
    samples: dict[str, list[float]] = {label: [] for label, _, _ in pairs}
    for pathway in pathways:
        for label, starts, end in pairs:
            start = next((s for s in pathway.steps if s.stage in starts), None)
            if start is None or start.on is None:
                continue
            finish = next(
                (s for s in pathway.steps if s.stage == end and s.on and s.on >= start.on), None
            )
            if finish is not None and finish.on is not None:
                samples[label].append(float((finish.on - start.on).days))
    return [
        Durations(
            label,
            len(values),
            statistics.median(values) if values else None,
            percentile(values, 0.9) if values else None,
        )
        for label, values in samples.items()
    ]


def is_re_trafficked(pathway: Pathway, model: PathwayModel | None = None) -> bool:
    """Whether the person was identified again after reintegration (or marked re-trafficked)."""
    model = model or pathway_model("victim")
    reintegrated = False
    for step in pathway.steps:
        if step.stage == EventType.RE_TRAFFICKED:
            return True
        if step.stage in (EventType.REINTEGRATED, EventType.FOLLOWED_UP):
            reintegrated = True
        elif reintegrated and step.stage in model.episode_start:
            return True
    return False


def victim_report(
    pathways: Iterable[Pathway],
    *,
    findings: Iterable[CheckFinding] = (),
    referral_wait_days: int = 60,
) -> VictimPathwayReport:
    """The victim pathway report: stages reached, drop-out, durations, gaps, re-trafficking.

    Args:
        pathways: assembled victim pathways.
        findings: the findings of :func:`check_victim_pathways` (for the never-referred list).
        referral_wait_days: days a referral may wait for a shelter admission.

    Returns:
        The report.
    """
    pathways = list(pathways)
    model = pathway_model("victim")
    report = VictimPathwayReport(pathways=len(pathways))
    reached: Counter[str] = Counter()
    last: Counter[str] = Counter()
    for pathway in pathways:
        reached.update({step.stage.value for step in pathway.steps})
        if pathway.steps:
            last[pathway.steps[-1].stage.value] += 1
        for index, step in enumerate(pathway.steps):
            if step.stage != EventType.REFERRED or step.on is None:
                continue
            deadline = step.on + timedelta(days=referral_wait_days)
            if not any(
                s.stage == EventType.SHELTERED and s.on and step.on <= s.on <= deadline
                for s in pathway.steps[index:]
            ) and not any(
                s.stage == EventType.SHELTERED and s.on and s.on <= step.on
                for s in pathway.steps[:index]
            ):
                report.referrals_not_received += 1
        if is_re_trafficked(pathway, model):
            report.re_trafficked.append((pathway.subject_type, pathway.subject_id))
    report.reached = dict(sorted(reached.items()))
    report.last_stage = dict(last.most_common())
    report.durations = durations_between(pathways)
    report.identified_not_referred = sorted(
        {(f.subject_type, f.subject_id) for f in findings if f.rule == "identified_not_referred"}
    )
    return report
