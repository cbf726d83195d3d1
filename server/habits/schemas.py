"""Request and response models of the habit routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, RootModel

from server.api_types import Strict
from server.reminders.schemas import ReminderOut


class PresetParamsIn(RootModel[dict[str, Any]]):
    """A program's parameters by name (see ``GET /api/habits/presets``); ``{}`` for defaults."""


class ParameterOut(BaseModel):
    """One parameter of a program, for a form."""

    name: str
    type: str
    nullable: bool
    default: Any
    description: str
    format: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    multipleOf: float | None = None  # noqa: N815  (JSON Schema's own spelling)


class PreviewOut(BaseModel):
    """A reminder a program would create with its defaults."""

    kind: str
    title: str
    schedule: dict
    notes: list[str]


class PresetOut(BaseModel):
    """A program: what it does, its parameters with this user's defaults, a preview."""

    id: str
    name: str
    description: str
    active: bool
    parameters: list[ParameterOut]
    preview: list[PreviewOut]
    unavailable: str | None = Field(
        default=None, description="Why the program cannot be switched on yet, if it cannot."
    )


class PresetList(BaseModel):
    """``GET /api/habits/presets``."""

    presets: list[PresetOut]


class AppliedReminderOut(ReminderOut):
    """A reminder a program created, with the next times it will actually notify."""

    meta: dict
    upcoming: list[datetime]


class PresetApplied(BaseModel):
    """``POST /api/habits/presets/{id}``: the reminders created, and notes about times moved."""

    preset: str
    reminders: list[AppliedReminderOut]
    notes: list[str]


class SummaryQuery(Strict):
    """``GET /api/habits/summary?weeks=N``."""

    weeks: int = Field(default=4, ge=1, le=26)


class HabitWeekOut(BaseModel):
    """Habit figures of one ISO week in the user's time zone."""

    week: str
    start: date
    breaks_offered: int
    breaks_taken: int
    workdays_tracked: int
    days_ran_over: int
    sleep_answers: int
    sleep_strain: float | None


class HabitSummary(BaseModel):
    """``GET /api/habits/summary``: oldest week first."""

    weeks: list[HabitWeekOut]


class DayDoneOut(BaseModel):
    """``POST /api/habits/day-done``."""

    local_date: date
    already: bool
