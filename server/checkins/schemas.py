"""Request and response models of the check-in routes (they also feed OpenAPI)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from server.api import RowId
from server.api_types import Strict, check_calendar_date, check_in_range

MAX_ANSWERS = 20


class ScaleOut(BaseModel):
    """An answer scale with one label per value."""

    min: int
    max: int
    labels: list[str]


class QuickAnswerOut(BaseModel):
    """An answer a notification offers as a button."""

    value: int
    title: str


class QuestionOut(BaseModel):
    """One question of the bank."""

    id: str
    domain: str
    text: str
    scale: ScaleOut
    direction: Literal["higher_is_better", "higher_is_worse"]
    quick_answers: list[QuickAnswerOut]


class QuestionsOut(BaseModel):
    """Questions of the bank or of one micro check-in."""

    questions: list[QuestionOut]


class NextQuery(Strict):
    """Optionally restrict the check-in to some domains (a follow-up after a hard moment)."""

    domains: str | None = Field(default=None, max_length=400, description="comma-separated")


class AnswerIn(Strict):
    """One answer: a question of the bank and a value on its scale."""

    question_id: str = Field(max_length=64)
    value: int


class CheckInIn(Strict):
    """A micro check-in; ``moment_id`` links a follow-up to the hard moment it follows."""

    answers: list[AnswerIn] = Field(min_length=1, max_length=MAX_ANSWERS)
    note: str | None = Field(default=None, max_length=1000)
    moment_id: RowId | None = None
    client_id: str | None = Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[\w-]+$",
        description="the phone's id for this answer: sent again, it is stored once",
    )


class AnswerOut(BaseModel):
    """A stored answer."""

    question_id: str
    domain: str
    value: int
    answered_at: datetime


class CheckInOut(BaseModel):
    """A stored check-in."""

    id: int
    created_at: datetime
    source: Literal["app", "notification"]
    note: str | None
    moment_id: int | None
    answers: list[AnswerOut]


class CheckInEnvelope(BaseModel):
    """One check-in."""

    checkin: CheckInOut


class CheckInsOut(BaseModel):
    """A list of check-ins, newest first."""

    checkins: list[CheckInOut]


def date_or_aware(value: object) -> object:
    """Accept a local date (``2026-03-01``) or a datetime with its offset, 1900 to 2999."""
    if not isinstance(value, str):
        return value
    # An unencoded ``+01:00`` in a query string arrives as `` 01:00``; read it as meant.
    value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value.strip())
    if len(value) == 10:
        return check_calendar_date(date.fromisoformat(value))
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("Include a time zone offset, or give a date like 2026-03-01.")
    return check_in_range(parsed)


DateOrDatetime = Annotated[datetime | date, BeforeValidator(date_or_aware)]


class CheckInsQuery(Strict):
    """``since`` and ``until`` are dates in the user's calendar (inclusive) or instants."""

    since: DateOrDatetime | None = None
    until: DateOrDatetime | None = None
    limit: int = Field(default=200, ge=1, le=1000)
