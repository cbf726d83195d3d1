"""The ``monthly`` schedule: the Nth (or last) weekday of each month at a wall time, any zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.reminders.models import Reminder
from server.reminders.schedule import UserClock, next_occurrence, occurrences
from tests.test_dispatch import add_device, add_reminder, add_user, deliveries


def monthly(week: int, weekday: int, at: str) -> dict:
    """A monthly schedule."""
    return {"type": "monthly", "week": week, "weekday": weekday, "time": at}


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    """A wall time in ``zone`` as aware UTC."""
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "schedule", "after", "expected"),
    [
        # First Monday 09:00 in Berlin, Tokyo and Sydney: the same wall time, three instants.
        ("Europe/Berlin", monthly(1, 0, "09:00"), (2025, 6, 1), [(2025, 6, 2), (2025, 7, 7)]),
        ("Asia/Tokyo", monthly(1, 0, "09:00"), (2025, 6, 1), [(2025, 6, 2), (2025, 7, 7)]),
        ("Australia/Sydney", monthly(1, 0, "09:00"), (2025, 6, 1), [(2025, 6, 2), (2025, 7, 7)]),
        # Last Friday: the fifth Friday when a month has five (May 2025), else the fourth.
        ("America/New_York", monthly(-1, 4, "09:00"), (2025, 5, 1), [(2025, 5, 30), (2025, 6, 27)]),
        ("America/New_York", monthly(4, 4, "09:00"), (2025, 5, 1), [(2025, 5, 23), (2025, 6, 27)]),
        # Third Wednesday across a year boundary.
        ("Europe/Berlin", monthly(3, 2, "18:30"), (2025, 12, 18), [(2026, 1, 21), (2026, 2, 18)]),
    ],
)
def test_monthly_occurrences_in_several_zones(zone, schedule, after, expected):
    hour, minute = (int(part) for part in schedule["time"].split(":"))
    found = occurrences(schedule, UserClock(zone), local(zone, *after), 2)
    assert found == [local(zone, *day, hour, minute) for day in expected]


def test_monthly_is_strictly_after():
    schedule = monthly(2, 1, "10:00")
    clock = UserClock("Europe/Berlin")
    first = local("Europe/Berlin", 2025, 6, 10, 10, 0)
    assert next_occurrence(schedule, clock, first - timedelta(microseconds=1)) == first
    assert next_occurrence(schedule, clock, first) == local("Europe/Berlin", 2025, 7, 8, 10, 0)


@pytest.mark.parametrize(
    ("zone", "schedule", "after", "expected"),
    [
        # Last Sunday of March 2025 in Berlin: 02:30 does not exist; fires at 03:00 CEST.
        ("Europe/Berlin", monthly(-1, 6, "02:30"), (2025, 3, 1), (2025, 3, 30, 3, 0)),
        # Last Sunday of October 2025: 02:30 happens twice; fires once, at the first.
        ("Europe/Berlin", monthly(-1, 6, "02:30"), (2025, 10, 1), (2025, 10, 26, 2, 30)),
        # Second Sunday of March 2025 in New York: 02:30 is skipped, 03:00 EDT instead.
        ("America/New_York", monthly(2, 6, "02:30"), (2025, 3, 1), (2025, 3, 9, 3, 0)),
        # First Sunday of November 2025: 01:30 twice; the first (EDT).
        ("America/New_York", monthly(1, 6, "01:30"), (2025, 10, 20), (2025, 11, 2, 1, 30)),
    ],
)
def test_monthly_on_dst_change_days_fires_once(zone, schedule, after, expected):
    clock = UserClock(zone)
    found = occurrences(schedule, clock, local(zone, *after), 2)
    assert found[0] == local(zone, *expected, fold=0)
    # The next one is a month on, never the second pass of the same hour.
    assert found[1] - found[0] > timedelta(days=27)


def test_the_api_accepts_and_validates_monthly(client, auth, alice):
    berlin = ZoneInfo("Europe/Berlin")
    with time_machine.travel(datetime(2025, 6, 1, 8, 0, tzinfo=berlin), tick=False):
        auth.as_user(alice)
        res = client.post(
            "/api/reminders",
            json={"kind": "custom", "title": "Pay rent", "schedule": monthly(-1, 4, "18:00")},
        )
        assert res.status_code == 201, res.get_json()
        made = res.get_json()["reminder"]
        assert made["schedule"] == monthly(-1, 4, "18:00")
        assert datetime.fromisoformat(made["next_due_at"]) == datetime(
            2025, 6, 27, 18, 0, tzinfo=berlin
        )
        # ``upcoming`` plans about two months ahead.
        upcoming = client.get(f"/api/reminders/{made['id']}/upcoming?count=3").get_json()
        assert [datetime.fromisoformat(at).date().isoformat() for at in upcoming["upcoming"]] == [
            "2025-06-27",
            "2025-07-25",
        ]
        for bad, field in (
            (monthly(5, 0, "09:00"), "week"),
            (monthly(0, 0, "09:00"), "week"),
            (monthly(1, 7, "09:00"), "weekday"),
            (monthly(1, 0, "25:00"), "time"),
        ):
            res = client.post(
                "/api/reminders", json={"kind": "custom", "title": "x", "schedule": bad}
            )
            assert res.status_code == 400, bad
            assert any(field in name for name in res.get_json()["error"]["fields"]), res.get_json()


def test_openapi_documents_the_monthly_shape(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    monthly_shape = schemas["MonthlySchedule"]
    assert set(monthly_shape["required"]) == {"type", "week", "weekday", "time"}
    assert sorted(monthly_shape["properties"]["week"]["enum"]) == [-1, 1, 2, 3, 4]


def test_the_dispatcher_sends_monthly_and_moves_to_next_month(push_app, push_receiver):
    alice = add_user(push_app)
    phone = add_device(push_app, alice, push_receiver)
    created = local("Europe/Berlin", 2025, 6, 1, 8, 0)
    rid = add_reminder(push_app, alice, "sleep", monthly(1, 0, "20:00"), created)
    with time_machine.travel(local("Europe/Berlin", 2025, 6, 2, 20, 0, 1), tick=False):
        assert run_tick(push_app).outcomes == {"sent": 1}
    assert len(push_receiver.messages_for(phone)) == 1
    (delivery,) = deliveries(push_app)
    assert delivery.due_at == local("Europe/Berlin", 2025, 6, 2, 20, 0)
    with Session(push_app.extensions["tend.engine"]) as session:
        assert session.get(Reminder, rid).next_due_at == local("Europe/Berlin", 2025, 7, 7, 20, 0)
