"""`tipdata serve` refuses a database that is not migrated."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tipdata.cli import app


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--home", str(tmp_path), "--port", "8765"])
    assert result.exit_code == 2
    assert "run `tipdata db upgrade` first" in result.output
