"""Right-to-left overrides in names neither reorder a page nor survive an import (review 19).

A name written ``Sok \\u202eyrrah`` shows as ``Sok harry``: the invisible override turns
the rest of the line around, so a clerk reads a different name than the one stored
(and search finds). Pages drop bidi controls from everything they show; imports drop
them from every cell.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.ingest.conftest import people
from tests.web.casefiles_world import World, bearer, system, world
from tests.web.conftest import WebUser, sign_in
from tests.web.test_imports_web import HEADER, SOURCE
from tipdata.access.protected import keyring_for, protect_person_record
from tipdata.store import PersonRecord
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below

CONTROLS = "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_a_stored_name_with_an_override_is_shown_neutralised(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    """A name stored before the import refused them (or by another path) still shows plainly."""
    keyring = keyring_for(system.db)
    with system.db.session() as session:
        record = session.scalars(
            sa.select(PersonRecord).where(PersonRecord.id == world.victim_afesip_record)
        ).one()
        values: dict[str, object] = {
            "full_name": "Sok \u202eyrrah\u202c Dara\u2067",
            "full_name_khmer": None,
            "birth_date": date(2006, 5, 1),
        }
        protect_person_record(keyring, record.id, values)
        for column, value in values.items():
            setattr(record, column, value)
    sign_in(client, users["ngo"])
    page = client.get(f"/persons/{world.victim}")
    assert page.status_code == 200
    assert "Sok yrrah Dara" in page.text
    assert not any(control in page.text for control in CONTROLS)


def test_an_import_drops_bidi_controls_from_names(
    pwg_client: TestClient, pwg_users: dict[str, WebUser], pwg_system: System
) -> None:
    officer = bearer(pwg_users["officer"])
    row = "P-1,K-1,victim,Sok \u202eyrrah\u202c,F,16,03-04-2008,Thailand,open,labour,Khmer,Kandal\n"
    done = pwg_client.post(
        "/api/v1/imports", data={"source": SOURCE},
        files={"file": ("moi.csv", (HEADER + row).encode(), "text/csv")}, headers=officer,
    )  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "committed"
    assert people(pwg_system.db, "full_name") == [("Sok yrrah",)]
