"""Weekly habit figures for insights: breaks taken, days work ran over, sleep answers.

Weeks are ISO weeks in the user's time zone, oldest first, ending with the
current one. Definitions, since Tend cannot see anyone's work:

* ``breaks_offered``: break notifications sent; ``breaks_taken``: "Done" taps on them.
* ``workdays_tracked``: workdays on which the boundaries program spoke (a "time
  to stop" or a nudge was sent) or the day was marked done.
* ``days_ran_over``: of those, days whose after-hours nudge had to be sent (the
  day was not marked done by then), or that were marked done more than
  ``RAN_OVER_GRACE`` after work was meant to end.
* ``sleep_answers``: answers to sleep questions; ``sleep_strain`` their mean on
  the check-ins' 0–100 scale (100 = most strain), or None.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import User
from server.checkins.models import CheckInAnswer
from server.db import utcnow
from server.habits.models import HabitEvent
from server.habits.service import workday_date
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.schedule import local_instant, parse_hhmm

RAN_OVER_GRACE = timedelta(minutes=15)
BOUNDARY_HABITS = ("workday_end", "after_hours")


def iso_week(day: date) -> str:
    """``"2026-W05"`` for ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_mondays(today: date, weeks: int) -> list[date]:
    """Mondays of the last ``weeks`` ISO weeks, oldest first, ending with ``today``'s."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def weekly_habit_figures(
    session: Session, user: User, weeks: int, now: datetime | None = None
) -> dict:
    """``{"weeks": [{week, start, breaks_offered, breaks_taken, workdays_tracked,
    days_ran_over, sleep_answers, sleep_strain}]}`` for the last ``weeks`` weeks."""
    now = now or utcnow()
    zone = user.zone
    mondays = week_mondays(now.astimezone(zone).date(), weeks)
    since = local_instant(mondays[0], parse_hhmm("00:00"), zone)
    buckets = {iso_week(monday): empty_week(monday) for monday in mondays}
    first_day = mondays[0]

    def bucket(day: date) -> dict | None:
        return buckets.get(iso_week(day)) if day >= first_day else None

    deliveries = session.execute(
        select(Delivery, Reminder)
        .join(Reminder, Reminder.id == Delivery.reminder_id, isouter=True)
        .where(
            Delivery.user_id == user.id,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.due_at >= since,
            Delivery.kind.in_(("break", "boundary")),
        )
    ).all()
    events = (
        session.execute(
            select(HabitEvent).where(
                HabitEvent.user_id == user.id, HabitEvent.local_date >= first_day
            )
        )
        .scalars()
        .all()
    )

    tracked: dict[date, bool] = {}
    for delivery, reminder in deliveries:
        day = delivery.due_at.astimezone(zone).date()
        if delivery.kind == "break":
            if (found := bucket(day)) is not None:
                found["breaks_offered"] += 1
            continue
        habit = (reminder.meta or {}).get("habit") if reminder is not None else None
        if habit in BOUNDARY_HABITS:
            workday = workday_date(reminder, delivery.due_at, user)
            tracked[workday] = tracked.get(workday, False) or habit == "after_hours"
    for event in events:
        if event.action == "done" and event.reminder_kind == "break":
            if (found := bucket(event.local_date)) is not None:
                found["breaks_taken"] += 1
        elif event.action == "day_done":
            late = (
                event.at
                > local_instant(event.local_date, parse_hhmm(user.work_end), zone) + RAN_OVER_GRACE
            )
            tracked[event.local_date] = tracked.get(event.local_date, False) or late
    for day, ran_over in tracked.items():
        if (found := bucket(day)) is not None:
            found["workdays_tracked"] += 1
            found["days_ran_over"] += int(ran_over)

    add_sleep_answers(session, user, since, bucket)
    return {"weeks": list(buckets.values())}


def empty_week(monday: date) -> dict:
    """A week with nothing counted yet."""
    return {
        "week": iso_week(monday),
        "start": monday.isoformat(),
        "breaks_offered": 0,
        "breaks_taken": 0,
        "workdays_tracked": 0,
        "days_ran_over": 0,
        "sleep_answers": 0,
        "sleep_strain": None,
    }


def add_sleep_answers(session: Session, user: User, since: datetime, bucket) -> None:
    """Count sleep answers per week and average them as strain (0–100)."""
    from server.checkins.scoring import strain
    from server.checkins.service import current_bank

    bank = current_bank()
    answers = (
        session.execute(
            select(CheckInAnswer).where(
                CheckInAnswer.user_id == user.id,
                CheckInAnswer.domain == "sleep",
                CheckInAnswer.answered_at >= since,
            )
        )
        .scalars()
        .all()
    )
    strains: dict[str, list[float]] = defaultdict(list)
    for answer in answers:
        found = bucket(answer.answered_at.astimezone(user.zone).date())
        if found is None:
            continue
        found["sleep_answers"] += 1
        question = bank.get(answer.question_id)
        if question is not None and question.scale.contains(answer.value):
            strains[found["week"]].append(strain(question, answer.value))
        if strains[found["week"]]:
            values = strains[found["week"]]
            found["sleep_strain"] = round(sum(values) / len(values), 1)
