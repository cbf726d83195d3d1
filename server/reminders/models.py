"""Reminder and delivery tables: the schedule a user set and every occurrence of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class DeliveryStatus(StrEnum):
    """What became of a delivery; the values are what the ``status`` column stores.

    ``RETRYING`` waits for ``next_attempt_at`` after the push service asked for
    patience (429, 5xx, a timeout). ``ALREADY_DONE`` is never stored: it is what
    the dispatcher reports for a claim another process finished first.
    """

    CLAIMED = "claimed"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    MISSED = "missed"
    ALREADY_DONE = "already_done"


class Reminder(SQLModel, table=True):
    """A rule in the user's local time; ``next_due_at`` is its next occurrence in UTC."""

    __tablename__ = "reminders"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=20)
    title: str = Field(max_length=120)
    schedule: dict = Field(default_factory=dict, sa_type=JSON)
    enabled: bool = Field(default=True)
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    preset: str | None = Field(default=None, max_length=40)
    meta: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One occurrence of a reminder and what became of it.

    Unique on (reminder, due time) so a crash or a second scheduler can never
    record — and therefore never send — the same occurrence twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "due_at", name="uq_delivery_occurrence"),
        Index("ix_deliveries_status_claimed", "status", "claimed_at"),
        Index("ix_deliveries_user_due", "user_id", "due_at"),
        Index("ix_deliveries_status_lease", "status", "lease_until"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int | None = Field(default=None, foreign_key="reminders.id", ondelete="SET NULL")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)
    due_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DeliveryStatus.CLAIMED, max_length=12)
    reason: str | None = Field(default=None, max_length=200)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    devices_sent: int = Field(default=0)
    devices_failed: int = Field(default=0)
    answer_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    question_id: str | None = Field(default=None, max_length=64)
    topic: str | None = Field(default=None, max_length=32)
    # The process holding a claim, and until when: a lapsed lease means it died.
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
