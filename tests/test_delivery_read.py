"""The one-screen answer's server side: reading a delivery by its token, and where taps lead."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine

from server.checkins.bank import load_bank
from server.push.payload import answer_navigate, build_payload
from tests.test_deliveries import NOW, make_delivery, post_answer


def read(client, token: str):
    client.auto_csrf = False
    return client.get(f"/api/deliveries/{token}")


def test_the_token_reads_its_question_without_a_session(client, db_session, alice):
    question = load_bank().questions[0]
    delivery, token = make_delivery(db_session, alice.id, question_id=question.id)
    with time_machine.travel(NOW, tick=False):
        answer = read(client, token)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["kind"] == "checkin"
    assert body["title"] == "A moment to check in"
    assert body["question"]["id"] == question.id
    assert body["question"]["text"] == question.text
    assert body["question"]["scale"]["labels"] == list(question.scale.labels)
    assert len(body["question"]["quick_answers"]) >= 1
    assert "user_id" not in body and "email" not in json.dumps(body)


def test_unknown_used_and_expired_tokens(client, db_session, alice):
    question = load_bank().questions[0]
    _, token = make_delivery(db_session, alice.id, question_id=question.id)
    with time_machine.travel(NOW, tick=False):
        assert read(client, "x" * 43).status_code == 404
        assert read(client, "not-a-token").status_code == 404
        assert post_answer(client, token, {"value": question.scale.min}).status_code == 200
        used = read(client, token)
    assert (used.status_code, used.get_json()["error"]["code"]) == (404, "not_found")

    _, late = make_delivery(db_session, alice.id, question_id=question.id)
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        expired = read(client, late)
    assert (expired.status_code, expired.get_json()["error"]["code"]) == (410, "token_expired")


def test_answer_navigate_keeps_a_path_prefix():
    assert (
        answer_navigate("https://t.org/care/#/checkin?x=1", "T") == "https://t.org/care/#/answer/T"
    )
    reminder = build_payload(
        title="Break",
        body="Stretch",
        navigate="https://t.org/#/today",
        tag="b",
        extra={"answer_token": "T"},
    )
    assert json.loads(reminder)["notification"]["navigate"] == "https://t.org/#/today"
    assert "app_badge" not in json.loads(reminder)
