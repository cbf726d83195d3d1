"""Habit programs: the reminders each one creates for sample wake times and work hours."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server.habits.presets import (
    PRESETS,
    HabitSettings,
    PresetError,
    UnknownPreset,
    build_preset,
    describe_presets,
    fit_outside_quiet,
    parameter_list,
    to_minutes,
)
from server.reminders.schedule import UserClock, next_occurrence
from server.reminders.schemas import parse_schedule

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
OFFICE = HabitSettings(timezone="Europe/Berlin")
NIGHTS = HabitSettings(
    timezone="America/Chicago",
    work_days=(0, 1, 2, 3),
    work_start="22:00",
    work_end="07:00",
    quiet_start="08:00",
    quiet_end="14:30",
)
WEEKDAYS = [0, 1, 2, 3, 4]
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def by_habit(specs):
    return {spec.meta["habit"]: spec for spec in specs}


def daily(time, days):
    return {"type": "daily", "time": time, "days": days}


def test_sleep_defaults_fit_between_quiet_hours():
    specs = by_habit(build_preset("sleep", None, OFFICE, NOW))
    assert specs["wind_down"].schedule == daily("21:45", EVERY_DAY)
    assert specs["wind_down"].meta["bedtime"] == "22:30"
    assert specs["sleep_check"].schedule == daily("07:00", EVERY_DAY)
    assert all(spec.kind == "sleep" and spec.preset == "sleep" for spec in specs.values())
    assert all(spec.notes == () for spec in specs.values())


@pytest.mark.parametrize(
    "wake, hours, wind_down, expected_wind_down, expected_check",
    [
        ("05:30", 8, 45, "20:45", "07:00"),  # the 06:00 check waits for quiet hours to end
        ("06:00", 7, 30, "21:45", "07:00"),  # 22:30 is quiet; 45 minutes earlier instead
        ("07:00", 9, 30, "21:30", "07:30"),
        ("06:30", 7.5, 60, "21:45", "07:00"),  # quiet hours begin at 22:00 itself
    ],
)
def test_sleep_for_sample_wake_times(wake, hours, wind_down, expected_wind_down, expected_check):
    params = {"wake_time": wake, "sleep_hours": hours, "wind_down_minutes": wind_down}
    specs = by_habit(build_preset("sleep", params, OFFICE, NOW))
    assert specs["wind_down"].schedule["time"] == expected_wind_down
    assert specs["sleep_check"].schedule["time"] == expected_check


def test_wake_0530_on_work_days_winds_down_the_evening_before():
    params = {"wake_time": "05:30", "days": WEEKDAYS}
    specs = by_habit(build_preset("sleep", params, OFFICE, NOW))
    # Bed at 21:30 the night before: Sunday to Thursday evenings.
    assert specs["wind_down"].schedule == daily("20:45", [0, 1, 2, 3, 6])
    assert specs["wind_down"].meta["bedtime"] == "21:30"
    assert specs["sleep_check"].schedule == daily("07:00", WEEKDAYS)
    assert "60 minutes later" in specs["sleep_check"].notes[0]


def test_late_wind_down_moves_before_quiet_hours_with_a_note():
    specs = by_habit(build_preset("sleep", {"wake_time": "07:00"}, OFFICE, NOW))
    assert specs["wind_down"].schedule == daily("21:45", EVERY_DAY)
    assert "30 minutes earlier" in specs["wind_down"].notes[0]


def test_night_worker_sleeping_by_day():
    params = {"wake_time": "15:00", "sleep_hours": 8}
    specs = by_habit(build_preset("sleep", params, NIGHTS, NOW))
    assert specs["wind_down"].schedule == daily("06:15", EVERY_DAY)
    assert specs["wind_down"].meta["bedtime"] == "07:00"
    assert specs["sleep_check"].schedule == daily("15:30", EVERY_DAY)
    assert all(spec.notes == () for spec in specs.values())


def test_night_worker_with_night_quiet_hours_keeps_time_and_is_told():
    settings = HabitSettings(timezone="UTC", work_start="22:00", work_end="07:00")
    specs = by_habit(build_preset("sleep", {"wake_time": "15:00"}, settings, NOW))
    assert specs["wind_down"].schedule["time"] == "06:15"
    assert "stay silent" in specs["wind_down"].notes[0]


def test_sleep_check_can_be_left_out():
    specs = build_preset("sleep", {"sleep_check": False}, OFFICE, NOW)
    assert [spec.meta["habit"] for spec in specs] == ["wind_down"]


def test_breaks_default_every_90_minutes_with_a_longer_pause_every_third_hour():
    [spec] = build_preset("breaks", None, OFFICE, NOW)
    assert spec.kind == "break"
    assert spec.schedule == {"type": "interval", "every_minutes": 90, "within": "work_hours"}
    assert spec.meta["long_pause_every"] == 2
    parse_schedule(spec.schedule)


@pytest.mark.parametrize(
    "params, every",
    [
        ({"every_minutes": 45}, 4),
        ({"every_minutes": 60, "long_pause_hours": 2}, 2),
        ({"long_pause_hours": None}, None),
    ],
)
def test_breaks_long_pause_rhythm(params, every):
    [spec] = build_preset("breaks", params, OFFICE, NOW)
    assert spec.meta.get("long_pause_every") == every


def test_long_pause_must_be_rarer_than_breaks():
    with pytest.raises(PresetError) as caught:
        build_preset("breaks", {"every_minutes": 90, "long_pause_hours": 1}, OFFICE, NOW)
    assert "long_pause_hours" in caught.value.fields


def test_boundaries_for_office_hours():
    specs = by_habit(build_preset("boundaries", None, OFFICE, NOW))
    assert specs["workday_end"].schedule == daily("17:00", WEEKDAYS)
    assert specs["workday_end"].meta["offers_day_done"] is True
    assert specs["after_hours"].schedule == daily("18:30", WEEKDAYS)
    assert specs["after_hours"].meta["skip_if_day_done"] is True
    assert specs["after_hours"].meta["minutes_after_work_end"] == 90
    assert specs["weekly_look_back"].schedule == daily("17:30", [4])
    assert {spec.kind for spec in specs.values()} == {"boundary"}


def test_boundaries_for_night_shifts_follow_the_morning_after():
    specs = by_habit(build_preset("boundaries", None, NIGHTS, NOW))
    # Shifts start Mon–Thu at 22:00 and end 07:00 the next morning (Tue–Fri).
    assert specs["workday_end"].schedule == daily("07:00", [1, 2, 3, 4])
    # 08:30 would fall in their quiet hours (08:00–14:30), so the nudge comes at 07:45.
    assert specs["after_hours"].schedule == daily("07:45", [1, 2, 3, 4])
    assert specs["after_hours"].meta["minutes_after_work_end"] == 45
    assert "45 minutes earlier" in specs["after_hours"].notes[0]
    assert specs["weekly_look_back"].schedule == daily("07:30", [4])


def test_evening_shift_nudge_in_quiet_hours_is_kept_and_explained():
    late = HabitSettings(timezone="UTC", work_start="15:00", work_end="23:00")
    specs = by_habit(build_preset("boundaries", None, late, NOW))
    assert specs["after_hours"].schedule == daily("00:30", [1, 2, 3, 4, 5])
    assert "stay silent" in specs["after_hours"].notes[0]


def test_boundaries_options():
    params = {"after_hours_nudge": False, "look_back_day": 6, "look_back_time": "18:00"}
    specs = by_habit(build_preset("boundaries", params, OFFICE, NOW))
    assert set(specs) == {"workday_end", "weekly_look_back"}
    assert specs["weekly_look_back"].schedule == daily("18:00", [6])


def first_due(spec, zone: str, now: datetime) -> str:
    """The spec's first occurrence after ``now``, as local ISO."""
    at = next_occurrence(spec.schedule, UserClock(zone), now)
    return at.astimezone(ZoneInfo(zone)).isoformat()


def test_timeoff_is_monthly_on_the_first_monday():
    [spec] = build_preset("timeoff", None, OFFICE, NOW)
    assert spec.kind == "timeoff"
    assert spec.schedule == {"type": "monthly", "week": 1, "weekday": 0, "time": "12:30"}
    assert spec.meta["checkin_time"] == "18:00"
    parse_schedule(spec.schedule)
    assert first_due(spec, "Europe/Berlin", NOW) == "2026-04-06T12:30:00+02:00"


def test_timeoff_on_the_first_monday_itself_before_its_time():
    monday_morning = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    [spec] = build_preset("timeoff", None, OFFICE, monday_morning)
    assert first_due(spec, "Europe/Berlin", monday_morning) == "2026-03-02T12:30:00+01:00"


def test_timeoff_follows_the_first_work_day_of_night_workers():
    [spec] = build_preset("timeoff", {"time": "16:00"}, NIGHTS, NOW)
    assert spec.schedule["time"] == "16:00"
    assert first_due(spec, NIGHTS.timezone, NOW) == "2026-04-06T16:00:00-05:00"


@pytest.mark.parametrize(
    "preset, params, field",
    [
        ("sleep", {"sleep_hours": 6}, "sleep_hours"),
        ("sleep", {"wake_time": "7am"}, "wake_time"),
        ("sleep", {"days": []}, "days"),
        ("sleep", {"bedtime": "22:00"}, "bedtime"),
        ("breaks", {"every_minutes": 5}, "every_minutes"),
        ("boundaries", {"look_back_day": 7}, "look_back_day"),
        ("timeoff", {"time": "25:00"}, "time"),
    ],
)
def test_bad_parameters_are_field_errors(preset, params, field):
    with pytest.raises(PresetError) as caught:
        build_preset(preset, params, OFFICE, NOW)
    assert field in caught.value.fields


def test_unknown_preset():
    with pytest.raises(UnknownPreset):
        build_preset("yoga", None, OFFICE, NOW)


def test_quiet_fitting_keeps_times_outside_quiet_hours():
    assert fit_outside_quiet(to_minutes("21:00"), OFFICE, "earlier").minutes == 21 * 60
    moved = fit_outside_quiet(to_minutes("06:40"), OFFICE, "later")
    assert (moved.minutes, moved.moved_by) == (7 * 60, 20)


def test_parameters_list_defaults_for_this_user():
    params = {p["name"]: p for p in parameter_list(PRESETS["boundaries"], NIGHTS)}
    assert params["look_back_day"]["default"] == 4
    assert params["look_back_time"]["default"] == "07:30"
    assert params["after_hours_minutes"]["minimum"] == 30
    sleep = {p["name"]: p for p in parameter_list(PRESETS["sleep"], OFFICE)}
    assert sleep["wake_time"] == {
        "name": "wake_time",
        "type": "string",
        "nullable": False,
        "default": "06:30",
        "description": "When you usually wake up.",
        "format": "HH:MM",
    }
    assert sleep["sleep_hours"]["minimum"] == 7 and sleep["sleep_hours"]["maximum"] == 9


def test_describe_presets_lists_all_four_with_previews():
    described = describe_presets(OFFICE, NOW)
    assert [p["id"] for p in described] == ["sleep", "breaks", "boundaries", "timeoff"]
    boundaries = described[2]
    assert [r["schedule"]["time"] for r in boundaries["preview"]] == ["17:00", "18:30", "17:30"]
