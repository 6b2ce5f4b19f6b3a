"""The submission workflow on SQLite and PostgreSQL: transitions, history, locking, values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tipdata.access.policy import Actor
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.model.enums import ReportStatus
from tipdata.periods import parse_period
from tipdata.provincial.errors import (
    ConflictError,
    InvalidValueError,
    ReportingError,
    ReportNotFoundError,
    ReportValidationError,
    TransitionError,
)
from tipdata.provincial.report_rows import find_report_row
from tipdata.provincial.submissions import (
    accept,
    get_report,
    reopen,
    save_draft,
    status_history,
    submit,
)
from tipdata.provincial.transitions import TRANSITIONS
from tipdata.provincial.workflow import default_workflow
from tipdata.store import Database
from tipdata.store.refdata import sync_reference_data

BW = "2008BW03"
CELLS = {
    "victims_identified.female_child": 1,
    "victims_identified.female_adult": 2,
    "victims_identified.male_child": 0,
    "victims_identified.male_adult": 0,
    "victims_referred": 3,
    "cases_investigated": 1,
    "suspects_arrested": 2,
}
T1 = datetime(2008, 2, 12, 3, 0, tzinfo=UTC)
T2 = datetime(2008, 2, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def pwg_db(db: Database) -> Database:
    """A database with the code lists loaded (provinces and PWG agencies)."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    return db


def _bring_to(db: Database, status: ReportStatus | None) -> None:
    """Make the report of province 01 for BW reach ``status`` by allowed steps."""
    if status is None:
        return
    with db.session() as session:
        save_draft(session, "pwg", "01", BW, CELLS)
        if status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.REOPENED):
            submit(session, "pwg", "01", BW)
        if status is ReportStatus.ACCEPTED:
            accept(session, "ntf", "01", BW)
        if status is ReportStatus.REOPENED:
            reopen(session, "ntf", "01", BW, "check the referrals")


STATUSES = [None, *ReportStatus]
ACTIONS = ["save", "submit", "accept", "reopen"]


@pytest.mark.parametrize("status", STATUSES, ids=lambda s: s.value if s else "none")
@pytest.mark.parametrize("action", ACTIONS)
def test_transition_table(pwg_db: Database, status: ReportStatus | None, action: str) -> None:
    _bring_to(pwg_db, status)
    allowed = TRANSITIONS.get((status, action))  # type: ignore[call-overload]
    with pwg_db.session() as session:
        try:
            if action == "save":
                view = save_draft(session, "pwg", "01", BW, CELLS)
            elif action == "submit":
                view = submit(session, "pwg", "01", BW)
            elif action == "accept":
                view = accept(session, "ntf", "01", BW)
            else:
                view = reopen(session, "ntf", "01", BW, "typo")
        except (TransitionError, ReportNotFoundError) as error:
            assert allowed is None, error
            return
    assert view.status == allowed


def test_the_table_itself() -> None:
    allowed = {(s.value if s else None, a): t.value for (s, a), t in TRANSITIONS.items()}
    assert allowed == {
        (None, "save"): "draft",
        ("draft", "save"): "draft",
        ("reopened", "save"): "reopened",
        ("draft", "submit"): "submitted",
        ("reopened", "submit"): "submitted",
        ("submitted", "accept"): "accepted",
        ("submitted", "reopen"): "reopened",
        ("accepted", "reopen"): "reopened",
    }


def test_explicit_zero_is_stored_and_missing_stays_null(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        save_draft(session, "pwg", "01", BW, {"cases_investigated": 0, "suspects_arrested": None})
    with pwg_db.session() as session:
        view = get_report(session, "01", BW)
    assert view is not None
    assert view.values == {("cases_investigated", "total"): 0, ("suspects_arrested", "total"): None}
    assert ("victims_referred", "total") not in view.values


def test_a_save_replaces_the_whole_form_and_bumps_the_version(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        first = save_draft(session, "pwg", "Banteay Mean Chay", BW, {"cases_investigated": 1})
        second = save_draft(session, "pwg", "01", BW, {"suspects_arrested": 2}, first.version)
    assert first.province_code == "01"
    assert second.version == first.version + 1
    assert second.values == {("suspects_arrested", "total"): 2}


def test_full_life_cycle_keeps_first_submission_time_and_history(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        submit(session, "pwg-01", "01", BW, CELLS, at=T1)
        accept(session, "ntf", "01", BW, at=T2)
        reopen(session, "ntf", "01", BW, "referrals exceed identifications", at=T2)
        view = submit(session, "pwg-01", "01", BW, {**CELLS, "victims_referred": 2}, at=T2)
        history = status_history(session, "01", BW)
    assert view.status is ReportStatus.SUBMITTED
    assert view.submitted_at == T1
    assert view.accepted_at is None
    assert [(h.from_status, h.to_status, h.actor, h.reason) for h in history] == [
        (None, ReportStatus.DRAFT, "pwg-01", None),
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED, "pwg-01", None),
        (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, "ntf", None),
        (ReportStatus.ACCEPTED, ReportStatus.REOPENED, "ntf", "referrals exceed identifications"),
        (ReportStatus.REOPENED, ReportStatus.SUBMITTED, "pwg-01", None),
    ]
    assert history[1].at == T1


def test_reopen_needs_a_reason(pwg_db: Database) -> None:
    _bring_to(pwg_db, ReportStatus.SUBMITTED)
    with pwg_db.session() as session, pytest.raises(ReportingError, match="reason"):
        reopen(session, "ntf", "01", BW, "  ")


def test_error_rule_blocks_submission_and_warning_does_not(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        with pytest.raises(ReportValidationError) as caught:
            submit(session, "pwg", "01", BW, {**CELLS, "victims_identified": 4})
        assert [(r.rule, r.data_element, r.disaggregation) for r in caught.value.blocking] == [
            ("breakdowns_sum_to_totals", "victims_identified", "total")
        ]
        draft = get_report(session, "01", BW)
        assert draft is not None and draft.status is ReportStatus.DRAFT
        view = submit(session, "pwg", "01", BW, {**CELLS, "victims_referred": 9})
    assert view.status is ReportStatus.SUBMITTED
    assert [(r.rule, r.importance) for r in view.results] == [("referred_le_identified", "warning")]


def test_negative_count_cannot_even_be_saved(pwg_db: Database) -> None:
    with pwg_db.session() as session, pytest.raises(ReportValidationError, match="negative"):
        save_draft(session, "pwg", "01", BW, {"cases_investigated": -1})


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"victims_rescued": 1}, "victims_rescued"),
        ({"victims_identified.female_teen": 1}, "victims_identified.female_teen"),
        ({"cases_investigated": "3"}, "cases_investigated"),
        ({"cases_investigated": 1.5}, "cases_investigated"),
    ],
)
def test_values_that_do_not_fit_the_data_set(
    pwg_db: Database, values: dict[str, object], field: str
) -> None:
    with pwg_db.session() as session, pytest.raises(InvalidValueError) as caught:
        save_draft(session, "pwg", "01", BW, values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_province_that_did_not_exist_owes_no_report(pwg_db: Database) -> None:
    with pwg_db.session() as session, pytest.raises(ReportingError, match="did not exist"):
        save_draft(session, "pwg", "25", BW, CELLS)


def test_stale_expected_version_is_a_conflict(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        first = save_draft(session, "pwg", "01", BW, CELLS)
        save_draft(session, "other clerk", "01", BW, CELLS | {"cases_investigated": 2})
    with pwg_db.session() as session, pytest.raises(ConflictError) as caught:
        submit(session, "pwg", "01", BW, expected_version=first.version)
    assert (caught.value.expected_version, caught.value.current_version) == (
        first.version,
        first.version + 1,
    )


def test_two_sessions_saving_the_same_report_one_loses(pwg_db: Database) -> None:
    with pwg_db.session() as session:
        save_draft(session, "pwg", "01", BW, CELLS)
    make = pwg_db.session_factory
    alice, bob = make(), make()
    try:
        seen_by_bob = get_report(bob, "01", BW)
        assert seen_by_bob is not None
        # Bob's session holds the row as read (as during a request that read it, then
        # wrote): both pass the version check, the second UPDATE finds no row.
        bobs_row = find_report_row(bob, default_workflow(), "01", parse_period(BW))
        save_draft(alice, "alice", "01", BW, CELLS | {"cases_investigated": 2})
        alice.commit()
        with pytest.raises(ConflictError):
            save_draft(bob, "bob", "01", BW, CELLS | {"cases_investigated": 3})
        bob.rollback()
        del bobs_row
        with pytest.raises(ConflictError) as caught:
            save_draft(bob, "bob", "01", BW, CELLS, expected_version=seen_by_bob.version)
        assert caught.value.current_version == seen_by_bob.version + 1
        bob.rollback()
    finally:
        alice.close()
        bob.close()
    with pwg_db.session() as session:
        final = get_report(session, "01", BW)
    assert final is not None
    assert final.values[("cases_investigated", "total")] == 2


@pytest.mark.parametrize("status", [None, *ReportStatus])
@pytest.mark.parametrize(
    ("actor", "may_edit", "may_review"),
    [
        (Actor(1, "ntf", "ntf_data_officer", 1), True, True),
        (Actor(2, "pp", "provincial_focal_point", 1, "12"), True, False),
        (Actor(3, "kd", "provincial_focal_point", 1, "08"), False, False),
        (Actor(4, "stats", "statistics_reader", 1), False, False),
        (None, True, True),
    ],
)
def test_allowed_actions_are_the_transitions_the_actor_passes(
    status: ReportStatus | None, actor: Actor | None, may_edit: bool, may_review: bool
) -> None:
    from tipdata.provincial.transitions import TRANSITIONS, allowed_actions

    expected = {
        action
        for (before, action) in TRANSITIONS
        if before == status and (may_edit if action in ("save", "submit") else may_review)
    }
    if status is None and may_edit:
        expected.add("submit")
    assert allowed_actions(actor, "12", status) == expected


@given(st.integers(min_value=-(10**9), max_value=10**9), st.sampled_from(["", " ", "\t"]))
def test_a_count_reads_back_as_written(number: int, padding: str) -> None:
    from tipdata.provincial.workflow import parse_count

    assert parse_count(f"{padding}{number}{padding}", "f") == number


@given(st.text(max_size=8))
def test_anything_but_a_whole_number_or_blank_is_refused_naming_the_field(text: str) -> None:
    from tipdata.provincial.errors import InvalidValueError
    from tipdata.provincial.workflow import parse_count

    try:
        value = parse_count(text, "cases_investigated")
    except InvalidValueError as error:
        assert error.field == "cases_investigated"
        return
    stripped = text.strip()
    assert value is None if stripped == "" else value == int(stripped)
