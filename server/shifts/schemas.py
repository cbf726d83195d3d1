"""Request and response models of the shift routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from server.api_types import CalendarDate, Strict, WallTime, check_calendar_date
from server.shifts.rules import MAX_CYCLE_DAYS

MAX_QUERY_DAYS = 366
ShiftKind = Literal["work", "on_call"]
Label = Annotated[str | None, Field(default=None, max_length=80)]


def wall_date_time(value: datetime) -> datetime:
    """A local wall date-time has no offset: the user's time zone gives it one."""
    if value.tzinfo is not None:
        raise ValueError("Give a local time without an offset, like 2026-03-28T19:00.")
    check_calendar_date(value.date())
    return value.replace(second=0, microsecond=0)


LocalDateTime = Annotated[datetime, AfterValidator(wall_date_time)]


def blank_is_none(label: str | None) -> str | None:
    """A blank label is no label."""
    return (label or "").strip() or None


class ShiftIn(Strict):
    """``POST /api/shifts``: local wall date-times ``YYYY-MM-DDTHH:MM`` in your time zone."""

    start: LocalDateTime
    end: LocalDateTime
    kind: ShiftKind = "work"
    label: Label

    _label = field_validator("label")(blank_is_none)


class ShiftPatch(Strict):
    """``PATCH /api/shifts/{id}``: any of the fields of a shift."""

    start: LocalDateTime | None = None
    end: LocalDateTime | None = None
    kind: ShiftKind | None = None
    label: Label

    _label = field_validator("label")(blank_is_none)


class ShiftOut(BaseModel):
    """One shift, its times with the user's offset."""

    id: int
    start: datetime
    end: datetime
    kind: str
    label: str | None
    pattern_id: int | None


class ShiftEnvelope(BaseModel):
    """``{"shift": Shift}``."""

    shift: ShiftOut


class SleepWindowOut(BaseModel):
    """A day-time sleep window after a night shift: nothing notifies inside it."""

    start: datetime
    end: datetime


class ShiftList(BaseModel):
    """``{"shifts": [Shift], "sleep_windows": [...]}``, the windows after the nights listed."""

    shifts: list[ShiftOut]
    sleep_windows: list[SleepWindowOut] = []


class ShiftQuery(Strict):
    """``GET /api/shifts?from=YYYY-MM-DD&to=YYYY-MM-DD`` (local dates, both inclusive)."""

    from_: CalendarDate | None = Field(default=None, alias="from")
    to: CalendarDate | None = None

    @field_validator("to")
    @classmethod
    def short_range(cls, to: date | None, info) -> date | None:
        """``to`` not before ``from``, and at most a year apart."""
        first = info.data.get("from_")
        if to is not None and first is not None:
            if to < first:
                raise ValueError("The last day can't be before the first day.")
            if (to - first).days >= MAX_QUERY_DAYS:
                raise ValueError("Ask for a year or less at a time.")
        return to


class CycleDay(Strict):
    """One working day of a cycle; an end before the start ends the next day."""

    start: WallTime
    end: WallTime
    kind: ShiftKind = "work"
    label: Label

    _label = field_validator("label")(blank_is_none)


class PatternIn(Strict):
    """``POST /api/shifts/pattern``: one entry per cycle day, ``null`` for a day off."""

    start_date: CalendarDate
    cycle: list[CycleDay | None] = Field(min_length=1, max_length=MAX_CYCLE_DAYS)
    weeks: int = Field(default=12, ge=1, le=26)

    @field_validator("cycle")
    @classmethod
    def some_work(cls, cycle: list) -> list:
        """A cycle of only days off writes nothing."""
        if all(entry is None for entry in cycle):
            raise ValueError("Add at least one working day to the cycle.")
        return cycle


class PatternOut(BaseModel):
    """A repeating cycle of shifts."""

    id: int
    start_date: date
    cycle: list[dict | None]
    weeks: int
    written_until: date
    created_at: datetime


class PatternCreated(BaseModel):
    """``{"pattern": …, "shifts": [Shift]}``."""

    pattern: PatternOut
    shifts: list[ShiftOut]


class PatternList(BaseModel):
    """``{"patterns": [...]}``."""

    patterns: list[PatternOut]


class ImportOut(BaseModel):
    """How many events became shifts, and how many were left out (all-day, not a shift, clash)."""

    imported: int
    skipped: int
