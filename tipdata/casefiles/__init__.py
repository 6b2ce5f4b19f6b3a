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
    find_persons(db, actor=..., filters=..., sort=..., limit=..., offset=..., today=...)
    fuzzy_search_persons(db, name, actor=...) -> FuzzyResult   # in-memory decrypt, POST only
    case_work(db, public_id, actor=..., today=...) -> CaseWorkFile
    update_case_work / add_follow_up / complete_follow_up / overdue_follow_ups
    write_case_note(db, public_id, actor=..., body=...) -> note id   # encrypted at rest
    referral_form(db, public_id, actor=...) -> ReferralForm; refer_person(...) -> referral id
    correct_record(db, public_id, actor=..., ...) -> correction id; correction_history(...)
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
from tipdata.casefiles.casework import (
    FOLLOW_UP_KINDS,
    MAX_NOTE,
    CaseWorkFile,
    CaseWorkView,
    FollowUpView,
    NoteView,
    add_follow_up,
    case_work,
    complete_follow_up,
    overdue_follow_ups,
    update_case_work,
    write_case_note,
)
from tipdata.casefiles.corrections import (
    CORRECTABLE,
    CorrectionView,
    correct_record,
    correctable_records,
    correction_history,
)
from tipdata.casefiles.errors import CaseFileError, ConflictError, NotFoundError
from tipdata.casefiles.finder import (
    NAME_SEARCH_PERMISSION,
    SORTS,
    FuzzyMatch,
    FuzzyResult,
    PersonFilters,
    find_persons,
    fuzzy_search_persons,
)
from tipdata.casefiles.persons import (
    MAX_DOCUMENT_NUMBER,
    MAX_NAME,
    PERSON_READ_PERMISSION,
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
from tipdata.casefiles.referrals import (
    REFERRAL_PERMISSION,
    ReferralForm,
    refer_person,
    referral_form,
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
    SCREENING_ENTRY_PERMISSION,
    ScreeningEntry,
    ScreeningForm,
    indicator_names,
    record_person_screening,
    screening_form,
)

__all__ = [
    "CORRECTABLE",
    "FOLLOW_UP_KINDS",
    "MAX_DOCUMENT_NUMBER",
    "MAX_NAME",
    "MAX_NOTE",
    "NAME_SEARCH_PERMISSION",
    "PERSON_READ_PERMISSION",
    "REFERRAL_PERMISSION",
    "SCREENING_ENTRY_PERMISSION",
    "SORTS",
    "CaseFile",
    "CaseFileError",
    "CasePersonView",
    "CaseSummary",
    "CaseWorkFile",
    "CaseWorkView",
    "ChargeView",
    "ConflictError",
    "CorrectionView",
    "FieldComparison",
    "FindingView",
    "FollowUpView",
    "FuzzyMatch",
    "FuzzyResult",
    "NameMatch",
    "NotFoundError",
    "NoteView",
    "PersonFilters",
    "PersonProfile",
    "PersonSummary",
    "RecordSide",
    "ReferralForm",
    "ReferralView",
    "ReviewPage",
    "ReviewPairView",
    "ScreeningEntry",
    "ScreeningForm",
    "ScreeningView",
    "TimelineStep",
    "add_follow_up",
    "case_details",
    "case_work",
    "complete_follow_up",
    "correct_record",
    "correctable_records",
    "correction_history",
    "decide_review_pair",
    "find_persons",
    "fuzzy_search_persons",
    "indicator_names",
    "list_cases",
    "list_persons",
    "overdue_follow_ups",
    "person_profile",
    "record_person_screening",
    "refer_person",
    "referral_form",
    "review_pairs",
    "screening_form",
    "search_persons_by_document",
    "search_persons_by_name",
    "update_case_work",
    "write_case_note",
]
