"""Linkage does what it says: auto mode chooses, decisions hold, registers stay apart.

Each test links tiny inline records (``tests/linkage/conftest.py``) through the service
or the CLI exactly as the README and docs/linkage.md write the commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.linkage.conftest import PEOPLE, AddRecords, LinkedPeople
from tests.linkage.test_service import _manual_pair_between, groups, persons_by_key
from tipdata.cli import app
from tipdata.linkage.explain import explain_pair, waterfall_rows
from tipdata.linkage.service import LinkageError, Mode, decide_pair, link, review_queue
from tipdata.store import Database, LinkageRun, PersonRecord, ReviewPair, Source, SourceRecord
from tipdata.store.linkage import PairOrigin, ReviewStatus


def test_auto_mode_is_incremental_only_when_nothing_forbids_it(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE)

    first = link(linkage_db, actor=None)
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


def test_a_run_keeps_and_prints_its_calibration(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE)

    run = link(linkage_db, actor=None)

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
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: _System(linkage_db))

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


def test_the_review_queue_shows_both_records_as_recorded_on_the_command_line(
    linked_people: LinkedPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    linkage_db = linked_people.db
    pair = _manual_pair_between(linkage_db, "P-5", "M-6")
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: _System(linkage_db))

    shown = CliRunner().invoke(app, ["link", "review", "--limit", "100"])

    assert shown.exit_code == 0, shown.output
    block = shown.output.split(f"pair {pair} ", 1)[1].split("\npair ", 1)[0]
    assert "Chhun Dara" in block and "Pich Sopheap" in block
    rows = {line.split()[1]: line for line in block.splitlines() if line.startswith("│")}
    assert "differs" in rows["name"] and "differs" in rows["sex"]
    assert "1993" in rows["birth"] and "1994" in rows["birth"]


def test_two_rows_of_a_register_that_lists_people_once_stay_two_people(
    linkage_db: Database, add_records: AddRecords
) -> None:
    # Two women of one ministry register with the same name and birth year, and a
    # shelter record that matches both: without the register rule they chain into one.
    add_records(
        [
            ("mosavy", "M-1", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("mosavy", "M-2", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("shelter", "S-1", "victim", "Bui Lan", "female", 1990, "02"),
            ("police", "P-9", "victim", "Chhun Dara", "male", 1993, "03"),
        ]
    )

    run = link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert assigned["M-1"] != assigned["M-2"]
    assert run.persons == 3
    queued = review_queue(linkage_db, actor=None)
    one_register = [item for item in queued if {item.left, item.right} and item.evidence]
    assert any(
        item.evidence["name"]["name_clean"] == ["bui thi lan", "bui thi lan"]
        for item in one_register
    ), "the two rows of one register are queued: a reviewer may say it is one entry twice"


def test_a_reviewer_joins_two_rows_of_one_register(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(
        [
            ("mosavy", "M-1", "victim", "Bui Thi Lan", "female", 1990, "02"),
            ("mosavy", "M-2", "victim", "Bui Thi Lan", "female", 1990, "02"),
        ]
    )
    link(linkage_db, actor=None)
    (queued,) = review_queue(linkage_db, actor=None)  # one register: queued, not linked
    assert persons_by_key(linkage_db)["M-1"] != persons_by_key(linkage_db)["M-2"]

    decide_pair(linkage_db, queued.pair_id, "same", actor=None, expected_status="pending")
    link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert assigned["M-1"] == assigned["M-2"]


def test_a_register_that_repeats_people_may_hold_one_person_twice(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(
        [
            ("iom", "I-1", "victim", "Sok Chanthy", "female", 1991, "01"),
            ("iom", "I-2", "victim", "Sok Chanthy", "female", 1991, "01"),
        ]
    )
    with linkage_db.session() as session:
        session.execute(sa.update(Source).where(Source.code == "iom").values(repeats_people=True))

    link(linkage_db, actor=None)

    assigned = persons_by_key(linkage_db)
    assert groups(assigned) == {frozenset({"I-1", "I-2"})}


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


def test_explain_shows_each_comparison_from_the_prior_to_the_total(
    linked_people: LinkedPeople,
) -> None:
    linkage_db = linked_people.db
    ids = linked_people.ids

    explanation = explain_pair(linkage_db, record_ids=(ids[0], ids[1]), actor=None)

    steps = {step.comparison: step for step in explanation.steps}
    assert list(steps) == [
        "name",
        "birth_year",
        "sex",
        "province_code",
        "record_date",
        "document",
        "destination_country",
        "role",
        "birth_day",
        "place",
        "contact",
    ]
    assert steps["sex"].level == "same sex"
    assert steps["name"].values["name_clean"] == ["sok chanthy", "sok chantey"]
    total = explanation.prior_weight + sum(s.match_weight or 0.0 for s in explanation.steps)
    assert explanation.match_weight == pytest.approx(total, abs=0.05)
    rows = waterfall_rows(explanation)
    assert rows[0][0] == "prior" and rows[-1][0] == "total"


def test_the_documented_link_commands_run(
    linkage_db: Database, add_records: AddRecords, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tipdata link`, `link review` and `link explain` as docs/linkage.md writes them."""
    add_records(PEOPLE)
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: _System(linkage_db))
    runner = CliRunner()

    linked = runner.invoke(app, ["link"])
    queue = runner.invoke(app, ["link", "review"])
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")
    explained = runner.invoke(app, ["link", "explain", "--pair", str(pair)])
    decided = runner.invoke(app, ["link", "review", "--pair", str(pair), "--decision", "different"])
    again = runner.invoke(
        app, ["link", "review", "--pair", str(pair), "--decision", "same"]
    )  # the pair is no longer pending: refused, not overwritten

    assert linked.exit_code == 0, linked.output
    assert "full run: no trained model yet" in linked.output
    assert "calibration: prior" in linked.output
    assert queue.exit_code == 0, queue.output
    assert explained.exit_code == 0, explained.output
    assert "prior" in explained.output and "total" in explained.output
    assert decided.exit_code == 0, decided.output
    assert again.exit_code == 2 and "another reviewer decided it" in again.output


class _System:
    def __init__(self, db: Database) -> None:
        self.db = db


def _documented_link_commands() -> list[str]:
    """Every `tipdata link ...` line of the README and docs/*.md, in order, once each."""
    from tests.test_doc_commands import documented_command_lines

    found = [c for _doc, c in documented_command_lines() if c.startswith("tipdata link")]
    return list(dict.fromkeys(found))


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # the commands, not the storage:
# every step they call is tested on both engines by the tests above and test_engines.py
def test_every_link_command_of_the_docs_runs_as_written(
    linkage_db: Database, add_records: AddRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's and docs' link commands, in their order, exactly as written (Spark too)."""
    import shlex

    add_records(PEOPLE)
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: _System(linkage_db))
    commands = _documented_link_commands()
    assert commands[0] == "tipdata link" and "tipdata link explain --pair 1" in commands
    assert "tipdata link --threshold 0.9" in commands
    runner = CliRunner()
    outputs = {}
    for command in commands:
        if command.startswith("tipdata link explain"):
            with linkage_db.session() as session:
                if session.get(ReviewPair, 1) is None:  # the model queued nothing here
                    _manual_pair_between(linkage_db, "P-1", "S-1")
        outcome = runner.invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
        outputs[command] = outcome.output
    assert "full run: no trained model yet" in outputs["tipdata link"]
    assert "full run: the threshold changed (0.5 -> 0.9)" in outputs["tipdata link --threshold 0.9"]
    assert "calibration: prior" in outputs["tipdata link"]
