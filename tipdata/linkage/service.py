"""Linkage services: the facade the CLI, the web (review and persons through ``casefiles``)
and the demo call.

Each use case lives in the module of its concept (STYLE.md rule 3); this module re-exports
them so that callers name one place:

* :func:`link` (:mod:`~tipdata.linkage.run`) — one run: load records, train (full) or reuse
  the last model (incremental) and predict (:mod:`~tipdata.linkage.scoring`), then cluster
  with reviewers' decisions as must/cannot-links, keep person ids stable, record events
  and queue uncertain pairs (:mod:`~tipdata.linkage.storing`).
* :func:`linkage_runs` (:mod:`~tipdata.linkage.history`) — the runs so far, with their
  counts and calibration.
* :class:`LinkageJobs` (:mod:`~tipdata.linkage.jobs`) — a run on a thread of the
  application, one at a time, watched while it goes on (the web's "Run linkage").
* :func:`review_queue`, :func:`decide_pair` (:mod:`~tipdata.linkage.review`) — the review
  queue and decisions.
* :func:`merge_persons`, :func:`split_person` (:mod:`~tipdata.linkage.manual`) — a data
  officer's manual changes, kept as decided pairs so that every later run honours them.
* :func:`person_details` (:mod:`~tipdata.linkage.person_view`) — the records, agency by
  agency, that make a person.
"""

from __future__ import annotations

from tipdata.linkage.common import LINKAGE_OWNER, LOCAL_OPERATOR, LinkageError, StaleDecisionError
from tipdata.linkage.defaults import DEFAULT_REVIEW_LOWER, DEFAULT_THRESHOLD
from tipdata.linkage.evidence import COMPARISONS, EVIDENCE_VALUES, PROTECTED_EVIDENCE
from tipdata.linkage.explain import explain_pair, waterfall_rows
from tipdata.linkage.history import LinkRunRecord, linkage_runs
from tipdata.linkage.jobs import LinkageBusyError, LinkageJob, LinkageJobs
from tipdata.linkage.manual import merge_persons, split_person
from tipdata.linkage.person_view import PersonRecordView, PersonView, person_details
from tipdata.linkage.review import (
    RECORDED_FIELDS,
    RecordedValues,
    ReviewItem,
    decide_pair,
    review_queue,
)
from tipdata.linkage.run import CALIBRATION_KEY, LinkRun, Mode, link, planned_mode
from tipdata.linkage.scoring import Progress, calibration
from tipdata.linkage.storing import WRITE_CHUNK

__all__ = [
    "CALIBRATION_KEY",
    "COMPARISONS",
    "DEFAULT_REVIEW_LOWER",
    "DEFAULT_THRESHOLD",
    "EVIDENCE_VALUES",
    "LINKAGE_OWNER",
    "LOCAL_OPERATOR",
    "PROTECTED_EVIDENCE",
    "RECORDED_FIELDS",
    "WRITE_CHUNK",
    "LinkRun",
    "LinkRunRecord",
    "LinkageBusyError",
    "LinkageError",
    "LinkageJob",
    "LinkageJobs",
    "Mode",
    "PersonRecordView",
    "PersonView",
    "Progress",
    "RecordedValues",
    "ReviewItem",
    "StaleDecisionError",
    "calibration",
    "decide_pair",
    "explain_pair",
    "link",
    "linkage_runs",
    "merge_persons",
    "person_details",
    "planned_mode",
    "review_queue",
    "split_person",
    "waterfall_rows",
]
