"""How shifts shape the day: pure functions over shifts, sleep plans and instants.

In ``shifts`` mode the user's working hours are their shifts, not a weekly
pattern. The rules, as a person would say them:

* breaks fall inside shifts, counted from each shift's start (the interval
  schedule walks the shifts instead of the weekly work hours);
* the end-of-work boundary fires at each shift's end and the "still working?"
  nudge the usual number of minutes after it;
* check-ins land after a shift, never during one: a check-in that would fall
  inside a shift moves to ``CHECKIN_AFTER_SHIFT`` after its end;
* quiet hours do not silence breaks inside a shift (a night shift is working
  time); outside shifts they apply as before;
* an ``on_call`` shift holds back breaks and the end-of-work boundary, nothing else;
* after a shift that ends between 03:00 and 12:00 local time a sleep window
  starts one hour after the end and lasts the sleep program's hours (8 by
  default); on other nights the sleep program's usual night is the window.
  Nothing notifies inside a sleep window; the wind-down comes before a day-time
  window and the sleep check after it.

All instants are aware UTC datetimes; wall times resolve through
``local_instant`` so a missing or repeated local time on a DST day means what
it means for reminders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.reminders.schedule import local_date, local_instant, parse_hhmm

MAX_SHIFT = timedelta(hours=24)
SLEEP_DELAY = timedelta(hours=1)
CHECKIN_AFTER_SHIFT = timedelta(minutes=30)
# A shift ending in [03:00, 12:00) local time was a night: sleep follows by day.
NIGHT_END_FROM = time(3, 0)
NIGHT_END_UNTIL = time(12, 0)
# A shift is "a night" for the nap reminder when it ends the next local day after 03:00.
NAP_BEFORE = timedelta(hours=5)
DEFAULT_SLEEP_HOURS = 8.0
DEFAULT_WIND_DOWN_MINUTES = 45
DEFAULT_CHECK_AFTER_MINUTES = 30
DEFAULT_AFTER_HOURS_MINUTES = 90
MAX_CYCLE_DAYS = 56

REASONS = {
    "paused": "while your notifications are paused",
    "time_off": "falls on time off",
    "quiet_hours": "falls in your quiet hours",
    "outside_work_hours": "falls outside your work hours",
    "outside_shift": "falls outside your shifts",
    "budget": "the day's notification budget is already used by more important ones",
    "sleep_window_after_shift": "falls in your sleep window after the night shift",
    "sleep_window": "falls in your usual sleep time",
    "in_shift": "falls during your shift",
    "on_call": "falls in an on-call shift, so it waits",
}


@dataclass(frozen=True)
class Span:
    """One shift as the rules see it: ``[start, end)`` in UTC and its kind."""

    start: datetime
    end: datetime
    kind: str = "work"

    def holds(self, at: datetime) -> bool:
        """True when ``at`` lies inside the shift."""
        return self.start <= at < self.end


@dataclass(frozen=True)
class SleepWindow:
    """A stretch in which nothing notifies; ``after_shift`` for a day sleep after a night."""

    start: datetime
    end: datetime
    after_shift: bool = False

    def holds(self, at: datetime) -> bool:
        """True when ``at`` lies inside the window."""
        return self.start <= at < self.end


@dataclass(frozen=True)
class SleepPlan:
    """What the sleep program says: hours, usual bedtime and wake time, and its offsets."""

    hours: float = DEFAULT_SLEEP_HOURS
    bedtime: str | None = None
    wake_time: str | None = None
    wind_down_minutes: int = DEFAULT_WIND_DOWN_MINUTES
    check_after_minutes: int = DEFAULT_CHECK_AFTER_MINUTES


class ShiftError(ValueError):
    """A shift that cannot be: ``field`` names what is wrong."""

    def __init__(self, message: str, field: str = "end") -> None:
        super().__init__(message)
        self.field = field


# --- one shift ------------------------------------------------------------------------------


def resolve_wall(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local date-time as a UTC instant, DST gaps and repeats resolved as reminders do."""
    return local_instant(local.date(), local.time().replace(second=0, microsecond=0), zone)


def shift_instants(start_local: datetime, end_local: datetime, zone: ZoneInfo) -> Span:
    """The UTC span of a shift given in local wall date-times; its true length counts."""
    return Span(resolve_wall(start_local, zone), resolve_wall(end_local, zone))


def check_span(span: Span) -> None:
    """Raise ``ShiftError`` unless the shift ends after it starts and lasts at most 24 hours."""
    if span.end <= span.start:
        raise ShiftError("A shift needs to end after it starts.")
    if span.end - span.start > MAX_SHIFT:
        raise ShiftError("A shift can last at most 24 hours.")


def overlapping(span: Span, others: Iterable[Span]) -> list[Span]:
    """The ``others`` that share some time with ``span`` (touching ends do not count)."""
    return [other for other in others if other.start < span.end and span.start < other.end]


# --- patterns -------------------------------------------------------------------------------


def cycle_span(day: date, entry: Mapping, zone: ZoneInfo) -> Span:
    """The shift of one cycle entry on local ``day``; an end not after the start is next day."""
    start_wall, end_wall = parse_hhmm(entry["start"]), parse_hhmm(entry["end"])
    end_day = day if end_wall > start_wall else day + timedelta(days=1)
    return Span(
        local_instant(day, start_wall, zone),
        local_instant(end_day, end_wall, zone),
        entry.get("kind") or "work",
    )


def pattern_days(
    start_date: date, cycle: Sequence[Mapping | None], first: date, last: date
) -> list[tuple[date, Mapping]]:
    """The working days of a cycle between ``first`` and ``last`` (inclusive) with their entry."""
    days = []
    day = max(first, start_date)
    while day <= last:
        entry = cycle[(day - start_date).days % len(cycle)]
        if entry is not None:
            days.append((day, entry))
        day += timedelta(days=1)
    return days


def pattern_spans(
    start_date: date, cycle: Sequence[Mapping | None], first: date, last: date, zone: ZoneInfo
) -> list[Span]:
    """The shifts a pattern means for local days ``first`` to ``last``."""
    return [
        cycle_span(day, entry, zone) for day, entry in pattern_days(start_date, cycle, first, last)
    ]


# --- sleep ----------------------------------------------------------------------------------


def ends_a_night(span: Span, zone: ZoneInfo) -> bool:
    """True for a work shift that ends between 03:00 and 12:00 local time."""
    wall = span.end.astimezone(zone).time()
    return span.kind == "work" and NIGHT_END_FROM <= wall < NIGHT_END_UNTIL


def day_sleep_windows(spans: Iterable[Span], zone: ZoneInfo, plan: SleepPlan) -> list[SleepWindow]:
    """A sleep window after every night: from an hour after the shift, for the plan's hours."""
    length = timedelta(hours=plan.hours)
    windows = []
    for span in spans:
        if ends_a_night(span, zone):
            start = span.end + SLEEP_DELAY
            windows.append(SleepWindow(start, start + length, after_shift=True))
    return windows


def usual_nights(plan: SleepPlan, zone: ZoneInfo, first: date, last: date) -> list[SleepWindow]:
    """The sleep program's usual night, bedtime to wake time, for each local day in range."""
    if plan.bedtime is None or plan.wake_time is None:
        return []
    bed, wake = parse_hhmm(plan.bedtime), parse_hhmm(plan.wake_time)
    nights = []
    day = first
    while day <= last:
        wake_day = day + timedelta(days=1) if wake <= bed else day
        nights.append(
            SleepWindow(local_instant(day, bed, zone), local_instant(wake_day, wake, zone))
        )
        day += timedelta(days=1)
    return nights


def sleep_windows(
    spans: Sequence[Span], zone: ZoneInfo, plan: SleepPlan, first: date, last: date
) -> tuple[SleepWindow, ...]:
    """Day sleep after nights, and the usual night wherever no shift or day sleep overlaps it."""
    after = day_sleep_windows(spans, zone, plan)
    taken = [Span(w.start, w.end) for w in after] + list(spans)
    nights = [
        night
        for night in usual_nights(plan, zone, first, last)
        if not overlapping(Span(night.start, night.end), taken)
    ]
    return tuple(sorted(after + nights, key=lambda w: w.start))


def sleep_plan_of(metas: Iterable[Mapping]) -> SleepPlan:
    """The sleep plan read from the sleep program's reminders' ``meta`` (defaults otherwise)."""
    found: dict = {}
    for meta in metas:
        if meta.get("program") != "sleep":
            continue
        found.setdefault("wake_time", meta.get("wake_time"))
        if meta.get("habit") == "wind_down":
            found["bedtime"] = meta.get("bedtime")
            found["wind_down_minutes"] = meta.get("wind_down_minutes")
        if meta.get("habit") == "sleep_check":
            found["check_after_minutes"] = meta.get("check_after_minutes")
        if meta.get("sleep_hours"):
            found["hours"] = meta["sleep_hours"]
    hours = float(found.get("hours") or hours_between(found.get("bedtime"), found.get("wake_time")))
    return SleepPlan(
        hours=hours,
        bedtime=found.get("bedtime"),
        wake_time=found.get("wake_time"),
        wind_down_minutes=int(found.get("wind_down_minutes") or DEFAULT_WIND_DOWN_MINUTES),
        check_after_minutes=int(found.get("check_after_minutes") or DEFAULT_CHECK_AFTER_MINUTES),
    )


def hours_between(bedtime: str | None, wake_time: str | None) -> float:
    """Hours from bedtime to wake time on a 24-hour dial (the default when either is missing)."""
    if not bedtime or not wake_time:
        return DEFAULT_SLEEP_HOURS
    bed, wake = parse_hhmm(bedtime), parse_hhmm(wake_time)
    minutes = (wake.hour * 60 + wake.minute - bed.hour * 60 - bed.minute) % (24 * 60)
    return minutes / 60 or DEFAULT_SLEEP_HOURS


# --- when shift-shaped reminders fall due ----------------------------------------------------


def shift_end_times(spans: Iterable[Span], offset: timedelta) -> list[datetime]:
    """Each shift's end plus ``offset`` (the boundary at the end, the nudge later)."""
    return [span.end + offset for span in spans]


def first_nights(spans: Sequence[Span], zone: ZoneInfo) -> list[Span]:
    """Night shifts that start a run: no night ended in the day before they start."""
    nights = [span for span in spans if ends_a_night(span, zone)]
    return [
        night
        for night in nights
        if not any(
            night.start - timedelta(hours=24) <= other.end <= night.start for other in nights
        )
    ]


def checkin_after_shifts(times: Iterable[datetime], spans: Sequence[Span]) -> list[datetime]:
    """Check-in times moved out of work shifts to just after the shift ends."""
    moved = set()
    for at in times:
        inside = next((s for s in spans if s.kind == "work" and s.holds(at)), None)
        moved.add(inside.end + CHECKIN_AFTER_SHIFT if inside else at)
    return sorted(moved)


def habit_times(
    habit: str | None,
    meta: Mapping,
    spans: Sequence[Span],
    zone: ZoneInfo,
    plan: SleepPlan,
) -> list[datetime] | None:
    """Extra or replacing times of a program reminder in shifts mode, or None if it keeps its own.

    Returns the shift-derived times for the end-of-work boundary and its nudge
    (they replace the daily schedule), and the derived times of the wind-down,
    sleep check and nap (added to the daily schedule's own).
    """
    if habit == "workday_end":
        return shift_end_times(spans, timedelta(0))
    if habit == "after_hours":
        # After an on-call shift there is no work running over to ask about.
        minutes = meta.get("minutes_after_work_end") or DEFAULT_AFTER_HOURS_MINUTES
        worked = [span for span in spans if span.kind == "work"]
        return shift_end_times(worked, timedelta(minutes=minutes))
    windows = day_sleep_windows(spans, zone, plan)
    if habit == "wind_down":
        return [w.start - timedelta(minutes=plan.wind_down_minutes) for w in windows]
    if habit == "sleep_check":
        return [w.end + timedelta(minutes=plan.check_after_minutes) for w in windows]
    if habit == "nap":
        return [night.start - NAP_BEFORE for night in first_nights(spans, zone)]
    return None


REPLACING_HABITS = frozenset({"workday_end", "after_hours", "nap"})


# --- holding back ---------------------------------------------------------------------------


def hold_reason(
    kind: str,
    habit: str | None,
    schedule_type: str,
    at: datetime,
    spans: Sequence[Span],
    windows: Sequence[SleepWindow],
) -> str | None:
    """Why a reminder at ``at`` stays silent in shifts mode, or None when shifts allow it."""
    window = next((w for w in windows if w.holds(at)), None)
    if window is not None:
        return "sleep_window_after_shift" if window.after_shift else "sleep_window"
    shift = next((s for s in spans if s.holds(at)), None)
    work_end = kind == "boundary" and habit in ("workday_end", "after_hours")
    if kind == "break" or work_end:
        ended = next((s for s in spans if s.end == at), None) if work_end else None
        if (shift or ended) is not None and (shift or ended).kind == "on_call":
            return "on_call"
        if kind == "break" and shift is None:
            return "outside_shift"
        return None
    if shift is not None and shift.kind == "work" and kind in ("checkin", "sleep"):
        return "in_shift"
    return None


def quiet_hours_apply(kind: str, at: datetime, spans: Sequence[Span]) -> bool:
    """Quiet hours silence everything except a break inside a work shift."""
    return not (kind == "break" and any(s.kind == "work" and s.holds(at) for s in spans))


def days_covered(spans: Sequence[Span], zone: ZoneInfo) -> tuple[date, date] | None:
    """The first and last local date the spans touch (None without spans)."""
    if not spans:
        return None
    return local_date(spans[0].start, zone), local_date(max(s.end for s in spans), zone)
