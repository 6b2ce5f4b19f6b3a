"""The ``tipdata link`` commands, and what they show a reviewer (the queue, explain).

Each test links tiny inline records (``tests/linkage/conftest.py``) through the CLI
exactly as the README and docs/linkage.md write the commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.linkage.conftest import PEOPLE, AddRecords, CliSystem, LinkedPeople
from tests.linkage.test_engines import SMALL_DATA_CONF
from tests.linkage.test_service import _manual_pair_between
from tipdata.cli import app
from tipdata.linkage.explain import explain_pair, waterfall_rows
from tipdata.store import Database, ReviewPair


def test_the_review_queue_shows_both_records_as_recorded_on_the_command_line(
    linked_people: LinkedPeople, monkeypatch: pytest.MonkeyPatch
) -> None:
    linkage_db = linked_people.db
    pair = _manual_pair_between(linkage_db, "P-5", "M-6")
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: CliSystem(linkage_db))

    shown = CliRunner().invoke(app, ["link", "review", "--limit", "100"])

    assert shown.exit_code == 0, shown.output
    block = shown.output.split(f"pair {pair} ", 1)[1].split("\npair ", 1)[0]
    assert "Chhun Dara" in block and "Pich Sopheap" in block
    rows = {line.split()[1]: line for line in block.splitlines() if line.startswith("│")}
    assert "differs" in rows["name"] and "differs" in rows["sex"]
    assert "1993" in rows["birth"] and "1994" in rows["birth"]


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
        "company",
    ]
    assert steps["sex"].level == "same sex"
    assert steps["company"].level == "no value"  # the records name no company
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
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: CliSystem(linkage_db))
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
    monkeypatch.setattr("tipdata.cli.link.system_for", lambda _home: CliSystem(linkage_db))
    # `--engine spark` starts its engine from the environment, set for ten records as a
    # deployment would set it (test_engines.py's settings; the command line is unchanged)
    monkeypatch.setenv(
        "TIPDATA_SPARK_CONF", ";".join(f"{k}={v}" for k, v in SMALL_DATA_CONF.items())
    )
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
