"""The dispatcher's batch path: a mixed batch is decided together, without per-person queries.

Real database, real encrypted pushes to the local receiver, frozen time. What
the dispatcher asks the database is observed with SQLAlchemy's cursor events,
so nothing of the dispatcher is replaced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import event
from sqlmodel import Session

from scheduler.dispatch import TickReport, run_tick
from server.accounts.models import User
from server.checkins.notify import checkin_content
from server.checkins.service import current_bank, record_checkin
from server.reminders.models import Delivery, Reminder
from tests.test_dispatch import add_device, add_reminder, add_user, berlin, daily, deliveries

MONDAY_9 = berlin(2025, 6, 2, 9, 0)


@contextmanager
def statements_of(engine) -> Iterator[list[str]]:
    """Every SQL statement ``engine`` sends while the block runs (an executemany counts once)."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def reading_answers(statements: list[str]) -> list[str]:
    """The statements that read check-in answers."""
    return [
        s for s in statements if s.lstrip().upper().startswith("SELECT") and "checkin_answers" in s
    ]


def answer_daily(app, user: User, days: int, before: datetime) -> None:
    """Two answers a day on each of the ``days`` days before ``before``, strain rising."""
    bank = current_bank()
    questions = bank.questions
    with Session(app.extensions["tend.engine"]) as session:
        for back in range(days, 0, -1):
            pair = [questions[(back * 2 + offset) % len(questions)] for offset in (0, 1)]
            answers = [(q.id, q.scale.max if back < 5 else q.scale.min) for q in pair]
            record_checkin(
                session, user.id, bank, answers, source="app", now=before - timedelta(days=back)
            )
        session.commit()


def mixed_morning(app, receiver) -> dict[str, int]:
    """Four people with check-ins, a follow-up and habit reminders all due at ``MONDAY_9``.

    Returns how many deliveries of each kind are due.
    """
    created = MONDAY_9 - timedelta(hours=2)
    alice = add_user(app, "alice@example.com")
    bob = add_user(app, "bob@example.com")
    carol = add_user(app, "carol@example.com")
    with Session(app.extensions["tend.engine"]) as session:
        # The same instant on Bob's and Carol's clocks: 08:00 in London, 16:00 in Tokyo.
        session.get(User, bob.id).timezone = "Europe/London"
        session.get(User, carol.id).timezone = "Asia/Tokyo"
        session.commit()
    dave = add_user(app, "dave@example.com")
    for person in (alice, bob, carol, dave):
        add_device(app, person, receiver)
    add_reminder(app, alice, "checkin", daily("09:00"), created)
    add_reminder(app, alice, "boundary", daily("09:00"), created)
    add_reminder(app, bob, "checkin", daily("08:00"), created)
    add_reminder(app, bob, "followup", {"type": "once", "at": MONDAY_9.isoformat()}, created)
    add_reminder(app, bob, "sleep", daily("08:00"), created)
    add_reminder(app, carol, "checkin", daily("16:00"), created)
    add_reminder(app, carol, "boundary", daily("16:00"), created)
    add_reminder(app, dave, "sleep", daily("09:00"), created)
    with app.app_context():
        answer_daily(app, alice, 20, MONDAY_9)
        answer_daily(app, bob, 10, MONDAY_9)
    return {"checkin": 3, "followup": 1, "boundary": 2, "sleep": 2}


def one_person_question(app, delivery: Delivery, now: datetime) -> str:
    """The question the one-person path (history loaded just for this user) chooses."""
    with app.app_context(), Session(app.extensions["tend.engine"]) as session:
        user = session.get(User, delivery.user_id)
        reminder = session.get(Reminder, delivery.reminder_id)
        scratch = Delivery(
            reminder_id=reminder.id, user_id=user.id, kind=reminder.kind, due_at=delivery.due_at
        )
        checkin_content(session, user, reminder, scratch, now)
        return scratch.question_id


def test_a_mixed_batch_is_decided_together_with_one_history_query(push_app, push_receiver, caplog):
    due = mixed_morning(push_app, push_receiver)
    now = MONDAY_9 + timedelta(seconds=1)
    engine = push_app.extensions["tend.engine"]
    with (
        time_machine.travel(now, tick=False),
        statements_of(engine) as statements,
        caplog.at_level(logging.DEBUG, logger="tend"),
    ):
        report = run_tick(push_app)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert report.one_by_one == 0
    assert report.claimed == sum(due.values())
    assert report.outcomes == {"sent": sum(due.values())}
    assert len(push_receiver.received) == sum(due.values())
    # The three people with a check-in had their answers read together, once.
    assert len(reading_answers(statements)) == 1
    asked = [d for d in deliveries(push_app) if d.kind in ("checkin", "followup")]
    assert len(asked) == due["checkin"] + due["followup"]
    for delivery in asked:
        assert delivery.question_id is not None
        assert delivery.question_id == one_person_question(push_app, delivery, now)


def test_statements_per_tick_do_not_grow_with_the_batch(push_app, push_receiver):
    created = MONDAY_9
    engine = push_app.extensions["tend.engine"]

    def people_due_at(hour: int, count: int) -> None:
        for index in range(count):
            person = add_user(push_app, f"p{hour}-{index}@example.com")
            add_device(push_app, person, push_receiver)
            add_reminder(push_app, person, "checkin", daily(f"{hour}:00"), created)
            add_reminder(push_app, person, "boundary", daily(f"{hour}:00"), created)

    people_due_at(10, 2)
    people_due_at(11, 6)
    counts = []
    for hour, people in ((10, 2), (11, 6)):
        with (
            time_machine.travel(berlin(2025, 6, 2, hour, 0, 1), tick=False),
            statements_of(engine) as statements,
        ):
            report = run_tick(push_app)
        assert report.outcomes == {"sent": 2 * people} and report.one_by_one == 0
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_tick_report_counts_and_shows_deliveries_sent_one_by_one():
    first = TickReport(claimed=3, outcomes={"sent": 3})
    second = TickReport(claimed=2, outcomes={"sent": 1, "failed": 1}, one_by_one=2)
    first.add(second)
    assert (first.claimed, first.one_by_one, first.outcomes) == (5, 2, {"sent": 4, "failed": 1})
    assert first.summary() == "claimed=5 recovered=0 failed=1 sent=4 one_by_one=2"
    assert "one_by_one" not in TickReport(claimed=1, outcomes={"sent": 1}).summary()
