"""Discreet notifications: neutral words on the lock screen, a payload that carries no more
than the notification needs, in both modes, read decrypted at the local push receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.accounts.models import User
from server.checkins.bank import load_bank
from server.checkins.models import Moment
from server.privacy.discreet import NEUTRAL_BODY, NEUTRAL_TITLE, discreet_content
from server.reminders.content import NotificationContent
from server.reminders.models import Delivery
from server.support.models import SupportPerson
from tests.test_dispatch import add_device, add_reminder, add_user, berlin, daily, engine_of

NOTE = "Mrs Okafor in bed 4 asked for her son again"
PERSON = "Jordan Example"


def question_texts() -> set[str]:
    """Every question's words, for every role (placeholders filled)."""
    from server.accounts.roles import ROLES

    texts = set()
    for question in load_bank().questions:
        texts.add(question.text)
        texts.update(question.worded(role).text for role in ROLES)
    return texts


def dispatch_one(app, receiver, *, discreet: bool, kind: str, email: str) -> dict:
    """Send one due reminder of ``kind`` to a new user's device; the decrypted payload."""
    user = add_user(app, email=email, discreet_notifications=discreet)
    with Session(engine_of(app)) as session:
        # What the payload must never carry: a hard moment's note, a support person.
        session.add(Moment(user_id=user.id, kind="patient_death", note=NOTE, intensity=4))
        session.add(SupportPerson(user_id=user.id, name=PERSON, contact="+49 30 1234567"))
        session.commit()
    add_device(app, user, receiver)
    start = berlin(2026, 3, 2, 8, 0)
    add_reminder(app, user, kind, daily("10:00"), start)
    with time_machine.travel(berlin(2026, 3, 2, 10, 0, 30), tick=False):
        run_tick(app, datetime.now(UTC))
    arrived = [message.payload for message in receiver.received if message.payload]
    mine = [message for message in arrived if message.get("delivery_id") in delivery_ids(app, user)]
    assert len(mine) == 1
    return mine[0]


def delivery_ids(app, user: User) -> set[int]:
    """Ids of the user's deliveries."""
    with Session(engine_of(app)) as session:
        return set(
            session.execute(select(Delivery.id).where(Delivery.user_id == user.id)).scalars()
        )


def assert_nothing_private(payload: dict) -> None:
    """No note, no name, no email anywhere in the payload."""
    text = json.dumps(payload, ensure_ascii=False)
    assert NOTE not in text
    assert PERSON not in text
    assert "@example.com" not in text


def test_discreet_checkin_shows_neutral_words_and_no_question(push_app, push_receiver):
    payload = dispatch_one(
        push_app, push_receiver, discreet=True, kind="checkin", email="d@example.com"
    )
    notification = payload["notification"]
    assert notification["title"] == NEUTRAL_TITLE
    assert notification["body"] == NEUTRAL_BODY
    text = json.dumps(payload, ensure_ascii=False)
    assert not any(words in text for words in question_texts())
    # No answer buttons without the question; a tap opens the one-screen answer.
    assert not notification.get("actions")
    assert notification["navigate"].endswith("/#/answer/" + payload["answer_token"])
    assert set(payload["question"]) == {"id"}
    assert_nothing_private(payload)


def test_plain_checkin_shows_the_question_and_still_nothing_private(push_app, push_receiver):
    payload = dispatch_one(
        push_app, push_receiver, discreet=False, kind="checkin", email="p@example.com"
    )
    notification = payload["notification"]
    assert notification["body"] in question_texts()
    assert payload["question"]["text"] == notification["body"]
    assert len(notification["actions"]) == 2
    assert_nothing_private(payload)


def test_discreet_habit_reminder_keeps_neutral_buttons(push_app, push_receiver):
    payload = dispatch_one(
        push_app, push_receiver, discreet=True, kind="break", email="h@example.com"
    )
    notification = payload["notification"]
    assert (notification["title"], notification["body"]) == (NEUTRAL_TITLE, NEUTRAL_BODY)
    assert [action["title"] for action in notification["actions"]] == ["Done", "Later"]
    assert_nothing_private(payload)


def test_plain_habit_reminder_carries_nothing_private(push_app, push_receiver):
    payload = dispatch_one(
        push_app, push_receiver, discreet=False, kind="sleep", email="s@example.com"
    )
    assert payload["notification"]["title"] != NEUTRAL_TITLE
    assert_nothing_private(payload)


def test_discreet_rewrite_drops_answer_buttons_and_question_words():
    content = NotificationContent(
        title="How are you doing now?",
        body="How often did the day come back to you?",
        actions=[
            {"action": "answer:2", "title": "A little"},
            {"action": "snooze", "title": "Snooze 10 min"},
        ],
        extra={"question": {"id": "intrusion.replay", "text": "How often ...?"}},
        navigate_path="/#/checkin?moment=3",
    )
    discreet = discreet_content(content)
    assert discreet.actions == [{"action": "snooze", "title": "Later"}]
    assert discreet.extra == {"question": {"id": "intrusion.replay"}}
    assert discreet.ttl == content.ttl


def test_new_accounts_start_discreet_and_can_turn_it_off(client, auth):
    response = auth.register("new@example.com")
    assert response.get_json()["user"]["discreet_notifications"] is True
    changed = client.patch("/api/me", json={"discreet_notifications": False})
    assert changed.status_code == 200
    assert changed.get_json()["user"]["discreet_notifications"] is False
