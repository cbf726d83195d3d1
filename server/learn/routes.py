"""Learn routes: the cards and one card, open to everyone (they hold no personal data)."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from server.api import ApiError, route
from server.learn.cards import CardSet, load_cards
from server.learn.schemas import CardEnvelope, CardsOut

bp = Blueprint("learn", __name__)


@bp.record_once
def check_cards_at_start(state) -> None:
    """Load the cards when the app is built, so a bad file stops start-up."""
    load_cards(state.app.config.get("TEND_LEARN_PATH"))


def current_cards() -> CardSet:
    """The cards this app uses (``TEND_LEARN_PATH`` or the built-in ones)."""
    return load_cards(current_app.config.get("TEND_LEARN_PATH"))


def reader_role() -> str | None:
    """The signed-in reader's role; signed out, neutral words fill the cards."""
    return current_user.role if current_user.is_authenticated else None


@route(bp, "/api/learn", response=CardsOut, auth=False)
def list_cards():
    """Every Learn card, in reading order."""
    role = reader_role()
    return {"cards": [card.listed(role) for card in current_cards().cards]}


@route(bp, "/api/learn/<card_id>", response=CardEnvelope, auth=False)
def get_card(card_id: str):
    """One Learn card with its whole text."""
    card = current_cards().get(card_id)
    if card is None:
        raise ApiError(404, "not_found", "There is no such card.")
    return {"card": card.public(reader_role())}
