"""Reminder operations shared by the routes, other features and the dispatcher.

Functions that take a session never commit: the caller ends its unit of work.
``next_due_at`` is recomputed on every change, so the dispatcher only ever
needs ``next_due_at <= now`` to find work.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import object_session
from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError, owned_or_404
from server.reminders.kinds import default_title
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.policy import (
    PolicyUser,
    ReminderRule,
    TimeOffRange,
    next_due,
    plan_many,
    plan_upcoming,
    policy_user_of,
    rule_of,
    time_off_of,
)
from server.reminders.schedule import (
    AnySchedule,
    UserClock,
    as_schedule,
    clock_of,
    day_bounds,
    local_date,
)
from server.reminders.schemas import (
    OnceSchedule,
    ReminderOut,
    ReminderPatch,
    schedule_to_json,
)
from server.reminders.snooze import snoozable_moment, snoozed_time
from server.shifts.service import spans_of_user
from server.timeoff.models import TimeOff

# Deliveries the policy decided to send count against the budget, even if every
# device failed: the planner cannot know about failures ahead of time.
# A delivery waiting to retry will most likely go out: it counts already.
NOTIFIED_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.RETRYING)


def reminder_out(reminder: Reminder, snooze_offered: bool = False) -> ReminderOut:
    """The API's view of a reminder; ``snooze_offered`` says whether it is due or about to be."""
    return ReminderOut(
        id=reminder.id,
        kind=reminder.kind,
        title=reminder.title,
        schedule=reminder.schedule,
        enabled=reminder.enabled,
        next_due_at=reminder.next_due_at,
        snoozed_until=reminder.snoozed_until,
        preset=reminder.preset,
        snooze_offered=snooze_offered,
        created_at=reminder.created_at,
        updated_at=reminder.updated_at,
    )


def user_clock(user: User, now: datetime) -> UserClock:
    """The user's clock; in shifts mode with the shifts around ``now``."""
    session = object_session(user)
    if session is None or (user.schedule_mode or "weekly") != "shifts":
        return clock_of(user)
    return clock_of(user, spans_of_user(session, user, now))


def refresh_next_due(
    reminder: Reminder, user: User, now: datetime, clock: UserClock | None = None
) -> None:
    """Store the reminder's next occurrence after ``now`` (None when disabled or finished)."""
    clock = clock or user_clock(user, now)
    reminder.next_due_at = next_due(rule_of(reminder), clock, now)


def require_future_once(schedule: AnySchedule, now: datetime) -> None:
    """A one-off reminder must still be ahead; raise a field error otherwise."""
    if isinstance(schedule, OnceSchedule) and schedule.at <= now:
        raise ApiError(
            400,
            "validation_error",
            "That moment has already passed.",
            fields={"schedule.at": "Choose a time that is still ahead."},
        )


def title_for(kind: str, title: str | None) -> str:
    """The title given, else the kind's default; a kind without one needs the user's own."""
    chosen = title or default_title(kind)
    if chosen is None:
        raise ApiError(
            400,
            "validation_error",
            "This reminder needs a name.",
            fields={"title": "Give it a name, so you know what it is for."},
        )
    return chosen


def own_reminder_count(session: Session, user_id: int) -> int:
    """The person's reminders that count against the cap: all but Tend's own follow-ups."""
    return session.execute(
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.user_id == user_id, Reminder.kind != "followup")
    ).scalar_one()


def reminder_limit_reached(limit: int) -> ApiError:
    """The 409 for a person at the reminder cap, in plain words."""
    return ApiError(
        409,
        "reminder_limit",
        f"You have {limit} reminders, the most Tend keeps for one person. "
        "Remove one you no longer need, then add this one.",
    )


def require_room_for_reminders(session: Session, user: User, adding: int, limit: int) -> None:
    """Raise the 409 when ``adding`` more of the person's own reminders would pass ``limit``."""
    if own_reminder_count(session, user.id) + adding > limit:
        raise reminder_limit_reached(limit)


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
        title=title_for(kind, title),
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
        reminder.title = title_for(reminder.kind, patch.title)
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


def snooze_reminder(
    session: Session,
    reminder: Reminder,
    minutes: int,
    now: datetime,
    moment: datetime | None = None,
) -> Reminder:
    """Move one occurrence ``minutes`` later; the schedule resumes after it.

    ``moment`` is the occurrence to move (a notification's own time); without it,
    the one due or about to be, and 409 ``not_due`` when there is none.
    """
    if not reminder.enabled:
        raise ApiError(409, "reminder_disabled", "Turn this reminder on before snoozing it.")
    if moment is None:
        moment = snoozable_moment(reminder.next_due_at, last_fell_due(session, reminder, now), now)
    if moment is None:
        raise ApiError(
            409, "not_due", "This reminder isn't due yet, so there is nothing to snooze."
        )
    reminder.snoozed_until = snoozed_time(moment, now, minutes)
    reminder.next_due_at = reminder.snoozed_until
    reminder.updated_at = now
    session.add(reminder)
    session.flush()
    return reminder


def last_fell_due(session: Session, reminder: Reminder, now: datetime) -> datetime | None:
    """The latest time this reminder notified, up to ``now``."""
    return latest_notified(session, [reminder.id], now).get(reminder.id)


def latest_notified(
    session: Session, reminder_ids: Iterable[int], now: datetime
) -> dict[int, datetime]:
    """Each reminder's latest notified occurrence up to ``now``, in one query."""
    table = Delivery.__table__
    rows = session.execute(
        select(table.c.reminder_id, func.max(table.c.due_at))
        .where(
            table.c.reminder_id.in_(set(reminder_ids)),
            table.c.status.in_(NOTIFIED_STATUSES),
            table.c.due_at <= now,
        )
        .group_by(table.c.reminder_id)
    )
    return {reminder_id: due_at for reminder_id, due_at in rows}


def snooze_offers(session: Session, reminders: list[Reminder], now: datetime) -> dict[int, bool]:
    """Whether a snooze is offered for each reminder right now, keyed by id."""
    notified = latest_notified(session, [row.id for row in reminders], now)
    return {
        row.id: row.enabled
        and snoozable_moment(row.next_due_at, notified.get(row.id), now) is not None
        for row in reminders
    }


def recompute_user_reminders(session: Session, user: User, now: datetime) -> int:
    """Recompute ``next_due_at`` of all the user's reminders (time zone or work hours changed)."""
    reminders = session.execute(select(Reminder).where(Reminder.user_id == user.id)).scalars()
    changed = 0
    clock = user_clock(user, now)
    for reminder in reminders:
        refresh_next_due(reminder, user, now, clock)
        session.add(reminder)
        changed += 1
    session.flush()
    return changed


def owned_reminder(session: Session, user_id: int, reminder_id: int) -> Reminder:
    """The user's reminder, or 404 (also for someone else's)."""
    return owned_or_404(session, Reminder, user_id, reminder_id, "reminder")


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
        select(
            table.c.id,
            table.c.user_id,
            table.c.kind,
            table.c.schedule,
            table.c.enabled,
            table.c.snoozed_until,
            table.c.meta,
        ).where(table.c.user_id.in_(set(user_ids)), table.c.enabled.is_(True))
    )
    rules: dict[int, list[ReminderRule]] = defaultdict(list)
    # Many people share a rule ("weekdays 08:30"): validate each distinct schedule once.
    parsed: dict[str, AnySchedule] = {}
    for row in rows:
        key = json.dumps(row.schedule, sort_keys=True)
        if key not in parsed:
            parsed[key] = as_schedule(row.schedule)
        meta = row.meta or {}
        rules[row.user_id].append(
            ReminderRule(
                id=row.id,
                kind=row.kind,
                schedule=parsed[key],
                enabled=row.enabled,
                snoozed_until=row.snoozed_until,
                habit=meta.get("habit"),
                meta=meta,
            )
        )
    return dict(rules)


def time_off_of_users(
    session: Session, user_ids: Iterable[int]
) -> dict[int, tuple[TimeOffRange, ...]]:
    """Each user's time-off ranges, in one query (users without any are left out)."""
    table = TimeOff.__table__
    rows = session.execute(
        select(table.c.user_id, table.c.start, table.c.end, table.c.kind).where(
            table.c.user_id.in_(set(user_ids))
        )
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


def policy_inputs(
    session: Session,
    user: User,
    now: datetime | None = None,
    rules: list[ReminderRule] | None = None,
) -> tuple[PolicyUser, tuple[TimeOffRange, ...]]:
    """The user's settings (with shifts around ``now`` in shifts mode) and time off.

    ``rules`` are the user's reminder rules when the caller has them already.
    """
    shifts = spans_of_user(session, user, now) if now is not None else None
    if rules is None:
        rules = user_rules(session, user.id)
    settings = policy_user_of(user, shifts, rules)
    return settings, user_time_off(session, user.id)


def upcoming_for(
    session: Session,
    user: User,
    reminder: Reminder,
    now: datetime,
    after: datetime,
    count: int,
    held: list[tuple[datetime, str]] | None = None,
) -> list[datetime]:
    """The next ``count`` times ``reminder`` will actually notify after ``after`` (UTC).

    ``held`` collects the times it stays silent at, with the policy's reason.
    """
    rules = user_rules(session, user.id)
    settings, time_off = policy_inputs(session, user, now, rules)
    today = local_date(now, user.zone)
    sent = {today: notified_on_day(session, user, today)}
    return plan_upcoming(
        rule_of(reminder),
        rules,
        settings,
        time_off,
        sent,
        now,
        after,
        count,
        held=held,
    )


def upcoming_of_many(
    session: Session,
    user: User,
    reminders: list[Reminder],
    now: datetime,
    after: datetime,
    count: int,
    held: dict[int, list[tuple[datetime, str]]] | None = None,
) -> dict[int, list[datetime]]:
    """``upcoming_for`` for several reminders at once, from one plan: by reminder id.

    ``held``, when given, gets each reminder's silent times and reasons by id.
    """
    rules = user_rules(session, user.id)
    settings, time_off = policy_inputs(session, user, now, rules)
    today = local_date(now, user.zone)
    sent = {today: notified_on_day(session, user, today)}
    targets = [rule_of(reminder) for reminder in reminders]
    if held is not None:
        for target in targets:
            held.setdefault(target.id, [])
    return plan_many(targets, rules, settings, time_off, sent, now, after, count, held=held)
