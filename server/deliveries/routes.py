"""Answers from a notification: ``POST /api/deliveries/{token}/answer``, no session needed.

The token alone authorises the call, and only for the one delivery it was
issued with: the answer is recorded for that delivery's user and question,
whoever is signed in on the device.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from pydantic import BaseModel, Field, model_validator

from server.api import ApiError, route
from server.api_types import Strict
from server.checkins import service
from server.checkins.notify import ANSWER_PREFIX
from server.db import db, utcnow
from server.deliveries.tokens import delivery_for_token, use_token
from server.habits.actions import apply_action
from server.reminders.kinds import default_title
from server.reminders.models import Delivery, Reminder

bp = Blueprint("deliveries", __name__)


class DeliveryAnswerIn(Strict):
    """Either ``value`` (an answer to the delivery's question) or ``action``."""

    value: int | None = None
    action: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def exactly_one(self) -> DeliveryAnswerIn:
        """One of the two, not both and not neither."""
        if (self.value is None) == (self.action is None):
            raise ValueError("Send either value or action.")
        return self


class DeliveryQuestionOut(BaseModel):
    """The question a delivery asked, with its whole scale."""

    id: str
    domain: str
    text: str
    scale: dict
    quick_answers: list[dict] = []


class DeliveryOut(BaseModel):
    """What one notification asked or reminded, for the one-screen answer."""

    kind: str
    title: str
    question: DeliveryQuestionOut | None = None
    expires_at: datetime


class DeliveryAnswerOut(BaseModel):
    """What was recorded."""

    status: str
    checkin_id: int | None = None
    result: dict | None = None


def value_from_action(action: str) -> int | None:
    """``"answer:4"`` (a notification button name) means the value 4."""
    if not action.startswith(ANSWER_PREFIX):
        return None
    try:
        return int(action[len(ANSWER_PREFIX) :])
    except ValueError:
        raise ApiError(
            400,
            "validation_error",
            "That answer is not a number.",
            fields={"action": "use answer:<number>"},
        ) from None


def record_value(delivery: Delivery, value: int, now) -> dict:
    """Record ``value`` as the answer to the delivery's question, for the delivery's user."""
    session = db.session
    bank = service.current_bank()
    question = bank.get(delivery.question_id) if delivery.question_id else None
    if question is None:
        raise ApiError(409, "no_question", "This notification did not ask a question.")
    if not question.scale.contains(value):
        scale = question.scale
        raise ApiError(
            400,
            "validation_error",
            "That answer is off the scale.",
            fields={"value": f"Choose from {scale.min} to {scale.max}."},
        )
    reminder = session.get(Reminder, delivery.reminder_id) if delivery.reminder_id else None
    moment_id = (reminder.meta or {}).get("moment_id") if reminder is not None else None
    if moment_id is not None and service.owned_moment(session, delivery.user_id, moment_id) is None:
        moment_id = None
    use_token(session, delivery, now)
    checkin, _ = service.record_checkin(
        session,
        delivery.user_id,
        bank,
        [(question.id, value)],
        source="notification",
        now=now,
        delivery_id=delivery.id,
        moment_id=moment_id,
    )
    return {"status": "recorded", "checkin_id": checkin.id}


def apply_habit_action(delivery: Delivery, action: str, now) -> dict:
    """Hand a habit action (done, snooze, day_done) to the habits feature."""
    use_token(db.session, delivery, now)
    result = apply_action(db.session, delivery, action, now)
    return {"status": "done", "result": result}


@route(bp, "/api/deliveries/<token>", response=DeliveryOut, auth=False)
def read_delivery(token: str):
    """The question (or reminder) of a notification, authorised by its answer token.

    404 for an unknown or used token, 410 for an expired one, like the answer.
    """
    delivery = delivery_for_token(db.session, token, utcnow())
    reminder = db.session.get(Reminder, delivery.reminder_id) if delivery.reminder_id else None
    question = service.current_bank().get(delivery.question_id) if delivery.question_id else None
    return DeliveryOut(
        kind=delivery.kind,
        title=(reminder.title if reminder is not None else "")
        or default_title(delivery.kind)
        or "",
        question=DeliveryQuestionOut(**question.public()) if question is not None else None,
        expires_at=delivery.token_expires_at,
    )


@route(
    bp,
    "/api/deliveries/<token>/answer",
    methods=["POST"],
    body=DeliveryAnswerIn,
    response=DeliveryAnswerOut,
    auth=False,
    csrf=False,
)
def answer_delivery(token: str, body: DeliveryAnswerIn):
    """Answer a notification with its one-time token: a value or an action."""
    now = utcnow()
    delivery = delivery_for_token(db.session, token, now)
    value = body.value if body.value is not None else value_from_action(body.action or "")
    if value is not None:
        outcome = record_value(delivery, value, now)
    else:
        outcome = apply_habit_action(delivery, body.action or "", now)
    db.session.commit()
    return outcome
