"""Request and response models of the account routes (they also feed OpenAPI)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
)

from server.accounts.roles import Role
from server.api_types import (
    AwareDatetime,
    CountryCode,
    Strict,
    TimeZoneName,
    WallTime,
)

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    """Trim and lower-case an email address, and check its shape."""
    value = value.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError("Enter an email address like name@example.org.")
    return value


Email = Annotated[str, Field(max_length=320), AfterValidator(normalise_email)]


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
    invite_code: str | None = Field(default=None, max_length=100)


class LoginIn(Strict):
    """Sign in."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=200)


class PasswordChangeIn(Strict):
    """Change the password; the current one confirms it."""

    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class PasswordIn(Strict):
    """A request the password confirms."""

    password: str = Field(max_length=200)


class RecoverIn(Strict):
    """Get back in with the recovery code and choose a new password."""

    email: str = Field(max_length=320)
    recovery_code: str = Field(max_length=100)
    new_password: str = Field(max_length=200)


class ResetRequestIn(Strict):
    """Ask for a reset link by email."""

    email: str = Field(max_length=320)


class ResetIn(Strict):
    """Set a new password with the token from the emailed link."""

    token: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class RecoveryCodeOut(BaseModel):
    """``{"recovery_code": "…"}``, shown once."""

    recovery_code: str


class AuthOptionsOut(BaseModel):
    """How this server lets people in: the sign-up mode and whether reset by email works."""

    registration: Literal["open", "invite", "closed"]
    email_reset: bool


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
    country: CountryCode | None = Field(
        default=None, description="null goes back to the country of the time zone"
    )
    role: Role | None = Field(
        default=None, description="the person's work, for words that fit it; null clears it"
    )
    schedule_mode: Literal["weekly", "shifts"] | None = None
    discreet_notifications: bool | None = Field(
        default=None, description="neutral words on the lock screen, the question once opened"
    )
    lock_after_minutes: int | None = Field(
        default=None, ge=1, le=1440, description="minutes away before the app lock; null: never"
    )


class ExportQuery(Strict):
    """``GET /api/export``: everything as JSON, or ``?format=csv`` for check-ins as CSV."""

    format: Literal["json", "csv"] = "json"


class UserOut(BaseModel):
    """A user as the API shows it (``User`` in the OpenAPI document)."""

    id: int
    email: str
    timezone: str
    work_hours: WorkHours
    quiet_hours: QuietHours
    daily_push_budget: int
    paused_until: datetime | None
    timeoff_nudge_days: int
    timeoff_strong_days: int
    country: str | None = Field(description="ISO 3166-1 alpha-2; from the time zone unless set")
    role: Role | None = None
    schedule_mode: Literal["weekly", "shifts"] = "weekly"
    discreet_notifications: bool = False
    lock_after_minutes: int | None = 5
    created_at: datetime


class UserEnvelope(BaseModel):
    """``{"user": User}``."""

    user: UserOut


class RegisterOut(UserEnvelope):
    """``{"user": User, "recovery_code": "…"}``: the code is shown this once."""

    recovery_code: str


class CsrfOut(BaseModel):
    """``{"csrf_token": "…"}``."""

    csrf_token: str


class HealthOut(BaseModel):
    """``{"status": "ok"}``."""

    status: str
