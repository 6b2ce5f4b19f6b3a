"""The linkage review queue: side-by-side evidence, decisions persisted and audited, 409."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.casefiles_world import (
    CLIENT_NAME,
    VICTIM_NAME,
    VICTIM_NAME_KHMER,
    World,
    audit_actions,
    bearer,
    system,
    world,
)
from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.access.policy import Policy, default_policy
from tipdata.store import ReviewDecision, ReviewPair
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below


def stored(system: System, pair_id: int) -> tuple[str, list[tuple[str, str, str | None]]]:
    """The pair's status and its decisions (decision, reviewer, reason), from the database."""
    with system.db.session() as session:
        pair = session.get(ReviewPair, pair_id)
        assert pair is not None
        decisions = session.execute(
            sa.select(ReviewDecision.decision, ReviewDecision.reviewer, ReviewDecision.reason)
            .where(ReviewDecision.pair_id == pair_id)
            .order_by(ReviewDecision.id)
        )
        return pair.status.value, [(d.value, r, why) for d, r, why in decisions]


def test_queue_shows_both_records_and_which_fields_agree(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.get("/api/v1/review", headers=bearer(users["officer"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pending"] == 1 and body["offset"] == 0
    [pair] = body["items"]
    assert pair["pair_id"] == world.pair and pair["match_probability"] == 0.61
    assert (pair["left"]["agency"], pair["left"]["source_key"]) == ("MOI", "MOI-1")
    assert (pair["right"]["agency"], pair["right"]["source_key"]) == ("AFESIP", "AF-9")
    assert [
        (f["field"], f["left"], f["right"], f["agreement"], f["match_weight"])
        for f in pair["fields"]
    ] == [
        ("name", "sok dara", "sok darra", "agree", 6.1),
        ("birth_year", "2006", "2003–2004", "disagree", -3.2),
        ("sex", "female", "female", "agree", 1.4),
        ("nationality", "", "KHM", "unknown", None),
    ]
    assert audit_actions(system, "review_pair")[-1] == ("read_protected", str(world.pair))


def test_a_decision_persists_is_audited_and_a_second_one_conflicts(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    officer = bearer(users["officer"])
    response = client.post(
        f"/api/v1/review/{world.pair}", json={"decision": "different", "reason": "other mother"},
        headers=officer,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {
        "pair_id": world.pair,
        "status": "different",
        "decided_by": "officer",
    }
    assert stored(system, world.pair) == ("different", [("different", "officer", "other mother")])
    assert audit_actions(system, "review_pair")[-1] == ("link_decision", str(world.pair))
    again = client.post(f"/api/v1/review/{world.pair}", json={"decision": "same"}, headers=officer)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["title"] == "Conflict"
    assert stored(system, world.pair)[0] == "different"
    override = client.post(
        f"/api/v1/review/{world.pair}",
        json={"decision": "same", "expected_status": "different"}, headers=officer,
    )  # fmt: skip
    assert override.status_code == 200
    assert stored(system, world.pair) == (
        "same", [("different", "officer", "other mother"), ("same", "officer", None)]
    )  # fmt: skip
    assert client.get("/api/v1/review", headers=officer).json()["pending"] == 0


def test_skip_records_nothing_and_bad_requests_are_problems(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    officer = bearer(users["officer"])
    skip = client.post(f"/api/v1/review/{world.pair}", json={"decision": "skip"}, headers=officer)
    assert skip.json() == {"pair_id": world.pair, "status": "pending", "decided_by": None}
    assert stored(system, world.pair) == ("pending", [])
    missing = client.post("/api/v1/review/999999", json={"decision": "same"}, headers=officer)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "There is no review pair 999999 that you may see."
    invalid = client.post(
        f"/api/v1/review/{world.pair}", json={"decision": "maybe"}, headers=officer
    )
    assert invalid.status_code == 422
    assert [e["location"] for e in invalid.json()["errors"]] == ["body.decision"]
    police = client.post(
        f"/api/v1/review/{world.pair}", json={"decision": "same"}, headers=bearer(users["police"])
    )
    assert police.status_code == 403
    assert client.get("/api/v1/review", headers=bearer(users["clerk"])).status_code == 403


def test_review_page_decides_with_a_form_and_skips_with_a_link(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    sign_in(client, users["officer"])
    page = client.get("/review")
    assert page.status_code == 200
    assert "sok darra" in page.text and "2003–2004" in page.text
    assert 'href="/review?position=1"' in page.text  # skip
    assert "No pair to review here." in client.get("/review?position=1").text
    response = client.post(
        f"/review/{world.pair}",
        data={"csrf_token": csrf_of(page.text), "decision": "same",
              "expected_status": "pending", "position": "0"},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/review?position=0"
    assert stored(system, world.pair) == ("same", [("same", "officer", None)])
    forged = client.post(f"/review/{world.pair}", data={"decision": "different"})
    assert forged.status_code == 403
    assert stored(system, world.pair)[0] == "same"


def test_the_queue_shows_both_records_as_recorded_to_a_reviewer_who_reads_identities(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    body = client.get("/api/v1/review", headers=bearer(users["officer"])).json()
    [pair] = body["items"]
    recorded = {f["field"]: (f["left"], f["right"], f["differs"]) for f in pair["recorded"]}
    assert recorded["name"] == (f"{VICTIM_NAME} {VICTIM_NAME_KHMER}", CLIENT_NAME, True)
    assert recorded["sex"][2] is False and recorded["province_code"] == ("12", "12", False)
    assert set(recorded) == {"name", "birth", "sex", "province_code", "documents"}
    sign_in(client, users["officer"])
    page = client.get("/review")
    assert "As recorded" in page.text and CLIENT_NAME in page.text and "differs" in page.text


def test_roles_that_may_not_review_see_no_value_of_the_queue(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    names = (VICTIM_NAME, CLIENT_NAME, "sok darra")
    for username, user in users.items():
        if username == "officer":
            continue
        api = client.get("/api/v1/review", headers=bearer(user))
        assert api.status_code in (401, 403), (username, api.status_code)
        assert not any(name in api.text for name in names), username


def test_a_reviewer_who_may_not_read_identities_sees_levels_and_weights_only(
    client: TestClient,
    users: dict[str, WebUser],
    world: World,
    system: System,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A policy where the court clerk (no persons:read_identity) may review pairs.
    policy = default_policy()
    clerk = policy.roles["court_clerk"]
    patched = Policy(
        permissions=policy.permissions,
        roles={
            **policy.roles,
            "court_clerk": replace(clerk, permissions=clerk.permissions | {"linkage:review"}),
        },
    )
    monkeypatch.setattr("tipdata.access.policy.default_policy", lambda: patched)
    monkeypatch.setattr(client.app.state.web.access, "policy", patched)  # type: ignore[attr-defined]

    response = client.get("/api/v1/review", headers=bearer(users["clerk"]))

    assert response.status_code == 200, response.text
    [pair] = response.json()["items"]
    assert pair["recorded"] == []
    assert [(f["field"], f["left"], f["right"], f["match_weight"]) for f in pair["fields"]] == [
        ("name", "[protected]", "[protected]", 6.1),
        ("birth_year", "[protected]", "[protected]", -3.2),
        ("sex", "[protected]", "[protected]", 1.4),
        ("nationality", "[protected]", "[protected]", None),
    ]
    assert not any(name in response.text for name in (VICTIM_NAME, CLIENT_NAME, "sok darra"))
