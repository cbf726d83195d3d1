"""Habit programs end to end: dispatcher, real encrypted pushes, buttons, time off, figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.accounts.models import User
from server.habits import service
from server.habits.insights import weekly_habit_figures
from server.habits.wording import load_wording
from server.push.models import PushSubscription
from server.reminders.models import Delivery
from server.timeoff.models import TimeOff

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def setup(push_app, push_receiver):
    """Alice in Berlin (work Mon–Fri 09–17) with a phone, breaks and boundaries switched on."""
    engine = push_app.extensions["tend.engine"]
    phone = push_receiver.make_subscription()
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email="alice@example.com",
            password_hash="x",
            timezone="Europe/Berlin",
            daily_push_budget=12,
        )
        session.add(user)
        session.flush()
        session.add(
            PushSubscription(
                user_id=user.id, endpoint=phone.endpoint, p256dh=phone.p256dh, auth=phone.auth
            )
        )
        for preset in ("breaks", "boundaries"):
            service.apply_preset(session, user, preset, {}, berlin(2026, 3, 9, 7))
        session.commit()
    return engine, user, phone


def tick_at(app, *parts):
    with time_machine.travel(berlin(*parts), tick=False):
        return run_tick(app)


def answer(client, message, action, *parts):
    with time_machine.travel(berlin(*parts), tick=False):
        return client.post(
            f"/api/deliveries/{message.payload['answer_token']}/answer", json={"action": action}
        )


def titles(kind):
    return {variant.title for variant in load_wording().variants(kind)}


def test_a_working_day_with_breaks_and_boundaries(push_app, setup, push_receiver):
    engine, user, phone = setup
    client = push_app.test_client()

    tick_at(push_app, 2026, 3, 9, 10, 30, 1)
    [first] = push_receiver.messages_for(phone)
    assert first.verified, first.problems
    assert first.payload["notification"]["title"] in titles("break_short")
    assert [a["action"] for a in first.payload["notification"]["actions"]] == ["done", "snooze"]
    assert answer(client, first, "snooze", 2026, 3, 9, 10, 31).status_code == 200

    tick_at(push_app, 2026, 3, 9, 10, 41, 1)
    tick_at(push_app, 2026, 3, 9, 12, 0, 1)
    _, snoozed, long_pause = push_receiver.messages_for(phone)
    assert snoozed.payload["notification"]["title"] in titles("break_short")
    assert long_pause.payload["notification"]["title"] in titles("break_long")
    assert answer(client, long_pause, "done", 2026, 3, 9, 12, 20).status_code == 200

    tick_at(push_app, 2026, 3, 9, 17, 0, 1)
    stop = push_receiver.messages_for(phone)[-1]
    assert stop.payload["notification"]["title"] in titles("workday_end")
    assert stop.payload["notification"]["actions"][0]["title"] == "Done for today"
    assert answer(client, stop, "day_done", 2026, 3, 9, 17, 4).status_code == 200

    report = tick_at(push_app, 2026, 3, 9, 18, 30, 1)
    assert report.outcomes == {"skipped": 1}
    assert len(push_receiver.messages_for(phone)) == 4

    # Tuesday: nobody marks the day done, so the nudge comes.
    tick_at(push_app, 2026, 3, 10, 17, 0, 1)
    tick_at(push_app, 2026, 3, 10, 18, 30, 1)
    nudge = push_receiver.messages_for(phone)[-1]
    assert nudge.payload["notification"]["title"] in titles("after_hours")

    with Session(engine) as session:
        reasons = [
            d.reason
            for d in session.execute(select(Delivery).where(Delivery.status == "skipped")).scalars()
        ]
        assert reasons == ["day_done"]
        with push_app.app_context():  # the app's question bank
            week = weekly_habit_figures(
                session, session.get(User, user.id), 1, berlin(2026, 3, 10, 20)
            )["weeks"][0]
    assert week["breaks_offered"] == 3
    assert week["breaks_taken"] == 1
    assert (week["workdays_tracked"], week["days_ran_over"]) == (2, 1)


def test_time_off_pauses_breaks_and_boundaries(push_app, setup, push_receiver):
    engine, user, phone = setup
    with Session(engine) as session:
        session.add(
            TimeOff(user_id=user.id, start=date(2026, 3, 9), end=date(2026, 3, 9), kind="taken")
        )
        session.commit()
    tick_at(push_app, 2026, 3, 9, 10, 30, 1)
    tick_at(push_app, 2026, 3, 9, 17, 0, 1)
    assert push_receiver.messages_for(phone) == []
    tick_at(push_app, 2026, 3, 10, 10, 30, 1)
    assert len(push_receiver.messages_for(phone)) == 1
    with Session(engine) as session:
        monday = [
            (d.kind, d.status, d.reason)
            for d in session.execute(select(Delivery).order_by(Delivery.id)).scalars()
            if d.due_at.astimezone(BERLIN).date() == date(2026, 3, 9)
        ]
    assert {status for _, status, _ in monday} == {"skipped"}
    assert {reason for _, _, reason in monday} == {"time_off"}
    assert {kind for kind, _, _ in monday} == {"break", "boundary"}
