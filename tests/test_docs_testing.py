"""Every command line of docs/testing.md runs as written and passes (the docs cannot drift)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "testing.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)


def documented_commands() -> list[str]:
    """The lines of the ``sh`` blocks of docs/testing.md."""
    text = DOCS.read_text(encoding="utf-8")
    return [line for block in BLOCK.findall(text) for line in block.splitlines() if line.strip()]


def test_the_docs_show_commands() -> None:
    commands = documented_commands()
    assert len(commands) == 4
    assert all(command.startswith("pytest ") for command in commands)


@pytest.mark.parametrize("command", documented_commands())
def test_documented_command_passes(command: str) -> None:
    # "with the virtualenv's bin/ first on the path": the bin/ of the Python running us;
    # the xdist variables of an outer worker are not passed on (the run is a fresh one)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    environment.pop("PYTEST_ADDOPTS", None)
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"\d+ passed", output), output
    assert " failed" not in output
    if '-m "not postgres"' in command:
        assert "deselected" in output  # the PostgreSQL cases were left out
    if '-m "not slow"' in command:
        assert "deselected" in output, output  # the legal checks on demo data were left out
    if "-n 2" in command:
        assert "bringing up nodes" in output, output  # pytest-xdist started its workers
