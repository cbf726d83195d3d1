"""Time-off table: ranges of days off, taken or planned, in the user's local dates."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class TimeOff(SQLModel, table=True):
    """Days off from ``start`` to ``end`` inclusive."""

    __tablename__ = "time_off"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    start: date
    end: date
    kind: str = Field(max_length=10)
    note: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
