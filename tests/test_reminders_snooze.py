"""Snoozing from the app: only while something is due or about to be, and never earlier.

A reminder due tomorrow evening, snoozed an hour just before midnight, used to
come back at 00:54 — a day early. Every case is run with frozen time in
several time zones, and one on a daylight-saving day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from server.reminders.models import Delivery, Reminder

ZONES = ["Europe/Berlin", "America/Chicago", "Asia/Kolkata", "Pacific/Auckland"]


def parse(text: str) -> datetime:
    """An API time as aware UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def daily(client, time: str) -> dict:
    """Create a daily check-in reminder at ``time`` and return it."""
    res = client.post(
        "/api/reminders", json={"kind": "checkin", "schedule": {"type": "daily", "time": time}}
    )
    assert res.status_code == 201, res.get_json()
    return res.get_json()["reminder"]


def in_zone(client, auth, persona, zone: str) -> None:
    """Sign in and move the persona to ``zone``."""
    auth.as_user(persona)
    assert client.patch("/api/me", json={"timezone": zone}).status_code == 200


def listed(client, rid: int) -> dict:
    """The reminder as the list shows it."""
    return {r["id"]: r for r in client.get("/api/reminders").get_json()["reminders"]}[rid]


@pytest.mark.parametrize("zone", ZONES)
def test_a_reminder_due_tomorrow_evening_is_not_snoozed_to_tonight(client, auth, alice, zone):
    local = ZoneInfo(zone)
    with time_machine.travel(datetime(2026, 12, 4, 23, 54, tzinfo=local), tick=False):
        in_zone(client, auth, alice, zone)
        reminder = daily(client, "19:00")
        due = parse(reminder["next_due_at"])
        assert due == datetime(2026, 12, 5, 19, 0, tzinfo=local)
        assert reminder["snooze_offered"] is False
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 60})
        assert res.status_code == 409
        assert res.get_json()["error"]["code"] == "not_due"
        after = listed(client, reminder["id"])
        assert parse(after["next_due_at"]) == due
        assert after["snoozed_until"] is None


@pytest.mark.parametrize("zone", ZONES)
def test_a_reminder_about_to_be_due_moves_later_by_the_minutes(client, auth, alice, zone):
    local = ZoneInfo(zone)
    with time_machine.travel(datetime(2026, 12, 4, 18, 40, tzinfo=local), tick=False):
        in_zone(client, auth, alice, zone)
        reminder = daily(client, "19:00")
        assert reminder["snooze_offered"] is True
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 60})
        assert res.status_code == 200, res.get_json()
        body = res.get_json()["reminder"]
        assert parse(body["snoozed_until"]) == datetime(2026, 12, 4, 20, 0, tzinfo=local)
        assert parse(body["next_due_at"]) == parse(body["snoozed_until"])
        upcoming = client.get(f"/api/reminders/{reminder['id']}/upcoming?count=2").get_json()
        assert [parse(at) for at in upcoming["upcoming"]] == [
            datetime(2026, 12, 4, 20, 0, tzinfo=local),
            datetime(2026, 12, 5, 19, 0, tzinfo=local),
        ]


@pytest.mark.parametrize("zone", ZONES)
def test_what_just_fell_due_comes_back_after_now(client, auth, alice, db_session, zone):
    local = ZoneInfo(zone)
    fell_due = datetime(2026, 12, 4, 19, 0, tzinfo=local)
    now = fell_due + timedelta(minutes=25)
    with time_machine.travel(fell_due - timedelta(hours=1), tick=False):
        in_zone(client, auth, alice, zone)
        reminder = daily(client, "19:00")
    # What the dispatcher does at 19:00: record the delivery, move on to tomorrow.
    db_session.add(
        Delivery(
            reminder_id=reminder["id"],
            user_id=alice.id,
            kind="checkin",
            due_at=fell_due.astimezone(UTC),
            status="sent",
            claimed_at=fell_due.astimezone(UTC),
        )
    )
    row = db_session.get(Reminder, reminder["id"])
    row.next_due_at = (fell_due + timedelta(days=1)).astimezone(UTC)
    db_session.add(row)
    db_session.commit()
    # Two hours later the moment has passed: nothing is due any more.
    with time_machine.travel(fell_due + timedelta(hours=2), tick=False):
        auth.as_user(alice)
        assert listed(client, reminder["id"])["snooze_offered"] is False
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 30})
        assert res.status_code == 409
    with time_machine.travel(now, tick=False):
        auth.as_user(alice)
        assert listed(client, reminder["id"])["snooze_offered"] is True
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 30})
        assert res.status_code == 200, res.get_json()
        snoozed = parse(res.get_json()["reminder"]["snoozed_until"])
        assert snoozed == now + timedelta(minutes=30)
        assert snoozed > fell_due
        upcoming = client.get(f"/api/reminders/{reminder['id']}/upcoming?count=2").get_json()
        assert [parse(at) for at in upcoming["upcoming"]] == [snoozed, fell_due + timedelta(days=1)]


def test_snooze_across_the_spring_forward_hour(client, auth, alice):
    berlin = ZoneInfo("Europe/Berlin")
    # 30 March 2025: Berlin's clocks jump from 02:00 to 03:00.
    with time_machine.travel(datetime(2025, 3, 30, 1, 30, tzinfo=berlin), tick=False):
        in_zone(client, auth, alice, "Europe/Berlin")
        reminder = daily(client, "01:50")
        before = parse(reminder["next_due_at"])
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 30})
        assert res.status_code == 200
        snoozed = parse(res.get_json()["reminder"]["snoozed_until"])
        assert snoozed == before + timedelta(minutes=30)
        assert snoozed.astimezone(berlin).strftime("%H:%M %Z") == "03:20 CEST"


def test_a_disabled_reminder_is_not_snoozed(client, auth, alice):
    berlin = ZoneInfo("Europe/Berlin")
    with time_machine.travel(datetime(2026, 12, 4, 18, 40, tzinfo=berlin), tick=False):
        in_zone(client, auth, alice, "Europe/Berlin")
        reminder = daily(client, "19:00")
        client.patch(f"/api/reminders/{reminder['id']}", json={"enabled": False})
        assert listed(client, reminder["id"])["snooze_offered"] is False
        res = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 30})
        assert res.status_code == 409
        assert res.get_json()["error"]["code"] == "reminder_disabled"
