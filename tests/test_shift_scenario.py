"""A night-shift nurse for three weeks: the real dispatcher ticking through frozen time.

Nights Thursday to Saturday, 19:00–07:30 in Berlin, sleeping by day; shifts mode
with every program on and a daily check-in. The three weeks cross the spring
change (Sunday 29 March 2026), so one night is an hour shorter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select
from sqlmodel import Session

from scheduler.dispatch import run_tick
from server.accounts.models import User
from server.habits import service as habits
from server.push.models import PushSubscription
from server.reminders.models import Delivery, Reminder
from server.reminders.service import create_reminder, upcoming_for
from server.shifts import service as shifts
from server.shifts.models import Shift

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 16, 6, 0, tzinfo=BERLIN).astimezone(UTC)  # Monday 06:00
DAYS = 21
NIGHT = {"start": "19:00", "end": "07:30", "label": "Nights"}
NOTIFIED = ("sent", "failed")


def make_nurse(engine, phone) -> User:
    """The nurse, her phone, her rota (a pattern) and every program, all set up at ``START``."""
    with time_machine.travel(START, tick=False), Session(engine, expire_on_commit=False) as s:
        user = User(email="nurse@example.com", password_hash="x", timezone="Europe/Berlin")
        user.schedule_mode = "shifts"
        s.add(user)
        s.flush()
        s.add(
            PushSubscription(
                user_id=user.id, endpoint=phone.endpoint, p256dh=phone.p256dh, auth=phone.auth
            )
        )
        cycle = [None, None, None, NIGHT, NIGHT, NIGHT, None]
        shifts.create_pattern(s, user, date(2026, 3, 16), cycle, 4)
        habits.apply_preset(s, user, "sleep", {"nap_before_nights": True}, START)
        for preset in ("breaks", "boundaries", "timeoff"):
            habits.apply_preset(s, user, preset, {}, START)
        create_reminder(s, user, "checkin", None, {"type": "daily", "time": "20:00"}, now=START)
        s.commit()
        return user


def next_due(engine) -> datetime | None:
    """The earliest ``next_due_at`` of any enabled reminder."""
    with Session(engine) as s:
        found = s.execute(
            select(Reminder.next_due_at)
            .where(Reminder.enabled.is_(True), Reminder.next_due_at.is_not(None))
            .order_by(Reminder.next_due_at)
            .limit(1)
        ).scalar()
    return found


def run_three_weeks(app) -> None:
    """Tick the dispatcher at every moment something falls due, until three weeks are over."""
    engine = app.extensions["tend.engine"]
    end = START + timedelta(days=DAYS)
    while (due := next_due(engine)) is not None and due <= end:
        with time_machine.travel(due + timedelta(seconds=1), tick=False):
            run_tick(app)


def predicted(engine, user_id: int) -> set[tuple[int, datetime]]:
    """What ``upcoming`` says at the start will notify in the three weeks, per reminder."""
    end = START + timedelta(days=DAYS)
    found = set()
    with time_machine.travel(START, tick=False), Session(engine) as s:
        nurse = s.get(User, user_id)
        for reminder in s.execute(select(Reminder)).scalars():
            for at in upcoming_for(s, nurse, reminder, START, START, 200):
                if at <= end:
                    found.add((reminder.id, at))
    return found


def test_the_night_nurse_for_three_weeks(push_app, push_receiver):
    engine = push_app.extensions["tend.engine"]
    phone = push_receiver.make_subscription()
    user = make_nurse(engine, phone)
    forecast = predicted(engine, user.id)
    run_three_weeks(push_app)

    end = START + timedelta(days=DAYS)
    with Session(engine) as s:
        rota = (
            s.execute(select(Shift).where(Shift.start < end).order_by(Shift.start)).scalars().all()
        )
        habit_of = {
            r.id: (r.meta or {}).get("habit") or r.kind
            for r in s.execute(select(Reminder)).scalars()
        }
        deliveries = s.execute(select(Delivery).order_by(Delivery.due_at)).scalars().all()

    spans = [(shift.start, shift.end) for shift in rota]
    assert len(spans) == 9
    lengths = {shift.start.astimezone(BERLIN).date(): shift.end - shift.start for shift in rota}
    assert lengths[date(2026, 3, 28)] == timedelta(hours=11, minutes=30)
    assert lengths[date(2026, 3, 27)] == timedelta(hours=12, minutes=30)
    # Day sleep after each night: an hour after the end, eight hours long.
    windows = [(e + timedelta(hours=1), e + timedelta(hours=9)) for _, e in spans]

    def inside(at, stretches):
        return any(a <= at < b for a, b in stretches)

    sent = [(habit_of[d.reminder_id], d.due_at) for d in deliveries if d.status in NOTIFIED]
    # ``upcoming`` and the dispatcher share the policy: the forecast is what happened.
    assert forecast == {(d.reminder_id, d.due_at) for d in deliveries if d.status in NOTIFIED}
    assert all(d.status in ("sent",) for d in deliveries if d.status in NOTIFIED)
    assert len(push_receiver.messages_for(phone)) == len(sent)
    by_habit: dict[str, list[datetime]] = {}
    for habit, at in sent:
        by_habit.setdefault(habit, []).append(at)

    # No break outside a shift; breaks do come, at night too.
    assert by_habit["breaks"]
    assert all(inside(at, spans) for at in by_habit["breaks"])
    # No check-in, wind-down or sleep check inside a shift.
    for habit in ("checkin", "wind_down", "sleep_check"):
        assert by_habit[habit], habit
        assert not any(inside(at, spans) for at in by_habit[habit]), habit
    # Nothing inside a sleep window after a night.
    assert not [(h, at) for h, at in sent if inside(at, windows)]
    # A boundary at each shift end.
    assert sorted(by_habit["workday_end"]) == [end for _, end in spans]
    # The end of a shift opens the end-of-shift transition.
    navigates = [m.payload["notification"]["navigate"] for m in push_receiver.messages_for(phone)]
    assert sum(url.endswith("/#/now/transition") for url in navigates) == len(spans)
    # The check-in on a night lands half an hour after the shift.
    thursday_night_end = spans[0][1]
    assert thursday_night_end + timedelta(minutes=30) in by_habit["checkin"]
    # A wind-down before each day sleep, a sleep check after it.
    for _, shift_end in spans:
        assert shift_end + timedelta(minutes=15) in by_habit["wind_down"]
        assert shift_end + timedelta(hours=9, minutes=30) in by_habit["sleep_check"]

    # A nap before the first night of each run (Thursdays), not before the others.
    assert by_habit["nap"] == [spans[i][0] - timedelta(hours=5) for i in (0, 3, 6)]

    # What was held back says why, in plain words.
    with time_machine.travel(START, tick=False), Session(engine) as s:
        nurse = s.get(User, user.id)
        check = next(
            r
            for r in s.execute(select(Reminder)).scalars()
            if (r.meta or {}).get("habit") == "sleep_check"
        )
        held: list = []
        upcoming_for(s, nurse, check, START, START, 10, held)
    friday_seven = datetime(2026, 3, 20, 7, 0, tzinfo=BERLIN).astimezone(UTC)
    assert (friday_seven, "in_shift") in held
