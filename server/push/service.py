"""Push feature services shared by the routes and the scheduler.

The sender is one per app; subscriptions are read as ``PushTarget`` values and
updated from send outcomes. Functions that take a session never commit: the
caller decides when its unit of work ends.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from datetime import datetime

from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError
from server.db import utcnow
from server.push.endpoints import ValidSubscription
from server.push.models import PushSubscription
from server.push.payload import build_payload, make_topic
from server.push.retry import FAILED, GONE, REFUSED, REJECTED, SENT
from server.push.sender import PushMessage, PushOutcome, PushSender, PushTarget
from server.push.vapid import VapidSigner

SENDER_KEY = "tend.push_sender"
MAX_LABEL_LENGTH = 80
MAX_USER_AGENT_LENGTH = 400
_sender_lock = threading.Lock()

# What went wrong last time, for the person reading their list of devices.
FAILURE_WORDS = {
    FAILED: "The last notification didn't get through. Tend will keep trying.",
    REJECTED: "The last notification couldn't be sent to this device.",
    REFUSED: (
        "Its push service turned the last notification away because of a server setting. "
        "This device is fine; whoever runs Tend has been told."
    ),
}

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
        .join(User, User.id == PushSubscription.user_id)
        .where(PushSubscription.user_id == user_id, User.disabled_at.is_(None))
        .order_by(PushSubscription.id)
    ).scalars()
    return [to_target(row) for row in rows]


def targets_for_users(session: Session, user_ids: Iterable[int]) -> dict[int, list[PushTarget]]:
    """Every device of each user as send targets, oldest first, in one query."""
    table = PushSubscription.__table__
    rows = session.execute(
        select(table.c.id, table.c.user_id, table.c.endpoint, table.c.p256dh, table.c.auth)
        .join(User.__table__, User.__table__.c.id == table.c.user_id)
        # An account an operator disabled gets no pushes.
        .where(table.c.user_id.in_(set(user_ids)), User.__table__.c.disabled_at.is_(None))
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

    sent → ``last_success_at``, the failure count and reason reset; gone → the
    subscription is deleted; failed or rejected → ``last_failure_at`` and one
    more failure; refused (401/403, our configuration) → ``last_failure_at`` and
    its reason only, never one more failure.
    """
    by_id: dict[int, str] = {}
    for outcome in outcomes:
        by_id[outcome.message.target.subscription_id] = outcome.result
    gone = [sid for sid, result in by_id.items() if result == GONE]
    sent = [sid for sid, result in by_id.items() if result == SENT]
    # Set-based statements: a batch of thousands of outcomes costs a few statements.
    if gone:
        session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
    if sent:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(sent))
            .values(last_success_at=now, failure_count=0, last_failure_reason=None)
        )
    for result in (FAILED, REJECTED):
        failed = [sid for sid, outcome in by_id.items() if outcome == result]
        if failed:
            session.execute(
                update(PushSubscription)
                .where(PushSubscription.id.in_(failed))
                .values(
                    last_failure_at=now,
                    last_failure_reason=result,
                    failure_count=func.coalesce(PushSubscription.failure_count, 0) + 1,
                )
            )
    refused = [sid for sid, result in by_id.items() if result == REFUSED]
    if refused:
        session.execute(
            update(PushSubscription)
            .where(PushSubscription.id.in_(refused))
            .values(last_failure_at=now, last_failure_reason=REFUSED)
        )


def failure_words(row: PushSubscription) -> str | None:
    """The last failure in plain words, while it is newer than the last success."""
    if row.last_failure_at is None:
        return None
    if row.last_success_at is not None and row.last_success_at >= row.last_failure_at:
        return None
    return FAILURE_WORDS.get(row.last_failure_reason or FAILED, FAILURE_WORDS[FAILED])


class EndpointTaken(Exception):
    """The endpoint is another account's, and the request does not hold its keys."""


def may_take_over(row: PushSubscription, user_id: int, valid: ValidSubscription) -> bool:
    """Whether ``user_id`` may store ``valid`` over the known ``row``.

    The owner may always refresh their own keys. Another account may take the
    endpoint over only with the same ``p256dh`` and ``auth``: those are made by the
    browser and never leave it, so whoever sends them is on that browser (a person
    signing in to another account on a shared phone). An endpoint URL alone can
    leak (logs, a push service's error pages); it must not be enough to steal
    someone's notifications.
    """
    if row.user_id == user_id:
        return True
    same_p256dh = hmac.compare_digest(row.p256dh, valid.p256dh)
    return same_p256dh and hmac.compare_digest(row.auth, valid.auth)


def require_room_for_device(
    session: Session, user_id: int, endpoint: str, replaces: int | None, limit: int
) -> None:
    """Raise a 409 when this subscription would be one device more than ``limit``.

    Subscribing a known endpoint again, or replacing one's own dropped device,
    never adds a device.
    """
    devices = session.execute(
        select(PushSubscription.id, PushSubscription.endpoint).where(
            PushSubscription.user_id == user_id
        )
    ).all()
    if any(row.endpoint == endpoint for row in devices):
        return
    remaining = [row for row in devices if row.id != replaces]
    if len(remaining) >= limit:
        raise ApiError(
            409,
            "device_limit",
            f"Notifications already go to {limit} devices, the most Tend keeps. "
            "Remove one you no longer use in Settings, then turn them on here.",
        )


def save_subscription(
    session: Session,
    user_id: int,
    valid: ValidSubscription,
    user_agent: str,
    replaces: int | None = None,
) -> tuple[PushSubscription, bool]:
    """Store a subscription for ``user_id``; returns (row, created). Commits.

    A known endpoint is updated in place (new keys, expiry, device, ``last_seen_at``).
    It moves to ``user_id`` only when the request carries the keys already stored
    for it (``EndpointTaken`` otherwise): see ``may_take_over``. ``replaces`` names
    the device this browser had before its subscription was dropped; that row goes,
    if it is ``user_id``'s.
    """
    for _ in range(2):
        row = session.execute(
            select(PushSubscription).where(PushSubscription.endpoint == valid.endpoint)
        ).scalar_one_or_none()
        if row is not None and not may_take_over(row, user_id, valid):
            raise EndpointTaken()
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
        row.last_seen_at = utcnow()
        session.add(row)
        if replaces is not None:
            session.execute(
                delete(PushSubscription).where(
                    PushSubscription.id == replaces,
                    PushSubscription.user_id == user_id,
                    PushSubscription.endpoint != valid.endpoint,
                )
            )
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


TEST_TTL_SECONDS = 20


def send_test_notification(
    app: Flask, session: Session, user_id: int, targets: list[PushTarget]
) -> tuple[int, int]:
    """Send the "notifications reach this device" message to ``targets``; (sent, failed).

    Commits the recorded outcomes (used by the app and by the operator's command).
    """
    payload = build_payload(
        title="Hello from Tend",
        body="Notifications reach this device. Nothing to do here.",
        navigate=app.config["TEND_PUBLIC_URL"] + "/",
        tag="tend-test",
    )
    topic = make_topic("test", user_id)
    messages = [PushMessage(target, payload, TEST_TTL_SECONDS, topic=topic) for target in targets]
    outcomes = sender_for(app).send_many(messages)
    record_outcomes(session, outcomes, utcnow())
    session.commit()
    sent = sum(1 for outcome in outcomes if outcome.result == SENT)
    return sent, len(outcomes) - sent
