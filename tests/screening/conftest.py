"""Shared fixtures: see tests/legal/conftest.py."""

from tests.legal.conftest import Rows, ref_db, rows

__all__ = ["Rows", "ref_db", "rows"]
