"""When a reminder is due: occurrences of a schedule on the user's local clock, in UTC.

APScheduler's triggers do the calendar and time-zone arithmetic (``CronTrigger``
for daily rules, ``IntervalTrigger`` inside each work shift, ``DateTrigger`` for
one-off moments). On top of them this module pins down the two DST cases in
which "the same wall time every day" is ambiguous:

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
    DailySchedule,
    IntervalSchedule,
    OnceSchedule,
    parse_schedule,
)

AnySchedule = DailySchedule | IntervalSchedule | OnceSchedule
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

    @property
    def zone(self) -> ZoneInfo:
        """The IANA zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


def clock_of(user) -> UserClock:
    """The ``UserClock`` of a ``User`` row (or anything with the same attributes)."""
    return UserClock(
        timezone=user.timezone,
        work_days=tuple(user.work_days),
        work_start=user.work_start,
        work_end=user.work_end,
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


def daily_trigger(schedule: DailySchedule, zone: ZoneInfo) -> CronTrigger:
    """The cron trigger matching the schedule's weekdays and wall time."""
    wall = parse_hhmm(schedule.time)
    days = ",".join(str(day) for day in schedule.days)
    return CronTrigger(day_of_week=days, hour=wall.hour, minute=wall.minute, second=0,
                       timezone=zone)


def next_daily(schedule: DailySchedule, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first daily occurrence strictly after ``after``: once per matching local day."""
    trigger = daily_trigger(schedule, zone)
    wall = parse_hhmm(schedule.time)
    probe = after + ONE_MICROSECOND
    for _ in range(DAILY_SEARCH_DAYS):
        candidate = trigger.get_next_fire_time(None, probe)
        if candidate is None:
            return None
        # The trigger picks the day; the instant on that day is normalised so a
        # gap or an overlap still yields exactly one occurrence.
        day = candidate.replace(tzinfo=None).date()
        skipped = day_skipped_by_gap(schedule, wall, zone, after, day)
        if skipped is not None:
            return skipped
        instant = local_instant(day, wall, zone)
        if instant > after:
            return instant
        probe = local_midnight(day + timedelta(days=1), zone)
    return None


def day_skipped_by_gap(
    schedule: DailySchedule, wall: time, zone: ZoneInfo, after: datetime, found_day: date
) -> datetime | None:
    """An earlier matching day the trigger passed over, if any.

    APScheduler 3.11 skips a whole day when the wall time is missing and no
    later hour of that day matches (e.g. 00:00 on São Paulo's 2018 change day).
    """
    day = local_date(after, zone)
    while day < found_day:
        if day.weekday() in schedule.days and not wall_time_exists(
            datetime.combine(day, wall), zone
        ):
            instant = local_instant(day, wall, zone)
            if instant > after:
                return instant
        day += timedelta(days=1)
    return None


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
    """Work shifts starting on work days from ``from_day`` on, for ``days`` days."""
    for offset in range(days):
        day = from_day + timedelta(days=offset)
        if day.weekday() in clock.work_days:
            yield shift_window(day, clock)


def in_work_hours(instant: datetime, clock: UserClock) -> bool:
    """True when ``instant`` falls inside a work shift (including one that began yesterday)."""
    today = local_date(instant, clock.zone)
    return any(
        start <= instant < end
        for start, end in shift_windows(clock, today - timedelta(days=1), 2)
    )


def next_in_shift(
    every: timedelta, start: datetime, end: datetime, after: datetime
) -> datetime | None:
    """The first ``start + k*every`` (k >= 1) strictly after ``after`` and before ``end``."""
    first = start + every
    if first >= end:
        return None
    trigger = IntervalTrigger(seconds=int(every.total_seconds()), start_date=first,
                              end_date=end - ONE_SECOND, timezone=UTC)
    # Occurrences sit on whole seconds; probing at the next whole second keeps the
    # trigger's float timestamp arithmetic away from sub-second edges.
    probe = after.replace(microsecond=0) + ONE_SECOND
    fire = trigger.get_next_fire_time(None, max(probe, first))
    return fire.astimezone(UTC) if fire is not None else None


def next_interval(
    schedule: IntervalSchedule, clock: UserClock, after: datetime
) -> datetime | None:
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
    found: list[datetime] = []
    cursor = after
    while True:
        following = next_occurrence(schedule, clock, cursor)
        if following is None or following > until:
            return found
        found.append(following)
        cursor = following
