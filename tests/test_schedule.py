"""Schedule computation: daily rules through DST in several zones, intervals in work hours, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.reminders.schedule import (
    UserClock,
    in_work_hours,
    local_instant,
    next_occurrence,
    occurrences,
)


def daily(at: str, days=None) -> dict:
    """A daily schedule dict as the API stores it."""
    schedule = {"type": "daily", "time": at}
    if days is not None:
        schedule["days"] = days
    return schedule


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    """An aware local datetime."""
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)


# (zone, wall time, a UTC moment the day before, expected local fire times over three days)
SPRING_FORWARD = [
    # Berlin: 02:00 -> 03:00 on 2025-03-30; 02:30 does not exist that day.
    (
        "Europe/Berlin",
        "02:30",
        datetime(2025, 3, 29, 12, tzinfo=UTC),
        [(2025, 3, 30, 3, 0), (2025, 3, 31, 2, 30), (2025, 4, 1, 2, 30)],
    ),
    (
        "America/New_York",
        "02:15",
        datetime(2025, 3, 8, 12, tzinfo=UTC),
        [(2025, 3, 9, 3, 0), (2025, 3, 10, 2, 15), (2025, 3, 11, 2, 15)],
    ),
    (
        "America/Chicago",
        "02:59",
        datetime(2025, 3, 8, 12, tzinfo=UTC),
        [(2025, 3, 9, 3, 0), (2025, 3, 10, 2, 59), (2025, 3, 11, 2, 59)],
    ),
    # Lord Howe shifts by 30 minutes: 02:00 -> 02:30 on 2025-10-05.
    (
        "Australia/Lord_Howe",
        "02:15",
        datetime(2025, 10, 4, 0, tzinfo=UTC),
        [(2025, 10, 5, 2, 30), (2025, 10, 6, 2, 15), (2025, 10, 7, 2, 15)],
    ),
    # Southern hemisphere: Auckland springs forward 02:00 -> 03:00 on 2025-09-28.
    (
        "Pacific/Auckland",
        "02:30",
        datetime(2025, 9, 27, 0, tzinfo=UTC),
        [(2025, 9, 28, 3, 0), (2025, 9, 29, 2, 30), (2025, 9, 30, 2, 30)],
    ),
    # No DST at all.
    (
        "Asia/Kolkata",
        "02:30",
        datetime(2025, 3, 29, 12, tzinfo=UTC),
        [(2025, 3, 30, 2, 30), (2025, 3, 31, 2, 30), (2025, 4, 1, 2, 30)],
    ),
    # São Paulo 2018 skipped midnight itself; APScheduler alone skips that whole day.
    (
        "America/Sao_Paulo",
        "00:00",
        datetime(2018, 11, 3, 12, tzinfo=UTC),
        [(2018, 11, 4, 1, 0), (2018, 11, 5, 0, 0), (2018, 11, 6, 0, 0)],
    ),
]

# Fall back: the wall time happens twice; the reminder fires once, at the first.
FALL_BACK = [
    (
        "Europe/Berlin",
        "02:30",
        datetime(2025, 10, 25, 12, tzinfo=UTC),
        [(2025, 10, 26, 2, 30, 0), (2025, 10, 27, 2, 30, 0), (2025, 10, 28, 2, 30, 0)],
    ),
    (
        "America/New_York",
        "01:30",
        datetime(2025, 11, 1, 12, tzinfo=UTC),
        [(2025, 11, 2, 1, 30, 0), (2025, 11, 3, 1, 30, 0), (2025, 11, 4, 1, 30, 0)],
    ),
    (
        "America/Chicago",
        "01:00",
        datetime(2025, 11, 1, 12, tzinfo=UTC),
        [(2025, 11, 2, 1, 0, 0), (2025, 11, 3, 1, 0, 0), (2025, 11, 4, 1, 0, 0)],
    ),
    # Lord Howe falls back 02:00 -> 01:30 on 2025-04-06: 01:45 happens twice.
    (
        "Australia/Lord_Howe",
        "01:45",
        datetime(2025, 4, 5, 0, tzinfo=UTC),
        [(2025, 4, 6, 1, 45, 0), (2025, 4, 7, 1, 45, 0), (2025, 4, 8, 1, 45, 0)],
    ),
    (
        "Pacific/Auckland",
        "02:30",
        datetime(2025, 4, 5, 0, tzinfo=UTC),
        [(2025, 4, 6, 2, 30, 0), (2025, 4, 7, 2, 30, 0), (2025, 4, 8, 2, 30, 0)],
    ),
]


@pytest.mark.parametrize(("zone", "wall", "after", "expected"), SPRING_FORWARD)
def test_daily_spring_forward_fires_once_at_the_next_valid_instant(zone, wall, after, expected):
    got = occurrences(daily(wall), UserClock(zone), after, 3)
    assert got == [local(zone, *parts).astimezone(UTC) for parts in expected]
    assert all(moment.tzinfo is UTC for moment in got)


@pytest.mark.parametrize(("zone", "wall", "after", "expected"), FALL_BACK)
def test_daily_fall_back_fires_once_at_the_first_occurrence(zone, wall, after, expected):
    got = occurrences(daily(wall), UserClock(zone), after, 3)
    assert got == [local(zone, *parts[:5], fold=0).astimezone(UTC) for parts in expected]
    # One per local day, never two on the repeated hour.
    days = [moment.astimezone(ZoneInfo(zone)).date() for moment in got]
    assert len(set(days)) == 3


@pytest.mark.parametrize(("zone", "wall", "after", "expected"), FALL_BACK)
def test_fall_back_second_pass_of_the_hour_does_not_fire_again(zone, wall, after, expected):
    first = local(zone, *expected[0][:5], fold=0).astimezone(UTC)
    second_pass = local(zone, *expected[0][:5], fold=1).astimezone(UTC)
    assert second_pass > first
    following = next_occurrence(daily(wall), UserClock(zone), first)
    assert following == local(zone, *expected[1][:5]).astimezone(UTC)
    assert (
        next_occurrence(daily(wall), UserClock(zone), second_pass - timedelta(seconds=1))
        == following
    )


def test_daily_respects_weekdays_and_is_strictly_after():
    clock = UserClock("Europe/Berlin")
    monday_0730 = local("Europe/Berlin", 2025, 6, 2, 7, 30).astimezone(UTC)
    schedule = daily("07:30", [0, 2])
    assert next_occurrence(schedule, clock, monday_0730 - timedelta(seconds=1)) == monday_0730
    assert next_occurrence(schedule, clock, monday_0730) == local(
        "Europe/Berlin", 2025, 6, 4, 7, 30
    ).astimezone(UTC)


def test_local_instant_resolves_gaps_and_overlaps():
    zone = ZoneInfo("Europe/Berlin")
    assert local_instant(date(2025, 3, 30), time(2, 0), zone) == datetime(
        2025, 3, 30, 1, tzinfo=UTC
    )
    assert local_instant(date(2025, 10, 26), time(2, 0), zone) == datetime(
        2025, 10, 26, 0, tzinfo=UTC
    )


def interval(minutes: int) -> dict:
    """An interval schedule dict."""
    return {"type": "interval", "every_minutes": minutes, "within": "work_hours"}


def test_interval_within_work_hours_skips_the_weekend():
    clock = UserClock("America/Chicago", (0, 1, 2, 3, 4), "09:00", "12:00")
    friday_morning = local("America/Chicago", 2025, 6, 6, 8, 0).astimezone(UTC)
    got = [m.astimezone(clock.zone) for m in occurrences(interval(60), clock, friday_morning, 5)]
    # Start + 60, +120; 12:00 itself is the (exclusive) end; then Monday.
    assert [(m.day, m.hour) for m in got] == [(6, 10), (6, 11), (9, 10), (9, 11), (10, 10)]
    assert all(m.weekday() < 5 for m in got)


def test_interval_night_shift_crosses_midnight():
    clock = UserClock("Europe/Berlin", (4,), "22:00", "06:00")  # Friday night shifts only
    thursday = local("Europe/Berlin", 2025, 6, 5, 12, 0).astimezone(UTC)
    got = [m.astimezone(clock.zone) for m in occurrences(interval(120), clock, thursday, 4)]
    assert [(m.day, m.hour) for m in got] == [(7, 0), (7, 2), (7, 4), (14, 0)]
    assert in_work_hours(local("Europe/Berlin", 2025, 6, 7, 5, 59).astimezone(UTC), clock)
    assert not in_work_hours(local("Europe/Berlin", 2025, 6, 7, 6, 0).astimezone(UTC), clock)


def test_interval_counts_real_minutes_across_a_dst_night():
    clock = UserClock("Europe/Berlin", (5,), "22:00", "06:00")  # Saturday 2025-10-25 night
    saturday = local("Europe/Berlin", 2025, 10, 25, 12, 0).astimezone(UTC)
    got = occurrences(interval(120), clock, saturday, 4)
    gaps = {b - a for a, b in zip(got, got[1:], strict=False)}
    assert gaps == {timedelta(hours=2)}
    # Nine real hours in that night (fall back): 00:00, 02:00 (CEST), 01:00 (CET)... up to 06:00.
    assert [m.astimezone(clock.zone).strftime("%H:%M%z") for m in got] == [
        "00:00+0200",
        "02:00+0200",
        "03:00+0100",
        "05:00+0100",
    ]


def test_interval_never_fires_without_work_days():
    clock = UserClock("Asia/Kolkata", (), "09:00", "17:00")
    assert next_occurrence(interval(30), clock, datetime(2025, 1, 1, tzinfo=UTC)) is None


def test_once_in_the_future_and_in_the_past():
    schedule = {"type": "once", "at": "2025-06-01T18:00:00+02:00"}
    clock = UserClock("America/Chicago")
    at = datetime(2025, 6, 1, 16, tzinfo=UTC)
    assert next_occurrence(schedule, clock, at - timedelta(minutes=1)) == at
    assert next_occurrence(schedule, clock, at) is None
    assert occurrences(schedule, clock, at + timedelta(days=1), 5) == []


def test_naive_after_is_refused():
    with pytest.raises(ValueError):
        next_occurrence(daily("07:00"), UserClock("UTC"), datetime(2025, 1, 1))
