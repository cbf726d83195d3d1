"""Request and response models of the reminders API, including the four schedule shapes.

The schedule models are also what the rest of the code computes with: a stored
``Reminder.schedule`` dict is parsed back with ``parse_schedule`` before use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter, field_validator

from server.api_types import AwareDatetime, Strict, WallTime
from server.reminders.kinds import Kind

ALL_DAYS = [0, 1, 2, 3, 4, 5, 6]
MIN_INTERVAL_MINUTES = 10
MAX_INTERVAL_MINUTES = 480

Weekday = Annotated[int, Field(ge=0, le=6)]


class DailySchedule(Strict):
    """At a wall-clock time on chosen weekdays (0 = Monday), in the user's time zone."""

    type: Literal["daily"]
    time: WallTime
    days: list[Weekday] = Field(default_factory=lambda: list(ALL_DAYS), max_length=7)

    @field_validator("days")
    @classmethod
    def unique_sorted_days(cls, days: list[int]) -> list[int]:
        """Days are a set: keep them sorted, drop repeats, and require at least one."""
        if not days:
            raise ValueError("Choose at least one day.")
        return sorted(set(days))


class IntervalSchedule(Strict):
    """Every N minutes within the user's work hours, on work days only."""

    type: Literal["interval"]
    every_minutes: int = Field(ge=MIN_INTERVAL_MINUTES, le=MAX_INTERVAL_MINUTES)
    within: Literal["work_hours"] = "work_hours"


class OnceSchedule(Strict):
    """One moment, given with its offset."""

    type: Literal["once"]
    at: AwareDatetime


class MonthlySchedule(Strict):
    """A wall time on the Nth weekday of every month (``week`` -1: the last one), user's zone."""

    type: Literal["monthly"]
    week: Literal[1, 2, 3, 4, -1]
    weekday: Weekday
    time: WallTime


AnySchedule = DailySchedule | IntervalSchedule | OnceSchedule | MonthlySchedule
Schedule = Annotated[AnySchedule, Field(discriminator="type")]
_schedule_adapter: TypeAdapter = TypeAdapter(Schedule)


def parse_schedule(data: dict) -> AnySchedule:
    """Turn a stored schedule dict back into its model (raises pydantic's ValidationError)."""
    return _schedule_adapter.validate_python(data)


def schedule_to_json(schedule: AnySchedule) -> dict:
    """The JSON form stored in ``Reminder.schedule`` and shown by the API."""
    return schedule.model_dump(mode="json")


Title = Annotated[str, Field(max_length=120)]


def clean_title(value: str | None) -> str | None:
    """Trim a title; a blank one means "use the default"."""
    if value is None:
        return None
    value = value.strip()
    return value or None


class ReminderCreate(Strict):
    """``POST /api/reminders``."""

    kind: Kind
    title: Title | None = None
    schedule: Schedule
    enabled: bool = True

    @field_validator("title")
    @classmethod
    def blank_title_means_default(cls, value: str | None) -> str | None:
        """A blank title falls back to the kind's default."""
        return clean_title(value)


class ReminderPatch(Strict):
    """``PATCH /api/reminders/{id}``: any subset of the fields; the schedule is re-validated."""

    kind: Kind | None = None
    title: Title | None = None
    schedule: Schedule | None = None
    enabled: bool | None = None

    @field_validator("title")
    @classmethod
    def blank_title_means_default(cls, value: str | None) -> str | None:
        """A blank title falls back to the kind's default."""
        return clean_title(value)


class SnoozeIn(Strict):
    """``POST /api/reminders/{id}/snooze``."""

    minutes: int = Field(ge=1, le=720)


class UpcomingQuery(Strict):
    """``GET /api/reminders/{id}/upcoming?count=N&after=ISO``."""

    count: int = Field(default=5, ge=1, le=50)
    after: AwareDatetime | None = None

    @field_validator("after", mode="before")
    @classmethod
    def restore_plus_sign(cls, value: object) -> object:
        """An unencoded ``+01:00`` in a query string arrives as `` 01:00``; read it as meant."""
        if isinstance(value, str) and " " in value.strip():
            return value.strip().replace(" ", "+")
        return value


class ReminderOut(BaseModel):
    """A reminder as the API shows it (``Reminder`` in the OpenAPI document)."""

    id: int
    kind: str
    title: str
    schedule: dict
    enabled: bool
    next_due_at: datetime | None
    snoozed_until: datetime | None
    preset: str | None = None
    # True while something is due or about to be: the only time a snooze is accepted.
    snooze_offered: bool = False
    created_at: datetime
    updated_at: datetime


class ReminderEnvelope(BaseModel):
    """``{"reminder": Reminder}``."""

    reminder: ReminderOut


class ReminderList(BaseModel):
    """``{"reminders": [Reminder]}``."""

    reminders: list[ReminderOut]


class HeldOut(BaseModel):
    """A time the reminder falls due but stays silent, and why, in plain words."""

    at: datetime
    reason: str


class HeldQuery(Strict):
    """``GET /api/reminders/held?count=N``: how many coming times of each reminder to plan."""

    count: int = Field(default=3, ge=1, le=10)


class ReminderHeldOut(BaseModel):
    """One reminder's coming times that stay silent, and why."""

    id: int
    held: list[HeldOut]


class HeldList(BaseModel):
    """``{"reminders": [{id, held}]}`` for every reminder that is on, in one plan."""

    reminders: list[ReminderHeldOut]


class UpcomingOut(BaseModel):
    """``{"upcoming": [ISO with offset, ...], "held": [{at, reason}]}`` in the user's offset."""

    upcoming: list[datetime]
    held: list[HeldOut] = []
