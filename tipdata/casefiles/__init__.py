"""Case files: how a person or a case is looked at, scoped in SQL and audited.

These are the read and entry services behind the person, case, review and screening
pages and their API (the CLI can call them the same way). Each takes the acting user,
filters by :func:`tipdata.access.scope_filter` in the query, shows protected fields
only through the role's output schema, and records the access in the audit log.

Public surface::

    list_persons(db, actor=..., limit=..., before_id=None) -> list[PersonSummary]
    person_profile(db, public_id, actor=...) -> PersonProfile
    search_persons_by_name(db, name, actor=...) -> list[NameMatch]   # blind index, POST only
    search_persons_by_document(db, number, actor=...) -> list[NameMatch]   # likewise
    list_cases(db, actor=..., limit=..., before_id=None) -> list[CaseSummary]
    case_details(db, case_id, actor=...) -> CaseFile
    review_pairs(db, actor=..., limit=..., offset=0) -> ReviewPage
    decide_review_pair(db, pair_id, decision, actor=..., expected_status=...) -> ReviewPairView
    screening_form(db, public_id, actor=...) -> ScreeningForm
    record_person_screening(db, public_id, entry, actor=...) -> ScreeningResult
"""

from tipdata.casefiles.cases import (
    CaseFile,
    CasePersonView,
    CaseSummary,
    ChargeView,
    FindingView,
    case_details,
    list_cases,
)
from tipdata.casefiles.errors import CaseFileError, ConflictError, NotFoundError
from tipdata.casefiles.persons import (
    NameMatch,
    PersonProfile,
    PersonSummary,
    ReferralView,
    ScreeningView,
    TimelineStep,
    list_persons,
    person_profile,
    search_persons_by_document,
    search_persons_by_name,
)
from tipdata.casefiles.review import (
    FieldComparison,
    RecordSide,
    ReviewPage,
    ReviewPairView,
    decide_review_pair,
    review_pairs,
)
from tipdata.casefiles.screenings import (
    ScreeningEntry,
    ScreeningForm,
    record_person_screening,
    screening_form,
)

__all__ = [
    "CaseFile",
    "CaseFileError",
    "CasePersonView",
    "CaseSummary",
    "ChargeView",
    "ConflictError",
    "FieldComparison",
    "FindingView",
    "NameMatch",
    "NotFoundError",
    "PersonProfile",
    "PersonSummary",
    "RecordSide",
    "ReferralView",
    "ReviewPage",
    "ReviewPairView",
    "ScreeningEntry",
    "ScreeningForm",
    "ScreeningView",
    "TimelineStep",
    "case_details",
    "decide_review_pair",
    "list_cases",
    "list_persons",
    "person_profile",
    "record_person_screening",
    "review_pairs",
    "screening_form",
    "search_persons_by_document",
    "search_persons_by_name",
]
