"""The answer of ``GET /api/insights`` as models, so OpenAPI documents it.

The engine builds plain dicts (it is pure and knows no pydantic); these models
describe that shape, and a contract test checks real answers against them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from server.habits.schemas import HabitSummary
from server.support.routes import ActivityOut, CrisisLineOut, PersonOut

Direction = Literal["rising", "steady", "easing", "not_enough_data"]
Level = Literal["unknown", "none", "low", "moderate", "high"]


class WeekOut(BaseModel):
    """An ISO week of the answer and the Monday it starts on."""

    week: str
    starts: date


class WeeklyFigureOut(BaseModel):
    """Strain in one week, 0-100 (higher is more), and how many answers it rests on."""

    week: str
    score: float | None
    answers: int


class TrendOut(BaseModel):
    """How strain moved over the last weeks, in points."""

    direction: Direction
    change: float | None
    weeks_with_data: int


class SeriesOut(BaseModel):
    """Weekly figures with their 4- and 12-week trends."""

    weekly: list[WeeklyFigureOut]
    trend_4w: TrendOut
    trend_12w: TrendOut


class DomainOut(SeriesOut):
    """One domain of the question bank; ``weekly`` scores are strain, like every series."""

    title: str
    higher_is_better: bool = Field(
        default=False,
        description="how the title reads: draw 100 - score so that up means better",
    )


class SignalOut(BaseModel):
    """One of the three indicators, in plain words."""

    id: str
    level: Level
    title: str
    text: str


class SupportOut(BaseModel):
    """What to reach for when support would help."""

    reasons: list[str]
    message: str
    people: list[PersonOut]
    activities: list[ActivityOut]
    crisis_lines: list[CrisisLineOut]
    resources: list[CrisisLineOut] = []


class InsightsOut(BaseModel):
    """``GET /api/insights``: weekly figures per domain, trends, signals and support."""

    today: date
    weeks: list[WeekOut]
    overall: SeriesOut
    domains: dict[str, DomainOut]
    signals: list[SignalOut]
    enough_data: bool = Field(description="signals and support wait for 8 answers over 2 weeks")
    waiting: str | None = Field(description="why signals are not shown yet, said once")
    needs_support: bool
    support: SupportOut | None
    habits: HabitSummary | None
