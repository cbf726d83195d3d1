"""Reminder operations shared by the routes, other features and the dispatcher.

Functions that take a session never commit: the caller ends its unit of work.
``next_due_at`` is recomputed on every change, so the dispatcher only ever
needs ``next_due_at <= now`` to find work.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError
from server.reminders.models import Delivery, Reminder
from server.reminders.policy import (
    PolicyUser,
    ReminderRule,
    TimeOffRange,
    next_due,
    plan_upcoming,
    policy_user_of,
    rule_of,
    time_off_of,
)
from server.reminders.schedule import AnySchedule, as_schedule, clock_of, day_bounds, local_date
from server.reminders.schemas import (
    OnceSchedule,
    ReminderOut,
    ReminderPatch,
    default_title,
    schedule_to_json,
)
from server.timeoff.models import TimeOff

# Deliveries the policy decided to send count against the budget, even if every
# device failed: the planner cannot know about failures ahead of time.
NOTIFIED_STATUSES = ("sent", "failed")


def reminder_out(reminder: Reminder) -> ReminderOut:
    """The API's view of a reminder."""
    return ReminderOut(
        id=reminder.id,
        kind=reminder.kind,
        title=reminder.title,
        schedule=reminder.schedule,
        enabled=reminder.enabled,
        next_due_at=reminder.next_due_at,
        snoozed_until=reminder.snoozed_until,
        preset=reminder.preset,
        created_at=reminder.created_at,
        updated_at=reminder.updated_at,
    )


def refresh_next_due(reminder: Reminder, user: User, now: datetime) -> None:
    """Store the reminder's next occurrence after ``now`` (None when disabled or finished)."""
    reminder.next_due_at = next_due(rule_of(reminder), clock_of(user), now)


def require_future_once(schedule: AnySchedule, now: datetime) -> None:
    """A one-off reminder must still be ahead; raise a field error otherwise."""
    if isinstance(schedule, OnceSchedule) and schedule.at <= now:
        raise ApiError(400, "validation_error", "That moment has already passed.",
                       fields={"schedule.at": "Choose a time that is still ahead."})


def create_reminder(
    session: Session,
    user: User,
    kind: str,
    title: str | None,
    schedule: AnySchedule | dict,
    *,
    preset: str | None = None,
    meta: dict | None = None,
    enabled: bool = True,
    now: datetime,
) -> Reminder:
    """Add a reminder for ``user`` with its ``next_due_at`` computed (flushed, not committed)."""
    parsed = as_schedule(schedule)
    reminder = Reminder(
        user_id=user.id,
        kind=kind,
        title=title or default_title(kind),
        schedule=schedule_to_json(parsed),
        enabled=enabled,
        preset=preset,
        meta=dict(meta or {}),
        created_at=now,
        updated_at=now,
    )
    refresh_next_due(reminder, user, now)
    session.add(reminder)
    session.flush()
    return reminder


def update_reminder(
    session: Session, user: User, reminder: Reminder, patch: ReminderPatch, now: datetime
) -> Reminder:
    """Apply the fields present in ``patch``; a new schedule or disabling drops a snooze."""
    given = patch.model_fields_set
    if "kind" in given and patch.kind is not None:
        reminder.kind = patch.kind
    if "title" in given:
        reminder.title = patch.title or default_title(reminder.kind)
    if "schedule" in given and patch.schedule is not None:
        require_future_once(patch.schedule, now)
        reminder.schedule = schedule_to_json(patch.schedule)
        reminder.snoozed_until = None
    if "enabled" in given and patch.enabled is not None:
        reminder.enabled = patch.enabled
        if not patch.enabled:
            reminder.snoozed_until = None
    reminder.updated_at = now
    refresh_next_due(reminder, user, now)
    session.add(reminder)
    session.flush()
    return reminder


def snooze_reminder(session: Session, reminder: Reminder, minutes: int, now: datetime) -> Reminder:
    """Move the next notification to ``now + minutes``; the schedule resumes after it."""
    if not reminder.enabled:
        raise ApiError(409, "reminder_disabled", "Turn this reminder on before snoozing it.")
    reminder.snoozed_until = now + timedelta(minutes=minutes)
    reminder.next_due_at = reminder.snoozed_until
    reminder.updated_at = now
    session.add(reminder)
    session.flush()
    return reminder


def recompute_user_reminders(session: Session, user: User, now: datetime) -> int:
    """Recompute ``next_due_at`` of all the user's reminders (time zone or work hours changed)."""
    reminders = session.execute(select(Reminder).where(Reminder.user_id == user.id)).scalars()
    changed = 0
    for reminder in reminders:
        refresh_next_due(reminder, user, now)
        session.add(reminder)
        changed += 1
    session.flush()
    return changed


def owned_reminder(session: Session, user_id: int, reminder_id: int) -> Reminder:
    """The user's reminder, or 404 (also for someone else's)."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or reminder.user_id != user_id:
        raise ApiError(404, "not_found", "That reminder isn't on your list.")
    return reminder


def list_reminders(session: Session, user_id: int) -> list[Reminder]:
    """The user's reminders, oldest first."""
    return list(
        session.execute(
            select(Reminder).where(Reminder.user_id == user_id).order_by(Reminder.id)
        ).scalars()
    )


# --- what the policy needs to know ------------------------------------------------------


def user_rules(session: Session, user_id: int) -> list[ReminderRule]:
    """Every enabled reminder of the user as planner rules."""
    rows = session.execute(
        select(Reminder).where(Reminder.user_id == user_id, Reminder.enabled.is_(True))
    ).scalars()
    return [rule_of(row) for row in rows]


def user_time_off(session: Session, user_id: int) -> tuple[TimeOffRange, ...]:
    """The user's time-off ranges, taken and planned."""
    return time_off_of(session.execute(select(TimeOff).where(TimeOff.user_id == user_id)).scalars())


def notified_on_day(session: Session, user: User, day: date) -> int:
    """How many notifications policy let through on the user's local ``day`` (by due time)."""
    start, end = day_bounds(day, user.zone)
    query = select(func.count(Delivery.id)).where(
        Delivery.user_id == user.id,
        Delivery.status.in_(NOTIFIED_STATUSES),
        Delivery.due_at >= start,
        Delivery.due_at < end,
    )
    return int(session.execute(query).scalar_one())


def rules_of_users(session: Session, user_ids: Iterable[int]) -> dict[int, list[ReminderRule]]:
    """Every enabled reminder of each user as planner rules, in one query."""
    table = Reminder.__table__
    rows = session.execute(
        select(table.c.id, table.c.user_id, table.c.kind, table.c.schedule, table.c.enabled,
               table.c.snoozed_until)
        .where(table.c.user_id.in_(set(user_ids)), table.c.enabled.is_(True))
    )
    rules: dict[int, list[ReminderRule]] = defaultdict(list)
    # Many people share a rule ("weekdays 08:30"): validate each distinct schedule once.
    parsed: dict[str, AnySchedule] = {}
    for row in rows:
        key = json.dumps(row.schedule, sort_keys=True)
        if key not in parsed:
            parsed[key] = as_schedule(row.schedule)
        rules[row.user_id].append(ReminderRule(id=row.id, kind=row.kind, schedule=parsed[key],
                                               enabled=row.enabled,
                                               snoozed_until=row.snoozed_until))
    return dict(rules)


def time_off_of_users(
    session: Session, user_ids: Iterable[int]
) -> dict[int, tuple[TimeOffRange, ...]]:
    """Each user's time-off ranges, in one query (users without any are left out)."""
    table = TimeOff.__table__
    rows = session.execute(
        select(table.c.user_id, table.c.start, table.c.end, table.c.kind)
        .where(table.c.user_id.in_(set(user_ids)))
    )
    by_user: dict[int, list] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    return {user_id: time_off_of(found) for user_id, found in by_user.items()}


def notified_on_days(
    session: Session, wanted: Iterable[tuple[User, date]]
) -> dict[tuple[int, date], int]:
    """``notified_on_day`` for many (user, local day) pairs in one query, keyed by (id, day)."""
    bounds = {(user.id, day): day_bounds(day, user.zone) for user, day in wanted}
    counts = dict.fromkeys(bounds, 0)
    if not bounds:
        return counts
    days_of: dict[int, list[tuple[date, datetime, datetime]]] = defaultdict(list)
    for (user_id, day), (start, end) in bounds.items():
        days_of[user_id].append((day, start, end))
    table = Delivery.__table__
    rows = session.execute(
        select(table.c.user_id, table.c.due_at).where(
            table.c.user_id.in_(days_of),
            table.c.status.in_(NOTIFIED_STATUSES),
            table.c.due_at >= min(start for start, _ in bounds.values()),
            table.c.due_at < max(end for _, end in bounds.values()),
        )
    )
    for row in rows:
        for day, start, end in days_of[row.user_id]:
            if start <= row.due_at < end:
                counts[(row.user_id, day)] += 1
    return counts


def policy_inputs(session: Session, user: User) -> tuple[PolicyUser, tuple[TimeOffRange, ...]]:
    """The user's settings and time off, as the policy reads them."""
    return policy_user_of(user), user_time_off(session, user.id)


def upcoming_for(
    session: Session,
    user: User,
    reminder: Reminder,
    now: datetime,
    after: datetime,
    count: int,
) -> list[datetime]:
    """The next ``count`` times ``reminder`` will actually notify after ``after`` (UTC)."""
    settings, time_off = policy_inputs(session, user)
    today = local_date(now, user.zone)
    sent = {today: notified_on_day(session, user, today)}
    return plan_upcoming(rule_of(reminder), user_rules(session, user.id), settings, time_off,
                         sent, now, after, count)

