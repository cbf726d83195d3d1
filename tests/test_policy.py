"""Delivery policy: quiet hours, pauses, time off, work hours, budget, and the planner."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.reminders.policy import (
    Occurrence,
    PolicyUser,
    ReminderRule,
    TimeOffRange,
    decide,
    gate,
    is_missed,
    next_due,
    plan_upcoming,
    priority,
)
from server.reminders.schedule import UserClock
from server.reminders.schemas import parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*parts: int) -> datetime:
    """A Berlin wall time as aware UTC."""
    return datetime(*parts, tzinfo=BERLIN).astimezone(UTC)


def user(**changes) -> PolicyUser:
    """Alice in Berlin: work Mon–Fri 09–17, quiet 22–07, budget 6."""
    base = dict(
        clock=UserClock("Europe/Berlin"),
        quiet_start="22:00",
        quiet_end="07:00",
        daily_push_budget=6,
        paused_until=None,
    )
    base.update(changes)
    return PolicyUser(**base)


def occ(kind: str, at: datetime, schedule_type: str = "daily", rid: int = 1) -> Occurrence:
    """An occurrence."""
    return Occurrence(rid, kind, schedule_type, at)


def rule(rid: int, kind: str, schedule: dict, snoozed_until=None) -> ReminderRule:
    """A reminder rule."""
    return ReminderRule(rid, kind, parse_schedule(schedule), True, snoozed_until)


def test_quiet_hours_across_midnight():
    alice = user()
    assert gate(occ("checkin", berlin(2025, 6, 2, 21, 59)), alice, ()).notify
    for at in (berlin(2025, 6, 2, 22, 0), berlin(2025, 6, 2, 23, 30), berlin(2025, 6, 3, 6, 59)):
        assert gate(occ("checkin", at), alice, ()).reason == "quiet_hours"
    assert gate(occ("checkin", berlin(2025, 6, 3, 7, 0)), alice, ()).notify


def test_quiet_hours_within_one_day_and_equal_ends():
    day_sleeper = user(quiet_start="08:00", quiet_end="15:00")
    assert gate(occ("sleep", berlin(2025, 6, 2, 9)), day_sleeper, ()).reason == "quiet_hours"
    assert gate(occ("sleep", berlin(2025, 6, 2, 23)), day_sleeper, ()).notify
    never_quiet = user(quiet_start="00:00", quiet_end="00:00")
    assert gate(occ("sleep", berlin(2025, 6, 2, 3)), never_quiet, ()).notify


def test_pause_skips_everything_until_it_ends():
    paused = user(paused_until=berlin(2025, 6, 3, 12))
    assert gate(occ("checkin", berlin(2025, 6, 3, 11, 59)), paused, ()).reason == "paused"
    assert gate(occ("checkin", berlin(2025, 6, 3, 12, 0)), paused, ()).notify


def test_time_off_skips_work_reminders_only_and_is_inclusive():
    off = (TimeOffRange(date(2025, 6, 2), date(2025, 6, 4), "planned"),)
    alice = user()
    for day in (2, 4):
        at = berlin(2025, 6, day, 10)
        assert gate(occ("break", at, "interval"), alice, off).reason == "time_off"
        assert gate(occ("boundary", at), alice, off).reason == "time_off"
        assert gate(occ("checkin", at), alice, off).notify
        assert gate(occ("sleep", at), alice, off).notify
    assert gate(occ("break", berlin(2025, 6, 5, 10), "interval"), alice, off).notify
    # Local dates decide: 23:30 UTC on the 4th is already the 5th in Berlin.
    late = datetime(2025, 6, 4, 23, 30, tzinfo=UTC)
    assert gate(occ("boundary", late), user(quiet_start="00:00", quiet_end="00:00"), off).notify


def test_interval_outside_work_hours_is_skipped():
    alice = user()
    assert (
        gate(occ("break", berlin(2025, 6, 7, 10), "interval"), alice, ()).reason
        == "outside_work_hours"
    )  # a Saturday
    assert gate(occ("break", berlin(2025, 6, 6, 10), "interval"), alice, ()).notify


def test_budget_gives_way_to_higher_priority():
    alice = user(daily_push_budget=3)
    at = berlin(2025, 6, 2, 10)
    assert priority("checkin", "daily") < priority("sleep", "daily") < priority("break", "interval")
    # One sent, one check-in still to come: a break may take the last place but one.
    assert decide(occ("break", at, "interval"), alice, (), 1, 1).notify
    assert decide(occ("break", at, "interval"), alice, (), 2, 1).reason == "budget"
    assert decide(occ("checkin", at), alice, (), 2, 0).notify
    assert decide(occ("checkin", at), alice, (), 3, 0).reason == "budget"


def test_grace_per_kind():
    due = berlin(2025, 6, 2, 10)
    assert is_missed("break", due, due + timedelta(hours=1))
    assert not is_missed("checkin", due, due + timedelta(hours=1))
    assert is_missed("checkin", due, due + timedelta(hours=5))


def test_snooze_moves_one_occurrence_then_the_schedule_continues():
    clock = UserClock("Europe/Berlin")
    snoozed = rule(
        1, "checkin", {"type": "daily", "time": "09:00"}, snoozed_until=berlin(2025, 6, 2, 9, 10)
    )
    assert next_due(snoozed, clock, berlin(2025, 6, 2, 9, 0)) == berlin(2025, 6, 2, 9, 10)
    assert next_due(snoozed, clock, berlin(2025, 6, 2, 9, 10)) == berlin(2025, 6, 3, 9, 0)


def test_plan_applies_quiet_hours_time_off_and_pause():
    clock = UserClock("Europe/Berlin")
    alice = user(paused_until=berlin(2025, 6, 3, 12))
    late = rule(1, "boundary", {"type": "daily", "time": "17:30"})
    off = (TimeOffRange(date(2025, 6, 5), date(2025, 6, 5)),)
    now = berlin(2025, 6, 2, 8)
    got = plan_upcoming(late, [late], alice, off, {}, now, now, 3)
    # 2nd paused, 3rd fine, 4th fine, 5th time off, 6th fine.
    assert got == [
        berlin(2025, 6, 3, 17, 30),
        berlin(2025, 6, 4, 17, 30),
        berlin(2025, 6, 6, 17, 30),
    ]
    night = rule(2, "sleep", {"type": "daily", "time": "23:00"})
    assert plan_upcoming(night, [night], user(), (), {}, now, now, 3) == []
    assert clock.timezone == "Europe/Berlin"


def test_plan_simulates_budget_with_the_other_reminders():
    alice = user(daily_push_budget=4)
    breaks = rule(1, "break", {"type": "interval", "every_minutes": 60})
    checkin = rule(2, "checkin", {"type": "daily", "time": "16:30"})
    sleep = rule(3, "sleep", {"type": "daily", "time": "21:30"})
    now = berlin(2025, 6, 2, 8)  # a Monday
    monday_end = berlin(2025, 6, 2, 23, 59)
    got = [
        m
        for m in plan_upcoming(breaks, [breaks, checkin, sleep], alice, (), {}, now, now, 20)
        if m < monday_end
    ]
    # Budget 4 with two more important reminders to come: two breaks (10:00, 11:00).
    assert got == [berlin(2025, 6, 2, 10), berlin(2025, 6, 2, 11)]
    # With two already sent today, no break at all; the check-in and wind-down still come.
    sent = {date(2025, 6, 2): 2}
    assert [
        m
        for m in plan_upcoming(breaks, [breaks, checkin, sleep], alice, (), sent, now, now, 20)
        if m < monday_end
    ] == []
    assert plan_upcoming(checkin, [breaks, checkin, sleep], alice, (), sent, now, now, 1) == [
        berlin(2025, 6, 2, 16, 30)
    ]


def test_plan_after_a_future_moment_and_a_once_in_the_past():
    alice = user()
    morning = rule(1, "checkin", {"type": "daily", "time": "09:00", "days": [0]})
    now = berlin(2025, 6, 2, 8)
    after = berlin(2025, 7, 1, 0)
    assert plan_upcoming(morning, [morning], alice, (), {}, now, after, 2) == [
        berlin(2025, 7, 7, 9),
        berlin(2025, 7, 14, 9),
    ]
    gone = rule(2, "followup", {"type": "once", "at": "2025-06-01T12:00:00+02:00"})
    assert plan_upcoming(gone, [gone], alice, (), {}, now, now, 5) == []
