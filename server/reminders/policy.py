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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from server.reminders.kinds import CHECKIN_KINDS, WORK_KINDS, grace_of
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
from server.shifts.rules import (
    REPLACING_HABITS,
    SleepPlan,
    checkin_after_shifts,
    days_covered,
    habit_times,
    hold_reason,
    quiet_hours_apply,
    sleep_plan_of,
    sleep_windows,
)

PRIORITY_CHECKIN = 0
PRIORITY_TIMED = 1
PRIORITY_INTERVAL = 2
PLAN_HORIZON_DAYS = 62
PLAN_CHUNK_DAYS = 7
# In shifts mode a program reminder is looked for at least this far ahead (or past the last shift).
SHIFT_SEARCH = timedelta(days=10)
SHIFT_HABITS = frozenset({"workday_end", "after_hours", "wind_down", "sleep_check", "nap"})
# Reminders that only mean something with shifts: silent in weekly mode.
SHIFTS_ONLY = frozenset({"nap"})
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class PolicyUser:
    """The user settings that decide whether Tend may speak."""

    clock: UserClock
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    daily_push_budget: int = 6
    paused_until: datetime | None = None
    # Shifts mode: sleep windows derived from the shifts (``server.shifts.rules.SleepWindow``).
    windows: tuple = ()


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
    habit: str | None = None
    meta: Mapping = field(default_factory=dict, compare=False, hash=False)

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
    habit: str | None = None


@dataclass(frozen=True)
class Decision:
    """Notify, or not and why (``paused``, ``time_off``, ``quiet_hours``, ...)."""

    notify: bool
    reason: str | None = None


NOTIFY = Decision(True)


# --- building inputs from rows ------------------------------------------------------


def policy_user_of(user, shifts=None, rules: Iterable[ReminderRule] = ()) -> PolicyUser:
    """The ``PolicyUser`` of a ``User`` row; in shifts mode with its shifts and sleep windows.

    ``rules`` are the user's reminders: the sleep program's among them say how
    long the sleep after a night lasts and what the usual night is.
    """
    clock = clock_of(user, shifts)
    return PolicyUser(
        clock=clock,
        quiet_start=user.quiet_start,
        quiet_end=user.quiet_end,
        daily_push_budget=user.daily_push_budget,
        paused_until=user.paused_until,
        windows=windows_of(clock, sleep_plan_of(rule.meta for rule in rules)),
    )


def windows_of(clock: UserClock, plan: SleepPlan) -> tuple:
    """The sleep windows around the clock's shifts (none in weekly mode or without shifts)."""
    covered = days_covered(clock.shifts or (), clock.zone)
    if covered is None:
        return ()
    first, last = covered
    return sleep_windows(
        clock.shifts, clock.zone, plan, first - timedelta(days=1), last + timedelta(days=1)
    )


def time_off_of(rows: Iterable) -> tuple[TimeOffRange, ...]:
    """``TimeOffRange``s from ``TimeOff`` rows."""
    return tuple(TimeOffRange(start=row.start, end=row.end, kind=row.kind) for row in rows)


def rule_of(reminder) -> ReminderRule:
    """The ``ReminderRule`` of a ``Reminder`` row."""
    meta = dict(getattr(reminder, "meta", None) or {})
    return ReminderRule(
        id=reminder.id,
        kind=reminder.kind,
        schedule=as_schedule(reminder.schedule),
        enabled=reminder.enabled,
        snoozed_until=reminder.snoozed_until,
        habit=meta.get("habit"),
        meta=meta,
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
    if rule.habit in SHIFTS_ONLY and clock.shifts is None:
        return None
    if not follows_shifts(rule, clock):
        return next_occurrence(rule.schedule, clock, after)
    # Most answers lie within days; look as far as the last known shift only when not.
    found = shift_mode_times(rule, clock, after, after + SHIFT_SEARCH)
    if not found:
        found = shift_mode_times(rule, clock, after, shift_search_end(clock, after))
    return found[0] if found else None


def follows_shifts(rule: ReminderRule, clock: UserClock) -> bool:
    """True in shifts mode for the program reminders and daily check-ins that shifts move."""
    if clock.shifts is None:
        return False
    return rule.habit in SHIFT_HABITS or (rule.kind == "checkin" and rule.schedule_type == "daily")


def shift_search_end(clock: UserClock, after: datetime) -> datetime:
    """How far ahead to look in shifts mode: ten days, or past the last known shift."""
    last = max((span.end for span in clock.shifts or ()), default=after)
    return max(after + SHIFT_SEARCH, last + timedelta(days=1))


def shift_mode_times(
    rule: ReminderRule, clock: UserClock, after: datetime, until: datetime
) -> list[datetime]:
    """A shift-following rule's times in ``(after, until]``.

    Daily check-ins move out of work shifts; the end-of-work boundary and its
    nudge follow shift ends instead of their daily time; wind-down and sleep
    check add the times around each sleep after a night to their usual ones.
    """
    spans = clock.shifts or ()
    if rule.kind == "checkin":
        usual = occurrences_until(rule.schedule, clock, after - timedelta(days=1), until)
        return [at for at in checkin_after_shifts(usual, spans) if after < at <= until]
    extra = habit_times(rule.habit, rule.meta, spans, clock.zone, sleep_plan_of([rule.meta]))
    own = (
        []
        if rule.habit in REPLACING_HABITS
        else occurrences_until(rule.schedule, clock, after, until)
    )
    return sorted({at for at in [*own, *(extra or ())] if after < at <= until})


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
    if rule.habit in SHIFTS_ONLY and clock.shifts is None:
        pass
    elif follows_shifts(rule, clock):
        moments.extend(shift_mode_times(rule, clock, cursor, until))
    else:
        moments.extend(occurrences_until(rule.schedule, clock, cursor, until))
    return [Occurrence(rule.id, rule.kind, rule.schedule_type, at, rule.habit) for at in moments]


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
    if user.clock.shifts is not None:
        return shift_gate(occ, user)
    if in_quiet_hours(occ.at, user):
        return Decision(False, "quiet_hours")
    if occ.schedule_type == "interval" and not in_work_hours(occ.at, user.clock):
        return Decision(False, "outside_work_hours")
    return NOTIFY


def shift_gate(occ: Occurrence, user: PolicyUser) -> Decision:
    """The rest of ``gate`` in shifts mode: sleep windows, shifts, then quiet hours."""
    spans = user.clock.shifts
    reason = hold_reason(occ.kind, occ.habit, occ.schedule_type, occ.at, spans, user.windows)
    if reason is not None:
        return Decision(False, reason)
    if quiet_hours_apply(occ.kind, occ.at, spans) and in_quiet_hours(occ.at, user):
        return Decision(False, "quiet_hours")
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
        if priority(other.kind, other.schedule_type) < rank and gate(other, user, time_off).notify
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
    return now - due_at > grace_of(kind)


# --- planning: what will actually notify ------------------------------------------------


def occurrence_order(occ: Occurrence) -> tuple:
    """Chronological, and at the same instant the more important first (as the dispatcher does)."""
    return (occ.at, priority(occ.kind, occ.schedule_type), occ.reminder_id)


def simulate_day(
    occs: Sequence[Occurrence],
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
    sent_before: int,
) -> list[tuple[Occurrence, Decision]]:
    """Decide a day's occurrences in order, counting each notification against the budget.

    Linear in the day's occurrences: each is gated once, and what later (strictly
    later) occurrences reserve of the budget is read from running counts per
    priority, instead of gating every later occurrence again for each one.
    """
    gates = [gate(occ, user, time_off) for occ in occs]
    reserved_after = reservations(occs, gates)
    sent = sent_before
    decided: list[tuple[Occurrence, Decision]] = []
    for occ, decision, reserved in zip(occs, gates, reserved_after, strict=True):
        if decision.notify:
            decision = budget_decision(sent, reserved, user.daily_push_budget)
        if decision.notify:
            sent += 1
        decided.append((occ, decision))
    return decided


def reservations(occs: Sequence[Occurrence], gates: Sequence[Decision]) -> list[int]:
    """For each occurrence (in order), how many strictly later ones outrank it and pass the gate."""
    later: dict[int, int] = {}  # priority -> passing occurrences strictly later
    result = [0] * len(occs)
    index = len(occs) - 1
    while index >= 0:
        # Occurrences at the same instant do not reserve for each other.
        start = index
        while start > 0 and occs[start - 1].at == occs[index].at:
            start -= 1
        for position in range(start, index + 1):
            rank = priority(occs[position].kind, occs[position].schedule_type)
            result[position] = sum(count for p, count in later.items() if p < rank)
        for position in range(start, index + 1):
            if gates[position].notify:
                rank = priority(occs[position].kind, occs[position].schedule_type)
                later[rank] = later.get(rank, 0) + 1
        index = start - 1
    return result


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
    held: list[tuple[datetime, str]] | None = None,
) -> list[datetime]:
    """The next ``count`` times after ``after`` at which ``target`` will actually notify.

    ``rules`` are all the user's reminders (``target`` among them or not);
    ``sent_by_day`` counts notifications already made per local date. The
    simulation starts at ``now`` — or at the start of ``after``'s local day when
    that is later, since the budget starts afresh each day. ``held``, when
    given, collects up to ``count`` (time, reason) pairs the target stays silent at.
    """
    holds = {target.id: held} if held is not None else None
    plans = plan_many(
        [target], rules, user, time_off, sent_by_day, now, after, count, horizon_days, holds
    )
    return plans[target.id]


def plan_many(
    targets: Sequence[ReminderRule],
    rules: Sequence[ReminderRule],
    user: PolicyUser,
    time_off: Sequence[TimeOffRange],
    sent_by_day: Mapping[date, int],
    now: datetime,
    after: datetime,
    count: int,
    horizon_days: int = PLAN_HORIZON_DAYS,
    held: Mapping[int, list[tuple[datetime, str]]] | None = None,
) -> dict[int, list[datetime]]:
    """``plan_upcoming`` for several targets from one simulation of the days: by rule id.

    Each day is simulated once for everyone, so planning k reminders costs what
    planning one costs, not k times that.
    """
    zone = user.clock.zone
    ids = {target.id for target in targets}
    everyone = [*targets, *(rule for rule in rules if rule.id not in ids)]
    after_day_start, _ = day_bounds(local_date(after, zone), zone)
    cursor = max(now, after_day_start - ONE_MICROSECOND)
    day = local_date(cursor + ONE_MICROSECOND, zone)
    found: dict[int, list[datetime]] = {target.id: [] for target in targets}
    planned_days = 0
    while planned_days < horizon_days:
        open_targets = [
            t
            for t in targets
            if len(found[t.id]) < count and next_due(t, user.clock, cursor) is not None
        ]
        if not open_targets:
            break
        # A week at a time: each rule's times are worked out once per week, not once a day.
        span = min(PLAN_CHUNK_DAYS, horizon_days - planned_days)
        _, chunk_end = day_bounds(day + timedelta(days=span - 1), zone)
        until = chunk_end - ONE_MICROSECOND
        wanted = [o for t in open_targets for o in rule_occurrences(t, user.clock, cursor, until)]
        if wanted:
            # The budget starts afresh each day: only days a target falls on need simulating.
            target_days = {local_date(occ.at, zone) for occ in wanted}
            by_day = occurrences_by_day(everyone, user.clock, cursor, until, target_days)
            for each_day in sorted(by_day):
                simulated = simulate_day(
                    by_day[each_day], user, time_off, sent_by_day.get(each_day, 0)
                )
                collect(simulated, found, count, after, held)
        cursor = until
        day += timedelta(days=span)
        planned_days += span
    return found


def occurrences_by_day(
    rules: Sequence[ReminderRule],
    clock: UserClock,
    after: datetime,
    until: datetime,
    days: set[date],
) -> dict[date, list[Occurrence]]:
    """The rules' occurrences in ``(after, until]`` on the given local days, in dispatch order."""
    by_day: dict[date, list[Occurrence]] = {day: [] for day in days}
    for rule in rules:
        for occ in rule_occurrences(rule, clock, after, until):
            on = local_date(occ.at, clock.zone)
            if on in by_day:
                by_day[on].append(occ)
    return {day: sorted(occs, key=occurrence_order) for day, occs in by_day.items()}


def collect(
    simulated: list[tuple[Occurrence, Decision]],
    found: dict[int, list[datetime]],
    count: int,
    after: datetime,
    held: Mapping[int, list[tuple[datetime, str]]] | None,
) -> None:
    """Add a simulated day's notifying times of targets to ``found``, silences to ``held``."""
    for occ, decision in simulated:
        if occ.reminder_id not in found or occ.at <= after:
            continue
        times = found[occ.reminder_id]
        if len(times) >= count:
            continue
        if decision.notify:
            times.append(occ.at)
        elif held is not None and occ.reminder_id in held and len(held[occ.reminder_id]) < count:
            held[occ.reminder_id].append((occ.at, decision.reason))
