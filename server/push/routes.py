"""HTTP routes of the push feature: public key, devices, and a test notification."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user
from sqlalchemy import select

from server.api import ApiError, route
from server.db import db, utcnow
from server.push import service
from server.push.endpoints import SubscriptionRejected, validate_subscription
from server.push.models import PushSubscription
from server.push.payload import build_payload, make_topic
from server.push.retry import SENT
from server.push.schemas import (
    DeviceList,
    DeviceOut,
    PublicKeyOut,
    SubscriptionCreatedOut,
    SubscriptionEnvelope,
    SubscriptionIn,
    TestPushOut,
)
from server.push.sender import PushMessage
from server.push.vapid import public_key_b64url

bp = Blueprint("push", __name__)

# A test notification is only worth showing while the person is looking at the
# settings screen, so it may wait briefly at the push service and no longer.
TEST_TTL_SECONDS = 20


@route(bp, "/api/push/public-key", auth=False, response=PublicKeyOut)
def public_key():
    """The server's VAPID public key (base64url, uncompressed P-256 point)."""
    return PublicKeyOut(public_key=public_key_b64url(current_app.extensions["tend.vapid_key"]))


@route(bp, "/api/push/subscriptions", methods=["POST"], body=SubscriptionIn,
       response=SubscriptionEnvelope, status=201)
def subscribe(body: SubscriptionIn):
    """Register this browser for notifications (201 new, 200 already known)."""
    try:
        valid = validate_subscription(
            body.model_dump(), current_app.config.get("TEND_PUSH_EXTRA_HOSTS") or ()
        )
    except SubscriptionRejected as rejected:
        raise ApiError(400, rejected.code, rejected.message,
                       fields={rejected.field: rejected.message}) from None
    row, created = service.save_subscription(
        db.session, current_user.id, valid, request.headers.get("User-Agent", "")
    )
    envelope = SubscriptionEnvelope(
        subscription=SubscriptionCreatedOut(id=row.id, endpoint=row.endpoint,
                                            created_at=row.created_at)
    )
    return envelope, (201 if created else 200)


@route(bp, "/api/push/subscriptions", response=DeviceList)
def list_devices():
    """The signed-in person's devices that receive notifications."""
    rows = db.session.execute(
        select(PushSubscription)
        .where(PushSubscription.user_id == current_user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).scalars()
    return DeviceList(subscriptions=[
        DeviceOut(id=row.id, endpoint=row.endpoint, device_label=row.device_label,
                  created_at=row.created_at, last_success_at=row.last_success_at)
        for row in rows
    ])


@route(bp, "/api/push/subscriptions/<int:subscription_id>", methods=["DELETE"], status=204)
def delete_device(subscription_id: int):
    """Stop notifications to one device."""
    row = db.session.get(PushSubscription, subscription_id)
    if row is None or row.user_id != current_user.id:
        raise ApiError(404, "not_found", "That device isn't on your list.")
    db.session.delete(row)
    db.session.commit()
    return None


@route(bp, "/api/push/test", methods=["POST"], response=TestPushOut, status=202)
def send_test():
    """Send a test notification to every device of the signed-in person now."""
    targets = service.targets_for_user(db.session, current_user.id)
    payload = build_payload(
        title="Hello from Tend",
        body="Notifications reach this device. Nothing to do here.",
        navigate=current_app.config["TEND_PUBLIC_URL"] + "/",
        tag="tend-test",
    )
    topic = make_topic("test", current_user.id)
    messages = [PushMessage(target, payload, TEST_TTL_SECONDS, topic=topic) for target in targets]
    outcomes = service.sender_for(current_app).send_many(messages)
    service.record_outcomes(db.session, outcomes, utcnow())
    db.session.commit()
    sent = sum(1 for outcome in outcomes if outcome.result == SENT)
    return TestPushOut(sent=sent, failed=len(outcomes) - sent)
