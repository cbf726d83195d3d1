"""Check-in routes: questions, the next check-in, answers with field errors, history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from server import create_app
from server.checkins.bank import BankError
from tests.conftest import ApiClient

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_requires_sign_in(client):
    assert client.get("/api/checkins/next").status_code == 401
    assert client.post("/api/checkins", json={"answers": []}).status_code == 401


def test_questions_and_next(client, auth, alice):
    auth.as_user(alice)
    questions = client.get("/api/checkins/questions").get_json()["questions"]
    assert len(questions) >= 42
    first = questions[0]
    assert set(first) >= {"id", "domain", "text", "scale"}
    assert set(first["scale"]) == {"min", "max", "labels"}
    chosen = client.get("/api/checkins/next").get_json()["questions"]
    assert 1 <= len(chosen) <= 3
    assert len({q["domain"] for q in chosen}) == len(chosen)
    follow = client.get("/api/checkins/next?domains=intrusion,sleep").get_json()["questions"]
    assert [q["domain"] for q in follow] == ["intrusion", "sleep"]
    only_commas = client.get("/api/checkins/next?domains=,,").get_json()["questions"]
    assert 1 <= len(only_commas) <= 3
    bad = client.get("/api/checkins/next?domains=astrology")
    assert bad.status_code == 400
    assert "domains" in bad.get_json()["error"]["fields"]


def test_answering_and_listing(client, auth, alice):
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        chosen = client.get("/api/checkins/next").get_json()["questions"]
        answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in chosen]
        response = client.post("/api/checkins", json={"answers": answers, "note": "long day"})
        assert response.status_code == 201
        checkin = response.get_json()["checkin"]
        assert checkin["source"] == "app"
        assert checkin["note"] == "long day"
        assert [a["question_id"] for a in checkin["answers"]] == [q["id"] for q in chosen]
        assert checkin["answers"][0]["domain"] == chosen[0]["domain"]
        again = client.get("/api/checkins/next").get_json()["questions"]
        listed = client.get("/api/checkins").get_json()["checkins"]
    # After answering, the next check-in moves on to other questions.
    assert not {q["id"] for q in chosen} & {q["id"] for q in again}
    assert [c["id"] for c in listed] == [checkin["id"]]


def test_unknown_questions_and_values_off_the_scale_are_field_errors(client, auth, alice):
    auth.as_user(alice)
    body = {
        "answers": [
            {"question_id": "sleep.quality", "value": 9},
            {"question_id": "no.such", "value": 3},
            {"question_id": "focus.tasks", "value": 2},
            {"question_id": "focus.tasks", "value": 3},
        ]
    }
    response = client.post("/api/checkins", json=body)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {
        "answers.0.value",
        "answers.1.question_id",
        "answers.3.question_id",
    }
    empty = client.post("/api/checkins", json={"answers": []})
    assert empty.status_code == 400 and "answers" in empty.get_json()["error"]["fields"]
    assert client.get("/api/checkins").get_json()["checkins"] == []


def test_moment_link_must_be_ones_own(client, auth, alice, bob):
    auth.as_user(bob)
    moment = client.post("/api/moments", json={"kind": "other", "intensity": 2}).get_json()
    auth.logout()
    auth.as_user(alice)
    answer = {"question_id": "sleep.quality", "value": 3}
    response = client.post(
        "/api/checkins", json={"answers": [answer], "moment_id": moment["moment"]["id"]}
    )
    assert response.status_code == 400
    assert "moment_id" in response.get_json()["error"]["fields"]


def test_since_and_until_in_the_users_calendar(client, auth, alice):
    answer = {"answers": [{"question_id": "sleep.quality", "value": 3}]}
    # 23:30 UTC on 9 March is already 10 March in Berlin.
    for moment in (
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 23, 30, tzinfo=UTC),
    ):
        with time_machine.travel(moment, tick=False):
            auth.as_user(alice)  # Europe/Berlin
            assert client.post("/api/checkins", json=answer).status_code == 201
    with time_machine.travel(NOW, tick=False):
        auth.as_user(alice)
        on_tenth = client.get("/api/checkins?since=2026-03-10&until=2026-03-10").get_json()
        assert len(on_tenth["checkins"]) == 1
        before = client.get("/api/checkins?until=2026-03-09T00:00:00%2B00:00").get_json()
        assert len(before["checkins"]) == 1
        naive = client.get("/api/checkins?since=2026-03-09T00:00:00")
        assert naive.status_code == 400 and "since" in naive.get_json()["error"]["fields"]
        backwards = client.get("/api/checkins?since=2026-03-10&until=2026-03-01")
        assert backwards.status_code == 400


def test_a_bad_question_bank_stops_the_app_from_starting(app_config, tmp_path):
    path = tmp_path / "bank.json"
    path.write_text('{"name": "x", "domains": {}, "questions": [{"id": "a"}]}')
    app_config["TEND_QUESTION_BANK"] = str(path)
    with pytest.raises(BankError, match="question 1"):
        create_app(app_config)


def test_an_organisations_own_bank(app_config, tmp_path):
    bank = {
        "name": "Org bank",
        "domains": {"sleep": {"title": "Sleep"}},
        "questions": [
            {
                "id": "org.sleep",
                "domain": "sleep",
                "direction": "higher_is_better",
                "text": "Slept okay?",
                "scale": {"min": 0, "max": 1, "labels": ["No", "Yes"]},
                "quick_answers": [{"value": 0, "title": "No"}, {"value": 1, "title": "Yes"}],
            }
        ],
    }
    path = tmp_path / "org.json"
    path.write_text(json.dumps(bank))
    app_config["TEND_QUESTION_BANK"] = str(path)
    app = create_app(app_config)
    app.test_client_class = ApiClient
    client = app.test_client()
    body = {
        "email": "org@example.com",
        "password": "correct horse battery staple",
        "timezone": "UTC",
    }
    assert client.post("/api/auth/register", json=body).status_code == 201
    assert [q["id"] for q in client.get("/api/checkins/next").get_json()["questions"]] == [
        "org.sleep"
    ]
    answer = {"answers": [{"question_id": "org.sleep", "value": 1}]}
    assert client.post("/api/checkins", json=answer).status_code == 201
    app.extensions["tend.engine"].dispose()
