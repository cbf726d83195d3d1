"""The kinds table and the ``custom`` kind: the user's own title, any schedule, a gentle push."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.accounts.models import User
from server.reminders.content import default_ttl
from server.reminders.kinds import CHECKIN_KINDS, KINDS, WORK_KINDS, default_title
from server.reminders.policy import is_missed
from server.reminders.service import create_reminder
from tests.test_dispatch import add_device, add_user, berlin, deliveries

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime(2025, 6, 2, 8, 0, tzinfo=BERLIN)


def test_every_kind_but_custom_has_a_default_title():
    assert {name for name in KINDS if default_title(name) is None} == {"custom"}
    assert CHECKIN_KINDS == {"checkin", "followup"}
    assert WORK_KINDS == {"break", "boundary"}


def test_grace_and_push_lifetime_come_from_the_same_row():
    due = datetime(2025, 6, 2, 9, 0, tzinfo=BERLIN)
    for name, kind in KINDS.items():
        assert default_ttl(name) == kind.grace.total_seconds()
        assert not is_missed(name, due, due + kind.grace)
        assert is_missed(name, due, due + kind.grace + timedelta(seconds=1))


def test_the_api_lists_every_kind_of_the_table(client):
    spec = client.get("/api/openapi.json").get_json()
    create = spec["components"]["schemas"]["ReminderCreate"]["properties"]["kind"]
    assert create["enum"] == list(KINDS)


def test_a_custom_reminder_needs_its_own_title(client, auth, alice):
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)
        daily = {"type": "daily", "time": "09:30"}
        for body in ({"kind": "custom", "schedule": daily}, {"kind": "custom", "title": "  "}):
            res = client.post("/api/reminders", json={"schedule": daily, **body})
            assert res.status_code == 400, res.get_json()
            assert "title" in res.get_json()["error"]["fields"]
        assert client.get("/api/reminders").get_json()["reminders"] == []


def test_a_custom_reminder_takes_any_schedule_and_keeps_its_title(client, auth, alice):
    schedules = [
        {"type": "daily", "time": "18:15", "days": [0, 2, 4]},
        {"type": "interval", "every_minutes": 90},
        {"type": "once", "at": "2025-06-03T12:00:00+02:00"},
    ]
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)
        for schedule in schedules:
            res = client.post(
                "/api/reminders",
                json={"kind": "custom", "title": "Water the plants", "schedule": schedule},
            )
            assert res.status_code == 201, res.get_json()
            made = res.get_json()["reminder"]
            assert (made["kind"], made["title"]) == ("custom", "Water the plants")
            assert made["schedule"]["type"] == schedule["type"]
            assert made["next_due_at"] is not None
        rid = made["id"]
        res = client.patch(f"/api/reminders/{rid}", json={"title": ""})
        assert res.status_code == 400
        assert "title" in res.get_json()["error"]["fields"]
        res = client.patch(f"/api/reminders/{rid}", json={"title": "Call Mum"})
        assert res.get_json()["reminder"]["title"] == "Call Mum"


def test_a_custom_reminder_arrives_gently_with_its_title(push_app, push_receiver):
    alice = add_user(push_app)
    phone = add_device(push_app, alice, push_receiver)
    with Session(push_app.extensions["tend.engine"]) as session:
        create_reminder(
            session,
            session.get(User, alice.id),
            "custom",
            "Stretch your back",
            {"type": "daily", "time": "09:00"},
            now=berlin(2025, 6, 2, 8),
        )
        session.commit()
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 1), tick=False):
        assert run_tick(push_app).outcomes == {"sent": 1}
    (message,) = push_receiver.messages_for(phone)
    assert message.verified, message.problems
    assert message.payload["notification"]["title"] == "Stretch your back"
    assert message.payload["reminder_kind"] == "custom"
    assert message.headers["urgency"] == "low"
    assert message.headers["ttl"] == str(int(KINDS["custom"].ttl))
    (delivery,) = deliveries(push_app)
    assert delivery.status == "sent"
