"""The exercise table: one row per finished exercise."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Exercise(SQLModel, table=True):
    """A short exercise the user finished, and how they felt after it, if they said."""

    __tablename__ = "exercises"
    # A phone that sends the same finished exercise twice (offline, then again) stores it once.
    __table_args__ = (UniqueConstraint("user_id", "client_id", name="uq_exercises_client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    exercise: str = Field(max_length=20)
    feeling_after: str | None = Field(default=None, max_length=10)
    client_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
