"""Look-back tables: one row per monthly look back, one per answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Reflection(SQLModel, table=True):
    """One monthly look back with an optional note."""

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str | None = Field(default=None, max_length=1000)


class ReflectionAnswer(SQLModel, table=True):
    """One answer of a look back; ``user_id`` too, so export and deletion find it directly."""

    __tablename__ = "reflection_answers"

    id: int | None = Field(default=None, primary_key=True)
    reflection_id: int = Field(foreign_key="reflections.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    question_id: str = Field(max_length=64)
    value: int
