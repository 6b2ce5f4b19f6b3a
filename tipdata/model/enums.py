"""The fixed vocabularies of the data model, as string enums.

The value of each member is the code stored in the database and written in
files; it never changes once released. Storage declares these as VARCHAR
columns with a CHECK constraint (see ``tipdata.store.base.enum_type``), so
adding a member needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    """Sex of a person as recorded by a source."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class PersonRole(StrEnum):
    """The role a person plays in a source record or a case."""

    VICTIM = "victim"
    SUSPECT = "suspect"
    CONVICTED = "convicted"
    WITNESS = "witness"
    RETURNEE = "returnee"
    MIGRANT_WORKER = "migrant_worker"


class PersonStatus(StrEnum):
    """Whether a canonical person is in use or was merged into another one by linkage."""

    ACTIVE = "active"
    MERGED = "merged"


class EventType(StrEnum):
    """A dated step of a person's victim pathway or prosecution pathway."""

    # victim pathway
    IDENTIFIED = "identified"
    RESCUED = "rescued"
    RETURNED = "returned"
    SCREENED = "screened"
    DETERMINED_VICTIM = "determined_victim"
    DETERMINED_NOT_VICTIM = "determined_not_victim"
    REFERRED = "referred"
    SHELTERED = "sheltered"
    SERVICE_PROVIDED = "service_provided"
    REINTEGRATED = "reintegrated"
    FOLLOWED_UP = "followed_up"
    REPATRIATED = "repatriated"
    RE_TRAFFICKED = "re_trafficked"
    CASE_CLOSED = "case_closed"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    # prosecution pathway
    ARRESTED = "arrested"
    CHARGED = "charged"
    TRIED = "tried"
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    SENTENCED = "sentenced"
    APPEALED = "appealed"
    RELEASED = "released"
    ESCAPED = "escaped"
    DISMISSED = "dismissed"
    # labour migration (neither pathway): any source may record them
    DEPARTED = "departed"
    DEPORTED = "deported"
    HOTLINE_REPORT = "hotline_report"


MIGRATION_EVENTS: frozenset[EventType] = frozenset(
    {EventType.DEPARTED, EventType.DEPORTED, EventType.HOTLINE_REPORT}
)
"""Labour-migration events: a departure through a recruitment company, a deportation from
the destination country, a hotline report about a worker abroad. They belong to neither
pathway; the LMIS tables of the TIP report count them, whatever source declared them."""

VICTIM_PATHWAY_EVENTS: frozenset[EventType] = frozenset(
    {
        EventType.IDENTIFIED,
        EventType.RESCUED,
        EventType.RETURNED,
        EventType.SCREENED,
        EventType.DETERMINED_VICTIM,
        EventType.DETERMINED_NOT_VICTIM,
        EventType.REFERRED,
        EventType.SHELTERED,
        EventType.SERVICE_PROVIDED,
        EventType.REINTEGRATED,
        EventType.FOLLOWED_UP,
        EventType.REPATRIATED,
        EventType.RE_TRAFFICKED,
        EventType.CASE_CLOSED,
        EventType.HANDED_OVER,
        EventType.RECEIVED,
    }
)
"""Event types of the victim pathway; every other event type is a prosecution step."""

PROSECUTION_PATHWAY_EVENTS: frozenset[EventType] = (
    frozenset(EventType) - VICTIM_PATHWAY_EVENTS - MIGRATION_EVENTS
)
"""Event types of the prosecution pathway."""


class DocumentKind(StrEnum):
    """The kind of an identity document a source recorded for a person."""

    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    WORKER_ID = "worker_id"
    """A labour-migration worker id (e.g. the MOLVT LMIS id) or a work-permit number."""


class ChargeOutcome(StrEnum):
    """Where a charge stands: the latest known outcome."""

    CHARGED = "charged"
    PENDING = "pending"
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    DISMISSED = "dismissed"
    APPEALED = "appealed"


class CaseKind(StrEnum):
    """Whether a case is a police investigation, a court case or an assistance case file.

    An *assistance* case is a shelter's or social service's file on a victim (e.g. an
    NGO intake): it carries the form of exploitation and destination the service
    recorded, and is never counted as an investigation.
    """

    INVESTIGATION = "investigation"
    COURT = "court"
    ASSISTANCE = "assistance"


class ReferralStatus(StrEnum):
    """Status of a referral from an agency to a service provider."""

    PROPOSED = "proposed"
    SENT = "sent"
    RECEIVED = "received"
    DECLINED = "declined"
    COMPLETED = "completed"


class CaseWorkStatus(StrEnum):
    """Status of an agency's case work with a person (``store.casework.CaseWork``)."""

    OPEN = "open"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class Determination(StrEnum):
    """Outcome of victim identification (screening)."""

    VICTIM = "victim"
    POSSIBLE_VICTIM = "possible_victim"
    NOT_VICTIM = "not_victim"


class IndicatorAnswer(StrEnum):
    """Answer to one victim-identification indicator."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class ReportStatus(StrEnum):
    """Life cycle of a provincial periodic report."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REOPENED = "reopened"


class ImportStatus(StrEnum):
    """Outcome of one import run."""

    RUNNING = "running"
    COMMITTED = "committed"
    REJECTED = "rejected"
    FAILED = "failed"


class AgencyKind(StrEnum):
    """What kind of body an agency is."""

    GOVERNMENT = "government"
    COURT = "court"
    NGO = "ngo"
    INTERNATIONAL = "international"
    WORKING_GROUP = "working_group"


class LawArticleKind(StrEnum):
    """What a law article does: defines, scopes, penalises or sets procedure."""

    DEFINITION = "definition"
    SCOPE = "scope"
    PENAL = "penal"
    PROCEDURAL = "procedural"
    OTHER = "other"
