"""Victim and prosecution pathways: state models as data, assembly, checks and reports.

Public surface::

    assemble_pathways(session, "victim" | "prosecution") -> list[Pathway]
    check_victim_pathways(pathways, as_of=..., grace_days=30) -> list[CheckFinding]
    victim_report(pathways, findings=...) -> VictimPathwayReport
    check_prosecution_pathways(pathways, as_of=..., pending_months=12) -> list[CheckFinding]
    prosecution_report(pathways, judgments) -> ProsecutionReport
    pathway_model("victim" | "prosecution") -> PathwayModel   # victim.yaml, prosecution.yaml
"""

from tipdata.pathways.assemble import Pathway, Step, assemble_pathways, group_steps, iter_steps
from tipdata.pathways.model import PathwayModel, load_pathway_model, pathway_model
from tipdata.pathways.prosecution import (
    ProsecutionReport,
    check_prosecution_pathways,
    prosecution_report,
)
from tipdata.pathways.victim import (
    Durations,
    VictimPathwayReport,
    check_never_referred,
    check_sequence,
    check_victim_pathways,
    victim_report,
)

__all__ = [
    "Durations",
    "Pathway",
    "PathwayModel",
    "ProsecutionReport",
    "Step",
    "VictimPathwayReport",
    "assemble_pathways",
    "check_never_referred",
    "check_prosecution_pathways",
    "check_sequence",
    "check_victim_pathways",
    "group_steps",
    "iter_steps",
    "load_pathway_model",
    "pathway_model",
    "prosecution_report",
    "victim_report",
]
