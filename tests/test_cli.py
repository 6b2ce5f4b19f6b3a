"""The command line: commands listed, errors as one clear line with a non-zero exit code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tipdata.cli import app

runner = CliRunner()


def test_help_lists_the_command_groups() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "codelists", "demo"):
        assert command in result.output


def test_tipdata_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-backup.sqlite"
    result = runner.invoke(app, ["db", "restore", str(missing), "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error:")
    assert "no-such-backup.sqlite" in lines[0]
