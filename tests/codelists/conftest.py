"""Fixtures for the code-list tests: the shipped lists, and a writable copy of them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tipdata.codelists import (
    DEFAULT_ROOT,
    Codelists,
    LawCatalogue,
    load_codelists,
    load_law_catalogue,
)


@pytest.fixture(scope="session")
def codelists() -> Codelists:
    return load_codelists()


@pytest.fixture(scope="session")
def catalogue() -> LawCatalogue:
    return load_law_catalogue()


@pytest.fixture
def lists_copy(tmp_path: Path) -> Path:
    """A copy of the shipped data files that a test may break."""
    root = tmp_path / "codelists"
    shutil.copytree(DEFAULT_ROOT, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root
