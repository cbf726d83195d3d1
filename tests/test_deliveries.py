"""Answer tokens: single use, 24-hour expiry, one user's token never touches another's data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from scheduler.compose import content_for, payload_for
from server.accounts.models import User
from server.checkins.models import CheckIn, CheckInAnswer
from server.checkins.notify import checkin_content
from server.deliveries.tokens import hash_token, issue_token
from server.reminders.models import Delivery, Reminder

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def make_delivery(db_session, user_id: int, *, kind="checkin", meta=None, question_id=None):
    """A reminder and one sent delivery of it with a fresh token; returns (delivery, token)."""
    reminder = Reminder(
        user_id=user_id,
        kind=kind,
        title="A moment to check in",
        schedule={"type": "daily", "time": "19:00", "days": [0, 1, 2, 3, 4]},
        meta=meta or {},
    )
    db_session.add(reminder)
    db_session.flush()
    delivery = Delivery(
        reminder_id=reminder.id,
        user_id=user_id,
        kind=kind,
        due_at=NOW,
        status="sent",
        question_id=question_id,
    )
    db_session.add(delivery)
    db_session.flush()
    token = issue_token(delivery, NOW, "test-secret-key")
    db_session.commit()
    return delivery, token


def answers_of(db_session, user_id: int) -> list[tuple]:
    rows = db_session.execute(
        CheckInAnswer.__table__.select().where(CheckInAnswer.user_id == user_id)
    ).all()
    return [(row.question_id, row.value) for row in rows]


def post_answer(client, token: str, body: dict):
    client.auto_csrf = False  # the service worker has no CSRF token
    return client.post(f"/api/deliveries/{token}/answer", json=body)


def test_token_is_derived_hashed_and_expires_in_a_day(db_session, alice):
    delivery, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    assert len(token) >= 43  # 256 bits, base64url
    assert delivery.answer_token_hash == hash_token(token) != token
    assert delivery.token_expires_at == NOW + timedelta(hours=24)
    _, other = make_delivery(db_session, alice.id, question_id="sleep.quality")
    assert other != token
    assert issue_token(delivery, NOW, "another-secret") != token


def test_a_resent_delivery_carries_the_same_token_and_never_reopens_an_answer(
    client, db_session, alice
):
    delivery, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert post_answer(client, token, {"value": 4}).status_code == 200
    db_session.refresh(delivery)
    answered_at = delivery.answered_at
    # Sent again after a crash: the same token, and the answer stays given.
    assert issue_token(delivery, NOW + timedelta(minutes=6), "test-secret-key") == token
    db_session.commit()
    db_session.refresh(delivery)
    assert delivery.answered_at == answered_at is not None
    with time_machine.travel(NOW + timedelta(minutes=7), tick=False):
        assert post_answer(client, token, {"value": 1}).status_code == 404
    assert answers_of(db_session, alice.id) == [("sleep.quality", 4)]


def test_answer_is_recorded_once_from_the_notification(client, db_session, alice):
    delivery, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        response = post_answer(client, token, {"value": 4})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "recorded"
        again = post_answer(client, token, {"value": 2})
    assert again.status_code == 404
    assert answers_of(db_session, alice.id) == [("sleep.quality", 4)]
    checkin = db_session.exec(select(CheckIn)).one()
    assert checkin.source == "notification"
    assert checkin.delivery_id == delivery.id
    db_session.refresh(delivery)
    assert delivery.answered_at == NOW + timedelta(minutes=5)


def test_action_button_name_works_as_a_value(client, db_session, alice):
    _, token = make_delivery(db_session, alice.id, question_id="intrusion.images")
    with time_machine.travel(NOW, tick=False):
        assert post_answer(client, token, {"action": "answer:2"}).status_code == 200
    assert answers_of(db_session, alice.id) == [("intrusion.images", 2)]


def test_expired_token_gives_410(client, db_session, alice):
    _, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW + timedelta(hours=23, minutes=59), tick=False):
        _, fresh = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW + timedelta(hours=24), tick=False):
        response = post_answer(client, token, {"value": 3})
    assert response.status_code == 410
    assert response.get_json()["error"]["code"] == "token_expired"
    assert answers_of(db_session, alice.id) == []


@pytest.mark.parametrize(
    "guess", ["x" * 43, "short", "A" * 200, "..%2F..%2Fapi%2Fme", "a" * 42 + "!"]
)
def test_guessing_gives_404(client, db_session, alice, guess):
    make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW, tick=False):
        response = post_answer(client, guess, {"value": 3})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_bad_value_does_not_use_up_the_token(client, db_session, alice):
    _, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW, tick=False):
        bad = post_answer(client, token, {"value": 42})
        assert bad.status_code == 400 and "value" in bad.get_json()["error"]["fields"]
        both = post_answer(client, token, {"value": 3, "action": "done"})
        assert both.status_code == 400
        assert post_answer(client, token, {"value": 3}).status_code == 200


def test_a_token_answers_for_its_own_user_only(client, auth, db_session, alice, bob):
    _, token = make_delivery(db_session, alice.id, question_id="sleep.quality")
    with time_machine.travel(NOW, tick=False):
        auth.as_user(bob)  # Bob's phone posts Alice's token (say, a shared device)
        client.auto_csrf = False
        assert post_answer(client, token, {"value": 5}).status_code == 200
        client.auto_csrf = True
        assert client.get("/api/checkins").get_json()["checkins"] == []
    assert answers_of(db_session, bob.id) == []
    assert answers_of(db_session, alice.id) == [("sleep.quality", 5)]


def test_followup_answer_is_linked_to_its_moment(client, auth, db_session, alice):
    with time_machine.travel(NOW - timedelta(hours=3), tick=False):
        auth.as_user(alice)
        moment = client.post("/api/moments", json={"kind": "client_loss", "intensity": 4})
        moment_id = moment.get_json()["moment"]["id"]
    _, token = make_delivery(
        db_session,
        alice.id,
        kind="followup",
        meta={"moment_id": moment_id, "domains": ["intrusion"]},
        question_id="intrusion.replay",
    )
    with time_machine.travel(NOW, tick=False):
        assert post_answer(client, token, {"value": 4}).status_code == 200
    checkin = db_session.exec(select(CheckIn)).one()
    assert checkin.moment_id == moment_id


def test_checkin_notification_offers_two_answers(app, db_session, alice):
    delivery, _ = make_delivery(db_session, alice.id)
    user = db_session.get(User, alice.id)
    reminder = db_session.get(Reminder, delivery.reminder_id)
    with app.app_context(), time_machine.travel(NOW, tick=False):
        content = content_for(db_session, user, reminder, delivery, NOW)
    assert delivery.question_id
    question = content.extra["question"]
    assert question["id"] == delivery.question_id
    assert content.body == question["text"]
    assert [a["action"] for a in content.actions] == [
        f"answer:{answer['value']}" for answer in question["quick_answers"]
    ]
    assert len(content.actions) == 2
    assert content.navigate_path == "/#/checkin"


def test_followup_notification_asks_about_the_moment(app, db_session, alice):
    delivery, _ = make_delivery(
        db_session,
        alice.id,
        kind="followup",
        meta={"moment_id": 7, "domains": ["support", "sleep"]},
    )
    user = db_session.get(User, alice.id)
    reminder = db_session.get(Reminder, delivery.reminder_id)
    with app.app_context():
        content = checkin_content(db_session, user, reminder, delivery, NOW)
    assert delivery.question_id.startswith("support.")
    assert content.navigate_path == "/#/checkin?domains=support%2Csleep&moment=7"


def test_dispatched_payload_carries_actions_and_a_working_token(app, client, db_session, alice):
    delivery, _ = make_delivery(db_session, alice.id)
    user = db_session.get(User, alice.id)
    reminder = db_session.get(Reminder, delivery.reminder_id)
    with app.app_context():
        content = content_for(db_session, user, reminder, delivery, NOW)
        token = issue_token(delivery, NOW, app.secret_key)
        payload = json.loads(payload_for(app, reminder, delivery, content, token))
    db_session.commit()
    assert payload["answer_token"] == token
    # Safari shows no buttons: a tap opens the one-screen answer, and the icon gets a badge.
    public = app.config["TEND_PUBLIC_URL"]
    assert payload["notification"]["navigate"] == f"{public}/#/answer/{token}"
    assert payload["app_badge"] == 1
    actions = payload.get("actions") or payload["notification"]["actions"]
    value = int(actions[1]["action"].split(":")[1])
    with time_machine.travel(NOW, tick=False):
        assert post_answer(client, token, {"value": value}).status_code == 200
    assert answers_of(db_session, alice.id) == [(delivery.question_id, value)]


def test_habit_action_is_handed_over_and_uses_the_token(client, db_session, alice):
    from server.habits.models import HabitEvent

    _, token = make_delivery(db_session, alice.id, kind="break")
    with time_machine.travel(NOW, tick=False):
        unknown = post_answer(client, token, {"action": "dance"})
        assert unknown.status_code == 400
        done = post_answer(client, token, {"action": "done"})
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["result"]["action"] == "done"
        assert post_answer(client, token, {"action": "done"}).status_code == 404
    events = db_session.exec(select(HabitEvent)).all()
    assert [(e.user_id, e.action) for e in events] == [(alice.id, "done")]


def test_a_value_for_a_delivery_without_a_question(client, db_session, alice):
    _, token = make_delivery(db_session, alice.id, kind="break")
    with time_machine.travel(NOW, tick=False):
        response = post_answer(client, token, {"value": 3})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_question"
