"""Rules moved out of the fronts into the services: the CLI and the web give the same answer.

Each rule below lived in a route or a command (issue 16); it now lives in the service both
fronts call, and each test drives it through both fronts where both exist.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.web.conftest import WebUser
from tipdata.access import AccessDenied, Actor
from tipdata.access.errors import AuditError
from tipdata.access.policy import default_policy
from tipdata.cli import app as cli
from tipdata.ingest import list_import_runs
from tipdata.legal.findings import list_findings, may_list_findings
from tipdata.reporting.audience import sees_internal_figures
from tipdata.reporting.provincial import own_province
from tipdata.reporting.tip import MAX_REPORT_DAYS, ReportPeriodError, report_period
from tipdata.store import AuditEvent
from tipdata.system import System

runner = CliRunner()


def _bearer(user: WebUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api_token}"}


def _cli(system: System, *args: str) -> tuple[int, str]:
    """Run ``tipdata ARGS`` on the test system's database; exit code and all output."""
    result = runner.invoke(
        cli,
        [*args, "--home", str(system.settings.home)],
        env={"TIPDATA_DATABASE_URL": str(system.db.url), "COLUMNS": "300"},
    )
    return result.exit_code, result.output


def _actor(role: str, province_code: str | None = None) -> Actor:
    return Actor(user_id=1, username=role, role=role, agency_id=1, province_code=province_code)


def test_a_report_covers_at_most_two_years_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # the rule: in reporting.tip.report_period (it was only in web/routes/reports.py)
    assert report_period(None, date(2007, 1, 1), date(2008, 12, 31)) == (
        date(2007, 1, 1),
        date(2008, 12, 31),
    )
    assert (date(2008, 12, 31) - date(2007, 1, 1)).days <= MAX_REPORT_DAYS
    with pytest.raises(ReportPeriodError, match="at most two years"):
        report_period(None, date(2006, 1, 1), date(2008, 12, 31))
    message = "a report covers at most two years; 2006-01-01 to 2008-12-31 is longer"
    web = client.get(
        "/api/v1/reports/tip?start=2006-01-01&end=2008-12-31", headers=_bearer(users["officer"])
    )
    assert (web.status_code, web.json()["detail"]) == (422, message)
    code, output = _cli(system, "report", "tip", "--from", "2006-01-01", "--to", "2008-12-31")
    assert code == 2 and message in output


def test_who_sees_internal_figures_is_one_rule() -> None:
    policy = default_policy()
    seen = {
        role: sees_internal_figures(_actor(role), policy)
        for role in ("ntf_data_officer", "statistics_reader", "molvt_officer", "auditor")
    }
    assert seen == {
        "ntf_data_officer": True,
        "statistics_reader": False,
        "molvt_officer": False,
        "auditor": False,
    }
    assert sees_internal_figures(None) and sees_internal_figures("operator")  # the CLI


def test_import_runs_need_imports_run_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # the check: in ingest.list_import_runs (it was in web/services.py)
    with pytest.raises(AccessDenied):
        list_import_runs(system.db, actor=_actor("statistics_reader"))
    assert list_import_runs(system.db, actor=_actor("ntf_data_officer")) == []
    refused = client.get("/api/v1/imports", headers=_bearer(users["reader"]))
    assert refused.status_code == 403
    listed = client.get("/api/v1/imports", headers=_bearer(users["officer"]))
    assert (listed.status_code, listed.json()["items"]) == (200, [])
    code, output = _cli(system, "imports")
    assert code == 0 and "built-in sources:" in output


def test_an_unknown_audit_action_is_refused_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # the check: in access.audit.show (the API checked it, the CLI listed nothing)
    with system.db.session() as session, pytest.raises(AuditError, match="Unknown action"):
        from tipdata.access.audit import show

        show(session, None, action="sign_in")
    web = client.get("/api/v1/audit-events?action=sign_in", headers=_bearer(users["auditor"]))
    assert web.status_code == 400
    assert web.json()["detail"].startswith("Unknown action 'sign_in'; known actions: ")
    code, output = _cli(system, "audit", "show", "--action", "sign_in")
    assert code == 2 and "Unknown action 'sign_in'" in output
    code, output = _cli(system, "audit", "show", "--action", "login_success")
    assert code == 0


def test_the_province_a_user_reports_on_is_one_rule() -> None:
    # the rule: in reporting.submissions.own_province (it was in web/routes/provincial.py)
    policy = default_policy()
    assert own_province(_actor("provincial_focal_point", "12"), policy) == "12"
    assert own_province(_actor("ntf_data_officer", "12"), policy) is None
    assert own_province(None, policy) is None  # the CLI reaches every province


def test_findings_are_listed_for_national_charges_read_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # the check: in legal.findings.list_findings (the dashboard route decided it)
    policy = default_policy()
    assert may_list_findings(_actor("ntf_data_officer"), policy)
    assert not may_list_findings(_actor("police_analyst"), policy)  # charges:read, agency scope
    assert not may_list_findings(_actor("statistics_reader"), policy)
    assert may_list_findings(None, policy)
    with system.db.session() as session:
        with pytest.raises(AccessDenied):
            list_findings(session, actor=_actor("police_analyst"))
        assert list_findings(session, actor=_actor("ntf_data_officer")) == []
    officer = client.get("/api/v1/dashboard?year=2008", headers=_bearer(users["officer"]))
    reader = client.get("/api/v1/dashboard?year=2008", headers=_bearer(users["reader"]))
    assert (officer.status_code, officer.json()["findings"]) == (200, [])
    assert (reader.status_code, reader.json()["findings"]) == (200, None)
    code, output = _cli(system, "check", "list")
    assert code == 0 and "0 findings" in output


def test_a_file_of_tip_tables_is_audited_as_an_export_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient, tmp_path: Path
) -> None:
    # the event: reporting.exports.record_export (the route wrote it; the CLI wrote none)
    web = client.get(
        "/api/v1/reports/tip.csv?start=2008-01-01&end=2008-12-31",
        headers=_bearer(users["officer"]),
    )
    assert web.status_code == 200
    code, output = _cli(system, "report", "tip", "--year", "2008", "--out", str(tmp_path / "out"))
    assert code == 0, output
    with system.db.session() as session:
        events = session.execute(
            sa.select(AuditEvent.user_id, AuditEvent.detail)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id)
        ).all()
    assert [(user is not None, json.loads(detail)) for user, detail in events] == [
        (True, {"start": "2008-01-01", "end": "2008-12-31", "format": "csv", "kind": "internal"}),
        (
            False,
            {
                "start": "2008-01-01",
                "end": "2008-12-31",
                "format": "csv,html,xlsx",
                "kind": "internal",
            },
        ),
    ]
