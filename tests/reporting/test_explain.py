"""Traceability: a figure expands to its persons and their source rows."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reporting.tipdemo import demo_delivery, sqlite_demo_db  # noqa: F401
from tipdata.access import AccessDenied, Actor
from tipdata.reporting.explain import ExplainError, explain, explain_tip_figure
from tipdata.reporting.report import TOTAL
from tipdata.reporting.tip import TIP_TABLES, tip_report
from tipdata.store import AuditEvent, Database

START, END = date(2008, 1, 1), date(2008, 12, 31)


def test_cell_to_source_rows(sqlite_demo_db) -> None:  # noqa: F811
    database, _truth, delivery = sqlite_demo_db
    specs = tuple(s for s in TIP_TABLES if s.name == "victims_by_sex_age")
    report = tip_report(database, START, END, specs=specs)
    cell = report.table("victims_by_sex_age").cell("female", "child")
    result = explain(database, report, "victims_by_sex_age", "Female", "child", actor=None)
    assert (result.value, result.naive) == (cell.value, cell.naive)
    # the command line's one call: the period's table computed and the figure expanded
    same = explain_tip_figure(database, START, END, "victims_by_sex_age", "Female", "child",
                              actor=None)  # fmt: skip
    assert (same.value, same.naive, same.units) == (result.value, result.naive, result.units)
    assert result.where == (("sex", "female"), ("age_group", "child"))
    assert all(unit.public_id and unit.public_id.startswith("PTP") for unit in result.units)
    with database.session() as session:
        event = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.user_id, event.action, event.object_type) == (None, "read", "person")
        assert json.loads(event.detail or "") == {
            "table": "victims_by_sex_age",
            "row": "female",
            "column": "child",
            "units": result.value,
        }
        assert event.object_ids == ",".join(
            str(key) for key in sorted(u.key for u in result.units if u.key > 0)
        )
    # every source row named is a real row of the delivered file, with the same record id
    with (delivery / "ground_truth" / "records.csv").open(encoding="utf-8") as handle:
        known = {(line["file"], line["source_record_id"]) for line in csv.DictReader(handle)}
    rows = result.source_rows
    assert rows
    assert all((row.file_name, row.record_key) in known for row in rows)
    assert {row.source for row in rows} <= {
        "moi_police_register",
        "mosavy_victims",
        "ngo_cwcc_intake",
        "ngo_afesip_intake",
        "ngo_whi_intake",
        "ngo_hcc_intake",
        "iom_poipet_screening",
        "court_outcomes",
        "ngo_network_intake",
        "police_srp_arrests",
        "th_msdhs_handover",  # Thailand's hand-over list: repatriated victims
        "ngo_cwcc_followup",
    }


def test_unknown_cells(sqlite_demo_db) -> None:  # noqa: F811
    database, _truth, _delivery = sqlite_demo_db
    report = tip_report(database, START, END, specs=TIP_TABLES[:1])
    with pytest.raises(ExplainError, match="no table"):
        explain(database, report, "nope", TOTAL, TOTAL, actor=None)
    with pytest.raises(ExplainError, match="no row"):
        explain(database, report, "law_enforcement", "nobody", TOTAL, actor=None)


@pytest.mark.parametrize("role", ["police_analyst", "court_clerk", "statistics_reader"])
def test_only_national_readers_may_explain(
    sqlite_demo_db: tuple[Database, dict[int, str], Path],  # noqa: F811
    role: str,
) -> None:
    database, _truth, _delivery = sqlite_demo_db
    report = tip_report(database, START, END, specs=TIP_TABLES[:1])
    actor = Actor(user_id=1, username="someone", role=role, agency_id=1)
    with pytest.raises(AccessDenied, match="persons:read"):
        explain(database, report, "law_enforcement", TOTAL, TOTAL, actor=actor)
