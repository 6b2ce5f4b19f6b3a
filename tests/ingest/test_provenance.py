"""The import runs a page lists (``ingest.provenance``), on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from tipdata.access.policy import Actor
from tipdata.codelists import load_codelists, load_law_catalogue
from tipdata.ingest import LATEST_IMPORT_RUNS, latest_import_runs, list_import_runs
from tipdata.model.enums import ImportStatus
from tipdata.store import Agency, Database, ImportRun, Source
from tipdata.store.refdata import sync_reference_data


def _actor(role: str) -> Actor:
    return Actor(user_id=1, username=role, role=role, agency_id=1)


def test_the_dashboard_lists_the_ten_newest_runs_to_those_who_manage_imports(
    db: Database,
) -> None:
    """The dashboard's ten latest import runs were the route's rule; now the service's."""
    sync_reference_data(db, load_codelists(), load_law_catalogue())
    with db.session() as session:
        agency_id = session.scalars(sa.select(Agency.id).order_by(Agency.id)).first()
        assert agency_id is not None
        source = Source(code="moi_victims", agency_id=agency_id, name="MOI", file_format="csv")
        session.add(source)
        session.flush()
        for number in range(1, LATEST_IMPORT_RUNS + 3):
            session.add(
                ImportRun(
                    source_id=source.id, owner_agency_id=agency_id, file_sha256="0" * 64,
                    file_name=f"moi_{number:02}.csv",
                    status=ImportStatus.COMMITTED,
                )
            )  # fmt: skip
        session.commit()
    shown = latest_import_runs(db, actor=_actor("ntf_data_officer"))
    assert shown is not None
    assert [run.file_name for run in shown] == [f"moi_{n:02}.csv" for n in range(12, 2, -1)]
    assert shown == list_import_runs(db, actor=None)[:LATEST_IMPORT_RUNS]
    assert latest_import_runs(db, actor=_actor("statistics_reader")) is None
    assert len(latest_import_runs(db, actor=None, count=3) or []) == 3  # the local operator
