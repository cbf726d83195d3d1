"""Bounded work per person: caps on reminders and devices, and plans that cost one simulation.

Caps are lowered in the configuration so the tests stay short; the defaults (100
reminders, 10 devices) are the same code with other numbers.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event, func, select

from server.push import service as push_service
from server.reminders.models import Reminder
from server.reminders.policy import (
    Occurrence,
    PolicyUser,
    budget_decision,
    gate,
    priority,
    reserved_among,
    simulate_day,
)
from server.reminders.schedule import UserClock

# Tuesday 10 March 2026, 09:00 in Berlin.
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def small_caps(app_config, push_receiver):
    app_config["TEND_MAX_REMINDERS"] = 3
    app_config["TEND_MAX_DEVICES"] = 2
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]


def add_reminder(client, title: str, time: str = "10:00", kind: str = "custom"):
    schedule = {"type": "daily", "time": time, "days": [0, 1, 2, 3, 4, 5, 6]}
    return client.post("/api/reminders", json={"kind": kind, "title": title, "schedule": schedule})


def own_reminders(app) -> int:
    with app.app_context():
        from server.db import db

        return db.session.execute(
            select(func.count()).select_from(Reminder).where(Reminder.kind != "followup")
        ).scalar_one()


def test_reminders_stop_at_the_cap_with_a_plain_409_and_nothing_stored(
    small_caps, app, client, auth, alice, frozen
):
    auth.as_user(alice)
    for i in range(3):
        assert add_reminder(client, f"Drink some water {i}").status_code == 201
    refused = add_reminder(client, "One more")
    assert refused.status_code == 409
    body = refused.get_json()["error"]
    assert body["code"] == "reminder_limit"
    assert "3 reminders" in body["message"] and "Remove one" in body["message"]
    assert own_reminders(app) == 3
    # Removing one makes room again.
    first = client.get("/api/reminders").get_json()["reminders"][0]["id"]
    assert client.delete(f"/api/reminders/{first}").status_code == 204
    assert add_reminder(client, "One more").status_code == 201


def test_follow_ups_after_a_hard_moment_never_hit_the_cap(
    small_caps, app, client, auth, alice, frozen
):
    auth.as_user(alice)
    for i in range(3):
        assert add_reminder(client, f"Stretch {i}").status_code == 201
    moment = client.post("/api/moments", json={"kind": "critical_incident", "intensity": 4})
    assert moment.status_code == 201, moment.get_json()
    kinds = [r["kind"] for r in client.get("/api/reminders").get_json()["reminders"]]
    assert kinds.count("followup") == 2 and len(kinds) == 5
    # They do not count against the person's own either.
    assert add_reminder(client, "Still full").status_code == 409


def test_a_program_that_would_pass_the_cap_is_not_switched_on_at_all(
    small_caps, app, client, auth, alice, frozen
):
    auth.as_user(alice)
    for i in range(2):
        assert add_reminder(client, f"Water {i}").status_code == 201
    assert client.post("/api/habits/presets/breaks", json={}).status_code == 201  # the third
    # Switching the same program on again replaces its reminders: it still fits.
    assert client.post("/api/habits/presets/breaks", json={}).status_code == 201
    before = client.get("/api/reminders").get_json()["reminders"]
    refused = client.post("/api/habits/presets/sleep", json={})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"]["code"] == "reminder_limit"
    assert client.get("/api/reminders").get_json()["reminders"] == before


def test_devices_stop_at_the_cap_but_a_known_or_replaced_one_always_fits(
    small_caps, app, client, auth, alice, push_receiver
):
    auth.as_user(alice)
    phones = [push_receiver.make_subscription() for _ in range(4)]
    post = lambda sub, **extra: client.post(  # noqa: E731
        "/api/push/subscriptions", json={**sub.to_json(), **extra}
    )
    assert post(phones[0]).status_code == 201
    second = post(phones[1])
    assert second.status_code == 201
    refused = post(phones[2])
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "device_limit"
    assert post(phones[0]).status_code == 200  # the same phone again
    replaced_id = second.get_json()["subscription"]["id"]
    assert post(phones[3], replaces=replaced_id).status_code == 201
    devices = client.get("/api/push/subscriptions").get_json()["subscriptions"]
    assert sorted(d["endpoint"] for d in devices) == sorted(
        [phones[0].endpoint, phones[3].endpoint]
    )
    push_service.close_sender(app)


class Statements(list):
    """Every SQL statement run on an engine while listening."""

    def listener(self, conn, cursor, statement, *rest) -> None:
        self.append(statement)


def count_statements(engine) -> Statements:
    """Start listening to ``engine``; remove ``.listener`` to stop."""
    seen = Statements()
    event.listen(engine, "before_cursor_execute", seen.listener)
    return seen


def test_switching_a_program_on_costs_the_same_however_many_reminders_exist(
    app, client, auth, alice, frozen
):
    auth.as_user(alice)
    engine = app.extensions["tend.engine"]

    def statements_to_switch_breaks_on() -> int:
        statements = count_statements(engine)
        assert client.post("/api/habits/presets/breaks", json={}).status_code == 201
        event.remove(engine, "before_cursor_execute", statements.listener)
        return statements

    for i in range(5):
        assert add_reminder(client, f"Note {i}", f"{6 + i:02d}:00").status_code == 201
    statements_to_switch_breaks_on()  # on once, so both runs below replace it
    few = statements_to_switch_breaks_on()
    for i in range(5, 60):
        at = f"{6 + i % 14:02d}:{i % 60:02d}"
        assert add_reminder(client, f"Note {i}", at).status_code == 201
    for day in range(40):
        start = (NOW + timedelta(days=7 + day * 3)).date().isoformat()
        body = {"start": start, "end": start, "kind": "planned", "note": "Off"}
        assert client.post("/api/timeoff", json=body).status_code == 201
    many = statements_to_switch_breaks_on()
    assert len(few) == len(many), "\n".join(map(str, zip(few, many, strict=False)))


# --- the linear day simulation agrees with the pairwise one ------------------------------


def pairwise_simulate_day(occs, user, time_off, sent_before):
    """The straightforward version: every later occurrence gated again for each one."""
    sent = sent_before
    decided = []
    for index, occ in enumerate(occs):
        decision = gate(occ, user, time_off)
        if decision.notify:
            later = [o for o in occs[index + 1 :] if o.at > occ.at]
            decision = budget_decision(
                sent, reserved_among(occ, later, user, time_off), user.daily_push_budget
            )
        if decision.notify:
            sent += 1
        decided.append((occ, decision))
    return decided


@pytest.mark.parametrize("seed", range(25))
def test_linear_day_simulation_matches_the_pairwise_one(seed):
    rng = random.Random(seed)
    name = rng.choice(["Europe/Berlin", "America/New_York", "Australia/Sydney"])
    zone = ZoneInfo(name)
    # 29 March 2026 is a DST change in Berlin.
    day_start = datetime(2026, 3, 29, 0, 0, tzinfo=zone)
    kinds = [("checkin", "daily"), ("custom", "daily"), ("break", "interval"), ("sleep", "daily")]
    occs = []
    for reminder_id in range(1, rng.randint(2, 60)):
        kind, schedule_type = rng.choice(kinds)
        at = day_start + timedelta(minutes=rng.randrange(0, 24 * 60, 15))
        occs.append(Occurrence(reminder_id, kind, schedule_type, at.astimezone(UTC), None))
    occs.sort(key=lambda o: (o.at, priority(o.kind, o.schedule_type), o.reminder_id))
    user = PolicyUser(
        clock=UserClock(name),
        quiet_start=rng.choice(["21:00", "00:00", "23:30"]),
        quiet_end=rng.choice(["07:00", "00:00", "06:30"]),
        daily_push_budget=rng.randint(1, 12),
    )
    sent = rng.randint(0, 3)
    assert simulate_day(occs, user, (), sent) == pairwise_simulate_day(occs, user, (), sent)


def test_one_planning_request_per_person_at_a_time():
    from server.api import ApiError, one_at_a_time

    with one_at_a_time(7):
        with pytest.raises(ApiError) as busy:
            with one_at_a_time(7, wait=0.05):
                pass
        with one_at_a_time(8, wait=0.05):  # someone else is never held up
            pass
    assert (busy.value.status, busy.value.code) == (429, "busy")
    assert busy.value.headers == {"Retry-After": "2"}
    with one_at_a_time(7, wait=0.05):  # free again afterwards
        pass


def test_planning_locks_are_forgotten_once_nobody_holds_them():
    from server.api import _person_locks, one_at_a_time

    before = len(_person_locks)
    for user_id in range(10_000, 10_500):
        with one_at_a_time(user_id):
            assert user_id in _person_locks
    assert len(_person_locks) == before
