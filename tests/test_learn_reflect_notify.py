"""Content ready for the `learn` and `reflection` reminder kinds: a weekly card, a monthly ask."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.accounts.models import User
from server.learn.cards import load_cards
from server.learn.notify import card_of_the_week, learn_content
from server.reflections.models import Reflection
from server.reflections.notify import look_back_content
from server.reminders.models import Delivery, Reminder


def test_one_card_all_week_and_every_card_in_turn():
    cards = load_cards()
    monday = date(2026, 3, 2)
    week = {card_of_the_week(cards, monday + timedelta(days=d)).id for d in range(7)}
    assert len(week) == 1
    seen = [
        card_of_the_week(cards, monday + timedelta(weeks=w)).id for w in range(len(cards.cards))
    ]
    assert sorted(seen) == sorted(card.id for card in cards.cards)
    # Across a new year the rotation simply continues.
    assert (
        card_of_the_week(cards, date(2026, 12, 31)).id
        != card_of_the_week(cards, date(2027, 1, 4)).id
    )


def make(db_session, user_id: int, kind: str, due: datetime):
    reminder = Reminder(
        user_id=user_id, kind="checkin", title="", schedule={"type": "once", "at": due.isoformat()}
    )
    db_session.add(reminder)
    db_session.flush()
    delivery = Delivery(reminder_id=reminder.id, user_id=user_id, kind=kind, due_at=due)
    db_session.add(delivery)
    db_session.flush()
    return reminder, delivery


def test_the_weekly_card_is_in_the_users_words(app, db_session, alice):
    user = db_session.get(User, alice.id)
    user.role = "dispatcher"
    now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    reminder, delivery = make(db_session, alice.id, "learn", now)
    with app.app_context():
        content = learn_content(db_session, user, reminder, delivery, now)
    card = card_of_the_week(load_cards(), now.date())
    assert content.navigate_path == f"/#/learn/{card.id}"
    assert content.title == "One card this week"
    assert "{" not in content.body and str(card.minutes) in content.body


def test_the_monthly_ask_stays_silent_once_done_in_the_users_month(app, db_session, alice):
    user = db_session.get(User, alice.id)  # Europe/Berlin
    # 23:30 UTC on 31 January is already 1 February in Berlin.
    db_session.add(
        Reflection(user_id=alice.id, created_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    )
    db_session.flush()
    feb = datetime(2026, 2, 6, 18, 0, tzinfo=UTC)
    reminder, delivery = make(db_session, alice.id, "reflection", feb)
    assert look_back_content(db_session, user, reminder, delivery, feb) is None
    assert (delivery.status, delivery.reason) == ("skipped", "already_looked_back")
    march = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    reminder, delivery = make(db_session, alice.id, "reflection", march)
    content = look_back_content(db_session, user, reminder, delivery, march)
    assert content.navigate_path == "/#/reflect"
    assert content.title == "Your monthly look back"
    db_session.rollback()
