"""Switching habit programs on and off, and recording what people did with habit reminders.

Applying a program again replaces the reminders it made before (with the new
parameters), so a person can tune a program by applying it once more. Functions
that take a session flush but never commit; the caller does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import User
from server.habits.models import HabitEvent
from server.habits.presets import ReminderSpec, build_preset, get_preset
from server.reminders.models import Reminder
from server.reminders.policy import plan_many, rule_of
from server.reminders.schedule import local_date
from server.reminders.service import (
    create_reminder,
    notified_on_day,
    policy_inputs,
    user_rules,
)
from server.timeoff.service import sync_program_reminders

BUDGET_CHECK_DAYS = 7
UNLIMITED = 10_000


def preset_reminders(session: Session, user_id: int, preset_id: str) -> list[Reminder]:
    """The reminders a program made for this user."""
    query = select(Reminder).where(Reminder.user_id == user_id, Reminder.preset == preset_id)
    return list(session.execute(query.order_by(Reminder.id)).scalars())


def active_presets(session: Session, user_id: int) -> set[str]:
    """Ids of the programs that have reminders for this user."""
    query = (
        select(Reminder.preset)
        .where(Reminder.user_id == user_id, Reminder.preset.is_not(None))
        .distinct()
    )
    return {row for row in session.execute(query).scalars()}


def remove_preset(session: Session, user: User, preset_id: str) -> int:
    """Delete a program's reminders; returns how many there were."""
    get_preset(preset_id)
    reminders = preset_reminders(session, user.id, preset_id)
    for reminder in reminders:
        session.delete(reminder)
    session.flush()
    return len(reminders)


def apply_preset(
    session: Session, user: User, preset_id: str, params: dict | None, now: datetime
) -> tuple[list[Reminder], list[str]]:
    """Switch a program on (replacing its earlier reminders); returns reminders and notes.

    Raises ``PresetError`` (with field messages) for unusable parameters and
    ``UnknownPreset`` for an unknown id, before anything changes.
    """
    specs = build_preset(preset_id, params, user, now)
    remove_preset(session, user, preset_id)
    created = [create_from_spec(session, user, spec, now) for spec in specs]
    if preset_id == "timeoff":
        sync_program_reminders(session, user, now)
        created = preset_reminders(session, user.id, preset_id)
    notes = [note for spec in specs for note in spec.notes]
    note = budget_note(session, user, created, now)
    if note:
        notes.append(note)
    return created, notes


def create_from_spec(session: Session, user: User, spec: ReminderSpec, now: datetime) -> Reminder:
    """Create the ordinary reminder a spec describes."""
    return create_reminder(
        session,
        user,
        spec.kind,
        spec.title,
        spec.schedule,
        preset=spec.preset,
        meta=spec.meta,
        now=now,
    )


def budget_note(
    session: Session, user: User, reminders: list[Reminder], now: datetime
) -> str | None:
    """A note when the daily limit will keep some of these reminders quiet in the next week."""
    settings, time_off = policy_inputs(session, user, now)
    rules = user_rules(session, user.id)
    today = local_date(now, user.zone)
    sent = {today: notified_on_day(session, user, today)}
    unlimited = replace(settings, daily_push_budget=UNLIMITED)

    targets = [rule_of(reminder) for reminder in reminders if reminder.enabled]

    def planned(policy_user) -> int:
        plans = plan_many(
            targets, rules, policy_user, time_off, sent, now, now, UNLIMITED, BUDGET_CHECK_DAYS
        )
        return sum(len(times) for times in plans.values())

    if planned(settings) < planned(unlimited):
        return (
            f"With your limit of {user.daily_push_budget} notifications a day, some of "
            "these will stay quiet. You can raise the limit in Settings."
        )
    return None


# --- events -------------------------------------------------------------------------------


def record_event(
    session: Session,
    user_id: int,
    action: str,
    reminder_kind: str,
    local_date: date,
    now: datetime,
    *,
    reminder_id: int | None = None,
    delivery_id: int | None = None,
) -> HabitEvent:
    """Store one habit action."""
    event = HabitEvent(
        user_id=user_id,
        reminder_id=reminder_id,
        delivery_id=delivery_id,
        reminder_kind=reminder_kind,
        action=action,
        at=now,
        local_date=local_date,
    )
    session.add(event)
    session.flush()
    return event


def day_done_on(session: Session, user_id: int, day: date) -> bool:
    """Whether the workday of ``day`` has been marked done."""
    query = select(HabitEvent.id).where(
        HabitEvent.user_id == user_id, HabitEvent.action == "day_done", HabitEvent.local_date == day
    )
    return session.execute(query.limit(1)).first() is not None


def mark_day_done(
    session: Session,
    user: User,
    day: date,
    now: datetime,
    *,
    reminder: Reminder | None = None,
    delivery_id: int | None = None,
) -> bool:
    """Mark the workday of ``day`` done; returns False when it already was."""
    if day_done_on(session, user.id, day):
        return False
    record_event(
        session,
        user.id,
        "day_done",
        reminder.kind if reminder else "boundary",
        day,
        now,
        reminder_id=reminder.id if reminder else None,
        delivery_id=delivery_id,
    )
    return True


def workday_date(reminder: Reminder | None, due_at: datetime, user: User) -> date:
    """The local date of the workday an occurrence belongs to (the date its work ended).

    An after-hours nudge past midnight still belongs to the day whose work ran on.
    """
    meta = (reminder.meta if reminder is not None else None) or {}
    minutes_after = (
        int(meta.get("minutes_after_work_end", 0)) if meta.get("habit") == "after_hours" else 0
    )
    return (due_at - timedelta(minutes=minutes_after)).astimezone(user.zone).date()
