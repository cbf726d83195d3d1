"""Push feature services shared by the routes and the scheduler.

The sender is one per app; subscriptions are read as ``PushTarget`` values and
updated from send outcomes. Functions that take a session never commit: the
caller decides when its unit of work ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.push.endpoints import ValidSubscription
from server.push.models import PushSubscription
from server.push.retry import FAILED, GONE, REJECTED, SENT
from server.push.sender import PushOutcome, PushSender, PushTarget
from server.push.vapid import VapidSigner

SENDER_KEY = "tend.push_sender"
MAX_LABEL_LENGTH = 80
MAX_USER_AGENT_LENGTH = 400
_sender_lock = threading.Lock()

# Order matters: Edge, Opera and Samsung Internet also say "Chrome", and
# Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def sender_for(app: Flask) -> PushSender:
    """The app's one ``PushSender``, created on first use (thread-safe)."""
    sender = app.extensions.get(SENDER_KEY)
    if sender is not None:
        return sender
    with _sender_lock:
        sender = app.extensions.get(SENDER_KEY)
        if sender is None:
            signer = VapidSigner(app.extensions["tend.vapid_key"], app.config["TEND_VAPID_SUBJECT"])
            sender = PushSender(signer, app.config.get("TEND_PUSH_EXTRA_HOSTS") or ())
            app.extensions[SENDER_KEY] = sender
        return sender


def close_sender(app: Flask) -> None:
    """Close the app's sender if one was created (tests, shutdown)."""
    with _sender_lock:
        sender = app.extensions.pop(SENDER_KEY, None)
    if sender is not None:
        sender.close()


def targets_for_user(session: Session, user_id: int) -> list[PushTarget]:
    """Every device of ``user_id`` as send targets, oldest first."""
    rows = session.execute(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    ).scalars()
    return [to_target(row) for row in rows]


def targets_for_users(session: Session, user_ids: Iterable[int]) -> dict[int, list[PushTarget]]:
    """Every device of each user as send targets, oldest first, in one query."""
    table = PushSubscription.__table__
    rows = session.execute(
        select(table.c.id, table.c.user_id, table.c.endpoint, table.c.p256dh, table.c.auth)
        .where(table.c.user_id.in_(set(user_ids)))
        .order_by(table.c.id)
    )
    targets: dict[int, list[PushTarget]] = {}
    for row in rows:
        targets.setdefault(row.user_id, []).append(
            PushTarget(row.id, row.endpoint, row.p256dh, row.auth)
        )
    return targets


def to_target(row: PushSubscription) -> PushTarget:
    """A stored subscription as a send target."""
    assert row.id is not None
    return PushTarget(row.id, row.endpoint, row.p256dh, row.auth)


def record_outcomes(session: Session, outcomes: Iterable[PushOutcome], now: datetime) -> None:
    """Update devices from send outcomes (no commit).

    sent → ``last_success_at`` and the failure count reset; gone → the
    subscription is deleted; failed or rejected → ``last_failure_at`` and one
    more failure.
    """
    by_id: dict[int, str] = {}
    for outcome in outcomes:
        by_id[outcome.message.target.subscription_id] = outcome.result
    gone = [sid for sid, result in by_id.items() if result == GONE]
    sent = [sid for sid, result in by_id.items() if result == SENT]
    failed = [sid for sid, result in by_id.items() if result in (FAILED, REJECTED)]
    # Set-based statements: a batch of thousands of outcomes costs three statements.
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    if sent:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(sent))
            .values(last_success_at=now, failure_count=0)
        )
    if failed:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(failed))
            .values(last_failure_at=now,
                    failure_count=func.coalesce(PushSubscription.failure_count, 0) + 1)
        )


def save_subscription(
    session: Session, user_id: int, valid: ValidSubscription, user_agent: str
) -> tuple[PushSubscription, bool]:
    """Store a subscription for ``user_id``; returns (row, created). Commits.

    A known endpoint is updated in place (new keys, expiry, device) and moves to
    ``user_id``: the browser now belongs to whoever subscribed on it last.
    """
    for _ in range(2):
        row = session.execute(
            select(PushSubscription).where(PushSubscription.endpoint == valid.endpoint)
        ).scalar_one_or_none()
        created = row is None
        if row is None:
            row = PushSubscription(user_id=user_id, endpoint=valid.endpoint, p256dh="", auth="")
        row.user_id = user_id
        row.p256dh = valid.p256dh
        row.auth = valid.auth
        row.expiration_time = valid.expiration_time
        row.user_agent = user_agent[:MAX_USER_AGENT_LENGTH]
        row.device_label = device_label(user_agent)
        row.failure_count = 0
        session.add(row)
        try:
            session.commit()
        except IntegrityError:
            # Another request stored the same endpoint first; update that row.
            session.rollback()
            continue
        return row, created
    raise RuntimeError("could not store the subscription")


def device_label(user_agent: str | None) -> str:
    """A short name for a device from its User-Agent, like "Chrome on Android"."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        label = f"{browser} on {system}"
    else:
        label = browser or (f"A browser on {system}" if system else "A browser")
    return label[:MAX_LABEL_LENGTH]
