"""When a reminder is due: occurrences of a schedule on the user's local clock, in UTC.

APScheduler's triggers do the calendar and time-zone arithmetic where it is more
than a weekday check (``CronTrigger`` for the day of monthly rules,
``IntervalTrigger`` inside each work shift, ``DateTrigger`` for one-off moments);
a daily rule is one wall time on some weekdays, found by counting days. This
module pins down the two DST cases in which "the same wall time every day" is
ambiguous:

* a wall time that does not exist that day (spring forward) fires once, at the
  first valid instant after the gap — 02:30 in Berlin on the spring change day
  fires at 03:00 CEST. (APScheduler 3.11 alone would answer 03:30: it applies
  the pre-change offset, which is not a time anyone asked for.)
* a wall time that happens twice (fall back) fires once, at its first
  occurrence. (APScheduler alone fires at both.)

Interval reminders run inside work shifts: a shift starts at ``work_start`` on
each work day and ends at ``work_end`` — the next day when ``work_end`` is not
after ``work_start`` (night shifts). The first reminder comes ``every_minutes``
after the shift starts (a break reminder at the moment work begins is noise),
then every ``every_minutes`` of real elapsed time, and the end is exclusive (a
break reminder when work ends would duplicate "time to stop").

Every function takes and returns aware datetimes; results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from server.reminders.schemas import (
    AnySchedule,
    DailySchedule,
    IntervalSchedule,
    MonthlySchedule,
    OnceSchedule,
    parse_schedule,
)

ONE_SECOND = timedelta(seconds=1)
ONE_MICROSECOND = timedelta(microseconds=1)
# Longest DST gap in tzdata history is two hours; a day is a generous bound.
MAX_GAP_MINUTES = 24 * 60
# A daily rule has at least one weekday, so a match is at most a week away.
DAILY_SEARCH_DAYS = 9
INTERVAL_SEARCH_DAYS = 9


@dataclass(frozen=True)
class UserClock:
    """The parts of a user's settings that decide when schedules fall due."""

    timezone: str
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    work_start: str = "09:00"
    work_end: str = "17:00"
    # In shifts mode: the user's shifts (``server.shifts.rules.Span``), sorted by start;
    # they replace the weekly work hours. None in weekly mode.
    shifts: tuple | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The IANA zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


def clock_of(user, shifts=None) -> UserClock:
    """The ``UserClock`` of a ``User`` row (or anything with the same attributes).

    ``shifts`` (spans) count only for a user in ``shifts`` mode.
    """
    in_shifts = (getattr(user, "schedule_mode", None) or "weekly") == "shifts"
    return UserClock(
        timezone=user.timezone,
        work_days=tuple(user.work_days),
        work_start=user.work_start,
        work_end=user.work_end,
        shifts=tuple(sorted(shifts or (), key=lambda span: span.start)) if in_shifts else None,
    )


def parse_hhmm(value: str) -> time:
    """``"07:30"`` as a ``time``."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def wall_time_exists(naive: datetime, zone: ZoneInfo) -> bool:
    """True unless ``naive`` falls into a DST gap in ``zone``."""
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The one UTC instant that stands for ``wall`` on ``day`` in ``zone``.

    An ambiguous wall time (fall back) gives its first occurrence; a missing
    one (spring forward) gives the first valid instant after the gap.
    """
    naive = datetime.combine(day, wall)
    for minute in range(MAX_GAP_MINUTES):
        candidate = naive + timedelta(minutes=minute)
        if wall_time_exists(candidate, zone):
            return candidate.replace(tzinfo=zone, fold=0).astimezone(UTC)
    raise ValueError(f"no valid local time near {naive} in {zone}")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Start of ``day`` in ``zone`` as a UTC instant (some zones skip midnight itself)."""
    return local_instant(day, time(0, 0), zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The user's calendar date at ``instant``."""
    return instant.astimezone(zone).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of a local calendar day, in UTC."""
    return local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)


# --- daily ------------------------------------------------------------------------------


def next_daily(schedule: DailySchedule, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first daily occurrence strictly after ``after``: once per matching local day.

    Plain weekday arithmetic rather than a cron trigger: a daily rule is one wall
    time on some weekdays, ``local_instant`` settles the DST gap and overlap, and
    planning asks this thousands of times per request (a cron trigger took ~100 µs
    a call, this a few).
    """
    wall = parse_hhmm(schedule.time)
    day = local_date(after, zone)
    for _ in range(DAILY_SEARCH_DAYS):
        if day.weekday() in schedule.days:
            instant = local_instant(day, wall, zone)
            if instant > after:
                return instant
        day += timedelta(days=1)
    return None


def daily_between(
    schedule: DailySchedule, zone: ZoneInfo, after: datetime, until: datetime
) -> list[datetime]:
    """A daily rule's occurrences in ``(after, until]``: one look at each local day."""
    wall = parse_hhmm(schedule.time)
    found: list[datetime] = []
    day, last = local_date(after, zone), local_date(until, zone)
    while day <= last:
        if day.weekday() in schedule.days:
            instant = local_instant(day, wall, zone)
            if after < instant <= until:
                found.append(instant)
        day += timedelta(days=1)
    return found


# --- interval within work hours ---------------------------------------------------------


def shift_window(day: date, clock: UserClock) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the work shift that starts on local ``day``."""
    zone = clock.zone
    start_wall, end_wall = parse_hhmm(clock.work_start), parse_hhmm(clock.work_end)
    end_day = day if end_wall > start_wall else day + timedelta(days=1)
    return local_instant(day, start_wall, zone), local_instant(end_day, end_wall, zone)


def shift_windows(
    clock: UserClock, from_day: date, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """Work shifts starting on work days from ``from_day`` on, for ``days`` days.

    In shifts mode these are the user's own shifts starting on or after
    ``from_day``, however far ahead (a roster may have gaps longer than ``days``).
    """
    if clock.shifts is not None:
        zone = clock.zone
        for span in clock.shifts:
            if local_date(span.start, zone) >= from_day:
                yield span.start, span.end
        return
    for offset in range(days):
        day = from_day + timedelta(days=offset)
        if day.weekday() in clock.work_days:
            yield shift_window(day, clock)


def in_work_hours(instant: datetime, clock: UserClock) -> bool:
    """True when ``instant`` falls inside a work shift (including one that began yesterday)."""
    today = local_date(instant, clock.zone)
    return any(
        start <= instant < end for start, end in shift_windows(clock, today - timedelta(days=1), 2)
    )


def next_in_shift(
    every: timedelta, start: datetime, end: datetime, after: datetime
) -> datetime | None:
    """The first ``start + k*every`` (k >= 1) strictly after ``after`` and before ``end``."""
    first = start + every
    if first >= end:
        return None
    trigger = IntervalTrigger(
        seconds=int(every.total_seconds()),
        start_date=first,
        end_date=end - ONE_SECOND,
        timezone=UTC,
    )
    # Occurrences sit on whole seconds; probing at the next whole second keeps the
    # trigger's float timestamp arithmetic away from sub-second edges.
    probe = after.replace(microsecond=0) + ONE_SECOND
    fire = trigger.get_next_fire_time(None, max(probe, first))
    return fire.astimezone(UTC) if fire is not None else None


def next_interval(schedule: IntervalSchedule, clock: UserClock, after: datetime) -> datetime | None:
    """The first interval occurrence strictly after ``after``, inside a work shift."""
    every = timedelta(minutes=schedule.every_minutes)
    from_day = local_date(after, clock.zone) - timedelta(days=1)
    for start, end in shift_windows(clock, from_day, INTERVAL_SEARCH_DAYS):
        if end <= after:
            continue
        found = next_in_shift(every, start, end, after)
        if found is not None:
            return found
    return None


# --- monthly ---------------------------------------------------------------------------

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK_NAMES = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
# A matching day comes at least every five weeks; a few more cover any lost search step.
MONTHLY_SEARCH = 4


def monthly_trigger(schedule: MonthlySchedule, zone: ZoneInfo) -> CronTrigger:
    """A cron trigger firing at noon on the matching days ("1st mon", "last fri", ...).

    The trigger only picks the day: noon exists on every day of every zone's
    DST changes, and ``local_instant`` then places the wall time on that day.
    """
    day = f"{WEEK_NAMES[schedule.week]} {WEEKDAY_NAMES[schedule.weekday]}"
    return CronTrigger(day=day, hour=12, minute=0, second=0, timezone=zone)


def next_monthly(schedule: MonthlySchedule, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first monthly occurrence strictly after ``after``: once per matching local day."""
    trigger = monthly_trigger(schedule, zone)
    wall = parse_hhmm(schedule.time)
    probe = local_midnight(local_date(after, zone), zone)
    for _ in range(MONTHLY_SEARCH):
        candidate = trigger.get_next_fire_time(None, probe)
        if candidate is None:
            return None
        day = candidate.astimezone(zone).date()
        instant = local_instant(day, wall, zone)
        if instant > after:
            return instant
        probe = local_midnight(day + timedelta(days=1), zone)
    return None


# --- once -------------------------------------------------------------------------------


def next_once(schedule: OnceSchedule, after: datetime) -> datetime | None:
    """The one moment, if it is still ahead of ``after``."""
    fire = DateTrigger(run_date=schedule.at).get_next_fire_time(None, after)
    if fire is None or fire <= after:
        return None
    return fire.astimezone(UTC)


# --- public -----------------------------------------------------------------------------


def as_schedule(schedule: AnySchedule | dict) -> AnySchedule:
    """Accept a schedule model or its stored dict."""
    return parse_schedule(schedule) if isinstance(schedule, dict) else schedule


def next_occurrence(
    schedule: AnySchedule | dict, clock: UserClock, after: datetime
) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware UTC), or None if there is none."""
    schedule = as_schedule(schedule)
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if isinstance(schedule, DailySchedule):
        return next_daily(schedule, clock.zone, after)
    if isinstance(schedule, IntervalSchedule):
        return next_interval(schedule, clock, after)
    if isinstance(schedule, MonthlySchedule):
        return next_monthly(schedule, clock.zone, after)
    return next_once(schedule, after)


def occurrences(
    schedule: AnySchedule | dict, clock: UserClock, after: datetime, limit: int
) -> list[datetime]:
    """Up to ``limit`` consecutive occurrences strictly after ``after``, in UTC."""
    schedule = as_schedule(schedule)
    found: list[datetime] = []
    cursor = after
    while len(found) < limit:
        following = next_occurrence(schedule, clock, cursor)
        if following is None:
            break
        found.append(following)
        cursor = following
    return found


def occurrences_until(
    schedule: AnySchedule | dict, clock: UserClock, after: datetime, until: datetime
) -> list[datetime]:
    """Every occurrence in ``(after, until]``, in UTC."""
    schedule = as_schedule(schedule)
    if isinstance(schedule, DailySchedule):
        return daily_between(schedule, clock.zone, after, until)
    found: list[datetime] = []
    cursor = after
    while True:
        following = next_occurrence(schedule, clock, cursor)
        if following is None or following > until:
            return found
        found.append(following)
        cursor = following
