"""Time off through the API: the clock moves, work reminders pause, the program follows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from server.reminders.models import Reminder

# Tuesday 10 March 2026, 09:00 in Berlin.
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def add(client, start, end, kind="taken", **more):
    return client.post("/api/timeoff", json={"start": start, "end": end, "kind": kind, **more})


def test_empty_clock(client, auth, alice, frozen):
    auth.as_user(alice)
    answer = client.get("/api/timeoff").get_json()
    assert answer["time_off"] == []
    assert answer["days_since_time_off"] is None
    assert answer["next_planned"] is None
    assert answer["clock"]["level"] == "unknown"
    assert answer["clock"]["nudge_days"] == 60


def test_adding_time_off_moves_the_clock(client, auth, alice, frozen):
    auth.as_user(alice)
    response = add(client, "2025-12-22", "2026-01-02", note="Winter break")
    assert response.status_code == 201
    created = response.get_json()
    assert created["entry"]["days"] == 12
    assert created["entry"]["note"] == "Winter break"
    assert created["days_since_time_off"] == 67
    assert created["clock"]["level"] == "nudge"

    add(client, "2026-03-06", "2026-03-06")
    answer = client.get("/api/timeoff").get_json()
    assert answer["days_since_time_off"] == 4
    assert answer["clock"]["level"] == "fine"
    assert [e["start"] for e in answer["time_off"]] == ["2026-03-06", "2025-12-22"]


def test_planned_time_off_counts_down(client, auth, alice, frozen):
    auth.as_user(alice)
    add(client, "2026-01-05", "2026-01-09")
    add(client, "2026-04-02", "2026-04-12", "planned")
    answer = client.get("/api/timeoff").get_json()
    assert answer["next_planned"] == {"start": "2026-04-02", "end": "2026-04-12", "days_until": 23}
    assert "23 days to go" in answer["clock"]["message"]


def test_user_thresholds_apply(client, auth, alice, frozen):
    auth.as_user(alice)
    client.patch("/api/me", json={"timeoff_nudge_days": 30, "timeoff_strong_days": 60})
    add(client, "2026-01-05", "2026-01-09")
    clock = client.get("/api/timeoff").get_json()["clock"]
    assert (clock["days_since_time_off"], clock["level"]) == (60, "strong")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"start": "2026-03-05", "end": "2026-03-01", "kind": "taken"}, "end"),
        ({"start": "2026-03-01", "end": "2026-03-05", "kind": "holiday"}, "kind"),
        ({"start": "2026-03-01", "kind": "taken"}, "end"),
        ({"start": "someday", "end": "2026-03-05", "kind": "taken"}, "start"),
        ({"start": "2026-04-01", "end": "2026-04-05", "kind": "taken"}, "kind"),
        ({"start": "2024-01-01", "end": "2025-06-01", "kind": "taken"}, "end"),
        ({"start": "2026-03-01", "end": "2026-03-02", "kind": "taken", "note": "x" * 201}, "note"),
    ],
)
def test_bad_entries_are_field_errors(client, auth, alice, frozen, body, field):
    auth.as_user(alice)
    response = client.post("/api/timeoff", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_delete_own_entry_only(client, auth, alice, bob, frozen):
    auth.as_user(alice)
    entry = add(client, "2026-03-02", "2026-03-03").get_json()["entry"]
    auth.logout()
    auth.as_user(bob)
    assert client.delete(f"/api/timeoff/{entry['id']}").status_code == 404
    assert client.get("/api/timeoff").get_json()["time_off"] == []
    auth.logout()
    auth.as_user(alice)
    assert client.delete(f"/api/timeoff/{entry['id']}").status_code == 204
    assert client.get("/api/timeoff").get_json()["days_since_time_off"] is None


def upcoming(client, reminder_id, count=3):
    return client.get(f"/api/reminders/{reminder_id}/upcoming?count={count}").get_json()["upcoming"]


def test_time_off_pauses_work_reminders_but_not_sleep(client, auth, alice, frozen):
    auth.as_user(alice)
    stop = client.post(
        "/api/habits/presets/boundaries",
        json={"after_hours_nudge": False, "weekly_look_back": False},
    ).get_json()["reminders"][0]
    wind_down = client.post("/api/habits/presets/sleep", json={"sleep_check": False}).get_json()[
        "reminders"
    ][0]
    assert upcoming(client, stop["id"])[:2] == [
        "2026-03-10T17:00:00+01:00",
        "2026-03-11T17:00:00+01:00",
    ]

    entry = add(client, "2026-03-10", "2026-03-13", "planned").get_json()["entry"]
    # Off Tuesday to Friday: the next "time to stop" is on Monday.
    assert upcoming(client, stop["id"])[0] == "2026-03-16T17:00:00+01:00"
    assert upcoming(client, wind_down["id"])[0] == "2026-03-10T21:45:00+01:00"
    assert client.get("/api/timeoff").get_json()["clock"]["level"] == "off"

    client.delete(f"/api/timeoff/{entry['id']}")
    assert upcoming(client, stop["id"])[0] == "2026-03-10T17:00:00+01:00"


def program(db_session, user_id):
    rows = db_session.execute(
        select(Reminder)
        .where(Reminder.user_id == user_id, Reminder.preset == "timeoff")
        .order_by(Reminder.id)
    ).scalars()
    return {(r.meta["habit"], r.meta.get("timeoff_id")): r for r in rows}


def test_planned_time_off_adds_checkins_and_leaves_the_monthly_plan_alone(
    client, auth, alice, frozen, db_session
):
    auth.as_user(alice)
    [plan] = client.post("/api/habits/presets/timeoff", json={}).get_json()["reminders"]
    assert plan["schedule"] == {"type": "monthly", "week": 1, "weekday": 0, "time": "12:30"}
    assert plan["next_due_at"] == "2026-04-06T10:30:00Z"

    entry = add(client, "2026-04-20", "2026-05-08", "planned").get_json()["entry"]
    reminders = program(db_session, alice.id)
    # Whether it speaks while time off is planned is decided when it comes.
    assert reminders[("plan_time_off", None)].schedule == plan["schedule"]
    before = reminders[("timeoff_before", entry["id"])]
    after = reminders[("timeoff_after", entry["id"])]
    assert before.schedule["at"] == "2026-04-19T18:00:00+02:00"
    assert after.schedule["at"] == "2026-05-09T18:00:00+02:00"
    assert before.kind == after.kind == "timeoff"

    client.delete(f"/api/timeoff/{entry['id']}")
    db_session.expire_all()
    reminders = program(db_session, alice.id)
    assert set(reminders) == {("plan_time_off", None)}
    assert reminders[("plan_time_off", None)].schedule == plan["schedule"]


def test_time_off_added_before_the_program_gets_its_checkins(
    client, auth, alice, frozen, db_session
):
    auth.as_user(alice)
    past = add(client, "2026-03-02", "2026-03-04").get_json()["entry"]
    ahead = add(client, "2026-03-20", "2026-03-23", "planned").get_json()["entry"]
    client.post("/api/habits/presets/timeoff", json={"checkin_time": "19:30"})
    reminders = program(db_session, alice.id)
    assert ("timeoff_before", past["id"]) not in reminders
    assert reminders[("timeoff_before", ahead["id"])].schedule["at"] == "2026-03-19T19:30:00+01:00"
    assert reminders[("timeoff_after", ahead["id"])].schedule["at"] == "2026-03-24T19:30:00+01:00"


def test_no_checkins_when_switched_off(client, auth, alice, frozen, db_session):
    auth.as_user(alice)
    client.post("/api/habits/presets/timeoff", json={"checkins": False})
    add(client, "2026-03-20", "2026-03-23", "planned")
    assert set(program(db_session, alice.id)) == {("plan_time_off", None)}


def test_reading_time_off_changes_no_reminder(client, auth, alice, frozen, db_session):
    auth.as_user(alice)
    client.post("/api/habits/presets/timeoff", json={})
    plan = program(db_session, alice.id)[("plan_time_off", None)]
    seen = (plan.schedule, plan.next_due_at, plan.updated_at)
    with time_machine.travel(datetime(2026, 4, 7, 8, 0, tzinfo=UTC), tick=False):
        assert client.get("/api/timeoff").status_code == 200
    db_session.expire_all()
    again = program(db_session, alice.id)[("plan_time_off", None)]
    assert (again.schedule, again.next_due_at, again.updated_at) == seen
