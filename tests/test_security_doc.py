"""docs/security.md names only tests that exist (its claims point at real regression tests).

A reference is ``tests/<path>.py`` or ``tests/<path>.py::test_name``; a bare
``::test_name`` belongs to the file named last before it, as the page writes lists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"(tests/[\w/]+\.py)?(?:::(test_\w+))?")


def references() -> list[tuple[str, str | None]]:
    """Every (file, test or None) the page names, bare ``::test`` resolved to its file."""
    found: list[tuple[str, str | None]] = []
    current: str | None = None
    for match in REFERENCE.finditer(DOC.read_text(encoding="utf-8")):
        path, test = match.groups()
        if path is None and test is None:
            continue
        if path is not None:
            current = path
        assert current is not None, f"::{test} names no file before it"
        found.append((current, test))
    return found


def _test_functions(path: Path) -> set[str]:
    """The names of the test functions a file defines (module level or in classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_the_page_names_tests() -> None:
    named = references()
    assert len({test for _, test in named if test}) >= 60


def test_every_named_test_file_and_function_exists() -> None:
    missing: list[str] = []
    for path, test in references():
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
        elif test is not None and test not in _test_functions(file):
            missing.append(f"{path}::{test}")
    assert missing == []


def test_no_draft_markers_remain() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert not re.search(r"\[SLOT|DRAFT|\bLead:", text)
