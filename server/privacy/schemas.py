"""Request and response bodies of the app lock."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from server.api_types import Strict

PIN_PATTERN = r"^[0-9]{4,8}$"


class LockIn(Strict):
    """``{"pin": "1234"}`` (4 to 8 digits) or ``{"passkey": true}``."""

    pin: str | None = Field(default=None, pattern=PIN_PATTERN, description="4 to 8 digits")
    passkey: bool | None = None


class UnlockIn(Strict):
    """``{"pin": "1234"}``, or ``{"passkey": <PublicKeyCredential.toJSON()>}``."""

    pin: str | None = Field(
        default=None, max_length=8, description="the PIN set with PUT /api/lock"
    )
    passkey: dict[str, Any] | None = Field(
        default=None, description="an answer to POST /api/lock/unlock/options"
    )


class LockKinds(BaseModel):
    """How this account unlocks."""

    pin: bool
    passkey: bool


class LockStatusOut(BaseModel):
    """The account's lock (null when none) and whether this sign-in is locked now."""

    lock: LockKinds | None
    locked: bool
    lock_after_minutes: int | None


class NoticeOut(BaseModel):
    """The operator's privacy notice (null when none) and the retention in days (null: kept)."""

    notice: str | None
    retention_days: int | None
