"""What a tap on a habit notification's button does: done, snooze, done for today.

``apply_action`` is called by ``POST /api/deliveries/{token}/answer`` with
``{"action": ...}``. It flushes and leaves the commit (and marking the token
used) to the caller.

* ``done`` records adherence for the occurrence (a ``HabitEvent`` dated on the
  day it was due).
* ``snooze`` moves this occurrence only, 10 minutes from now; the schedule
  carries on as before after it.
* ``day_done`` marks the workday done, so that day's after-hours nudge stays
  silent.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError
from server.habits.service import mark_day_done, record_event, workday_date
from server.reminders.models import Delivery, Reminder
from server.reminders.service import snooze_reminder

ACTIONS = ("done", "snooze", "day_done")
SNOOZE_MINUTES = 10


def apply_action(session: Session, delivery: Delivery, action: str, now: datetime) -> dict:
    """Carry out ``action`` for ``delivery``; returns a small JSON-ready answer."""
    if action not in ACTIONS:
        raise ApiError(
            400,
            "unknown_action",
            "That button isn't one Tend knows.",
            fields={"action": f"Use one of: {', '.join(ACTIONS)}."},
        )
    user = session.get(User, delivery.user_id)
    reminder = session.get(Reminder, delivery.reminder_id) if delivery.reminder_id else None
    if action == "snooze":
        return snooze(session, delivery, reminder, user, now)
    if action == "day_done":
        day = workday_date(reminder, delivery.due_at, user)
        mark_day_done(session, user, day, now, reminder=reminder, delivery_id=delivery.id)
        return {"action": "day_done", "local_date": day.isoformat()}
    day = delivery.due_at.astimezone(user.zone).date()
    record_event(
        session,
        user.id,
        "done",
        delivery.kind,
        day,
        now,
        reminder_id=delivery.reminder_id,
        delivery_id=delivery.id,
    )
    return {"action": "done", "local_date": day.isoformat()}


def snooze(
    session: Session, delivery: Delivery, reminder: Reminder | None, user: User, now: datetime
) -> dict:
    """Bring this occurrence back in ten minutes."""
    if reminder is None or reminder.user_id != delivery.user_id:
        raise ApiError(410, "reminder_gone", "This reminder has been removed, so it can't snooze.")
    snooze_reminder(session, reminder, SNOOZE_MINUTES, now, moment=delivery.due_at)
    day = delivery.due_at.astimezone(user.zone).date()
    record_event(
        session,
        delivery.user_id,
        "snooze",
        delivery.kind,
        day,
        now,
        reminder_id=reminder.id,
        delivery_id=delivery.id,
    )
    return {"action": "snooze", "snoozed_until": reminder.snoozed_until.isoformat()}
