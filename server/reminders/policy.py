"""Whether an occurrence may notify: quiet hours, pauses, time off, work hours, the daily budget.

Everything here is a pure function over small frozen inputs, so the dispatcher
(which sends) and the ``upcoming`` route (which predicts) reach the same
answer by calling the same code.

Budget rule. A user allows ``daily_push_budget`` notifications per local day.
Occurrences rank by priority — timed check-ins and follow-ups first, other timed
reminders next, interval reminders last. An occurrence may notify only while
``sent today + higher-priority occurrences still to come today + 1`` stays
within the budget, so a break reminder at 10:00 gives way to an evening
check-in rather than using up its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from server.reminders.schedule import (
    AnySchedule,
    UserClock,
    as_schedule,
    clock_of,
    day_bounds,
    in_work_hours,
    local_date,
    next_occurrence,
    occurrences_until,
    parse_hhmm,
)

PRIORITY_CHECKIN = 0
PRIORITY_TIMED = 1
PRIORITY_INTERVAL = 2
CHECKIN_KINDS = frozenset({"checkin", "followup"})
# Reminders about work make no sense on a day off; sleep and check-ins carry on.
WORK_KINDS = frozenset({"break", "boundary"})
# How late an occurrence may still be sent after downtime: a break reminder an
# hour late is noise, a check-in is welcome for hours.
GRACE = {
    "break": timedelta(minutes=10),
    "boundary": timedelta(minutes=45),
    "sleep": timedelta(minutes=45),
    "checkin": timedelta(hours=4),
    "followup": timedelta(hours=6),
    "timeoff": timedelta(hours=12),
}
DEFAULT_GRACE = timedelta(minutes=30)
PLAN_HORIZON_DAYS = 62
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class PolicyUser:
    """The user settings that decide whether Tend may speak."""

    clock: UserClock
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    daily_push_budget: int = 6
    paused_until: datetime | None = None


@dataclass(frozen=True)
class TimeOffRange:
    """Days off in the user's local dates, both ends inclusive (taken or planned)."""

    start: date
    end: date
    kind: str = "taken"


@dataclass(frozen=True)
class ReminderRule:
    """A reminder as the planner sees it: its schedule plus a pending snooze."""

    id: int
    kind: str
    schedule: AnySchedule
    enabled: bool = True
    snoozed_until: datetime | None = None

    @property
    def schedule_type(self) -> str:
        """``daily``, ``interval`` or ``once``."""
        return self.schedule.type


@dataclass(frozen=True)
class Occurrence:
    """One moment a reminder falls due."""

    reminder_id: int
    kind: str
    schedule_type: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    """Notify, or not and why (``paused``, ``time_off``, ``quiet_hours``, ...)."""

    notify: bool
    reason: str | None = None


NOTIFY = Decision(True)


# --- building inputs from rows ------------------------------------------------------


def policy_user_of(user) -> PolicyUser:
    """The ``PolicyUser`` of a ``User`` row."""
    return PolicyUser(
        clock=clock_of(user),
        quiet_start=user.quiet_start,
        quiet_end=user.quiet_end,
        daily_push_budget=user.daily_push_budget,
        paused_until=user.paused_until,
    )


def time_off_of(rows: Iterable) -> tuple[TimeOffRange, ...]:
    """``TimeOffRange``s from ``TimeOff`` rows."""
    return tuple(TimeOffRange(start=row.start, end=row.end, kind=row.kind) for row in rows)


def rule_of(reminder) -> ReminderRule:
    """The ``ReminderRule`` of a ``Reminder`` row."""
    return ReminderRule(
        id=reminder.id,
        kind=reminder.kind,
        schedule=as_schedule(reminder.schedule),
        enabled=reminder.enabled,
        snoozed_until=reminder.snoozed_until,
    )


# --- when a rule falls due --------------------------------------------------------------


def next_due(rule: ReminderRule, clock: UserClock, after: datetime) -> datetime | None:
    """The next occurrence after ``after``; a pending snooze replaces what comes before it."""
    if not rule.enabled:
        return None
    if rule.snoozed_until is not None:
        if rule.snoozed_until > after:
            return rule.snoozed_until
        after = max(after, rule.snoozed_until)
    return next_occurrence(rule.schedule, clock, after)


def rule_occurrences(
    rule: ReminderRule, clock: UserClock, after: datetime, until: datetime
) -> list[Occurrence]:
    """The rule's occurrences in ``(after, until]``, snooze included."""
    if not rule.enabled:
        return []
    moments: list[datetime] = []
    cursor = after
    if rule.snoozed_until is not None:
        if after < rule.snoozed_until <= until:
            moments.append(rule.snoozed_until)
        cursor = max(after, rule.snoozed_until)
    moments.extend(occurrences_until(rule.schedule, clock, cursor, until))
    return [Occurrence(rule.id, rule.kind, rule.schedule_type, at) for at in moments]


# --- the rules --------------------------------------------------------------------------


def priority(kind: str, schedule_type: str) -> int:
    """Lower is more important: timed check-ins, then timed reminders, then intervals."""
    if schedule_type == "interval":
        return PRIORITY_INTERVAL
    return PRIORITY_CHECKIN if kind in CHECKIN_KINDS else PRIORITY_TIMED


def wall_time_between(wall: time, start: time, end: time) -> bool:
    """``start <= wall < end`` on a 24-hour dial; the window may cross midnight; empty if equal."""
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def in_quiet_hours(at: datetime, user: PolicyUser) -> bool:
    """True when ``at`` falls in the user's quiet hours (local wall time)."""
    wall = at.astimezone(user.clock.zone).time()
    return wall_time_between(wall, parse_hhmm(user.quiet_start), parse_hhmm(user.quiet_end))


def is_paused(at: datetime, user: PolicyUser) -> bool:
    """True while the user has paused all notifications."""
    return user.paused_until is not None and at < user.paused_until


def on_time_off(at: datetime, clock: UserClock, time_off: Sequence[TimeOffRange]) -> bool:
    """True when the local date of ``at`` lies in a time-off range."""
    day = local_date(at, clock.zone)
    return any(period.start <= day <= period.end for period in time_off)


def gate(occ: Occurrence, user: PolicyUser, time_off: Sequence[TimeOffRange]) -> Decision:
    """Every rule except the budget, in the order a person would explain them."""
    if is_paused(occ.at, user):
        return Decision(False, "paused")
    if occ.kind in WORK_KINDS and on_time_off(occ.at, user.clock, time_off):
        return Decision(False, "time_off")
    if in_quiet_hours(occ.at, user):
        return Decision(False, "quiet_hours")
    if occ.schedule_type == "interval" and not in_work_hours(occ.at, user.clock):
        return Decision(False, "outside_work_hours")
    return NOTIFY


def reserved_among(
    occ: Occurrence,
    later: Iterable[Occurrence],
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
) -> int:
    """How many of ``later`` (same local day) outrank ``occ`` and will pass the gate."""
    rank = priority(occ.kind, occ.schedule_type)
    return sum(
        1
        for other in later
        if priority(other.kind, other.schedule_type) < rank
        and gate(other, user, time_off).notify
    )


def budget_decision(sent_today: int, reserved_later: int, budget: int) -> Decision:
    """Skip with ``budget`` when this notification would crowd out a more important one."""
    if sent_today + reserved_later + 1 > budget:
        return Decision(False, "budget")
    return NOTIFY


def decide(
    occ: Occurrence,
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
    sent_today: int,
    reserved_later: int,
) -> Decision:
    """The full decision for one occurrence."""
    decision = gate(occ, user, time_off)
    if not decision.notify:
        return decision
    return budget_decision(sent_today, reserved_later, user.daily_push_budget)


def later_today(
    occ: Occurrence, rules: Iterable[ReminderRule], clock: UserClock
) -> list[Occurrence]:
    """Occurrences of ``rules`` after ``occ`` and before the end of its local day."""
    _, day_end = day_bounds(local_date(occ.at, clock.zone), clock.zone)
    found: list[Occurrence] = []
    for rule in rules:
        found.extend(rule_occurrences(rule, clock, occ.at, day_end - ONE_MICROSECOND))
    return found


def is_missed(kind: str, due_at: datetime, now: datetime) -> bool:
    """True when an occurrence is too late to be worth sending."""
    return now - due_at > GRACE.get(kind, DEFAULT_GRACE)


# --- planning: what will actually notify ------------------------------------------------


def occurrence_order(occ: Occurrence) -> tuple:
    """Chronological, and at the same instant the more important first (as the dispatcher does)."""
    return (occ.at, priority(occ.kind, occ.schedule_type), occ.reminder_id)


def day_occurrences(
    rules: Sequence[ReminderRule], clock: UserClock, after: datetime, day_end: datetime
) -> list[Occurrence]:
    """All rules' occurrences in ``(after, day_end)``, in dispatch order."""
    found: list[Occurrence] = []
    for rule in rules:
        found.extend(rule_occurrences(rule, clock, after, day_end - ONE_MICROSECOND))
    return sorted(found, key=occurrence_order)


def simulate_day(
    occs: Sequence[Occurrence],
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
    sent_before: int,
) -> list[tuple[Occurrence, Decision]]:
    """Decide a day's occurrences in order, counting each notification against the budget."""
    sent = sent_before
    decided: list[tuple[Occurrence, Decision]] = []
    for index, occ in enumerate(occs):
        decision = gate(occ, user, time_off)
        if decision.notify:
            later = [o for o in occs[index + 1 :] if o.at > occ.at]
            reserved = reserved_among(occ, later, user, time_off)
            decision = budget_decision(sent, reserved, user.daily_push_budget)
        if decision.notify:
            sent += 1
        decided.append((occ, decision))
    return decided


def plan_upcoming(
    target: ReminderRule,
    rules: Sequence[ReminderRule],
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
    sent_by_day: Mapping[date, int],
    now: datetime,
    after: datetime,
    count: int,
    horizon_days: int = PLAN_HORIZON_DAYS,
) -> list[datetime]:
    """The next ``count`` times after ``after`` at which ``target`` will actually notify.

    ``rules`` are all the user's reminders (``target`` among them or not);
    ``sent_by_day`` counts notifications already made per local date. The
    simulation starts at ``now`` — or at the start of ``after``'s local day when
    that is later, since the budget starts afresh each day.
    """
    zone = user.clock.zone
    others = [rule for rule in rules if rule.id != target.id]
    everyone = [target, *others]
    after_day_start, _ = day_bounds(local_date(after, zone), zone)
    cursor = max(now, after_day_start - ONE_MICROSECOND)
    day = local_date(cursor + ONE_MICROSECOND, zone)
    found: list[datetime] = []
    for _ in range(horizon_days):
        if next_due(target, user.clock, cursor) is None:
            break
        _, day_end = day_bounds(day, zone)
        occs = day_occurrences(everyone, user.clock, cursor, day_end)
        for occ, decision in simulate_day(occs, user, time_off, sent_by_day.get(day, 0)):
            if decision.notify and occ.reminder_id == target.id and occ.at > after:
                found.append(occ.at)
                if len(found) == count:
                    return found
        cursor = day_end - ONE_MICROSECOND
        day += timedelta(days=1)
    return found
