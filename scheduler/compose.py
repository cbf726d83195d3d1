"""Composing: what one delivery says and the push messages that carry it.

The wording comes from the feature that owns the kind — check-ins and
follow-ups from ``server.checkins.notify``, the weekly card from
``server.learn.notify``, the monthly look back from ``server.reflections.notify``,
every other kind from ``server.habits.notify`` — and the answer token from
``server.deliveries.tokens``. The result is one Declarative Web Push payload,
sent as one message per device of the user.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlmodel import Session

from server.accounts.models import User
from server.checkins.notify import checkin_content
from server.deliveries.tokens import issue_token
from server.habits.notify import habit_content
from server.learn.notify import learn_content
from server.privacy.discreet import discreet_content
from server.push.payload import build_payload
from server.push.sender import PushMessage, PushTarget
from server.reflections.notify import look_back_content
from server.reminders.content import NotificationContent
from server.reminders.kinds import CHECKIN_KINDS
from server.reminders.models import Delivery, Reminder

# Kinds whose feature words them itself, rather than the habit wording.
OWN_WORDING = {"learn": learn_content, "reflection": look_back_content}


def content_for(
    session: Session, user: User, reminder: Reminder, delivery: Delivery, now: datetime, **selection
) -> NotificationContent | None:
    """The notification for one delivery of ``reminder``, discreet when the user asked.

    The feature that owns the kind words it; a user with discreet notifications
    gets neutral words instead (``server.privacy.discreet``).

    None means the feature decided this occurrence stays silent; it has then set
    ``delivery.status`` and ``delivery.reason`` itself. ``selection`` (``history``:
    the user's answer history, ``bank``: the question bank) is passed on to the
    check-in wording so it need not load them for every delivery.
    """
    if reminder.kind in CHECKIN_KINDS:
        content = checkin_content(session, user, reminder, delivery, now, **selection)
    elif reminder.kind in OWN_WORDING:
        content = OWN_WORDING[reminder.kind](session, user, reminder, delivery, now)
    else:
        content = habit_content(session, user, reminder, delivery, now)
    if content is not None and user.discreet_notifications:
        return discreet_content(content)
    return content


def absolute(app: Flask, path: str) -> str:
    """An app path as an absolute URL of this app."""
    if path.startswith(("http://", "https://")):
        return path
    return app.config["TEND_PUBLIC_URL"] + (path if path.startswith("/") else "/" + path)


def payload_for(
    app: Flask,
    reminder: Reminder,
    delivery: Delivery,
    content: NotificationContent,
    token: str | None,
) -> bytes:
    """The Declarative Web Push JSON of one delivery."""
    actions = [
        dict(action, navigate=absolute(app, action.get("navigate", content.navigate_path)))
        for action in content.actions
    ]
    extra = dict(content.extra)
    extra["delivery_id"] = delivery.id
    extra["reminder_kind"] = reminder.kind
    if token is not None:
        extra["answer_token"] = token
    return build_payload(
        title=content.title,
        body=content.body,
        navigate=absolute(app, content.navigate_path),
        tag=f"reminder-{reminder.id}",
        actions=actions,
        extra=extra,
    )


def messages_for(
    app: Flask,
    reminder: Reminder,
    delivery: Delivery,
    content: NotificationContent,
    targets: list[PushTarget],
    now: datetime,
) -> list[PushMessage]:
    """One message per device, carrying the payload with a fresh answer token."""
    payload = payload_for(
        app, reminder, delivery, content, issue_token(delivery, now, app.secret_key)
    )
    return [
        PushMessage(target, payload, content.ttl, content.urgency, delivery.topic, delivery.id)
        for target in targets
    ]
