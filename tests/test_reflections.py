"""The monthly look back: eight questions, answers kept month by month, exported and deleted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import PASSWORD

MONTHS = [datetime(2026, m, 28, 19, 0, tzinfo=UTC) for m in (1, 2, 3)]


def answers(value: int, count: int = 8, questions=None) -> list[dict]:
    ids = [q["id"] for q in questions][:count]
    return [{"question_id": qid, "value": value} for qid in ids]


def test_needs_sign_in(client):
    assert client.get("/api/reflections/questions").status_code == 401
    assert client.get("/api/reflections").status_code == 401
    assert client.post("/api/reflections", json={"answers": []}).status_code == 401


def test_eight_questions_on_a_five_point_scale(client, auth, alice):
    auth.as_user(alice)
    questions = client.get("/api/reflections/questions").get_json()["questions"]
    assert len(questions) == 8
    assert len({q["id"] for q in questions}) == 8
    for question in questions:
        assert question["scale"]["min"] == 1 and question["scale"]["max"] == 5
        assert len(question["scale"]["labels"]) == 5
        assert question["learn"]
        assert "{" not in question["text"]


def test_history_month_by_month_newest_first(client, auth, alice):
    auth.as_user(alice)
    questions = client.get("/api/reflections/questions").get_json()["questions"]
    for value, month in enumerate(MONTHS, start=2):
        with time_machine.travel(month, tick=False):
            auth.as_user(alice)  # a sign-in lasts 30 days; a month later it is a new one
            note = "a heavy month" if value == 3 else None
            response = client.post(
                "/api/reflections",
                json={"answers": answers(value, questions=questions), "note": note},
            )
        assert response.status_code == 201, response.get_json()
        made = response.get_json()["reflection"]
        assert made["note"] == note
        assert len(made["answers"]) == 8
    auth.as_user(alice)
    history = client.get("/api/reflections").get_json()["reflections"]
    assert [r["created_at"][:7] for r in history] == ["2026-03", "2026-02", "2026-01"]
    assert [r["answers"][0]["value"] for r in history] == [4, 3, 2]
    assert history[1]["note"] == "a heavy month"
    assert [a["question_id"] for a in history[0]["answers"]] == [q["id"] for q in questions]
    assert len(client.get("/api/reflections?limit=1").get_json()["reflections"]) == 1


def test_some_questions_may_stay_unanswered(client, auth, alice):
    auth.as_user(alice)
    questions = client.get("/api/reflections/questions").get_json()["questions"]
    response = client.post("/api/reflections", json={"answers": answers(3, 2, questions)})
    assert response.status_code == 201
    assert len(response.get_json()["reflection"]["answers"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"answers": []},
        {"answers": [{"question_id": "astrology", "value": 3}]},
        {"answers": [{"question_id": "support", "value": 6}]},
        {"answers": [{"question_id": "support", "value": 0}]},
        {
            "answers": [
                {"question_id": "support", "value": 2},
                {"question_id": "support", "value": 3},
            ]
        },
        {"answers": [{"question_id": "support", "value": 2}], "note": "x" * 1001},
        {"answers": [{"question_id": "support", "value": 2}], "score": 9},
    ],
)
def test_bad_input_is_a_field_error(client, auth, alice, body):
    auth.as_user(alice)
    response = client.post("/api/reflections", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]


def test_each_person_sees_only_their_own(client, auth, alice, bob):
    auth.as_user(alice)
    client.post("/api/reflections", json={"answers": [{"question_id": "support", "value": 2}]})
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/reflections").get_json()["reflections"] == []


def test_in_the_export_and_gone_with_the_account(client, auth, alice):
    auth.as_user(alice)
    client.post(
        "/api/reflections",
        json={"answers": [{"question_id": "outlook", "value": 4}], "note": "better"},
    )
    exported = client.get("/api/export").get_json()
    assert exported["reflections"][0]["note"] == "better"
    assert exported["reflection_answers"][0]["question_id"] == "outlook"
    assert client.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    auth.login(alice.email, alice.password)
    assert auth.register(alice.email).status_code == 201
    assert client.get("/api/reflections").get_json()["reflections"] == []
