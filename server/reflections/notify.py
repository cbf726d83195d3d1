"""The monthly look-back notification.

Ready for a ``reflection`` reminder kind: ``compose`` in
``server/reminders/content.py`` hands such a delivery to ``look_back_content``.
A look back already made in the user's current month keeps the reminder silent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from server.accounts.models import User
from server.reflections.models import Reflection
from server.reminders.content import NotificationContent, default_ttl
from server.reminders.models import Delivery, DeliveryStatus, Reminder

TITLE = "Your monthly look back"
BODY = "Eight questions about the past month, about two minutes."


def month_start(now: datetime, user: User) -> datetime:
    """Midnight on the first of the user's current month, as an aware datetime."""
    local = now.astimezone(user.zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def looked_back_this_month(session: Session, user: User, now: datetime) -> bool:
    """Whether the user already made a look back in their current calendar month."""
    found = session.execute(
        select(Reflection.id)
        .where(Reflection.user_id == user.id, Reflection.created_at >= month_start(now, user))
        .limit(1)
    ).first()
    return found is not None


def look_back_content(
    session: Session, user: User, reminder: Reminder, delivery: Delivery, now: datetime
) -> NotificationContent | None:
    """The invitation to look back, or None (delivery skipped) when it is done this month."""
    if looked_back_this_month(session, user, now):
        delivery.status = DeliveryStatus.SKIPPED
        delivery.reason = "already_looked_back"
        return None
    return NotificationContent(
        title=reminder.title or TITLE,
        body=BODY,
        navigate_path="/#/reflect",
        ttl=default_ttl("reflection"),
        urgency="low",
    )
