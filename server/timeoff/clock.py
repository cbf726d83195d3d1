"""The time-off clock: days since real time off, the countdown to the next, and how to say it.

Pure functions over ranges of local dates (``start``/``end`` inclusive, ``kind``
"taken" or "planned" — the policy's ``TimeOffRange`` or anything shaped like it).

* A *taken* range counts for the days that have already come. A *planned* range
  whose days are in the past counts as taken too: people plan a holiday and
  forget to tick it off afterwards. Days still ahead are never "taken".
* Overlapping or touching ranges are merged, so a week planned and the same
  week recorded as taken are one break.
* Levels: ``unknown`` (nothing recorded), ``off`` (today is a day off),
  ``fine`` (fewer than ``nudge_days`` days), ``nudge`` (from ``nudge_days``),
  ``strong`` (from ``strong_days``). Defaults 60 and 120, per user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from server.habits.wording import load_wording

DEFAULT_NUDGE_DAYS = 60
DEFAULT_STRONG_DAYS = 120
ONE_DAY = timedelta(days=1)


class DayRangeLike(Protocol):
    """A range of local dates, both ends inclusive."""

    start: date
    end: date
    kind: str


@dataclass(frozen=True)
class Period:
    """A merged stretch of days off."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the stretch lasts."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class NextPlanned:
    """The next planned time off and how many days until it starts."""

    start: date
    end: date
    days_until: int


@dataclass(frozen=True)
class ClockState:
    """Everything the Today screen shows about time off."""

    level: str
    days_since_time_off: int | None
    last_time_off: Period | None
    next_planned: NextPlanned | None
    on_time_off: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        return {
            "level": self.level,
            "days_since_time_off": self.days_since_time_off,
            "last_time_off": period_dict(self.last_time_off),
            "next_planned": next_planned_dict(self.next_planned),
            "on_time_off": self.on_time_off,
            "message": self.message,
        }


def period_dict(period: Period | None) -> dict[str, Any] | None:
    """A period as ``{start, end, days}``."""
    if period is None:
        return None
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "days": period.days}


def next_planned_dict(planned: NextPlanned | None) -> dict[str, Any] | None:
    """The next planned time off as ``{start, end, days_until}``."""
    if planned is None:
        return None
    return {
        "start": planned.start.isoformat(),
        "end": planned.end.isoformat(),
        "days_until": planned.days_until,
    }


def merge_ranges(ranges: Iterable[tuple[date, date]]) -> list[Period]:
    """Merge overlapping or touching ``(start, end)`` pairs into sorted periods."""
    merged: list[Period] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1].end + ONE_DAY:
            if end > merged[-1].end:
                merged[-1] = Period(merged[-1].start, end)
        else:
            merged.append(Period(start, end))
    return merged


def days_off_so_far(ranges: Iterable[DayRangeLike], today: date) -> list[Period]:
    """Days off that have already come (up to and including today), merged."""
    return merge_ranges(
        (period.start, min(period.end, today)) for period in ranges if period.start <= today
    )


def last_time_off(ranges: Iterable[DayRangeLike], today: date) -> Period | None:
    """The most recent stretch of days off up to today, or None."""
    periods = days_off_so_far(ranges, today)
    return periods[-1] if periods else None


def days_since_time_off(ranges: Iterable[DayRangeLike], today: date) -> int | None:
    """Days since the last day off (0 while on time off), or None if none is recorded."""
    last = last_time_off(ranges, today)
    return None if last is None else (today - last.end).days


def is_on_time_off(ranges: Iterable[DayRangeLike], local_date: date) -> bool:
    """Whether ``local_date`` is a day off (taken or planned)."""
    return any(period.start <= local_date <= period.end for period in ranges)


def next_planned(ranges: Iterable[DayRangeLike], today: date) -> NextPlanned | None:
    """The first planned time off that starts after today, with its countdown."""
    future = merge_ranges(
        (period.start, period.end)
        for period in ranges
        if period.kind == "planned" and period.start > today
    )
    if not future:
        return None
    first = future[0]
    return NextPlanned(first.start, first.end, (first.start - today).days)


def clock_level(
    days_since: int | None,
    on_time_off: bool,
    nudge_days: int = DEFAULT_NUDGE_DAYS,
    strong_days: int = DEFAULT_STRONG_DAYS,
) -> str:
    """``unknown``, ``off``, ``fine``, ``nudge`` or ``strong``."""
    if on_time_off:
        return "off"
    if days_since is None:
        return "unknown"
    if days_since >= strong_days:
        return "strong"
    if days_since >= nudge_days:
        return "nudge"
    return "fine"


def clock_message(
    level: str, days_since: int | None, planned: NextPlanned | None, lines: dict[str, str]
) -> str:
    """The line for this level, mentioning the countdown when time off is planned."""
    key = level
    if planned is not None and level in ("fine", "nudge", "strong"):
        key = f"{level}_planned"
    template = lines.get(key) or lines.get(level, "")
    until = planned.days_until if planned else None
    return template.format(days=days_since, until=until)


def clock_state(
    ranges: Sequence[DayRangeLike],
    today: date,
    nudge_days: int = DEFAULT_NUDGE_DAYS,
    strong_days: int = DEFAULT_STRONG_DAYS,
    lines: dict[str, str] | None = None,
) -> ClockState:
    """The whole clock for ``today``; ``lines`` defaults to the wording file's clock lines."""
    if lines is None:
        lines = dict(load_wording().clock)
    last = last_time_off(ranges, today)
    since = None if last is None else (today - last.end).days
    off = is_on_time_off(ranges, today)
    planned = next_planned(ranges, today)
    level = clock_level(since, off, nudge_days, strong_days)
    return ClockState(
        level=level,
        days_since_time_off=since,
        last_time_off=last,
        next_planned=planned,
        on_time_off=off,
        message=clock_message(level, since, planned, lines),
    )
