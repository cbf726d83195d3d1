"""The app lock of a user: a hashed PIN and/or "ask for a passkey"."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class AppLock(SQLModel, table=True):
    """One row per user who set a lock; no row means the app never locks."""

    __tablename__ = "app_locks"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    # scrypt hash of the PIN (the same hasher as passwords); None with a passkey lock.
    pin_hash: str | None = Field(default=None, max_length=255)
    passkey: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
