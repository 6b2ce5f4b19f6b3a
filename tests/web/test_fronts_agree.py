"""Rules moved out of the fronts into the services: the CLI and the web give the same answer.

Each rule below lived in a route or a command (issue 16); it now lives in the service both
fronts call, and each test drives it through both fronts where both exist.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.web.conftest import PASSWORD, WebUser
from tipdata.access import AccessDenied, Actor
from tipdata.access.errors import AuditError
from tipdata.access.policy import default_policy
from tipdata.cli import app as cli
from tipdata.ingest import list_import_runs
from tipdata.legal.findings import list_findings, may_list_findings
from tipdata.provincial import own_province
from tipdata.reporting.audience import sees_internal_figures
from tipdata.reporting.tip import MAX_REPORT_DAYS, ReportPeriodError, report_period
from tipdata.store import AppUser as AppUserRow
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
    # the rule: in provincial.transitions.own_province (it was in web/routes/provincial.py)
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


# --- issue 16's remaining departures ------------------------------------------------------

MOI_HEADER = (
    "Person Ref,Case No,Role,Name,Sex,Age,Event Date,Destination,Case Status,Exploitation,"
    "Nationality,Home Province\n"
)
MOI_ROWS = (
    "P-1,K-1,victim,Sok Test,F,16,03-04-2008,Thailand,open,labour,Khmer,Phnom Penh\n"
    "P-2,K-1,suspect,Chan Test,M,41,04-04-2008,Thailand,open,labour,Khmer,Kandal\n"
)


def _with_reference_data(system: System) -> None:
    from tipdata.codelists import load_codelists, load_law_catalogue
    from tipdata.store.refdata import sync_reference_data

    sync_reference_data(system.db, load_codelists(), load_law_catalogue())


def _web_upload(client: TestClient, name: str, content: str, source: str = "") -> tuple[int, str]:
    from tests.web.conftest import csrf_of

    answer = client.post(
        "/imports/new",
        data={"csrf_token": csrf_of(client.get("/imports/new").text), "source": source},
        files={"file": (name, content.encode(), "text/csv")},
    )
    return answer.status_code, answer.text


def test_a_file_s_layout_is_chosen_by_one_rule_on_both_fronts(
    pwg_system: System, pwg_users: dict[str, WebUser], pwg_client: TestClient, tmp_path: Path
) -> None:
    # the rule: ingest.choose_mapping (the CLI chose among its own mappings, the web
    # preselected the first built-in source)
    from tests.web.conftest import sign_in
    from tipdata.ingest import AmbiguousLayoutError, UnrecognisedFileError, choose_mapping

    system, users, client = pwg_system, pwg_users, pwg_client  # code lists, one master key
    sign_in(client, users["officer"])
    named_otherwise = tmp_path / "export.csv"  # the file name fits no pattern: the header decides
    named_otherwise.write_text(MOI_HEADER + MOI_ROWS)
    assert choose_mapping(named_otherwise).source == "moi_police_register"
    code, output = _cli(system, "import", str(named_otherwise), "--dry-run")
    assert code == 0 and "moi_police_register" in output, output
    status, page = _web_upload(client, "export.csv", MOI_HEADER + MOI_ROWS)
    assert status == 200 and "moi_police_register" in page
    assert "recognised from the file&#39;s header" in page

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("a,b\n1,2\n")
    with pytest.raises(UnrecognisedFileError, match="no layout recognises this file's header"):
        choose_mapping(unknown)
    code, output = _cli(system, "import", str(unknown))
    assert code == 2 and "no layout recognises this file's header" in output
    status, page = _web_upload(client, "unknown.csv", "a,b\n1,2\n")
    assert status == 422 and "no layout recognises this file&#39;s header" in page
    assert str(system.settings.home) not in page  # no server path in the message
    assert 'type="file"' in page  # the form is still there

    # two layouts' required columns in one header: the user chooses between them
    from tipdata.ingest import builtin_mappings

    both = builtin_mappings()
    columns = dict.fromkeys(
        [
            *both["moi_police_register"].recognise.required_columns,
            *both["iom_poipet_screening"].recognise.required_columns,
        ]
    )
    ambiguous = tmp_path / "both.csv"
    ambiguous.write_text(",".join(columns) + "\n" + ",".join("x" for _ in columns) + "\n")
    with pytest.raises(AmbiguousLayoutError) as raised:
        choose_mapping(ambiguous)
    assert raised.value.candidates == ["iom_poipet_screening", "moi_police_register"]
    code, output = _cli(system, "import", str(ambiguous))
    assert code == 2 and "iom_poipet_screening, moi_police_register" in output
    status, page = _web_upload(client, "both.csv", ambiguous.read_text())
    assert status == 422 and "iom_poipet_screening, moi_police_register" in page
    offered = re.findall(r'<option value="([a-z_]+)"', page)
    assert offered == ["iom_poipet_screening", "moi_police_register"]  # only the two that fit


def test_the_dashboard_is_one_service_on_both_fronts(
    pwg_system: System, pwg_users: dict[str, WebUser], pwg_client: TestClient, tmp_path: Path
) -> None:
    # the service: reporting.dashboard.build_dashboard (it was the web route's), with the
    # default year of reporting.default_period (the year of the newest data, not today's)
    from tipdata.reporting.default_period import default_dashboard_year, default_report_period

    system, users, client = pwg_system, pwg_users, pwg_client  # code lists, one master key
    export = tmp_path / "moi_police_register_2008.csv"
    export.write_text(MOI_HEADER + MOI_ROWS)
    assert _cli(system, "import", str(export))[0] == 0
    assert default_dashboard_year(system.db, None) == 2008
    assert default_report_period(system.db, None) == (date(2008, 1, 1), date(2008, 12, 31))

    web = client.get("/api/v1/dashboard", headers=_bearer(users["officer"]))
    assert web.status_code == 200, web.text
    code, output = _cli(system, "report", "dashboard")
    assert code == 0, output
    cli_board = json.loads(output)
    same = ("year", "start", "end", "figures_kind", "headline", "by_exploitation", "funnel")
    assert {key: web.json()[key] for key in same} == {key: cli_board[key] for key in same}
    assert web.json()["year"] == 2008 and web.json()["figures_kind"] == "internal"
    assert (
        [(q["source"], q["rows_read"]) for q in cli_board["import_quality"]]
        == [("moi_police_register", 2)]
        == [(q["source"], q["rows_read"]) for q in web.json()["import_quality"]]
    )
    reader = client.get("/api/v1/dashboard", headers=_bearer(users["reader"])).json()
    assert (reader["year"], reader["figures_kind"]) == (2008, "not_published")

    # the TIP tables open on the same year on both fronts
    tip = client.get("/api/v1/reports/tip", headers=_bearer(users["officer"]))
    assert tip.status_code == 200, tip.text
    assert (tip.json()["start"], tip.json()["end"]) == ("2008-01-01", "2008-12-31")
    code, output = _cli(system, "report", "tip")
    assert code == 0 and "no period given: 2008-01-01 to 2008-12-31" in output


def test_the_local_operator_has_one_label_on_every_command(
    pwg_system: System, pwg_users: dict[str, WebUser], tmp_path: Path
) -> None:
    # one label, access.policy.LOCAL_OPERATOR (it was cli, cli-import, officer or operator)
    import typer.main

    from tipdata.access.policy import LOCAL_OPERATOR
    from tipdata.store import ImportRun

    defaults = set()
    for group in typer.main.get_command(cli).commands.values():  # type: ignore[attr-defined]
        commands = getattr(group, "commands", {"": group})
        for command in commands.values():
            for param in command.params:
                if param.name in ("actor", "reviewer", "imported_by", "started_by"):
                    defaults.add((command.name, param.name, param.default))
    assert defaults and {default for _c, _p, default in defaults} == {LOCAL_OPERATOR}
    system = pwg_system  # code lists loaded, one master key (pwg_users made it)
    export = tmp_path / "moi_police_register_2008.csv"
    export.write_text(MOI_HEADER + MOI_ROWS)
    assert _cli(system, "import", str(export))[0] == 0
    with system.db.session() as session:
        assert session.scalars(sa.select(ImportRun.imported_by)).all() == [LOCAL_OPERATOR]


def test_defaults_are_the_services_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # check run: pathways' REFERRAL_GRACE_DAYS and PENDING_MONTHS (the CLI repeated 30, 12)
    from tipdata.access.tokens import DEFAULT_TOKEN_DAYS
    from tipdata.pathways.prosecution import PENDING_MONTHS
    from tipdata.pathways.victim import REFERRAL_GRACE_DAYS
    from tipdata.store import ApiToken, CheckRun

    _with_reference_data(system)
    assert _cli(system, "check", "run")[0] == 0
    with system.db.session() as session:
        parameters = session.scalars(sa.select(CheckRun.parameters)).one()
    assert (parameters["grace_days"], parameters["pending_months"]) == (
        REFERRAL_GRACE_DAYS, PENDING_MONTHS,
    )  # fmt: skip

    # a token's lifetime: access.tokens.DEFAULT_TOKEN_DAYS (90, written twice in the fronts)
    web = client.post("/api/v1/tokens", json={"name": "web"}, headers=_bearer(users["officer"]))
    assert web.status_code in (200, 201), web.text
    code, output = _cli(system, "users", "token-issue", "officer", "--name", "cli")
    assert code == 0 and f"expires in {DEFAULT_TOKEN_DAYS} days" in output
    with system.db.session() as session:
        lifetimes = {
            name: (expires - created).days
            for name, created, expires in session.execute(
                sa.select(ApiToken.name, ApiToken.created_at, ApiToken.expires_at).where(
                    ApiToken.name.in_(["web", "cli"])
                )
            )
        }
    assert lifetimes == {"web": DEFAULT_TOKEN_DAYS, "cli": DEFAULT_TOKEN_DAYS}


def test_an_account_is_made_by_one_service_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # access.user_forms.create_account (the CLI looked the agency up and synced roles itself)
    from tests.web.conftest import csrf_of, sign_in

    _with_reference_data(system)
    code, output = _cli(
        system, "users", "add", "newcomer", "--role", "statistics_reader", "--agency", "NOPE",
        "--password", PASSWORD,
    )  # fmt: skip
    assert code == 2 and "there is no agency 'NOPE'" in output
    sign_in(client, users["admin"])
    page = client.get("/admin/users")
    refused = client.post(
        "/admin/users",
        data={"csrf_token": csrf_of(page.text), "username": "newcomer", "display_name": "New",
              "role": "statistics_reader", "agency": "NOPE", "province_code": ""},
    )  # fmt: skip
    # the same refusal, in the web's words (web/messages.py translates the service's)
    assert refused.status_code == 400
    assert "There is no such agency: choose one from the list." in refused.text
    code, output = _cli(
        system, "users", "add", "newcomer", "--role", "statistics_reader", "--agency", "MOI",
        "--password", PASSWORD,
    )  # fmt: skip
    assert code == 0, output
    with system.db.session() as session:
        made = session.scalars(sa.select(AppUserRow).where(AppUserRow.username == "newcomer")).one()
        assert (made.active, made.password_must_change, made.setup_token_hash) == (
            True, True, None,
        )  # fmt: skip


def test_review_decisions_go_through_casefiles_on_both_fronts(
    system: System, users: dict[str, WebUser], client: TestClient
) -> None:
    # casefiles.decide_review_pair (the CLI called linkage.service.decide_pair itself)
    web = client.post(
        "/api/v1/review/999", json={"decision": "same"}, headers=_bearer(users["officer"])
    )
    assert (web.status_code, web.json()["detail"]) == (
        404, "There is no review pair 999 that you may see.",
    )  # fmt: skip
    code, output = _cli(system, "link", "review", "--pair", "999", "--decision", "same")
    assert code == 2 and "There is no review pair 999 that you may see." in output
    code, output = _cli(system, "link", "review", "--pair", "999", "--decision", "maybe")
    assert code == 2 and "decision must be same, different or skip" in output


def test_a_linkage_run_and_a_person_are_one_service_each_on_both_fronts(
    pwg_system: System, pwg_users: dict[str, WebUser], pwg_client: TestClient, tmp_path: Path
) -> None:
    # linkage.service.link and linkage_runs (the web had no linkage); the person view is
    # casefiles.person_profile on both fronts (the CLI called linkage.service.person_details)
    from tipdata.store import Person

    system, users, client = pwg_system, pwg_users, pwg_client
    officer = _bearer(users["officer"])
    assert client.get("/api/v1/linkage/runs", headers=_bearer(users["reader"])).status_code == 403
    assert client.get("/api/v1/linkage/runs", headers=officer).json() == []
    code, output = _cli(system, "link", "runs")
    assert code == 0 and "linkage has not been run yet" in output

    export = tmp_path / "moi_police_register_2008.csv"
    export.write_text(MOI_HEADER + MOI_ROWS)
    assert _cli(system, "import", str(export))[0] == 0
    ran = client.post("/api/v1/linkage/runs", json={"mode": "full"}, headers=officer)
    assert ran.status_code == 201, ran.text
    run = ran.json()
    assert (run["records"], run["started_by"]) == (2, "officer")
    assert run["calibration"]["prior"] > 0
    code, output = _cli(system, "link", "runs")
    assert code == 0 and f"│ {run['run_id']} " in output and "officer" in output
    assert "calibration: prior" in output  # the newest run's, as the web shows it

    with system.db.session() as session:
        public_id = session.scalars(sa.select(Person.public_id).order_by(Person.id)).first()
    web = client.get(f"/api/v1/persons/{public_id}", headers=officer)
    assert web.status_code == 200, web.text
    code, output = _cli(system, "persons", "show", public_id)
    assert code == 0, output
    for record in web.json()["records"]:
        assert record["source_key"] in output and record["name"] in output
    assert len(web.json()["timeline"]) == output.count("step: ")
    missing = "There is no person PNOSUCHPERSON that you may see."
    web = client.get("/api/v1/persons/PNOSUCHPERSON", headers=officer)
    assert (web.status_code, web.json()["detail"]) == (404, missing)
    code, output = _cli(system, "persons", "show", "PNOSUCHPERSON")
    assert code == 2 and missing in output
