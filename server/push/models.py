"""Push tables: one row per browser or device of a user, and notes of devices removed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class PushSubscription(SQLModel, table=True):
    """A browser's PushSubscription; the endpoint is unique across all users."""

    __tablename__ = "push_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    endpoint: str = Field(max_length=2048, unique=True)
    p256dh: str = Field(max_length=128)
    auth: str = Field(max_length=64)
    expiration_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    device_label: str = Field(default="", max_length=80)
    user_agent: str = Field(default="", max_length=400)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_count: int = Field(default=0)
    # When the browser last showed it still holds this subscription (it posted it again).
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why the last message did not arrive, as a short code (see service.FAILURE_WORDS).
    last_failure_reason: str | None = Field(default=None, max_length=40)


class RemovedDevice(SQLModel, table=True):
    """A device Tend stopped sending to because it was silent for weeks.

    Kept until its owner has been told once, on Today.
    """

    __tablename__ = "push_removed_devices"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    device_label: str = Field(default="", max_length=80)
    removed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
