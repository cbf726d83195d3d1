"""Response models of the Learn routes (they also feed OpenAPI)."""

from __future__ import annotations

from pydantic import BaseModel


class CardListed(BaseModel):
    """A card as the list shows it; ``signals`` names the Trends signals it explains."""

    id: str
    title: str
    summary: str
    minutes: int
    topics: list[str]
    signals: list[str]


class CardsOut(BaseModel):
    """``{"cards": [...]}`` in reading order."""

    cards: list[CardListed]


class CardOut(BaseModel):
    """A whole card; ``body`` is paragraphs separated by blank lines, lines of ``- `` a list."""

    id: str
    title: str
    summary: str
    minutes: int
    topics: list[str]
    body: str


class CardEnvelope(BaseModel):
    """``{"card": Card}``."""

    card: CardOut
