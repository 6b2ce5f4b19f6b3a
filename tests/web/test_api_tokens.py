"""API tokens are issued, listed, expired and revoked, and end at a role change (issue 15, 13).

The review found no way to issue, list, expire or revoke a token (only tests called the
function), tokens that never expired, and a token that kept working after its owner's
role changed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import WebUser
from tests.web.test_admin import bearer
from tipdata.access.errors import SessionInvalid
from tipdata.access.sessions import resolve_api_token
from tipdata.system import System


def _me(client: TestClient, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_stops_working_when_its_owners_role_changes(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    reader = users["reader"]
    assert _me(client, reader.api_token) == 200
    granted = client.post(
        "/api/v1/users/reader/role", headers=bearer(users["admin"]), json={"role": "auditor"}
    )
    assert granted.status_code == 200
    assert _me(client, reader.api_token) == 401  # it must not carry the new role


def test_tokens_are_issued_listed_and_revoked_through_the_api(
    client: TestClient, users: dict[str, WebUser]
) -> None:
    reader, admin = users["reader"], users["admin"]
    issued = client.post(
        "/api/v1/tokens", headers=bearer(reader), json={"name": "monthly export", "days": 30}
    )
    assert issued.status_code == 200
    new = issued.json()
    assert _me(client, new["token"]) == 200

    own = client.get("/api/v1/tokens", headers=bearer(reader)).json()
    assert {t["username"] for t in own} == {"reader"}
    listed = next(t for t in own if t["id"] == new["id"])
    lifetime = datetime.fromisoformat(listed["expires_at"]) - datetime.fromisoformat(
        listed["created_at"]
    )
    assert (listed["name"], listed["state"], lifetime) == ("monthly export", "live", timedelta(30))
    assert "token" not in listed

    everyone = client.get("/api/v1/tokens", headers=bearer(admin)).json()
    admins_token = next(t["id"] for t in everyone if t["username"] == "admin")
    # another user's token is "no such token" to a non-administrator
    refused = client.post(f"/api/v1/tokens/{admins_token}/revoke", headers=bearer(reader))
    assert refused.status_code == 400
    assert _me(client, admin.api_token) == 200

    revoked = client.post(f"/api/v1/tokens/{new['id']}/revoke", headers=bearer(reader))
    assert revoked.status_code == 204
    assert _me(client, new["token"]) == 401
    # the administrator revokes anyone's
    readers_first = [t["id"] for t in everyone if t["username"] == "reader"][-1]  # oldest
    assert (
        client.post(f"/api/v1/tokens/{readers_first}/revoke", headers=bearer(admin)).status_code
        == 204
    )
    assert _me(client, reader.api_token) == 401


@pytest.mark.parametrize("days", [0, 366])
def test_a_token_lives_one_to_365_days(
    client: TestClient, users: dict[str, WebUser], days: int
) -> None:
    answer = client.post(
        "/api/v1/tokens", headers=bearer(users["reader"]), json={"name": "x", "days": days}
    )
    assert answer.status_code == 422


def test_tokens_expire_by_default(system: System, users: dict[str, WebUser]) -> None:
    token = users["reader"].api_token  # issued with the default lifetime
    with system.db.session() as session:
        resolve_api_token(session, token, datetime.now(UTC) + timedelta(days=89))
        with pytest.raises(SessionInvalid):
            resolve_api_token(session, token, datetime.now(UTC) + timedelta(days=91))


def test_a_token_revoked_or_disabled_elsewhere_fails_on_the_next_request(
    client: TestClient, system: System, users: dict[str, WebUser]
) -> None:
    """Every request reads its token (one read, no cache): a revocation by the command line,
    another process with its own connection to the database, holds from the next request,
    even for a token that has just been used; so does a user disabled there."""
    import sqlalchemy as sa

    from tipdata.access.tokens import revoke_token
    from tipdata.store import Database
    from tipdata.store.access import ApiToken, AppUser

    reader, auditor = users["reader"], users["auditor"]
    for _ in range(3):
        assert _me(client, reader.api_token) == 200
    elsewhere = Database(system.db.url)  # as `tipdata users token-revoke` would open it
    with elsewhere.session() as session:
        token_id = session.scalars(
            sa.select(ApiToken.id).join(AppUser).where(AppUser.username == "reader")
        ).one()
        revoke_token(session, None, token_id)
    assert _me(client, reader.api_token) == 401
    assert _me(client, auditor.api_token) == 200
    with elsewhere.session() as session:  # no token revoked: only the account disabled
        session.execute(
            sa.update(AppUser).where(AppUser.username == "auditor").values(active=False)
        )
    assert _me(client, auditor.api_token) == 401
    elsewhere.dispose()


def test_a_tokens_last_use_is_written_at_most_once_a_minute(
    client: TestClient, system: System, users: dict[str, WebUser]
) -> None:
    import sqlalchemy as sa

    from tipdata.store.access import ApiToken, AppUser

    def last_used() -> datetime | None:
        with system.db.session() as session:
            return session.scalars(
                sa.select(ApiToken.last_used_at).join(AppUser).where(AppUser.username == "reader")
            ).one()

    assert last_used() is None
    assert _me(client, users["reader"].api_token) == 200
    first = last_used()
    assert first is not None
    assert _me(client, users["reader"].api_token) == 200
    assert last_used() == first
