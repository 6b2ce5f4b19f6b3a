"""Screening entry: the form with the suggested determination, the API, scope and audit."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.web.casefiles_world import World, audit_actions, bearer, system, world
from tests.web.conftest import WebUser, csrf_of, sign_in
from tipdata.store import Screening, ScreeningAnswer
from tipdata.system import System

__all__ = ["system", "world"]  # fixtures used by the tests below


def screenings_of(
    system: System, record_id: int
) -> list[tuple[str | None, str | None, str | None]]:
    """(suggested, final, determined by) of a record's screenings, oldest first."""
    with system.db.session() as session:
        rows = session.execute(
            sa.select(
                Screening.suggested_determination,
                Screening.final_determination,
                Screening.determined_by,
            )
            .where(Screening.person_record_id == record_id)
            .order_by(Screening.id)
        )
        return [(s.value if s else None, f.value if f else None, by) for s, f, by in rows]


def test_ngo_records_a_screening_on_its_own_record_with_suggestion_and_decision(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.post(
        f"/api/v1/persons/{world.victim}/screenings",
        json={
            "screening_date": "2024-03-10",
            "answers": {"debt_bondage": "yes", "threats": "no", "isolation": "unknown"},
            "final_determination": "victim",
        },
        headers=bearer(users["ngo"]),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "screening_id": body["screening_id"], "person_record_id": world.victim_afesip_record,
        "screening_date": "2024-03-10", "agency": "AFESIP",
        "answers": {"debt_bondage": "yes", "threats": "no", "isolation": "unknown"},
        "suggested_determination": "possible_victim", "suggestion_score": 2,
        "suggestion_reason": "score 2 >= 2 (debt_bondage)",
        "final_determination": "victim", "determined_by": "ngo",
    }  # fmt: skip
    assert screenings_of(system, world.victim_afesip_record)[-1] == (
        "possible_victim", "victim", "ngo"
    )  # fmt: skip
    assert audit_actions(system, "screening") == [("screening_recorded", str(body["screening_id"]))]
    with system.db.session() as session:
        answers = session.scalars(
            sa.select(ScreeningAnswer.indicator_code)
            .where(ScreeningAnswer.screening_id == body["screening_id"])
            .order_by(ScreeningAnswer.indicator_code)
        )
        assert list(answers) == ["debt_bondage", "isolation", "threats"]


def test_screening_a_chosen_record_without_a_decision_yet(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    response = client.post(
        f"/api/v1/persons/{world.victim}/screenings",
        json={"screening_date": "2024-03-10", "person_record_id": world.victim_moi_record,
              "answers": {"minor_in_commercial_sex": "yes"}},
        headers=bearer(users["officer"]),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["agency"] == "NTF"
    assert screenings_of(system, world.victim_moi_record) == [("victim", None, None)]


def test_refusals_name_the_field_and_nothing_is_stored(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    ngo = bearer(users["ngo"])
    url = f"/api/v1/persons/{world.victim}/screenings"
    future = client.post(url, json={"screening_date": "2999-01-01"}, headers=ngo)
    assert future.status_code == 422
    assert future.json()["detail"] == "screening_date 2999-01-01 is in the future"
    unknown = client.post(
        url, json={"screening_date": "2024-03-10", "answers": {"tattoo": "yes"}}, headers=ngo
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "not indicators of the screening form: ['tattoo']"
    bad_answer = client.post(
        url, json={"screening_date": "2024-03-10", "answers": {"threats": "maybe"}}, headers=ngo
    )
    assert bad_answer.status_code == 422
    assert [e["location"] for e in bad_answer.json()["errors"]] == ["body.answers.threats"]
    other_record = client.post(
        url, json={"screening_date": "2024-03-10", "person_record_id": 999_999}, headers=ngo
    )
    assert other_record.status_code == 422
    assert "person_record_id 999999 is not a record of person" in other_record.json()["detail"]
    assert screenings_of(system, world.victim_afesip_record) == [("victim", "victim", "ngo")]
    assert audit_actions(system, "screening") == []


def test_who_may_screen_whom(client: TestClient, users: dict[str, WebUser], world: World) -> None:
    body = {"screening_date": "2024-03-10"}
    police = client.post(
        f"/api/v1/persons/{world.victim}/screenings", json=body, headers=bearer(users["police"])
    )
    assert police.status_code == 403
    assert police.json()["detail"] == "Your role does not have the permission 'screenings:create'."
    outside = client.post(
        f"/api/v1/persons/{world.suspect}/screenings", json=body, headers=bearer(users["ngo"])
    )
    assert outside.status_code == 404
    assert outside.json()["detail"] == f"There is no person {world.suspect} that you may see."


def test_screening_form_previews_the_suggestion_then_saves(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    sign_in(client, users["ngo"])
    form = client.get(f"/persons/{world.victim}/screenings/new")
    assert form.status_code == 200
    assert len(re.findall(r'name="answer:', form.text)) == 13 * 3  # 13 indicators × 3 answers
    fields = {
        "csrf_token": csrf_of(form.text),
        "screening_date": date(2024, 3, 11).isoformat(),
        "answer:minor_in_commercial_sex": "yes",
        "answer:threats": "no",
    }
    preview = client.post(
        f"/persons/{world.victim}/screenings", data={**fields, "action": "preview"}
    )
    assert preview.status_code == 200
    assert "decisive indicator: minor_in_commercial_sex" in preview.text
    assert screenings_of(system, world.victim_afesip_record) == [("victim", "victim", "ngo")]
    saved = client.post(
        f"/persons/{world.victim}/screenings",
        data={**fields, "action": "save", "final_determination": "victim"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/persons/{world.victim}#screenings"
    assert screenings_of(system, world.victim_afesip_record)[-1] == ("victim", "victim", "ngo")
    future = client.post(
        f"/persons/{world.victim}/screenings",
        data={**fields, "action": "save", "screening_date": "2999-01-01"},
    )
    assert future.status_code == 422
    assert "The screening date is in the future: type the day of the screening." in future.text
    assert 'value="2999-01-01"' in future.text  # the form is kept
    assert client.get(f"/persons/{world.suspect}/screenings/new").status_code == 404


def test_the_same_screening_twice_is_a_conflict_naming_the_stored_one(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    url = f"/api/v1/persons/{world.victim}/screenings"
    body = {"screening_date": "2024-03-12", "person_record_id": world.victim_moi_record,
            "answers": {"threats": "yes", "isolation": "no"}}  # fmt: skip
    first = client.post(url, json=body, headers=bearer(users["officer"]))
    assert first.status_code == 201, first.text
    stored = first.json()["screening_id"]
    again = client.post(url, json=body, headers=bearer(users["officer"]))
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["detail"] == (
        f"this screening was already recorded: same record, date and answers (screening {stored})"
    )
    other_day = client.post(
        url, json={**body, "screening_date": "2024-03-13"}, headers=bearer(users["officer"])
    )
    assert other_day.status_code == 201, other_day.text
    assert screenings_of(system, world.victim_moi_record) == [
        ("not_victim", None, None), ("not_victim", None, None)
    ]  # fmt: skip
    assert audit_actions(system, "screening") == [
        ("screening_recorded", str(stored)),
        ("screening_recorded", str(other_day.json()["screening_id"])),
    ]


def test_the_form_saved_twice_shows_the_conflict_on_the_form(
    client: TestClient, users: dict[str, WebUser], world: World, system: System
) -> None:
    sign_in(client, users["ngo"])
    form = client.get(f"/persons/{world.victim}/screenings/new")
    fields = {
        "csrf_token": csrf_of(form.text),
        "screening_date": "2024-03-14",
        "answer:threats": "yes",
        "action": "save",
    }
    saved = client.post(f"/persons/{world.victim}/screenings", data=fields)
    assert saved.status_code == 303
    again = client.post(f"/persons/{world.victim}/screenings", data=fields)
    assert again.status_code == 409
    assert "this screening was already recorded: same record, date and answers" in again.text
    assert len(screenings_of(system, world.victim_afesip_record)) == 2  # the world's, and one
