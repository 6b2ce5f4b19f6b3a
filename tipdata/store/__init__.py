"""Storage: SQLAlchemy tables, the :class:`Database`, migrations and backups.

One schema for SQLite and PostgreSQL. Every domain row carries
``owner_agency_id``, the agency that owns it; every fact refers to the
:class:`SourceRecord` it came from.
"""

from tipdata.store.access import (
    ApiToken,
    AppUser,
    AuditEvent,
    DataKey,
    LoginThrottle,
    Role,
    UserSession,
)
from tipdata.store.backup import backup, restore, table_fingerprints
from tipdata.store.backup import backup as backup_database
from tipdata.store.backup import restore as restore_database
from tipdata.store.base import MAX_INTEGER, NAMING_CONVENTION, Base, metadata, utc_now
from tipdata.store.cases import Case, CaseExploitation, CasePerson, Charge, Event
from tipdata.store.casework import CaseNote, CaseWork, FollowUp, RecordCorrection
from tipdata.store.database import Database
from tipdata.store.documents import IdentityDocument
from tipdata.store.exchange import CrossBorderExchange, CrossBorderLink
from tipdata.store.findings import CheckRun, Finding
from tipdata.store.linkage import (
    LinkageRun,
    MergePart,
    PersonEvent,
    PersonRecordLinkKey,
    ReviewDecision,
    ReviewPair,
    UncertainMerge,
)
from tipdata.store.people import Person, PersonRecord, new_person_public_id
from tipdata.store.provenance import (
    ImportRun,
    ImportRunIssue,
    Source,
    SourceRecord,
    SourceRecordVersion,
)
from tipdata.store.provincial import ReportStatusChange, ReportValidationResult
from tipdata.store.reference import (
    Agency,
    Country,
    ExploitationType,
    Law,
    LawArticle,
    PenaltyRange,
    Province,
)
from tipdata.store.releases import ReportRelease, ReportReleaseFile
from tipdata.store.reports import TOTAL, ProvincialReport, ProvincialReportValue
from tipdata.store.services import (
    ProviderService,
    Referral,
    Screening,
    ScreeningAnswer,
    ServiceProvider,
)

__all__ = [
    "MAX_INTEGER",
    "NAMING_CONVENTION",
    "TOTAL",
    "Agency",
    "ApiToken",
    "AppUser",
    "AuditEvent",
    "Base",
    "Case",
    "CaseExploitation",
    "CaseNote",
    "CasePerson",
    "CaseWork",
    "Charge",
    "CheckRun",
    "Country",
    "CrossBorderExchange",
    "CrossBorderLink",
    "DataKey",
    "Database",
    "Event",
    "ExploitationType",
    "Finding",
    "FollowUp",
    "IdentityDocument",
    "ImportRun",
    "ImportRunIssue",
    "Law",
    "LawArticle",
    "LinkageRun",
    "LoginThrottle",
    "MergePart",
    "PenaltyRange",
    "Person",
    "PersonEvent",
    "PersonRecord",
    "PersonRecordLinkKey",
    "ProviderService",
    "Province",
    "ProvincialReport",
    "ProvincialReportValue",
    "RecordCorrection",
    "Referral",
    "ReportRelease",
    "ReportReleaseFile",
    "ReportStatusChange",
    "ReportValidationResult",
    "ReviewDecision",
    "ReviewPair",
    "Role",
    "Screening",
    "ScreeningAnswer",
    "ServiceProvider",
    "Source",
    "SourceRecord",
    "SourceRecordVersion",
    "UncertainMerge",
    "UserSession",
    "backup",
    "backup_database",
    "metadata",
    "new_person_public_id",
    "restore",
    "restore_database",
    "table_fingerprints",
    "utc_now",
]
