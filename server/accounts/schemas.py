"""Request and response models of the account routes (they also feed OpenAPI)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name this machine knows (tzdata ships with Tend)."""
    return frozenset(available_timezones())


def check_timezone(value: str) -> str:
    """Accept only IANA names like ``Europe/Berlin``."""
    if value not in known_timezones():
        raise ValueError("Use a time zone name such as Europe/Berlin or America/Chicago.")
    return value


def check_hhmm(value: str) -> str:
    """Accept wall-clock times as ``HH:MM``."""
    if not HHMM.match(value):
        raise ValueError("Use a 24-hour time like 07:30.")
    return value


def normalise_email(value: str) -> str:
    """Trim and lower-case an email address, and check its shape."""
    value = value.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError("Enter an email address like name@example.org.")
    return value


# Python's datetimes end at the years 1 and 9999; time-zone arithmetic near either end
# overflows. Nothing Tend plans is that far away, so inputs stay well inside.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
RANGE_MESSAGE = "Choose a time between the years 1900 and 2999."


def check_in_range(value: datetime) -> datetime:
    """An aware datetime between 1900 and 2999 (UTC), where every zone can represent it."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(RANGE_MESSAGE) from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError(RANGE_MESSAGE)
    return value


def check_aware(value: datetime | None) -> datetime | None:
    """Times sent to the API must carry an offset and lie between 1900 and 2999."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Include a time zone offset, like 2026-01-31T18:00:00+01:00.")
    return check_in_range(value)


def only_text_times(value: object) -> object:
    """A number is not a time here: pydantic would read it as Unix seconds, silently."""
    if isinstance(value, int | float) or (isinstance(value, str) and NUMBER.fullmatch(value)):
        raise ValueError("Use an ISO 8601 time with its offset, like 2026-01-31T18:00:00+01:00.")
    return value


def check_calendar_date(value: date) -> date:
    """Calendar dates sent to the API lie between 1900 and 2999."""
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("Choose a date between the years 1900 and 2999.")
    return value


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(check_timezone)]
WallTime = Annotated[
    str, Field(max_length=5, json_schema_extra={"pattern": HHMM.pattern}),
    AfterValidator(check_hhmm),
]
Email = Annotated[str, Field(max_length=320), AfterValidator(normalise_email)]
AwareDatetime = Annotated[datetime, BeforeValidator(only_text_times), AfterValidator(check_aware)]
CalendarDate = Annotated[date, AfterValidator(check_calendar_date)]


class Strict(BaseModel):
    """Unknown fields are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class WorkHours(Strict):
    """Days of the work week and the hours of a workday (may cross midnight for night shifts)."""

    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default=[0, 1, 2, 3, 4], max_length=7)
    start: WallTime = "09:00"
    end: WallTime = "17:00"

    @field_validator("days")
    @classmethod
    def unique_sorted(cls, days: list[int]) -> list[int]:
        """Days are a set; keep them sorted and without repeats."""
        return sorted(set(days))


class WorkHoursIn(WorkHours):
    """Work hours as a person sets them.

    Checked on the way in only: hours stored before this rule still read back.
    """

    @field_validator("end")
    @classmethod
    def not_the_start(cls, end: str, info: ValidationInfo) -> str:
        """A workday that ends when it starts has no hours for breaks or an end to mark."""
        if end == info.data.get("start"):
            raise ValueError("A workday needs an end time different from its start.")
        return end


class QuietHours(Strict):
    """Hours in which Tend never notifies (may cross midnight)."""

    start: WallTime = "22:00"
    end: WallTime = "07:00"


class RegisterIn(Strict):
    """Create an account."""

    email: Email
    password: str = Field(max_length=200)
    timezone: TimeZoneName


class LoginIn(Strict):
    """Sign in."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=200)


class DeleteMeIn(Strict):
    """Delete the account; the password confirms it."""

    password: str = Field(max_length=200)


class MePatch(Strict):
    """Settings a user may change; every field is optional."""

    timezone: TimeZoneName | None = None
    work_hours: WorkHoursIn | None = None
    quiet_hours: QuietHours | None = None
    daily_push_budget: int | None = Field(default=None, ge=1, le=30)
    paused_until: AwareDatetime | None = None
    timeoff_nudge_days: int | None = Field(default=None, ge=7, le=365)
    timeoff_strong_days: int | None = Field(default=None, ge=14, le=730)


class ExportQuery(Strict):
    """``GET /api/export``: everything as JSON, or ``?format=csv`` for check-ins as CSV."""

    format: Literal["json", "csv"] = "json"


class UserOut(BaseModel):
    """The User of API.md."""

    id: int
    email: str
    timezone: str
    work_hours: WorkHours
    quiet_hours: QuietHours
    daily_push_budget: int
    paused_until: datetime | None
    timeoff_nudge_days: int
    timeoff_strong_days: int
    created_at: datetime


class UserEnvelope(BaseModel):
    """``{"user": User}``."""

    user: UserOut


class CsrfOut(BaseModel):
    """``{"csrf_token": "…"}``."""

    csrf_token: str


class HealthOut(BaseModel):
    """``{"status": "ok"}``."""

    status: str
