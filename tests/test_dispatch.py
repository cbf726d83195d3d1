"""The dispatcher end to end: real database (SQLite and PostgreSQL), real encrypted pushes.

Pushes go to the local push receiver, which checks VAPID and decrypts; time is
frozen so every "now" is exact.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select, update
from sqlmodel import Session

from scheduler import dispatch
from scheduler.dispatch import claim_due, run_tick
from scheduler.lease import Worker
from scheduler.send import finish
from server import create_app
from server.accounts.models import User
from server.push import service as push_service
from server.push.models import PushSubscription
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.service import create_reminder, upcoming_for
from server.timeoff.models import TimeOff
from tests.push_receiver import Reply

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    """A Berlin wall time as aware UTC."""
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


def engine_of(app):
    """The app's engine."""
    return app.extensions["tend.engine"]


def add_user(app, email="alice@example.com", **settings) -> User:
    """A user with the given settings."""
    with Session(engine_of(app), expire_on_commit=False) as session:
        user = User(email=email, password_hash="x", timezone="Europe/Berlin", **settings)
        session.add(user)
        session.commit()
        return user


def add_device(app, user: User, receiver):
    """A push subscription of ``user`` at the receiver."""
    subscription = receiver.make_subscription()
    with Session(engine_of(app)) as session:
        session.add(
            PushSubscription(
                user_id=user.id,
                endpoint=subscription.endpoint,
                p256dh=subscription.p256dh,
                auth=subscription.auth,
            )
        )
        session.commit()
    return subscription


def add_reminder(app, user: User, kind: str, schedule: dict, now: datetime) -> int:
    """A reminder created as the API would, at ``now``."""
    with Session(engine_of(app), expire_on_commit=False) as session:
        reminder = create_reminder(
            session, session.get(User, user.id), kind, None, schedule, now=now
        )
        session.commit()
        return reminder.id


def deliveries(app) -> list[Delivery]:
    """Every delivery, in id order."""
    with Session(engine_of(app)) as session:
        return list(session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def daily(at: str) -> dict:
    """A daily schedule."""
    return {"type": "daily", "time": at}


def test_a_due_reminder_arrives_once_with_token_fields(push_app, push_receiver):
    alice = add_user(push_app)
    phone = add_device(push_app, alice, push_receiver)
    rid = add_reminder(push_app, alice, "checkin", daily("09:00"), berlin(2025, 6, 2, 8))
    with time_machine.travel(berlin(2025, 6, 2, 8, 59, 59), tick=False):
        assert run_tick(push_app).claimed == 0
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 1), tick=False):
        report = run_tick(push_app)
        assert report.claimed == 1 and report.outcomes == {"sent": 1}
        assert run_tick(push_app).claimed == 0
    (message,) = push_receiver.messages_for(phone)
    assert message.verified, message.problems
    (delivery,) = deliveries(push_app)
    assert (delivery.status, delivery.devices_sent, delivery.reminder_id) == ("sent", 1, rid)
    assert message.payload["delivery_id"] == delivery.id
    assert message.payload["notification"]["title"] == "A moment to check in"
    assert message.payload["notification"]["navigate"].startswith("http://127.0.0.1:8000/")
    assert message.headers["topic"] == delivery.topic
    with Session(engine_of(push_app)) as session:
        assert session.get(Reminder, rid).next_due_at == berlin(2025, 6, 3, 9)


def test_policy_skips_are_recorded_with_reasons(push_app, push_receiver):
    alice = add_user(push_app, paused_until=berlin(2025, 6, 3, 0))
    add_device(push_app, alice, push_receiver)
    add_reminder(push_app, alice, "sleep", daily("21:00"), berlin(2025, 6, 2, 8))
    add_reminder(push_app, alice, "checkin", daily("23:00"), berlin(2025, 6, 2, 8))
    with Session(engine_of(push_app)) as session:
        session.add(
            TimeOff(
                user_id=alice.id,
                start=datetime(2025, 6, 3).date(),
                end=datetime(2025, 6, 3).date(),
                kind="taken",
            )
        )
        session.commit()
    add_reminder(push_app, alice, "boundary", daily("17:30"), berlin(2025, 6, 2, 8))
    for moment in (berlin(2025, 6, 2, 21), berlin(2025, 6, 2, 23), berlin(2025, 6, 3, 17, 30)):
        with time_machine.travel(moment, tick=False):
            run_tick(push_app)
    reasons = [(d.kind, d.status, d.reason) for d in deliveries(push_app)]
    assert reasons == [
        ("boundary", "skipped", "paused"),
        ("sleep", "skipped", "paused"),
        ("checkin", "skipped", "paused"),
        ("boundary", "skipped", "time_off"),
    ]
    assert push_receiver.received == []


def test_catch_up_after_downtime_respects_grace_per_kind(push_app, push_receiver):
    alice = add_user(push_app)
    add_device(push_app, alice, push_receiver)
    add_reminder(push_app, alice, "checkin", daily("09:00"), berlin(2025, 6, 2, 8))
    add_reminder(
        push_app, alice, "break", {"type": "interval", "every_minutes": 30}, berlin(2025, 6, 2, 8)
    )
    # Down from 08:00 until 10:20: the breaks at 09:30 and 10:00 are late, 10:00 only by 20 min.
    with time_machine.travel(berlin(2025, 6, 2, 10, 20), tick=False):
        run_tick(push_app)
    outcome = sorted(
        (d.kind, d.due_at.astimezone(BERLIN).strftime("%H:%M"), d.status)
        for d in deliveries(push_app)
    )
    assert outcome == [
        ("break", "09:30", "missed"),
        ("break", "10:00", "missed"),
        ("checkin", "09:00", "sent"),
    ]
    assert len(push_receiver.received) == 1


def test_two_dispatchers_racing_deliver_each_occurrence_once(app_config, push_receiver):
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    first, second = create_app(app_config), create_app(app_config)
    try:
        users = [add_user(first, f"user{i}@example.com", daily_push_budget=30) for i in range(6)]
        devices = [add_device(first, user, push_receiver) for user in users]
        start = berlin(2025, 6, 2, 8)
        for user in users:
            for minute in range(0, 50, 10):
                add_reminder(first, user, "checkin", daily(f"09:{minute:02d}"), start)
        expected = len(users) * 5
        with time_machine.travel(berlin(2025, 6, 2, 9, 55), tick=False):
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            def work(application):
                try:
                    barrier.wait()
                    # Small batches force many rounds of contention over the same rows.
                    for _ in range(10):
                        run_tick(application, batch=7)
                except BaseException as exc:  # surfaced below
                    errors.append(exc)

            threads = [threading.Thread(target=work, args=(a,)) for a in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
        rows = deliveries(first)
        assert len(rows) == expected
        assert Counter((d.reminder_id, d.due_at) for d in rows).most_common(1)[0][1] == 1
        assert {d.status for d in rows} == {"sent"}
        assert sum(len(push_receiver.messages_for(device)) for device in devices) == expected
    finally:
        for application in (first, second):
            push_service.close_sender(application)
            application.extensions["tend.engine"].dispose()


def test_claims_from_two_engines_never_overlap(app):
    users = [add_user(app, f"u{i}@example.com") for i in range(4)]
    start = berlin(2025, 6, 2, 8)
    for user in users:
        for hour in (9, 10, 11):
            add_reminder(app, user, "sleep", daily(f"{hour:02d}:00"), start)
    from server.db import make_engine

    other = make_engine(app.config["TEND_DATABASE_URL"])
    now = berlin(2025, 6, 2, 11, 30)
    results: dict[str, list] = {}
    barrier = threading.Barrier(2)

    def claim(name, engine):
        barrier.wait()
        worker = Worker(name, timedelta(minutes=1), 20.0)
        results[name] = claim_due(engine, now, batch=5, worker=worker) + claim_due(
            engine, now, batch=50, worker=worker
        )

    threads = [
        threading.Thread(target=claim, args=(name, engine))
        for name, engine in (("a", engine_of(app)), ("b", other))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.dispose()
    claimed = results["a"] + results["b"]
    keys = [(c.reminder_id, c.due_at) for c in claimed]
    assert len(keys) == len(set(keys)) == 12  # four people, three reminders each, once each


def test_crash_between_claim_and_send_is_recovered_once(push_app, push_receiver):
    alice = add_user(push_app)
    phone = add_device(push_app, alice, push_receiver)
    add_reminder(push_app, alice, "checkin", daily("09:00"), berlin(2025, 6, 2, 8))
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 1), tick=False):
        # The process claims and commits, then dies before sending.
        dead = Worker("dead", timedelta(minutes=1), 20.0)
        (claimed,) = claim_due(engine_of(push_app), dispatch.utcnow(), worker=dead)
    assert deliveries(push_app)[0].status == "claimed"
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 50), tick=False):
        # Another process, but the lease has not lapsed: it might belong to a live process.
        assert run_tick(push_app).recovered == 0
    with time_machine.travel(berlin(2025, 6, 2, 9, 1, 1), tick=False):
        report = run_tick(push_app)
        assert (report.recovered, report.claimed, report.outcomes) == (1, 0, {"sent": 1})
        assert run_tick(push_app).recovered == 0
    (delivery,) = deliveries(push_app)
    assert (delivery.id, delivery.status) == (claimed.delivery_id, "sent")
    assert len(push_receiver.messages_for(phone)) == 1


def test_push_service_answering_500_then_201_gets_the_retry(push_app, push_receiver):
    alice = add_user(push_app)
    phone = add_device(push_app, alice, push_receiver)
    push_receiver.answer(phone, Reply(500))
    add_reminder(push_app, alice, "checkin", daily("09:00"), berlin(2025, 6, 2, 8))
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 1), tick=False):
        # The retry is scheduled on the delivery, not waited for inside the batch.
        assert run_tick(push_app).outcomes == {"retrying": 1}
    (waiting,) = deliveries(push_app)
    assert waiting.status == "retrying"
    assert berlin(2025, 6, 2, 9, 0, 1) <= waiting.next_attempt_at <= berlin(2025, 6, 2, 9, 0, 2)
    assert (waiting.claimed_by, waiting.lease_until) == (None, None)
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 3), tick=False):
        report = run_tick(push_app)
        assert (report.recovered, report.outcomes) == (1, {"sent": 1})
    statuses = [message.status for message in push_receiver.messages_for(phone)]
    assert statuses == [500, 201]
    topics = {message.headers.get("topic") for message in push_receiver.messages_for(phone)}
    assert len(topics) == 1 and None not in topics
    (delivery,) = deliveries(push_app)
    assert (delivery.status, delivery.attempts, delivery.devices_sent) == ("sent", 2, 1)


def test_snooze_moves_only_one_occurrence_in_the_dispatcher(push_app, push_receiver, client):
    alice = add_user(push_app)
    add_device(push_app, alice, push_receiver)
    rid = add_reminder(
        push_app, alice, "break", {"type": "interval", "every_minutes": 60}, berlin(2025, 6, 2, 8)
    )
    from server.reminders.service import snooze_reminder

    with time_machine.travel(berlin(2025, 6, 2, 10, 0), tick=False):
        run_tick(push_app)
        with Session(engine_of(push_app), expire_on_commit=False) as session:
            snooze_reminder(session, session.get(Reminder, rid), 10, dispatch.utcnow())
            session.commit()
    for minute in range(1, 125):
        with time_machine.travel(berlin(2025, 6, 2, 10, 0) + timedelta(minutes=minute), tick=False):
            run_tick(push_app)
    sent = [
        d.due_at.astimezone(BERLIN).strftime("%H:%M")
        for d in deliveries(push_app)
        if d.status == "sent"
    ]
    assert sent == ["10:00", "10:10", "11:00", "12:00"]
    with Session(engine_of(push_app)) as session:
        assert session.get(Reminder, rid).snoozed_until is None


def test_upcoming_agrees_with_what_is_sent_over_a_week(push_app, push_receiver):
    alice = add_user(
        push_app,
        daily_push_budget=5,
        quiet_start="21:00",
        quiet_end="07:30",
        paused_until=berlin(2025, 6, 3, 12),
    )
    add_device(push_app, alice, push_receiver)
    start = berlin(2025, 6, 2, 6, 0)  # Monday
    schedules = [
        ("checkin", daily("08:00")),
        ("checkin", {"type": "daily", "time": "18:00", "days": [0, 2, 4, 6]}),
        ("break", {"type": "interval", "every_minutes": 90}),
        ("boundary", {"type": "daily", "time": "17:15", "days": [0, 1, 2, 3, 4]}),
        ("sleep", daily("21:30")),  # inside quiet hours: never sent
        ("followup", {"type": "once", "at": "2025-06-05T15:00:00+02:00"}),
    ]
    ids = [add_reminder(push_app, alice, kind, schedule, start) for kind, schedule in schedules]
    with Session(engine_of(push_app)) as session:
        session.add(
            TimeOff(
                user_id=alice.id,
                start=datetime(2025, 6, 6).date(),
                end=datetime(2025, 6, 6).date(),
                kind="planned",
            )
        )
        session.commit()
    end = start + timedelta(days=7)
    predicted: dict[int, list[datetime]] = {}
    with (
        time_machine.travel(start, tick=False),
        Session(engine_of(push_app), expire_on_commit=False) as session,
    ):
        user = session.get(User, alice.id)
        for rid in ids:
            moments = upcoming_for(session, user, session.get(Reminder, rid), start, start, 50)
            predicted[rid] = [m for m in moments if m < end]
    moment = start
    while moment < end:
        with time_machine.travel(moment, tick=False):
            run_tick(push_app)
        moment += timedelta(minutes=15)
    sent = {
        rid: [d.due_at for d in deliveries(push_app) if d.reminder_id == rid and d.status == "sent"]
        for rid in ids
    }
    assert sent == predicted
    assert sum(len(v) for v in sent.values()) == len(push_receiver.received) >= 15
    assert sent[ids[4]] == []  # quiet hours
    assert berlin(2025, 6, 5, 15) in sent[ids[5]]
    per_day = Counter(
        d.due_at.astimezone(BERLIN).date() for d in deliveries(push_app) if d.status == "sent"
    )
    assert max(per_day.values()) <= 5
    reasons = {d.reason for d in deliveries(push_app) if d.status == "skipped"}
    assert {"paused", "time_off", "quiet_hours", "budget"} <= reasons


def test_failing_a_delivery_leaves_one_already_recorded_or_taken_over(push_app, push_receiver):
    alice = add_user(push_app)
    add_reminder(push_app, alice, "checkin", daily("09:00"), berlin(2025, 6, 2, 8))
    engine = engine_of(push_app)
    mine = Worker("mine", timedelta(minutes=1), 20.0)
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 1), tick=False):
        (claimed,) = claim_due(engine, dispatch.utcnow(), worker=mine)
    # Another process took the delivery over (this one's lease had lapsed).
    with engine.begin() as conn:
        conn.execute(
            update(Delivery.__table__)
            .where(Delivery.__table__.c.id == claimed.delivery_id)
            .values(claimed_by="other")
        )
    assert finish(engine, mine, claimed, DeliveryStatus.FAILED, "internal_error") == "already_done"
    assert deliveries(push_app)[0].status == "claimed"
    # Its own claim, still open, is failed; a second call changes nothing.
    with engine.begin() as conn:
        conn.execute(update(Delivery.__table__).values(claimed_by="mine"))
    assert finish(engine, mine, claimed, DeliveryStatus.FAILED, "internal_error") == "failed"
    assert finish(engine, mine, claimed, DeliveryStatus.SENT) == "already_done"
    (delivery,) = deliveries(push_app)
    assert (delivery.status, delivery.reason, delivery.claimed_by) == (
        "failed",
        "internal_error",
        None,
    )
