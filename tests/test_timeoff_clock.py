"""The time-off clock: days since time off, countdown, overlaps, planned-in-the-past, levels."""

from __future__ import annotations

from datetime import date

import pytest

from server.reminders.policy import TimeOffRange
from server.timeoff.clock import (
    Period,
    clock_level,
    clock_state,
    days_since_time_off,
    is_on_time_off,
    last_time_off,
    merge_ranges,
    next_planned,
)

TODAY = date(2026, 6, 15)


def off(start, end, kind="taken"):
    return TimeOffRange(date.fromisoformat(start), date.fromisoformat(end), kind)


def test_nothing_recorded():
    assert days_since_time_off([], TODAY) is None
    state = clock_state([], TODAY)
    assert state.level == "unknown"
    assert state.message == "Add your last time off to start the clock."


def test_days_since_the_last_taken_day():
    ranges = [off("2026-01-05", "2026-01-09"), off("2026-05-25", "2026-05-29")]
    assert days_since_time_off(ranges, TODAY) == 17
    assert last_time_off(ranges, TODAY) == Period(date(2026, 5, 25), date(2026, 5, 29))


def test_planned_time_off_in_the_past_counts_as_taken():
    ranges = [off("2026-01-05", "2026-01-09"), off("2026-06-01", "2026-06-05", "planned")]
    assert days_since_time_off(ranges, TODAY) == 10


def test_time_off_still_ahead_does_not_reset_the_clock():
    ranges = [off("2026-03-02", "2026-03-06"), off("2026-07-01", "2026-07-10", "planned")]
    assert days_since_time_off(ranges, TODAY) == 101


def test_today_inside_time_off_is_zero_and_off():
    ranges = [off("2026-06-12", "2026-06-20", "planned")]
    assert days_since_time_off(ranges, TODAY) == 0
    assert is_on_time_off(ranges, TODAY)
    assert not is_on_time_off(ranges, date(2026, 6, 21))
    state = clock_state(ranges, TODAY)
    assert (state.level, state.on_time_off) == ("off", True)
    assert state.last_time_off == Period(date(2026, 6, 12), date(2026, 6, 15))


def test_overlapping_and_touching_ranges_merge():
    ranges = [
        off("2026-04-01", "2026-04-10", "planned"),
        off("2026-04-08", "2026-04-12"),
        off("2026-04-13", "2026-04-14"),
        off("2026-02-01", "2026-02-02"),
    ]
    assert last_time_off(ranges, TODAY) == Period(date(2026, 4, 1), date(2026, 4, 14))
    assert last_time_off(ranges, TODAY).days == 14
    inner = [(date(2026, 1, 5), date(2026, 1, 9)), (date(2026, 1, 6), date(2026, 1, 7))]
    assert merge_ranges(inner) == [Period(date(2026, 1, 5), date(2026, 1, 9))]
    assert days_since_time_off(ranges, TODAY) == 62


def test_next_planned_with_countdown():
    ranges = [
        off("2026-08-03", "2026-08-14", "planned"),
        off("2026-07-01", "2026-07-03", "planned"),
        off("2026-07-03", "2026-07-06", "planned"),
        off("2026-06-01", "2026-06-02", "planned"),
    ]
    planned = next_planned(ranges, TODAY)
    assert (planned.start, planned.end, planned.days_until) == (
        date(2026, 7, 1),
        date(2026, 7, 6),
        16,
    )
    assert next_planned([off("2026-07-01", "2026-07-03")], TODAY) is None


@pytest.mark.parametrize(
    "days, level",
    [(0, "fine"), (59, "fine"), (60, "nudge"), (119, "nudge"), (120, "strong"), (400, "strong")],
)
def test_default_thresholds(days, level):
    assert clock_level(days, False) == level


@pytest.mark.parametrize(
    "days, level",
    [(29, "fine"), (30, "nudge"), (89, "nudge"), (90, "strong")],
)
def test_user_thresholds(days, level):
    assert clock_level(days, False, nudge_days=30, strong_days=90) == level


def test_messages_per_level_and_plan():
    last = off("2026-02-02", "2026-02-06")
    state = clock_state([last], TODAY)
    assert state.level == "strong"
    assert state.days_since_time_off == 129
    assert state.message.startswith("129 days since your last time off.")
    assert "plan some rest" in state.message

    planned = off("2026-06-25", "2026-07-03", "planned")
    with_plan = clock_state([last, planned], TODAY)
    assert with_plan.level == "strong"
    assert "10 days to go" in with_plan.message
    assert "plan some rest" not in with_plan.message

    nudge = clock_state([last], TODAY, nudge_days=100, strong_days=200)
    assert nudge.level == "nudge" and "plan a break" in nudge.message

    fine = clock_state([off("2026-06-01", "2026-06-05")], TODAY)
    assert (fine.level, fine.message) == ("fine", "10 days since your last time off.")


def test_clock_as_dict_is_json_ready():
    state = clock_state(
        [off("2026-06-01", "2026-06-05"), off("2026-07-01", "2026-07-02", "planned")], TODAY
    )
    assert state.as_dict() == {
        "level": "fine",
        "days_since_time_off": 10,
        "last_time_off": {"start": "2026-06-01", "end": "2026-06-05", "days": 5},
        "next_planned": {"start": "2026-07-01", "end": "2026-07-02", "days_until": 16},
        "on_time_off": False,
        "message": "10 days since your last time off. 16 days until the next one.",
    }
