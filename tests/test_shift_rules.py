"""The shift rules as pure functions: true lengths on DST days, patterns, sleep windows, holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.reminders.policy import (
    Occurrence,
    PolicyUser,
    ReminderRule,
    gate,
    next_due,
    policy_user_of,
    rule_occurrences,
)
from server.reminders.schedule import UserClock
from server.reminders.schemas import parse_schedule
from server.shifts.rules import (
    ShiftError,
    SleepPlan,
    Span,
    check_span,
    checkin_after_shifts,
    day_sleep_windows,
    first_nights,
    hold_reason,
    pattern_spans,
    quiet_hours_apply,
    shift_instants,
    sleep_plan_of,
    sleep_windows,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "night", "hours"),
    [
        (BERLIN, (2026, 3, 28), 8),  # spring forward: an hour shorter
        (BERLIN, (2026, 10, 24), 10),  # fall back: an hour longer
        (NEW_YORK, (2026, 3, 7), 8),
        (NEW_YORK, (2026, 10, 31), 10),
    ],
)
def test_night_shift_across_a_change_has_its_true_length(zone, night, hours):
    start = datetime(*night, 22, 0)
    span = shift_instants(start, start + timedelta(hours=9), zone)
    assert span.end - span.start == timedelta(hours=hours)
    check_span(span)


def test_length_and_order_are_checked():
    at = local(BERLIN, 2026, 5, 4, 8)
    with pytest.raises(ShiftError):
        check_span(Span(at, at))
    with pytest.raises(ShiftError):
        check_span(Span(at, at + timedelta(hours=24, minutes=1)))
    check_span(Span(at, at + timedelta(hours=24)))
    # 19:00 to 19:30 next day on the autumn change is 25.5 real hours: too long.
    long_night = shift_instants(datetime(2026, 10, 24, 19), datetime(2026, 10, 25, 19, 30), BERLIN)
    with pytest.raises(ShiftError):
        check_span(long_night)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK])
def test_a_pattern_across_both_changes_keeps_local_times(zone):
    night = {"start": "22:00", "end": "07:00"}
    # Weekend nights, Friday to Sunday: both changes fall in a Saturday night in both zones.
    cycle = [None, None, None, None, night, night, night]
    spans = pattern_spans(date(2026, 1, 5), cycle, date(2026, 1, 5), date(2026, 12, 31), zone)
    assert len(spans) == 51 * 3
    walls = {(s.start.astimezone(zone).time(), s.end.astimezone(zone).time()) for s in spans}
    assert walls == {(datetime(1, 1, 1, 22).time(), datetime(1, 1, 1, 7).time())}
    lengths = sorted({s.end - s.start for s in spans})
    assert lengths == [timedelta(hours=8), timedelta(hours=9), timedelta(hours=10)]


def test_sleep_after_a_night_and_the_usual_night_otherwise():
    plan = SleepPlan(hours=7.5, bedtime="23:00", wake_time="06:30")
    night = Span(local(BERLIN, 2026, 5, 7, 19), local(BERLIN, 2026, 5, 8, 7, 30))
    late = Span(local(BERLIN, 2026, 5, 9, 14), local(BERLIN, 2026, 5, 9, 22, 30))
    on_call = Span(local(BERLIN, 2026, 5, 10, 22), local(BERLIN, 2026, 5, 11, 6), "on_call")
    [after] = day_sleep_windows([night, late, on_call], BERLIN, plan)
    assert after.start == local(BERLIN, 2026, 5, 8, 8, 30)
    assert after.end == local(BERLIN, 2026, 5, 8, 16)
    windows = sleep_windows(
        [night, late, on_call], BERLIN, plan, date(2026, 5, 6), date(2026, 5, 10)
    )
    starts = [w.start.astimezone(BERLIN).strftime("%d %H:%M") for w in windows]
    # The night of the 7th is a shift; the 10th's usual night overlaps the on-call shift.
    assert starts == ["06 23:00", "08 08:30", "08 23:00", "09 23:00"]


def test_sleep_plan_comes_from_the_sleep_program():
    metas = [
        {
            "program": "sleep",
            "habit": "wind_down",
            "bedtime": "22:00",
            "wake_time": "06:00",
            "wind_down_minutes": 30,
        },
        {
            "program": "sleep",
            "habit": "sleep_check",
            "wake_time": "06:00",
            "check_after_minutes": 10,
        },
        {"program": "breaks", "habit": "breaks"},
    ]
    plan = sleep_plan_of(metas)
    assert plan == SleepPlan(8.0, "22:00", "06:00", 30, 10)
    assert sleep_plan_of([]) == SleepPlan()


def test_check_ins_move_after_the_shift():
    shift = Span(local(BERLIN, 2026, 5, 7, 19), local(BERLIN, 2026, 5, 8, 7, 30))
    at_eight = local(BERLIN, 2026, 5, 7, 20)
    next_day = local(BERLIN, 2026, 5, 8, 20)
    moved = checkin_after_shifts([at_eight, next_day], [shift])
    assert moved == [local(BERLIN, 2026, 5, 8, 8), next_day]


def test_first_night_of_a_run():
    nights = [
        Span(local(BERLIN, 2026, 5, d, 19), local(BERLIN, 2026, 5, d + 1, 7, 30))
        for d in (7, 8, 9, 14)
    ]
    assert first_nights(nights, BERLIN) == [nights[0], nights[3]]


def test_hold_reasons():
    shift = Span(local(BERLIN, 2026, 5, 7, 19), local(BERLIN, 2026, 5, 8, 7, 30))
    on_call = Span(local(BERLIN, 2026, 5, 9, 19), local(BERLIN, 2026, 5, 10, 7), "on_call")
    plan = SleepPlan()
    spans = [shift, on_call]
    windows = tuple(day_sleep_windows(spans, BERLIN, plan))
    in_shift = local(BERLIN, 2026, 5, 7, 22)
    asleep = local(BERLIN, 2026, 5, 8, 12)
    assert hold_reason("break", "breaks", "interval", in_shift, spans, windows) is None
    assert hold_reason("checkin", None, "daily", in_shift, spans, windows) == "in_shift"
    assert hold_reason("sleep", "wind_down", "daily", in_shift, spans, windows) == "in_shift"
    assert hold_reason("timeoff", None, "once", in_shift, spans, windows) is None
    assert hold_reason("checkin", None, "daily", asleep, spans, windows) == (
        "sleep_window_after_shift"
    )
    assert hold_reason("break", "breaks", "interval", asleep, spans, windows) == (
        "sleep_window_after_shift"
    )
    assert (
        hold_reason("break", "breaks", "interval", local(BERLIN, 2026, 5, 9, 21), spans, windows)
        == "on_call"
    )
    assert hold_reason("boundary", "workday_end", "daily", on_call.end, spans, windows) == "on_call"
    # On call holds nothing else back.
    assert (
        hold_reason("checkin", None, "daily", local(BERLIN, 2026, 5, 9, 21), spans, windows) is None
    )
    assert quiet_hours_apply("break", in_shift, spans) is False
    assert quiet_hours_apply("checkin", in_shift, spans) is True
    assert quiet_hours_apply("break", local(BERLIN, 2026, 5, 9, 23), spans) is True


class Row:
    """A user row's shape, as ``policy_user_of`` reads it."""

    timezone = "Europe/Berlin"
    work_days = [0, 1, 2, 3, 4]
    work_start, work_end = "09:00", "17:00"
    quiet_start, quiet_end = "22:00", "07:00"
    daily_push_budget = 20
    paused_until = None
    schedule_mode = "shifts"


def test_policy_in_shifts_mode():
    shift = Span(local(BERLIN, 2026, 5, 7, 19), local(BERLIN, 2026, 5, 8, 7, 30))
    user = policy_user_of(Row(), [shift])
    breaks = ReminderRule(
        1, "break", parse_schedule({"type": "interval", "every_minutes": 90}), habit="breaks"
    )
    after = local(BERLIN, 2026, 5, 7, 0)
    times = [o.at for o in rule_occurrences(breaks, user.clock, after, after + timedelta(days=2))]
    assert times[0] == local(BERLIN, 2026, 5, 7, 20, 30)
    assert times[-1] == local(BERLIN, 2026, 5, 8, 7)
    assert len(times) == 8
    # Quiet hours (22:00–07:00) do not silence a break inside the shift.
    midnight_break = Occurrence(1, "break", "interval", local(BERLIN, 2026, 5, 8, 1), "breaks")
    assert gate(midnight_break, user, ()).notify
    end = ReminderRule(
        2, "boundary", parse_schedule({"type": "daily", "time": "17:00"}), habit="workday_end"
    )
    assert next_due(end, user.clock, after) == shift.end
    # Weekly mode: the same rules follow the work week.
    weekly = PolicyUser(clock=UserClock("Europe/Berlin"))
    assert next_due(end, weekly.clock, after) == local(BERLIN, 2026, 5, 7, 17)
    assert not gate(midnight_break, weekly, ()).notify
    # No "still working?" after an on-call shift; the end of it is held back, not dropped.
    on_call = Span(local(BERLIN, 2026, 5, 9, 9), local(BERLIN, 2026, 5, 9, 17), "on_call")
    both = policy_user_of(Row(), [shift, on_call])
    nudge = ReminderRule(
        4,
        "boundary",
        parse_schedule({"type": "daily", "time": "18:30"}),
        habit="after_hours",
        meta={"minutes_after_work_end": 90},
    )
    nudges = rule_occurrences(nudge, both.clock, after, after + timedelta(days=4))
    assert [o.at for o in nudges] == [shift.end + timedelta(minutes=90)]
    ends = rule_occurrences(end, both.clock, after, after + timedelta(days=4))
    assert [gate(o, both, ()).reason for o in ends] == [None, "on_call"]
    # The nap before a first night exists only with shifts.
    nap = ReminderRule(3, "sleep", parse_schedule({"type": "daily", "time": "14:00"}), habit="nap")
    assert next_due(nap, user.clock, after) == shift.start - timedelta(hours=5)
    assert next_due(nap, weekly.clock, after) is None
    assert rule_occurrences(nap, weekly.clock, after, after + timedelta(days=3)) == []
