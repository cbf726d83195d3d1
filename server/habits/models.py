"""Habit table: what the user did with a habit reminder (done, snoozed, day done)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class HabitEvent(SQLModel, table=True):
    """One recorded action on a habit reminder, dated in the user's local calendar."""

    __tablename__ = "habit_events"
    __table_args__ = (Index("ix_habit_events_user_date", "user_id", "local_date"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    reminder_id: int | None = Field(default=None, foreign_key="reminders.id", ondelete="SET NULL")
    delivery_id: int | None = Field(default=None, foreign_key="deliveries.id", ondelete="SET NULL")
    reminder_kind: str = Field(max_length=20)
    action: str = Field(max_length=12)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    local_date: date
