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
from server.checkins.notify import answer_action
from server.habits.service import day_done_on, workday_date
from server.habits.wording import action_title, pick_variant
from server.reminders.content import NotificationContent, default_ttl
from server.reminders.kinds import kind_of
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.schedule import local_date, shift_windows
from server.reminders.service import user_clock
from server.shifts.rules import NAP_BEFORE
from server.timeoff.service import clock_for

# The help-now screen for leaving a shift behind.
TRANSITION_PATH = "/#/now/transition"
CUSTOM_BODY = "A reminder you set for yourself."
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
    return (reminder.meta or {}).get("habit") or kind_of(reminder.kind).habit or "breaks"


def buttons(*actions: str) -> list[dict]:
    """Notification actions with their labels from the wording file."""
    return [{"action": action, "title": action_title(action)} for action in actions]


def skip(delivery: Delivery, reason: str) -> None:
    """Mark the delivery as deliberately not sent."""
    delivery.status = DeliveryStatus.SKIPPED
    delivery.reason = reason


def content(
    reminder: Reminder,
    wording_key: str,
    day: date,
    *,
    occurrence: int = 0,
    values: dict[str, Any] | None = None,
    actions: list[dict] | None = None,
    path: str = "/#/today",
    urgency: str = "normal",
) -> NotificationContent:
    """A notification in the rotated words of ``wording_key``."""
    variant = pick_variant(wording_key, reminder.id, day, occurrence=occurrence).render(values)
    return NotificationContent(
        title=variant.title,
        body=variant.body,
        actions=actions or [],
        navigate_path=path,
        ttl=default_ttl(reminder.kind),
        urgency=urgency,
    )


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
        if user.schedule_mode == "shifts":
            return shift_end_content(reminder, habit, delivery, user, day)
        return content(
            reminder, habit, day, values={"work_end": user.work_end}, actions=buttons("day_done")
        )
    if habit == "weekly_look_back":
        return look_back_content(session, user, reminder, day, now)
    if habit == "plan_time_off":
        return plan_content(session, user, reminder, delivery, day, now)
    if habit == "sleep_check":
        return sleep_check_content(reminder, delivery, day, user.role)
    if habit == "nap":
        start = (delivery.due_at + NAP_BEFORE).astimezone(user.zone).strftime("%H:%M")
        return content(reminder, "sleep_nap", day, values={"shift_start": start}, urgency="low")
    if habit == "custom":
        return custom_content(reminder)
    if habit in ("timeoff_before", "timeoff_after"):
        return content(reminder, habit, day, path=PATHS[habit])
    return content(
        reminder,
        "sleep_wind_down",
        day,
        values={"bedtime": meta.get("bedtime")},
        actions=buttons("done"),
        urgency="low",
    )


def custom_content(reminder: Reminder) -> NotificationContent:
    """A reminder the user named: their own words as the title, a quiet line below."""
    return NotificationContent(
        title=reminder.title,
        body=CUSTOM_BODY,
        navigate_path="/#/today",
        ttl=default_ttl(reminder.kind),
        urgency=kind_of(reminder.kind).urgency,
    )


def shift_end_content(
    reminder: Reminder, habit: str, delivery: Delivery, user: User, day: date
) -> NotificationContent:
    """End of a shift (or still working after it): opens the end-of-shift transition."""
    after = timedelta(minutes=(reminder.meta or {}).get("minutes_after_work_end", 0))
    ended = delivery.due_at - after if habit == "after_hours" else delivery.due_at
    return content(
        reminder,
        habit,
        day,
        values={"work_end": ended.astimezone(user.zone).strftime("%H:%M")},
        actions=buttons("day_done"),
        path=TRANSITION_PATH,
    )


# --- breaks -------------------------------------------------------------------------------


def break_number(reminder: Reminder, due_at: datetime, user: User) -> int:
    """Which break of the work shift this is (1 for the first; snoozed ones round)."""
    schedule = reminder.schedule or {}
    if schedule.get("type") != "interval":
        return 1
    every = timedelta(minutes=int(schedule.get("every_minutes", 90)))
    clock = user_clock(user, due_at)
    yesterday = local_date(due_at, clock.zone) - timedelta(days=1)
    for start, end in shift_windows(clock, yesterday, 2):
        if start <= due_at < end:
            return max(1, round((due_at - start) / every))
    return 1


def break_content(
    reminder: Reminder, delivery: Delivery, user: User, day: date
) -> NotificationContent:
    """A short break, or a longer pause on every n-th break of the shift."""
    number = break_number(reminder, delivery.due_at, user)
    every = (reminder.meta or {}).get("long_pause_every")
    key = "break_long" if every and number % int(every) == 0 else "break_short"
    return content(reminder, key, day, occurrence=number, actions=buttons("done", "snooze"))


# --- sleep check ----------------------------------------------------------------------------


def sleep_check_content(
    reminder: Reminder, delivery: Delivery, day: date, role: str | None = None
) -> NotificationContent:
    """Ask a sleep question from the bank (in ``role``'s words), answerable from the buttons."""
    note = content(reminder, "sleep_check", day, path=PATHS["sleep_check"])
    question = sleep_question(day)
    if question is None:
        return note
    question = question.worded(role)
    delivery.question_id = question.id
    actions = [answer_action(answer) for answer in question.quick_answers]
    return NotificationContent(
        title=note.title,
        body=question.text,
        actions=actions,
        extra={"question_id": question.id},
        navigate_path=note.navigate_path,
        ttl=note.ttl,
    )


def sleep_question(day: date):
    """The sleep question of the day from the question bank (rotating), if the bank has one."""
    from server.checkins.service import current_bank

    questions = current_bank().in_domain("sleep")
    if not questions:
        return None
    return questions[day.toordinal() % len(questions)]


# --- weekly look back -----------------------------------------------------------------------


def look_back_content(
    session: Session, user: User, reminder: Reminder, day: date, now: datetime
) -> NotificationContent:
    """The look back, with this week's count of days that ran over when there is one."""
    from server.habits.insights import weekly_habit_figures

    note = content(reminder, "weekly_look_back", day, path=PATHS["weekly_look_back"], urgency="low")
    week = weekly_habit_figures(session, user, 1, now=now)["weeks"][-1]
    if not week["workdays_tracked"]:
        return note
    return NotificationContent(
        title=note.title,
        body=ran_over_line(week),
        actions=[],
        navigate_path=note.navigate_path,
        ttl=note.ttl,
        urgency=note.urgency,
    )


def ran_over_line(week: dict) -> str:
    """One plain sentence about the week's workdays."""
    over, tracked = week["days_ran_over"], week["workdays_tracked"]
    workdays = "workday" if tracked == 1 else "workdays"
    if over == 0:
        return f"All {tracked} {workdays} this week ended on time. Have a look at your week."
    return (
        f"Work ran over on {over} of your {tracked} {workdays} this week. Have a look at your week."
    )


# --- time off -------------------------------------------------------------------------------


def plan_content(
    session: Session, user: User, reminder: Reminder, delivery: Delivery, day: date, now: datetime
) -> NotificationContent | None:
    """The monthly plan reminder, worded by the clock; silent while time off is planned."""
    clock = clock_for(session, user, now)
    if clock.next_planned is not None or clock.on_time_off:
        skip(delivery, "time_off_planned")
        return None
    key = PLAN_WORDING.get(clock.level, "timeoff_plan")
    return content(
        reminder, key, day, values={"days": clock.days_since_time_off}, path=PATHS["plan_time_off"]
    )
