"""The Learn cards: a JSON file of short texts, validated on load.

Tend ships its own cards (``cards.json`` beside this module, schema in
``CARDS.md``). An operator can point ``TEND_LEARN_PATH`` at a file of their own
with the same schema. A bad file fails at start-up, naming the card that is
wrong. Texts may use the role placeholders of ``server.accounts.roles``.
"""

from __future__ import annotations

import math
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from server.accounts.roles import every_filling, fill, unknown_placeholders
from server.datafiles import read_json, validation_message

DEFAULT_CARDS_PATH = Path(__file__).with_name("cards.json")
WORDS_PER_MINUTE = 200
MAX_MINUTES = 3
CARD_ID = r"^[a-z][a-z0-9-]{0,63}$"


class CardsError(ValueError):
    """The cards file cannot be used; the message names the bad card."""


class Frozen(BaseModel):
    """Cards are shared by every request, so nobody may change them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def reading_minutes(words: int) -> float:
    """Minutes to read ``words`` at an easy pace."""
    return words / WORDS_PER_MINUTE


def word_count(text: str) -> int:
    """Words in ``text``, counting list dashes as nothing."""
    return len([word for word in text.split() if word != "-"])


class Card(Frozen):
    """One Learn card: a title, a one-line summary and a short body of paragraphs.

    A paragraph whose lines start with ``- `` is shown as a list.
    """

    id: Annotated[str, Field(pattern=CARD_ID)]
    title: str = Field(min_length=1, max_length=90)
    summary: str = Field(min_length=1, max_length=200)
    topics: tuple[Annotated[str, Field(pattern=CARD_ID)], ...] = ()
    signals: tuple[str, ...] = ()
    minutes: int = Field(ge=1, le=MAX_MINUTES)
    body: tuple[Annotated[str, Field(min_length=1, max_length=2000)], ...] = Field(min_length=1)

    @model_validator(mode="after")
    def readable_in_its_minutes(self) -> Card:
        """Known placeholders only, and every role's reading fits the stated minutes."""
        for text in (self.title, self.summary, *self.body):
            unknown = unknown_placeholders(text)
            if unknown:
                raise ValueError(
                    "unknown placeholder " + ", ".join(f"{{{name}}}" for name in unknown)
                )
        longest = max(word_count(text) for text in every_filling(self.full_text()).values())
        needed = math.ceil(reading_minutes(longest))
        if needed > self.minutes:
            raise ValueError(
                f"{longest} words take {needed} minutes to read at {WORDS_PER_MINUTE} a minute, "
                f"more than the {self.minutes} stated"
            )
        return self

    def full_text(self) -> str:
        """Everything a reader reads on the card."""
        return "\n\n".join((self.title, self.summary, *self.body))

    def listed(self, role: str | None) -> dict[str, Any]:
        """The card as ``GET /api/learn`` lists it, in ``role``'s words."""
        return {
            "id": self.id,
            "title": fill(self.title, role),
            "summary": fill(self.summary, role),
            "minutes": self.minutes,
            "topics": list(self.topics),
            "signals": list(self.signals),
        }

    def public(self, role: str | None) -> dict[str, Any]:
        """The whole card, paragraphs separated by blank lines, in ``role``'s words."""
        card = self.listed(role)
        del card["signals"]
        return {**card, "body": fill("\n\n".join(self.body), role)}


class CardSet(Frozen):
    """Every card of the file, in reading order."""

    name: str = "Learn"
    language: str = "en"
    cards: tuple[Card, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_ids(self) -> CardSet:
        """Cards are addressed by id, so each id is used once."""
        seen: set[str] = set()
        for card in self.cards:
            if card.id in seen:
                raise ValueError(f"card id {card.id!r} is used twice")
            seen.add(card.id)
        return self

    def get(self, card_id: str) -> Card | None:
        """The card with ``card_id``, or None."""
        return self._by_id.get(card_id)

    @cached_property
    def _by_id(self) -> dict[str, Card]:
        return {card.id: card for card in self.cards}


def parse_cards(data: Any, source: str = "learn cards") -> CardSet:
    """Validate raw cards data (as read from JSON); CardsError names the bad card."""
    if not isinstance(data, dict):
        raise CardsError(f"{source}: the file must hold a JSON object")
    raw_cards = data.get("cards") if isinstance(data.get("cards"), list) else []
    body = {key: value for key, value in data.items() if key != "version"}
    try:
        return CardSet.model_validate(body)
    except ValidationError as exc:
        problems = validation_message(exc, raw_cards, "cards", "card", "cards")
        raise CardsError(f"{source}: {problems}") from None


def load_cards(path: str | None = None) -> CardSet:
    """Load and validate the cards (``path`` or the built-in file), cached per file."""
    chosen = Path(path).resolve() if path else DEFAULT_CARDS_PATH
    return _load_cards_file(str(chosen))


@cache
def _load_cards_file(path: str) -> CardSet:
    return parse_cards(read_json(path, "learn cards", CardsError), f"learn cards {path}")
