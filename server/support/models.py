"""Support tables: the user's own people and the activities that restore them."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class SupportPerson(SQLModel, table=True):
    """Someone the user can turn to."""

    __tablename__ = "support_people"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    contact: str | None = Field(default=None, max_length=120)
    note: str | None = Field(default=None, max_length=200)


class RestoringActivity(SQLModel, table=True):
    """Something that restores the user (a walk, music, calling a friend)."""

    __tablename__ = "restoring_activities"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    text: str = Field(max_length=120)
