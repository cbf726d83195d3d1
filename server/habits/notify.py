"""The notification for one habit reminder: rotated wording, the right buttons, or silence.

``habit_content`` is called by ``server.reminders.content.compose`` for every
kind except check-ins and follow-ups. It returns a ``NotificationContent``, or
``None`` when this occurrence should stay silent after all — then it has
already set ``delivery.status = "skipped"`` and ``delivery.reason`` (e.g.
``day_done``: the after-hours nudge of a day already marked done;
``time_off_planned``: the monthly plan reminder while time off is planned).

Which words: ``reminder.meta["habit"]`` as set by a program, else a default per
kind, so a reminder made by hand still gets varied wording.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from server.accounts.models import User
from server.habits.service import day_done_on, workday_date
from server.habits.wording import action_title, pick_variant
from server.reminders.content import NotificationContent, default_ttl
from server.reminders.models import Delivery, Reminder
from server.reminders.schedule import clock_of, local_date, shift_windows

DEFAULT_HABIT = {
    "sleep": "wind_down",
    "break": "breaks",
    "boundary": "workday_end",
    "timeoff": "plan_time_off",
}
PLAN_WORDING = {
    "nudge": "timeoff_plan_nudge",
    "strong": "timeoff_plan_strong",
}
PATHS = {
    "sleep_check": "/#/checkin",
    "timeoff_before": "/#/checkin",
    "timeoff_after": "/#/checkin",
    "weekly_look_back": "/#/trends",
    "plan_time_off": "/#/settings/timeoff",
}


def habit_of(reminder: Reminder) -> str:
    """What the reminder is for (``wind_down``, ``breaks``, ``after_hours``, ...)."""
    return (reminder.meta or {}).get("habit") or DEFAULT_HABIT.get(reminder.kind, "breaks")


def buttons(*actions: str) -> list[dict]:
    """Notification actions with their labels from the wording file."""
    return [{"action": action, "title": action_title(action)} for action in actions]


def skip(delivery: Delivery, reason: str) -> None:
    """Mark the delivery as deliberately not sent."""
    delivery.status = "skipped"
    delivery.reason = reason


def content(reminder: Reminder, wording_key: str, day: date, *, occurrence: int = 0,
            values: dict[str, Any] | None = None, actions: list[dict] | None = None,
            path: str = "/#/today", urgency: str = "normal") -> NotificationContent:
    """A notification in the rotated words of ``wording_key``."""
    variant = pick_variant(wording_key, reminder.id, day, occurrence=occurrence).render(values)
    return NotificationContent(title=variant.title, body=variant.body, actions=actions or [],
                               navigate_path=path, ttl=default_ttl(reminder.kind),
                               urgency=urgency)


def habit_content(
    session: Session, user: User, reminder: Reminder, delivery: Delivery, now: datetime
) -> NotificationContent | None:
    """The notification for this delivery of a habit reminder, or None to stay silent."""
    habit = habit_of(reminder)
    day = local_date(delivery.due_at, user.zone)
    meta = reminder.meta or {}
    if habit == "breaks":
        return break_content(reminder, delivery, user, day)
    if habit in ("workday_end", "after_hours"):
        if habit == "after_hours" and meta.get("skip_if_day_done", True):
            if day_done_on(session, user.id, workday_date(reminder, delivery.due_at, user)):
                skip(delivery, "day_done")
                return None
        return content(reminder, habit, day, values={"work_end": user.work_end},
                       actions=buttons("day_done"))
    if habit == "weekly_look_back":
        return look_back_content(session, user, reminder, day, now)
    if habit == "plan_time_off":
        return plan_content(session, user, reminder, delivery, day, now)
    if habit == "sleep_check":
        return sleep_check_content(reminder, delivery, day)
    if habit in ("timeoff_before", "timeoff_after"):
        return content(reminder, habit, day, path=PATHS[habit])
    return content(reminder, "sleep_wind_down", day, values={"bedtime": meta.get("bedtime")},
                   actions=buttons("done"), urgency="low")


# --- breaks -------------------------------------------------------------------------------


def break_number(reminder: Reminder, due_at: datetime, user: User) -> int:
    """Which break of the work shift this is (1 for the first; snoozed ones round)."""
    schedule = reminder.schedule or {}
    if schedule.get("type") != "interval":
        return 1
    every = timedelta(minutes=int(schedule.get("every_minutes", 90)))
    clock = clock_of(user)
    yesterday = local_date(due_at, clock.zone) - timedelta(days=1)
    for start, end in shift_windows(clock, yesterday, 2):
        if start <= due_at < end:
            return max(1, round((due_at - start) / every))
    return 1


def break_content(reminder: Reminder, delivery: Delivery, user: User,
                  day: date) -> NotificationContent:
    """A short break, or a longer pause on every n-th break of the shift."""
    number = break_number(reminder, delivery.due_at, user)
    every = (reminder.meta or {}).get("long_pause_every")
    key = "break_long" if every and number % int(every) == 0 else "break_short"
    return content(reminder, key, day, occurrence=number, actions=buttons("done", "snooze"))


# --- sleep check ----------------------------------------------------------------------------


def sleep_check_content(reminder: Reminder, delivery: Delivery,
                        day: date) -> NotificationContent:
    """Ask a sleep question from the bank, answerable from the notification's buttons."""
    note = content(reminder, "sleep_check", day, path=PATHS["sleep_check"])
    question = sleep_question(day)
    if question is None:
        return note
    delivery.question_id = question.id
    actions = [{"action": f"answer:{answer.value}", "title": answer.title}
               for answer in question.quick_answers]
    return NotificationContent(title=note.title, body=question.text, actions=actions,
                               extra={"question_id": question.id},
                               navigate_path=note.navigate_path, ttl=note.ttl)


def sleep_question(day: date):
    """The sleep question of the day from the question bank (rotating), if the bank has one."""
    from server.checkins.bank import load_bank

    questions = load_bank().in_domain("sleep")
    if not questions:
        return None
    return questions[day.toordinal() % len(questions)]


# --- weekly look back -----------------------------------------------------------------------


def look_back_content(session: Session, user: User, reminder: Reminder, day: date,
                      now: datetime) -> NotificationContent:
    """The look back, with this week's count of days that ran over when there is one."""
    from server.habits.insights import weekly_habit_figures

    note = content(reminder, "weekly_look_back", day, path=PATHS["weekly_look_back"],
                   urgency="low")
    week = weekly_habit_figures(session, user, 1, now=now)["weeks"][-1]
    if not week["workdays_tracked"]:
        return note
    return NotificationContent(title=note.title, body=ran_over_line(week), actions=[],
                               navigate_path=note.navigate_path, ttl=note.ttl,
                               urgency=note.urgency)


def ran_over_line(week: dict) -> str:
    """One plain sentence about the week's workdays."""
    over, tracked = week["days_ran_over"], week["workdays_tracked"]
    workdays = "workday" if tracked == 1 else "workdays"
    if over == 0:
        return f"All {tracked} {workdays} this week ended on time. Have a look at your week."
    return (f"Work ran over on {over} of your {tracked} {workdays} this week. "
            "Have a look at your week.")


# --- time off -------------------------------------------------------------------------------


def plan_content(session: Session, user: User, reminder: Reminder, delivery: Delivery,
                 day: date, now: datetime) -> NotificationContent | None:
    """The monthly plan reminder, worded by the clock; silent while time off is planned."""
    from server.timeoff.service import clock_for, ranges_for, replan_monthly

    ranges = ranges_for(session, user.id)
    after = max(now, delivery.due_at)
    replan_monthly(session, user, reminder, after, ranges)
    clock = clock_for(session, user, now)
    if clock.next_planned is not None or clock.on_time_off:
        skip(delivery, "time_off_planned")
        return None
    key = PLAN_WORDING.get(clock.level, "timeoff_plan")
    return content(reminder, key, day, values={"days": clock.days_since_time_off},
                   path=PATHS["plan_time_off"])
