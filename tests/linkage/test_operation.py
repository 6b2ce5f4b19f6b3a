"""Linkage does what it says: auto mode chooses, reviewers' decisions hold in every mode.

Each test links tiny inline records (``tests/linkage/conftest.py``), most from a copy of
:data:`~tests.linkage.conftest.PEOPLE` already linked once. The registers' rules are
tested in ``test_registers.py``, the ``tipdata link`` commands in ``test_link_commands.py``.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.linkage.conftest import CliSystem, LinkedPeople
from tests.linkage.test_service import _manual_pair_between, persons_by_key
from tipdata.cli import app
from tipdata.linkage.service import LinkageError, Mode, decide_pair, link, review_queue
from tipdata.store import LinkageRun, PersonRecord, ReviewPair, SourceRecord
from tipdata.store.linkage import PairOrigin, ReviewStatus


def test_auto_mode_is_incremental_only_when_nothing_forbids_it(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    first = linked_people.first  # PEOPLE's first run, in auto mode

    second = link(linkage_db, actor=None)
    third = link(linkage_db, threshold=0.9, actor=None)

    assert (first.mode, first.mode_reason) == ("full", "no trained model yet")
    assert (second.mode, second.mode_reason) == ("incremental", "a model and persons exist")
    assert (third.mode, third.mode_reason) == ("full", "the threshold changed (0.5 -> 0.9)")
    with linkage_db.session() as session:
        messages = session.scalars(sa.select(LinkageRun.message).order_by(LinkageRun.id)).all()
    assert messages == [
        "full: no trained model yet",
        "incremental: a model and persons exist",
        "full: the threshold changed (0.5 -> 0.9)",
    ]


def test_a_run_keeps_and_prints_its_calibration(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    run = linked_people.first  # PEOPLE's first run

    cal = run.calibration
    assert 0 < cal["prior"] < 0.5 and cal["prior_bits"] < 0
    assert cal["pairs_scored"] == run.pairs_scored
    assert 0 < cal["expected_precision"] <= 1 and 0 < cal["expected_recall"] <= 1
    # The links the run made are about as many as the matches it expects.
    assert cal["expected_matches"] >= run.links * cal["expected_precision"] - 1e-6
    with linkage_db.session() as session:
        stored = session.get(LinkageRun, run.run_id)
        assert stored is not None and stored.model is not None
        assert stored.model["tipdata_calibration"] == cal
    # The stored model still loads into Splink for the next, incremental run.
    assert link(linkage_db, actor=None).mode == "incremental"


def test_a_full_run_estimates_m_from_reviewers_same_decisions_and_prints_it(
    linked_people: LinkedPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    linkage_db = linked_people.db
    first = linked_people.first
    before = {(c, level): m for c, level, m, _u, _bits in first.calibration["levels"]}
    assert first.calibration["labelled_pairs"] == 0
    decide_pair(
        linkage_db, _manual_pair_between(linkage_db, "P-1", "S-1"), "same", actor=None,
        expected_status="pending",
    )  # fmt: skip
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: CliSystem(linkage_db))

    printed = CliRunner().invoke(app, ["link", "--mode", "full"])

    assert printed.exit_code == 0, printed.output
    assert "m updated from 1 pair(s) reviewers decided are one person" in printed.output
    with linkage_db.session() as session:
        run = session.scalars(sa.select(LinkageRun).order_by(LinkageRun.id.desc())).first()
        assert run is not None and run.model is not None
        stored = run.model["tipdata_calibration"]
        model_levels = {
            (c["output_column_name"], level["label_for_charts"]): level["m_probability"]
            for c in run.model["comparisons"]
            for level in c["comparison_levels"]
            if not level.get("is_null_level")
        }
    after = {(c, level): m for c, level, m, _u, _bits in stored["levels"]}
    assert stored["labelled_pairs"] == 1
    # P-1 and S-1 are both female victims: the one labelled pair is at "same sex" and
    # "both victims", weighed against the model's m as LABEL_PSEUDO_MATCHES pairs.
    same_sex, other_sex = ("sex", "same sex"), ("sex", "sex differs")
    assert after[same_sex] == pytest.approx((1 + 200 * before[same_sex]) / 201, abs=1e-6)
    assert after[other_sex] == pytest.approx(200 * before[other_sex] / 201, abs=1e-6)
    assert model_levels[same_sex] == pytest.approx(after[same_sex], abs=1e-6)
    assert "same sex" in printed.output and "bits" in printed.output
    # An incremental run uses that model, and says its m came from that decision.
    incremental = CliRunner().invoke(app, ["link"])
    assert "incremental run" in incremental.output
    assert "m updated from 1 pair(s)" in incremental.output


def test_an_explicit_incremental_run_refuses_a_new_threshold(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db

    with pytest.raises(LinkageError, match=r"threshold changed \(0.5 -> 0.95\)"):
        link(linkage_db, mode="incremental", threshold=0.95, actor=None)


def test_a_different_decision_inside_one_person_holds_in_auto_mode(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    assert persons_by_key(linkage_db)["P-1"] == persons_by_key(linkage_db)["S-1"]
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")

    decide_pair(linkage_db, pair, "different", actor=None, expected_status="pending")
    run = link(linkage_db, actor=None)

    after = persons_by_key(linkage_db)
    assert (run.mode, run.mode_reason) == ("full", "1 pair(s) decided different are in one person")
    assert after["P-1"] != after["S-1"]
    assert link(linkage_db, actor=None).mode == "incremental"


NEW_CHANTHY = [("shelter", "S-9", "victim", "Sok Chanthy", "female", 1991, "01")]
"""A later record that matches both P-1 and S-1."""


@pytest.mark.parametrize("mode", ["full", "incremental", "auto"])
def test_a_different_decision_holds_in_every_mode(linked_people: LinkedPeople, mode: Mode) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    assert persons_by_key(linkage_db)["P-1"] == persons_by_key(linkage_db)["S-1"]
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")
    decide_pair(linkage_db, pair, "different", actor=None, expected_status="pending")

    if mode == "incremental":  # it keeps persons whole: it refuses, and says what to do
        with pytest.raises(LinkageError, match=r"1 pair\(s\) decided different are in one"):
            link(linkage_db, mode="incremental", actor=None)
        assert persons_by_key(linkage_db)["P-1"] == persons_by_key(linkage_db)["S-1"]
        link(linkage_db, mode="full", actor=None)
    else:
        link(linkage_db, mode=mode, actor=None)
    apart = persons_by_key(linkage_db)
    assert apart["P-1"] != apart["S-1"]
    # A new record like both joins one of them; the decision still holds.
    add_records(NEW_CHANTHY)
    run = link(linkage_db, mode="incremental" if mode == "incremental" else mode, actor=None)
    after = persons_by_key(linkage_db)
    assert after["P-1"] != after["S-1"], run
    assert after["S-9"] in (after["P-1"], after["S-1"])


@pytest.mark.parametrize("mode", ["full", "incremental", "auto"])
def test_a_same_decision_holds_in_every_mode(linked_people: LinkedPeople, mode: Mode) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    assert persons_by_key(linkage_db)["P-5"] != persons_by_key(linkage_db)["M-6"]
    pair = _manual_pair_between(linkage_db, "P-5", "M-6")
    decide_pair(linkage_db, pair, "same", actor=None, expected_status="pending")

    link(linkage_db, mode=mode, actor=None)
    joined = persons_by_key(linkage_db)
    add_records(NEW_CHANTHY)
    link(linkage_db, mode=mode, actor=None)
    again = persons_by_key(linkage_db)

    assert joined["P-5"] == joined["M-6"]
    assert again["P-5"] == again["M-6"]


def test_every_run_retires_pending_pairs_whose_records_one_person_holds_or_are_gone(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    add_records = linked_people.add_records
    inside = _manual_pair_between(linkage_db, "P-1", "M-1")  # one person holds both
    apart = _manual_pair_between(linkage_db, "P-5", "M-6")  # two persons: still a question
    gone = _manual_pair_between(linkage_db, "P-4", "M-6")
    decided = _manual_pair_between(linkage_db, "P-2", "M-2")
    decide_pair(linkage_db, decided, "same", actor=None, expected_status="pending")
    with linkage_db.session() as session:
        source_record = session.scalar(
            sa.select(SourceRecord.id).where(SourceRecord.source_key == "P-4")
        )
        session.execute(
            sa.delete(PersonRecord).where(PersonRecord.source_record_id == source_record)
        )
    add_records(NEW_CHANTHY)

    run = link(linkage_db, actor=None)

    assert run.mode == "incremental"
    with linkage_db.session() as session:
        left = set(session.scalars(sa.select(ReviewPair.id)))
    assert {apart, decided} <= left
    assert not {inside, gone} & left
    assert run.review_pairs_retired >= 2
    shown = [item.pair_id for item in review_queue(linkage_db, actor=None, limit=100)]
    assert inside not in shown and gone not in shown and apart in shown


def test_a_full_run_retires_pending_pairs_that_no_longer_apply(linked_people: LinkedPeople) -> None:
    linkage_db = linked_people.db
    # As if an earlier run with another model had queued a pair this model scores far
    # below the review floor: a suspect and a victim with nothing in common.
    stale = _manual_pair_between(linkage_db, "P-3", "M-6")
    manual = _manual_pair_between(linkage_db, "P-5", "M-6")
    with linkage_db.session() as session:
        session.execute(
            sa.update(ReviewPair)
            .where(ReviewPair.id == stale)
            .values(origin=PairOrigin.MODEL, match_probability=0.5)
        )
        session.execute(
            sa.update(ReviewPair).where(ReviewPair.id == manual).values(origin=PairOrigin.MANUAL)
        )

    run = link(linkage_db, mode="full", actor=None)

    with linkage_db.session() as session:
        kept = {pair.id: pair for pair in session.scalars(sa.select(ReviewPair))}
    assert run.review_pairs_retired == 1
    assert stale not in kept
    assert kept[manual].status == ReviewStatus.PENDING  # manual pairs stay
