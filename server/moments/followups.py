"""When to check in after a hard moment: that evening and about three days later. Pure.

Both follow-ups fall at an evening hour in the user's own time zone and never
inside their quiet hours: an evening time that is quiet moves to just before
quiet hours begin when that is still ahead, otherwise to just after they end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.reminders.kinds import default_title
from server.reminders.policy import wall_time_between
from server.reminders.schedule import local_instant, parse_hhmm

EVENING = time(19, 0)
LATER_DAYS = 3
SOONEST = timedelta(hours=1)
MARGIN = timedelta(minutes=30)
ROUND_TO_MINUTES = 5


@dataclass(frozen=True)
class FollowUpPlan:
    """One follow-up to schedule."""

    step: str
    at: datetime
    title: str
    domains: tuple[str, ...]


def round_up(instant: datetime, minutes: int = ROUND_TO_MINUTES) -> datetime:
    """``instant`` rounded up to the next whole ``minutes`` (seconds dropped)."""
    base = instant.replace(second=0, microsecond=0)
    if base < instant:
        base += timedelta(minutes=1)
    extra = (-base.minute) % minutes
    return base + timedelta(minutes=extra)


def in_quiet(instant: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time) -> bool:
    """Whether ``instant`` falls in the quiet hours (local wall time)."""
    return wall_time_between(instant.astimezone(zone).time(), quiet_start, quiet_end)


def outside_quiet(
    candidate: datetime, zone: ZoneInfo, quiet_start: time, quiet_end: time, earliest: datetime
) -> datetime:
    """``candidate`` moved out of quiet hours: before they begin if possible, else after."""
    if not in_quiet(candidate, zone, quiet_start, quiet_end):
        return candidate
    local = candidate.astimezone(zone)
    crosses_midnight = quiet_start > quiet_end
    after_midnight_part = crosses_midnight and local.time() < quiet_end
    start_day = local.date() - timedelta(days=1) if after_midnight_part else local.date()
    before = local_instant(start_day, quiet_start, zone) - MARGIN
    if before >= earliest and not in_quiet(before, zone, quiet_start, quiet_end):
        return before
    end_day = start_day + timedelta(days=1) if crosses_midnight else start_day
    return local_instant(end_day, quiet_end, zone) + MARGIN


def plan_followups(
    now: datetime, zone: ZoneInfo, quiet_start: str, quiet_end: str
) -> list[FollowUpPlan]:
    """The two follow-ups for a hard moment logged at ``now`` (UTC instants)."""
    start, end = parse_hhmm(quiet_start), parse_hhmm(quiet_end)
    today = now.astimezone(zone).date()
    evening = max(local_instant(today, EVENING, zone), round_up(now + SOONEST))
    evening = outside_quiet(evening, zone, start, end, now + MARGIN)
    later = local_instant(today + timedelta(days=LATER_DAYS), EVENING, zone)
    later = outside_quiet(later, zone, start, end, evening + timedelta(days=1))
    return [
        FollowUpPlan("evening", evening, default_title("followup"), ("intrusion", "support")),
        FollowUpPlan(
            "later", later, "A few days on: how are you?", ("intrusion", "sleep", "support")
        ),
    ]
