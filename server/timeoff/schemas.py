"""Request and response models of the time-off routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from server.api_types import CalendarDate, Strict

MAX_RANGE_DAYS = 366


class TimeOffIn(Strict):
    """``POST /api/timeoff``: days off from ``start`` to ``end`` (inclusive, local dates)."""

    start: CalendarDate
    end: CalendarDate
    kind: Literal["taken", "planned"]
    note: str | None = Field(default=None, max_length=200)

    @field_validator("end")
    @classmethod
    def end_not_before_start(cls, end: date, info: ValidationInfo) -> date:
        """The last day cannot come before the first, and a range stays under a year."""
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError("The last day can't be before the first day.")
        if start is not None and (end - start).days >= MAX_RANGE_DAYS:
            raise ValueError("Keep one entry to a year or less.")
        return end

    @field_validator("note")
    @classmethod
    def blank_note_is_none(cls, note: str | None) -> str | None:
        """A blank note is no note."""
        return (note or "").strip() or None


class TimeOffOut(BaseModel):
    """One time-off entry."""

    id: int
    start: date
    end: date
    kind: str
    note: str | None
    days: int
    created_at: datetime


class PeriodOut(BaseModel):
    """A merged stretch of days off."""

    start: date
    end: date
    days: int


class NextPlannedOut(BaseModel):
    """The next planned time off and the countdown to it."""

    start: date
    end: date
    days_until: int


class ClockOut(BaseModel):
    """The time-off clock: level (unknown, off, fine, nudge, strong) and a line to show."""

    level: str
    days_since_time_off: int | None
    last_time_off: PeriodOut | None
    next_planned: NextPlannedOut | None
    on_time_off: bool
    message: str
    nudge_days: int
    strong_days: int


class TimeOffList(BaseModel):
    """``GET /api/timeoff``: entries (newest first) plus the clock."""

    time_off: list[TimeOffOut]
    days_since_time_off: int | None
    next_planned: NextPlannedOut | None
    clock: ClockOut


class TimeOffCreated(BaseModel):
    """``POST /api/timeoff``: the new entry plus the clock as it now stands."""

    entry: TimeOffOut
    days_since_time_off: int | None
    next_planned: NextPlannedOut | None
    clock: ClockOut
