"""The audit log page: filters by user, days and object, a "verify chain" button, words not codes.

Issue 18: the page was 3,863 px wide at 1,366 px (no wrapping), filterable by action only,
with no way for the auditor to check the chain from the web.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser, sign_in
from tipdata.store import AppUser, AuditEvent
from tipdata.system import System

ROW = re.compile(r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", re.S)


def _rows(html: str) -> list[tuple[str, str]]:
    return [(user.strip(), action.strip()) for user, action in ROW.findall(html)]


def test_the_auditor_filters_by_user_day_and_object(
    client: TestClient, users: dict[str, WebUser], system: System
) -> None:
    sign_in(client, users["reader"])
    client.cookies.clear()
    sign_in(client, users["auditor"])

    by_user = client.get("/admin/audit?user=reader").text
    rows = _rows(by_user)
    assert rows and {user for user, _ in rows} == {"reader"}
    assert ("reader", "signed in") in rows  # a label, not login_success
    assert ">login_success<" not in by_user

    today = datetime.now(UTC).date()
    assert _rows(client.get(f"/admin/audit?since={today + timedelta(days=1)}").text) == []
    assert _rows(client.get(f"/admin/audit?since={today}&until={today}").text)

    with system.db.session() as session:
        reader_id = session.scalar(sa.select(AppUser.id).where(AppUser.username == "reader"))
        expected = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.object_type == "app_user", AuditEvent.object_ids == str(reader_id))
        )
    by_object = client.get(f"/admin/audit?object_type=app_user&object_id={reader_id}").text
    assert len(_rows(by_object)) == expected and expected >= 1
    assert 'value="app_user" selected' in by_object  # the filter is kept


def test_filters_that_cannot_be_read_are_said_not_a_500(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["auditor"])
    answer = client.get("/admin/audit?since=31/03/2008&object_id=abc")
    assert answer.status_code == 400
    assert "Not understood, so not applied: from, object id." in answer.text
    assert 'value="31/03/2008"' in answer.text  # kept as typed
    api = client.get(
        "/api/v1/audit-events?since=yesterday",
        headers={"Authorization": f"Bearer {users['auditor'].api_token}"},
    )
    assert api.status_code == 422


def test_the_auditor_verifies_the_chain_from_the_page(
    client: TestClient, users: dict[str, WebUser], system: System
) -> None:
    sign_in(client, users["auditor"])
    page = client.get("/admin/audit/verify")
    assert page.status_code == 200
    assert re.search(r"The chain is intact: [\d,]+ events checked", page.text)

    with system.db.session() as session:  # an insider edits an event in the database
        first = session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id))
        assert first is not None
        first.detail = '{"edited": true}'
    broken = client.get("/admin/audit/verify").text
    assert "The chain is broken" in broken

    client.cookies.clear()
    sign_in(client, users["reader"])
    assert client.get("/admin/audit/verify").status_code == 403


def test_the_pager_says_the_list_is_cut_and_keeps_the_filters(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    sign_in(client, users["auditor"])
    page = client.get("/admin/audit?limit=2&action=user_created&since=2000-01-01").text
    assert "2 shown; there are more." in page
    older = re.search(r'href="(/admin/audit\?cursor=[^"]+)"', page)
    assert older
    link = older.group(1).replace("&amp;", "&")
    assert "action=user_created" in link and "since=2000-01-01" in link
    rest = _rows(client.get(link).text)
    assert rest and {action for _, action in rest} == {"user added"}
