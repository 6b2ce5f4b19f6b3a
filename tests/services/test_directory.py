"""Service directory: CSV import (idempotent, validated) and listing by province and service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipdata.errors import DataFileError
from tipdata.services import capacity_by_province, import_providers, list_providers
from tipdata.store import Database


def test_demo_directory_imports_and_lists(ref_db: Database) -> None:
    with ref_db.session() as session:
        first = import_providers(session)
        again = import_providers(session)
        session.commit()
        koh_kong = list_providers(session, province="Koh Kong", service="shelter")
        legal = {p.code for p in list_providers(session, service="legal_aid")}
        capacity = capacity_by_province(session)
    assert (first.created, again.created, again.updated) == (12, 0, 12)
    assert [(p.code, p.capacity) for p in koh_kong] == [("HCC-KK", 40)]
    assert {"IJM-PP", "APLE-PP", "WHI-PP", "CWCC-PP"} <= legal
    assert capacity["12"] == 60 + 80 + 25


def test_a_bad_row_names_file_line_and_column(ref_db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "providers.csv"
    bad.write_text(
        "code,name,agency,province,services,capacity,note\nX1,Shelter,CWCC,Atlantis,shelter,10,\n",
        encoding="utf-8",
    )
    with (
        ref_db.session() as session,
        pytest.raises(DataFileError, match=r"line 2, field 'province'"),
    ):
        import_providers(session, bad)
