"""The `learn` and `reflection` reminder kinds, end to end: created through the API, dispatched
at their local time, decrypted at the local push service; the look back stays silent once done."""

from __future__ import annotations

from datetime import datetime

import time_machine
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.learn.cards import load_cards
from server.learn.notify import card_of_the_week
from server.reflections.models import Reflection
from server.reminders.kinds import KINDS
from tests.conftest import PASSWORD, ApiClient
from tests.test_dispatch import berlin, deliveries

LAST_SUNDAY = {"type": "monthly", "week": -1, "weekday": 6, "time": "18:00"}
SUNDAY_EVENINGS = {"type": "daily", "time": "18:00", "days": [6]}


def signed_up(app, email: str):
    """A client of ``app`` signed in as a new person in Berlin (CSRF sent like the PWA)."""
    app.test_client_class = ApiClient
    client = app.test_client()
    body = {"email": email, "password": PASSWORD, "timezone": "Europe/Berlin"}
    assert client.post("/api/auth/register", json=body).status_code == 201
    return client


def due_at(reminder: dict) -> datetime:
    """A reminder's next moment as an aware datetime."""
    return datetime.fromisoformat(reminder["next_due_at"].replace("Z", "+00:00"))


def subscribe(client, push_receiver):
    """The signed-in person's phone at the local push service."""
    subscription = push_receiver.make_subscription()
    assert client.post("/api/push/subscriptions", json=subscription.to_json()).status_code in (
        200,
        201,
    )
    return subscription


def test_both_kinds_have_a_title_and_a_gentle_lifetime():
    assert KINDS["learn"].title and KINDS["reflection"].title
    assert KINDS["learn"].urgency == KINDS["reflection"].urgency == "low"
    assert not KINDS["learn"].asks and not KINDS["reflection"].about_work


def test_one_card_a_week_arrives_on_sunday_evening_and_opens_the_card(push_app, push_receiver):
    with time_machine.travel(berlin(2026, 3, 2, 9), tick=False):  # a Monday
        client = signed_up(push_app, "lee@example.org")
        phone = subscribe(client, push_receiver)
        created = client.post("/api/reminders", json={"kind": "learn", "schedule": SUNDAY_EVENINGS})
        assert created.status_code == 201, created.get_json()
        reminder = created.get_json()["reminder"]
        assert reminder["title"] == KINDS["learn"].title
        assert due_at(reminder) == berlin(2026, 3, 8, 18, 0)  # Sunday 18:00 in Berlin
    with time_machine.travel(berlin(2026, 3, 8, 18, 0, 2), tick=False):
        assert run_tick(push_app).outcomes == {"sent": 1}
    (message,) = push_receiver.messages_for(phone)
    assert message.verified, message.problems
    card = card_of_the_week(load_cards(), berlin(2026, 3, 8, 18).date())
    assert message.payload["reminder_kind"] == "learn"
    assert message.payload["notification"]["navigate"].endswith(f"/#/learn/{card.id}")
    assert message.headers["urgency"] == "low"


def test_the_monthly_look_back_comes_on_the_last_sunday_unless_done(push_app, push_receiver):
    with time_machine.travel(berlin(2026, 2, 2, 9), tick=False):
        client = signed_up(push_app, "kim@example.org")
        phone = subscribe(client, push_receiver)
        body = {"kind": "reflection", "schedule": LAST_SUNDAY}
        created = client.post("/api/reminders", json=body)
        assert created.status_code == 201, created.get_json()
        # The last Sunday of February 2026 is the 22nd.
        assert due_at(created.get_json()["reminder"]) == berlin(2026, 2, 22, 18, 0)
        user_id = client.get("/api/me").get_json()["user"]["id"]
    with time_machine.travel(berlin(2026, 2, 22, 18, 0, 2), tick=False):
        assert run_tick(push_app).outcomes == {"sent": 1}
    (message,) = push_receiver.messages_for(phone)
    assert message.payload["reminder_kind"] == "reflection"
    assert "/#/reflect" in message.payload["notification"]["navigate"]
    # March: looked back already on the 10th, so the 29th stays quiet.
    with Session(push_app.extensions["tend.engine"]) as session:
        session.add(Reflection(user_id=user_id, created_at=berlin(2026, 3, 10, 20)))
        session.commit()
    with time_machine.travel(berlin(2026, 3, 29, 18, 0, 2), tick=False):
        assert run_tick(push_app).outcomes == {"skipped": 1}
    assert len(push_receiver.messages_for(phone)) == 1
    skipped = deliveries(push_app)[-1]
    assert skipped.reason == "already_looked_back"
