"""`tipdata check` runs every check through `tipdata.checks` and stores the run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tipdata.cli import app


def test_check_runs_from_the_command_line_and_stores_a_run(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    for setup in (["db", "upgrade"], ["codelists", "load"]):
        assert runner.invoke(app, [*setup, *home]).exit_code == 0
    ran = runner.invoke(app, ["check", "run", *home])
    assert ran.exit_code == 0, ran.output
    assert (
        "0 findings: 0 judgments, 0 victim pathways, 0 prosecution pathways; stored as check run 1"
    ) in " ".join(ran.output.split())  # rich wraps at 80 columns
    bare = runner.invoke(app, ["check", *home])  # the bare command runs them too
    assert bare.exit_code == 0, bare.output
    assert "stored as check run 2" in " ".join(bare.output.split())
