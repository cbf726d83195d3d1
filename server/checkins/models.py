"""Check-in tables: answers a user gave, and the hard moments they logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class CheckIn(SQLModel, table=True):
    """One micro check-in: one to three answers given together.

    ``client_id`` is the phone's own id for an answer it may send twice (its outbox
    replays after a cut connection); unique per person, so the second is not stored.
    """

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_user_created", "user_id", "created_at"),
        Index("uq_checkins_client_id", "user_id", "client_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    source: str = Field(default="app", max_length=12)
    note: str | None = Field(default=None, max_length=1000)
    delivery_id: int | None = Field(default=None, foreign_key="deliveries.id", ondelete="SET NULL")
    moment_id: int | None = Field(default=None, foreign_key="moments.id", ondelete="SET NULL")
    client_id: str | None = Field(default=None, max_length=64)


class CheckInAnswer(SQLModel, table=True):
    """One answer to one question; ``domain`` is copied so scoring survives bank changes."""

    __tablename__ = "checkin_answers"
    __table_args__ = (Index("ix_answers_user_answered", "user_id", "answered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkins.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    domain: str = Field(max_length=40)
    value: int
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Moment(SQLModel, table=True):
    """A hard moment the user logged (a distressing disclosure, a critical incident…)."""

    __tablename__ = "moments"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=40)
    intensity: int
    note: str | None = Field(default=None, max_length=1000)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
