"""The administration commands of docs/access-control.md run as written (issue 15, 3 and 13)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from tipdata.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"


def _documented_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Administration at the command line", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_documented_administration_commands_run_as_written(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    for setup in (["db", "upgrade"], ["codelists", "load"]):
        assert runner.invoke(app, [*setup, *home]).exit_code == 0
    added = runner.invoke(
        app,
        ["users", "add", "dara", "--role", "statistics_reader", "--agency", "MOI",
         "--password", "tonle sap river boats", *home],
    )  # fmt: skip
    assert added.exit_code == 0, added.output

    outputs = []
    for command in _documented_commands():
        result = runner.invoke(app, [*shlex.split(command)[1:], *home])
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.output)

    unlock, issued, listed, revoked, verified = outputs
    assert "unlocked dara" in unlock
    assert re.search(r"token 1 for dara, expires in 30 days: tdt_\S+", issued)
    assert "monthly export" in listed and "live" in listed
    assert "revoked token 1" in revoked
    assert "audit log intact" in verified and "signed checkpoint at event" in verified
    again = runner.invoke(app, ["users", "token-list", *home])
    assert "revoked" in again.output


def test_audit_show_lists_the_newest_events_with_who_acted(tmp_path: Path) -> None:
    """`tipdata audit show` reads the log through `access.audit.show`, as the web does."""
    home = ["--home", str(tmp_path / "home")]
    runner = CliRunner()
    for setup in (["db", "upgrade"], ["codelists", "load"]):
        assert runner.invoke(app, [*setup, *home]).exit_code == 0
    added = runner.invoke(
        app,
        ["users", "add", "dara", "--role", "statistics_reader", "--agency", "MOI",
         "--password", "tonle sap river boats", *home],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    issued = runner.invoke(app, ["users", "token-issue", "dara", "--name", "export", *home])
    assert issued.exit_code == 0, issued.output

    shown = runner.invoke(app, ["audit", "show", "--limit", "1", *home])
    assert shown.exit_code == 0, shown.output
    rows = [line.split("│")[1:-1] for line in shown.output.splitlines() if "app_user" in line]
    assert [[cell.strip() for cell in row][2:] for row in rows] == [
        ["-", "user_changed", "app_user", "1"]  # the token issued, by the local operator
    ]

    created = runner.invoke(app, ["audit", "show", "--action", "user_created", *home])
    assert created.exit_code == 0, created.output
    rows = [line.split("│")[1:-1] for line in created.output.splitlines() if "app_user" in line]
    assert [[cell.strip() for cell in row][2:] for row in rows] == [
        ["-", "user_created", "app_user", "1"]
    ]
