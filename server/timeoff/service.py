"""Time-off entries and what depends on them: the clock and the time-off program's reminders.

Work reminders need nothing here: the delivery policy reads the time-off
ranges at send time (and ``upcoming`` does the same), so adding or removing a
range changes what will notify at once. What this module keeps in step are the
time-off program's own reminders:

* the monthly "plan your next break" (a ``once`` reminder, see
  ``server.habits.presets``) is planned again for the first matching day after
  any time off still ahead, so it never asks to plan while a plan exists;
* the check-ins the evening before time off and the evening of the first day
  back, one ``once`` reminder each, created and removed with the entries.

Functions that take a session flush but never commit; the caller does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError, owned_or_404
from server.reminders.models import Reminder
from server.reminders.policy import TimeOffRange, time_off_of
from server.reminders.schedule import local_date, local_instant, parse_hhmm
from server.reminders.service import create_reminder, refresh_next_due
from server.timeoff.clock import ClockState, clock_state, is_on_time_off
from server.timeoff.models import TimeOff

PLAN_HABIT = "plan_time_off"
CHECKIN_HABITS = ("timeoff_before", "timeoff_after")
CHECKIN_TITLES = {
    "timeoff_before": "Before your time off",
    "timeoff_after": "Back from time off",
}


def list_entries(session: Session, user_id: int) -> list[TimeOff]:
    """The user's time off, most recent first."""
    query = (
        select(TimeOff)
        .where(TimeOff.user_id == user_id)
        .order_by(TimeOff.start.desc(), TimeOff.id.desc())
    )
    return list(session.execute(query).scalars())


def ranges_for(session: Session, user_id: int) -> tuple[TimeOffRange, ...]:
    """The user's time off as policy ranges."""
    return time_off_of(list_entries(session, user_id))


def clock_for(session: Session, user: User, now: datetime) -> ClockState:
    """The time-off clock for the user's today, with their own thresholds."""
    return clock_state(
        ranges_for(session, user.id),
        local_date(now, user.zone),
        nudge_days=user.timeoff_nudge_days,
        strong_days=max(user.timeoff_strong_days, user.timeoff_nudge_days),
    )


def add_entry(
    session: Session,
    user: User,
    *,
    start: date,
    end: date,
    kind: str,
    note: str | None,
    now: datetime,
) -> TimeOff:
    """Record time off and bring the time-off program's reminders up to date."""
    if kind == "taken" and start > local_date(now, user.zone):
        raise ApiError(
            400,
            "validation_error",
            "Time off that has not started yet is planned.",
            fields={"kind": "Choose planned for days that are still ahead."},
        )
    entry = TimeOff(user_id=user.id, start=start, end=end, kind=kind, note=note, created_at=now)
    session.add(entry)
    session.flush()
    sync_program_reminders(session, user, now)
    return entry


def delete_entry(session: Session, user: User, entry_id: int, now: datetime) -> None:
    """Remove one of the user's entries (404 for anyone else's) and update the program."""
    entry = owned_or_404(session, TimeOff, user.id, entry_id, "time off")
    session.delete(entry)
    session.flush()
    sync_program_reminders(session, user, now)


# --- the time-off program's reminders ---------------------------------------------------


def program_reminders(session: Session, user_id: int) -> list[Reminder]:
    """Reminders the time-off program made for this user."""
    query = select(Reminder).where(Reminder.user_id == user_id, Reminder.preset == "timeoff")
    return list(session.execute(query.order_by(Reminder.id)).scalars())


def habit_of(reminder: Reminder) -> str | None:
    """What the program meant this reminder for."""
    return (reminder.meta or {}).get("habit")


def set_once(reminder: Reminder, user: User, at: datetime, now: datetime) -> None:
    """Point a ``once`` reminder at ``at`` (shown in the user's offset) and store its next time."""
    reminder.schedule = {"type": "once", "at": at.astimezone(user.zone).isoformat()}
    reminder.snoozed_until = None
    reminder.updated_at = now
    refresh_next_due(reminder, user, now)


@dataclass(frozen=True)
class WantedCheckin:
    """A before/after check-in the program should have."""

    habit: str
    timeoff_id: int
    at: datetime


def wanted_checkins(
    entries: Sequence[TimeOff], user: User, checkin_time: str, now: datetime
) -> list[WantedCheckin]:
    """The evening before each time off and the evening of the first day back, still ahead.

    None is wanted when that day is itself a day off (back-to-back entries).
    """
    ranges = time_off_of(entries)
    wall = parse_hhmm(checkin_time)
    wanted = []
    for entry in entries:
        for habit, day in (
            ("timeoff_before", entry.start - timedelta(days=1)),
            ("timeoff_after", entry.end + timedelta(days=1)),
        ):
            if is_on_time_off(ranges, day):
                continue
            at = local_instant(day, wall, user.zone)
            if at > now:
                wanted.append(WantedCheckin(habit, entry.id, at))
    return wanted


def sync_program_reminders(session: Session, user: User, now: datetime) -> None:
    """Match the program's before/after check-ins to the time-off entries."""
    reminders = program_reminders(session, user.id)
    plans = [r for r in reminders if habit_of(r) == PLAN_HABIT]
    if not plans:
        return
    entries = list_entries(session, user.id)
    meta = plans[0].meta or {}
    wanted = []
    if meta.get("checkins", True):
        wanted = wanted_checkins(entries, user, str(meta.get("checkin_time", "18:00")), now)
    existing = {
        (habit_of(r), (r.meta or {}).get("timeoff_id")): r
        for r in reminders
        if habit_of(r) in CHECKIN_HABITS
    }
    for want in wanted:
        reminder = existing.pop((want.habit, want.timeoff_id), None)
        if reminder is None:
            create_reminder(
                session,
                user,
                "timeoff",
                CHECKIN_TITLES[want.habit],
                {"type": "once", "at": want.at.astimezone(user.zone).isoformat()},
                preset="timeoff",
                meta={"program": "timeoff", "habit": want.habit, "timeoff_id": want.timeoff_id},
                now=now,
            )
        elif reminder.next_due_at != want.at and reminder.next_due_at is not None:
            set_once(reminder, user, want.at, now)
            session.add(reminder)
    for stale in existing.values():
        # Unwanted now: its time off was removed, or it has already done its job.
        session.delete(stale)
    session.flush()
