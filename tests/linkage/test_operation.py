"""Linkage does what it says: auto mode chooses, decisions hold, registers stay apart.

Each test links tiny inline records (``tests/linkage/conftest.py``) through the service
or the CLI exactly as the README and docs/linkage.md write the commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tests.linkage.conftest import PEOPLE, AddRecords
from tests.linkage.test_service import _manual_pair_between, groups, persons_by_key
from tipdata.cli import app
from tipdata.linkage.explain import explain_pair, waterfall_rows
from tipdata.linkage.service import LinkageError, decide_pair, link, review_queue
from tipdata.store import Database, LinkageRun, ReviewPair, Source
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


def test_an_explicit_incremental_run_refuses_a_new_threshold(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE)
    link(linkage_db, actor=None)

    with pytest.raises(LinkageError, match=r"threshold changed \(0.5 -> 0.95\)"):
        link(linkage_db, mode="incremental", threshold=0.95, actor=None)


def test_a_different_decision_inside_one_person_holds_in_auto_mode(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE)
    link(linkage_db, actor=None)
    assert persons_by_key(linkage_db)["P-1"] == persons_by_key(linkage_db)["S-1"]
    pair = _manual_pair_between(linkage_db, "P-1", "S-1")

    decide_pair(linkage_db, pair, "different", actor=None, expected_status="pending")
    run = link(linkage_db, actor=None)

    after = persons_by_key(linkage_db)
    assert (run.mode, run.mode_reason) == ("full", "1 pair(s) decided different are in one person")
    assert after["P-1"] != after["S-1"]
    assert link(linkage_db, actor=None).mode == "incremental"


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


def test_a_full_run_retires_pending_pairs_that_no_longer_apply(
    linkage_db: Database, add_records: AddRecords
) -> None:
    add_records(PEOPLE)
    link(linkage_db, actor=None)
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
    linkage_db: Database, add_records: AddRecords
) -> None:
    ids = add_records(PEOPLE)
    link(linkage_db, actor=None)

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
    ]
    assert steps["sex"].level == "same sex"
    # neither record names a country of migration: the null level, no evidence
    assert steps["destination_country"].match_weight in (None, 0.0)
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
    """The `tipdata link ...` lines of the first code block of docs/linkage.md."""
    text = (Path(__file__).parents[2] / "docs" / "linkage.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    return [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()
        if line.startswith("tipdata link")
    ]


@pytest.mark.spark
def test_every_link_command_of_the_docs_runs_as_written(
    linkage_db: Database, add_records: AddRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/linkage.md's commands, in their order, exactly as written (Spark included)."""
    import shlex

    add_records(PEOPLE)
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: _System(linkage_db))
    commands = _documented_link_commands()
    assert commands[0] == "tipdata link" and "tipdata link explain --pair 1" in commands
    runner = CliRunner()
    for command in commands:
        if command.startswith("tipdata link explain"):
            with linkage_db.session() as session:
                if session.get(ReviewPair, 1) is None:  # the model queued nothing here
                    _manual_pair_between(linkage_db, "P-1", "S-1")
        outcome = runner.invoke(app, shlex.split(command)[1:])
        assert outcome.exit_code == 0, f"{command}: {outcome.output}"
