"""Shift tables: concrete shifts (UTC instants) and the repeating patterns that write them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class ShiftPattern(SQLModel, table=True):
    """A repeating cycle (e.g. 4 on / 4 off) written out as shifts and kept rolling forward.

    ``cycle`` holds one entry per day, ``None`` for a day off, else
    ``{start, end, kind, label}`` wall times. ``written_until`` is the last local
    date for which concrete shifts exist; later days are worked out on the fly.
    """

    __tablename__ = "shift_patterns"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    start_date: date
    cycle: list = Field(sa_type=JSON)
    weeks: int = Field(default=12)
    written_until: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Shift(SQLModel, table=True):
    """One shift: UTC instants of a local start and end in the user's zone."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_user_start", "user_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    start: datetime = Field(sa_type=UTCDateTime)
    end: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="work", max_length=8)
    label: str | None = Field(default=None, max_length=80)
    pattern_id: int | None = Field(
        default=None, foreign_key="shift_patterns.id", ondelete="SET NULL", index=True
    )
    ics_uid: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
