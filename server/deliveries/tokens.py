"""One-time answer tokens: a notification's buttons answer without a session.

A token is 256 bits derived from the server's secret key and the delivery
(HMAC-SHA256), given to the user's devices inside the encrypted push payload and
stored only as its SHA-256 hash, so a database leak gives nobody a usable token.
Deriving rather than drawing it means a delivery sent again after a crash carries
the very same token: whichever copy the phone shows, its buttons work, and an
answer already given stays given. It expires after 24 hours and works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from server.api import ApiError
from server.reminders.models import Delivery

TOKEN_BYTES = 32
TOKEN_LIFETIME = timedelta(hours=24)
# token_urlsafe(32) gives 43 characters; anything else cannot be one of ours.
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def derive_token(secret: str | bytes, delivery_id: int) -> str:
    """The answer token of one delivery: the same every time it is sent."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, f"tend-answer-token:{delivery_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii").rstrip("=")


def issue_token(delivery: Delivery, now: datetime, secret: str | bytes) -> str:
    """Give ``delivery`` its answer token, valid for 24 hours from ``now``; returns the token.

    Never re-opens an answer: a delivery already answered keeps ``answered_at``.
    """
    if delivery.id is None:
        raise ValueError("a delivery gets its token once it is stored")
    token = derive_token(secret, delivery.id)
    delivery.answer_token_hash = hash_token(token)
    delivery.token_expires_at = now + TOKEN_LIFETIME
    return token


def not_found() -> ApiError:
    """The one answer for unknown, used and malformed tokens, so guessing learns nothing."""
    return ApiError(404, "not_found", "This answer link is no longer valid.")


def delivery_for_token(session: Session, token: str, now: datetime) -> Delivery:
    """The delivery a token belongs to; 404 when unknown or used, 410 when expired."""
    if not TOKEN_SHAPE.match(token):
        raise not_found()
    delivery = session.execute(
        select(Delivery).where(Delivery.answer_token_hash == hash_token(token))
    ).scalar_one_or_none()
    if delivery is None or delivery.answered_at is not None:
        raise not_found()
    if delivery.token_expires_at is None or delivery.token_expires_at <= now:
        raise ApiError(
            410, "token_expired", "This notification has expired. Open Tend to answer instead."
        )
    return delivery


def use_token(session: Session, delivery: Delivery, now: datetime) -> None:
    """Mark the token used, atomically: of two simultaneous answers only one gets through."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.answered_at.is_(None))
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise not_found()
    delivery.answered_at = now
