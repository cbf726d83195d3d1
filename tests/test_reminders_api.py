"""The reminders API: create, list, patch, delete, snooze, upcoming, and time-zone changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = datetime(2025, 6, 2, 8, 0, tzinfo=BERLIN)


def iso(moment: datetime) -> datetime:
    """Parse-back helper for comparing API times."""
    return moment.astimezone(UTC)


def parse(text: str) -> datetime:
    """An API time as aware UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


def create(client, **body):
    """POST a reminder and return the response."""
    return client.post("/api/reminders", json=body)


def test_create_list_patch_delete(client, auth, alice):
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)  # inside: a session signed in the future would not be valid
        res = create(client, kind="checkin", schedule={"type": "daily", "time": "09:30"})
        assert res.status_code == 201, res.get_json()
        reminder = res.get_json()["reminder"]
        assert reminder["title"] == "A moment to check in"
        assert reminder["schedule"]["days"] == [0, 1, 2, 3, 4, 5, 6]
        assert parse(reminder["next_due_at"]) == iso(datetime(2025, 6, 2, 9, 30, tzinfo=BERLIN))
        rid = reminder["id"]

        listed = client.get("/api/reminders").get_json()["reminders"]
        assert [r["id"] for r in listed] == [rid]

        res = client.patch(
            f"/api/reminders/{rid}",
            json={"schedule": {"type": "daily", "time": "07:00", "days": [2]}},
        )
        assert res.status_code == 200
        assert parse(res.get_json()["reminder"]["next_due_at"]) == iso(
            datetime(2025, 6, 4, 7, 0, tzinfo=BERLIN)
        )
        res = client.patch(f"/api/reminders/{rid}", json={"enabled": False, "title": "Hi"})
        assert res.get_json()["reminder"]["next_due_at"] is None
        assert res.get_json()["reminder"]["title"] == "Hi"

        assert client.delete(f"/api/reminders/{rid}").status_code == 204
        assert client.get("/api/reminders").get_json()["reminders"] == []


def test_validation_errors_name_the_field(client, auth, alice):
    auth.as_user(alice)
    cases = [
        ({"kind": "nap", "schedule": {"type": "daily", "time": "09:00"}}, "kind"),
        ({"kind": "checkin", "schedule": {"type": "daily", "time": "25:00"}}, "schedule.time"),
        (
            {"kind": "checkin", "schedule": {"type": "daily", "time": "09:00", "days": []}},
            "schedule.days",
        ),
        (
            {"kind": "break", "schedule": {"type": "interval", "every_minutes": 5}},
            "schedule.every_minutes",
        ),
        (
            {"kind": "followup", "schedule": {"type": "once", "at": "2030-01-01T10:00:00"}},
            "schedule.at",
        ),
        (
            {"kind": "followup", "schedule": {"type": "once", "at": "2001-01-01T10:00:00+00:00"}},
            "schedule.at",
        ),
        (
            {"kind": "checkin", "title": "x" * 121, "schedule": {"type": "daily", "time": "09:00"}},
            "title",
        ),
    ]
    for body, field in cases:
        res = create(client, **body)
        assert res.status_code == 400, body
        error = res.get_json()["error"]
        assert error["code"] == "validation_error"
        assert field in error["fields"], (body, error)


def test_another_users_reminder_is_404(client, auth, alice, bob):
    auth.as_user(alice)
    rid = create(client, kind="sleep", schedule={"type": "daily", "time": "22:00"}).get_json()[
        "reminder"
    ]["id"]
    auth.logout()
    auth.as_user(bob)
    assert client.patch(f"/api/reminders/{rid}", json={"title": "mine"}).status_code == 404
    assert client.delete(f"/api/reminders/{rid}").status_code == 404
    assert client.post(f"/api/reminders/{rid}/snooze", json={"minutes": 5}).status_code == 404
    assert client.get(f"/api/reminders/{rid}/upcoming").status_code == 404


def test_unauthenticated_is_401(client):
    assert client.get("/api/reminders").status_code == 401


def test_snooze_moves_only_one_occurrence(client, auth, alice):
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)  # inside: a session signed in the future would not be valid
        rid = create(
            client, kind="checkin", schedule={"type": "daily", "time": "09:00"}
        ).get_json()["reminder"]["id"]
        res = client.post(f"/api/reminders/{rid}/snooze", json={"minutes": 90})
        assert res.status_code == 200
        body = res.get_json()["reminder"]
        # Due at 09:00, an hour from now: 90 minutes later than it was.
        assert parse(body["next_due_at"]) == iso(datetime(2025, 6, 2, 10, 30, tzinfo=BERLIN))
        assert parse(body["snoozed_until"]) == parse(body["next_due_at"])
        upcoming = client.get(f"/api/reminders/{rid}/upcoming?count=3").get_json()["upcoming"]
        assert upcoming == [
            "2025-06-02T10:30:00+02:00",
            "2025-06-03T09:00:00+02:00",
            "2025-06-04T09:00:00+02:00",
        ]
        assert client.post(f"/api/reminders/{rid}/snooze", json={"minutes": 0}).status_code == 400


def test_upcoming_applies_policy_and_after(client, auth, alice):
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)  # inside: a session signed in the future would not be valid
        client.patch("/api/me", json={"paused_until": "2025-06-03T12:00:00+02:00"})
        rid = create(
            client, kind="boundary", schedule={"type": "daily", "time": "17:30"}
        ).get_json()["reminder"]["id"]
        got = client.get(f"/api/reminders/{rid}/upcoming?count=2").get_json()["upcoming"]
        assert got == ["2025-06-03T17:30:00+02:00", "2025-06-04T17:30:00+02:00"]
        # An unencoded "+" arrives as a space; it is still understood.
        got = client.get(f"/api/reminders/{rid}/upcoming?count=1&after=2025-07-01T00:00:00+02:00")
        assert got.get_json()["upcoming"] == ["2025-07-01T17:30:00+02:00"]
        bad = client.get(f"/api/reminders/{rid}/upcoming?count=99")
        assert bad.status_code == 400 and "count" in bad.get_json()["error"]["fields"]


def test_time_zone_change_recomputes_next_due(client, auth, alice):
    with time_machine.travel(MONDAY_8, tick=False):
        auth.as_user(alice)  # inside: a session signed in the future would not be valid
        rid = create(
            client, kind="checkin", schedule={"type": "daily", "time": "09:30"}
        ).get_json()["reminder"]["id"]
        breaks = create(
            client, kind="break", schedule={"type": "interval", "every_minutes": 60}
        ).get_json()["reminder"]
        assert parse(breaks["next_due_at"]) == iso(datetime(2025, 6, 2, 10, tzinfo=BERLIN))
        res = client.patch(
            "/api/me",
            json={"timezone": "America/Chicago", "work_hours": {"start": "07:00", "end": "15:00"}},
        )
        assert res.status_code == 200
        chicago = ZoneInfo("America/Chicago")
        by_id = {r["id"]: r for r in client.get("/api/reminders").get_json()["reminders"]}
        # 08:00 Berlin is 01:00 in Chicago: 09:30 and 08:00 (07:00 + 60) the same day there.
        assert parse(by_id[rid]["next_due_at"]) == iso(datetime(2025, 6, 2, 9, 30, tzinfo=chicago))
        assert parse(by_id[breaks["id"]]["next_due_at"]) == iso(
            datetime(2025, 6, 2, 8, 0, tzinfo=chicago)
        )
