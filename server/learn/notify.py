"""The "one card a week" notification: which card, and what the notification says.

Ready for a ``learn`` reminder kind: ``compose`` in ``server/reminders/content.py``
hands such a delivery to ``learn_content``.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from server.accounts.models import User
from server.accounts.roles import fill
from server.learn.cards import Card, CardSet, load_cards
from server.reminders.content import NotificationContent, default_ttl
from server.reminders.models import Delivery, Reminder

TITLE = "One card this week"


def card_of_the_week(cards: CardSet, day: date) -> Card:
    """The card for the ISO week holding ``day``: every card in turn, the same all week."""
    year, week, _ = day.isocalendar()
    weeks_since_start = date.fromisocalendar(year, week, 1).toordinal() // 7
    return cards.cards[weeks_since_start % len(cards.cards)]


def learn_content(
    session, user: User, reminder: Reminder, delivery: Delivery, now: datetime
) -> NotificationContent:
    """This week's card: its title (in the user's words) and a tap that opens it."""
    cards = load_cards(current_app.config.get("TEND_LEARN_PATH"))
    card = card_of_the_week(cards, now.astimezone(user.zone).date())
    return NotificationContent(
        title=reminder.title or TITLE,
        body=f"{fill(card.title, user.role)} \u2013 {card.minutes} min",
        navigate_path=f"/#/learn/{card.id}",
        ttl=default_ttl("learn"),
        urgency="low",
    )
