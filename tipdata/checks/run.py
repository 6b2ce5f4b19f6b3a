"""Run every check (legal and pathway) and store the findings (the service of `tipdata check`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from tipdata.codelists import LawCatalogue, load_law_catalogue
from tipdata.legal.findings import CheckFinding, StoredRun, store_findings
from tipdata.legal.judgments import load_judgments
from tipdata.legal.rules import check_judgments
from tipdata.pathways.assemble import assemble_pathways, paused_gc
from tipdata.pathways.prosecution import PENDING_MONTHS, check_prosecution_pathways
from tipdata.pathways.victim import REFERRAL_GRACE_DAYS, check_victim_pathways
from tipdata.store import Database

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class CheckResults:
    """The findings of one run of the checks, and how long each part took.

    Attributes:
        findings: every finding, legal first.
        judgments: judgments checked.
        victim_pathways: victim pathways assembled.
        prosecution_pathways: prosecution pathways assembled.
        seconds: time per part.
        run: the stored run, when the findings were stored.
    """

    findings: list[CheckFinding] = field(default_factory=list)
    judgments: int = 0
    victim_pathways: int = 0
    prosecution_pathways: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    run: StoredRun | None = None


def run_checks(
    db: Database,
    *,
    catalogue: LawCatalogue | None = None,
    as_of: date | None = None,
    grace_days: int | None = None,
    pending_months: int | None = None,
    store: bool = True,
    started_by: str | None = None,
    progress: Progress | None = None,
) -> CheckResults:
    """Run the legal checks and the victim and prosecution pathway checks.

    Args:
        db: the database.
        catalogue: the law catalogue (default: the shipped one).
        as_of: the date the data run to (default: the latest step date).
        grace_days: days allowed between identification and referral (None:
            :data:`~tipdata.pathways.victim.REFERRAL_GRACE_DAYS`, on every front).
        pending_months: months after which an arrest or charge without a verdict is
            reported as pending (prosecution attrition; None:
            :data:`~tipdata.pathways.prosecution.PENDING_MONTHS`).
        store: write the findings as a check run.
        started_by: who ran the checks.
        progress: ``progress(step, done, total)`` callback.

    Returns:
        The findings and counts.
    """
    catalogue = catalogue or load_law_catalogue()
    grace_days = REFERRAL_GRACE_DAYS if grace_days is None else grace_days
    pending_months = PENDING_MONTHS if pending_months is None else pending_months
    results = CheckResults()
    steps = ("legal", "victim pathways", "prosecution pathways")
    # millions of steps and pathways at scale 10: pause the cyclic collector (see paused_gc)
    with db.session() as session, paused_gc():
        started = time.perf_counter()
        judgments = load_judgments(session)
        results.findings.extend(check_judgments(judgments, catalogue))
        results.judgments = len(judgments)
        results.seconds["legal"] = time.perf_counter() - started
        if progress:
            progress("checks", 1, len(steps))
        started = time.perf_counter()
        victims = assemble_pathways(session, "victim")
        results.findings.extend(check_victim_pathways(victims, as_of=as_of, grace_days=grace_days))
        results.victim_pathways = len(victims)
        results.seconds["victim pathways"] = time.perf_counter() - started
        if progress:
            progress("checks", 2, len(steps))
        started = time.perf_counter()
        suspects = assemble_pathways(session, "prosecution")
        results.findings.extend(
            check_prosecution_pathways(suspects, as_of=as_of, pending_months=pending_months)
        )
        results.prosecution_pathways = len(suspects)
        results.seconds["prosecution pathways"] = time.perf_counter() - started
        if progress:
            progress("checks", 3, len(steps))
        if store:
            results.run = store_findings(
                session,
                results.findings,
                checks="all",
                started_by=started_by,
                parameters={
                    "as_of": as_of.isoformat() if as_of else None,
                    "grace_days": grace_days,
                    "pending_months": pending_months,
                },
            )
            session.commit()
    log.info("checks: %d findings", len(results.findings))
    return results
