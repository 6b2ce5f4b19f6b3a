"""Domain types and enums shared by storage, ingestion, linkage and reporting."""

from tipdata.model.enums import (
    PROSECUTION_PATHWAY_EVENTS,
    VICTIM_PATHWAY_EVENTS,
    AgencyKind,
    CaseKind,
    ChargeOutcome,
    Determination,
    EventType,
    ImportStatus,
    IndicatorAnswer,
    LawArticleKind,
    PersonRole,
    PersonStatus,
    ReferralStatus,
    ReportStatus,
    Sex,
)

__all__ = [
    "PROSECUTION_PATHWAY_EVENTS",
    "VICTIM_PATHWAY_EVENTS",
    "AgencyKind",
    "CaseKind",
    "ChargeOutcome",
    "Determination",
    "EventType",
    "ImportStatus",
    "IndicatorAnswer",
    "LawArticleKind",
    "PersonRole",
    "PersonStatus",
    "ReferralStatus",
    "ReportStatus",
    "Sex",
]
