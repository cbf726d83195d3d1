"""HTTP routes of the push feature: public key, devices, and a test notification."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user
from sqlalchemy import delete, select

from server.api import ApiError, owned_or_404, route
from server.db import db
from server.push import service
from server.push.endpoints import SubscriptionRejected, validate_subscription
from server.push.models import PushSubscription, RemovedDevice
from server.push.schemas import (
    DeviceList,
    DeviceOut,
    PublicKeyOut,
    RemovedDeviceList,
    RemovedDeviceOut,
    SubscriptionCreatedOut,
    SubscriptionEnvelope,
    SubscriptionIn,
    TestPushOut,
)
from server.push.vapid import public_key_b64url

bp = Blueprint("push", __name__)


@route(bp, "/api/push/public-key", auth=False, response=PublicKeyOut)
def public_key():
    """The server's VAPID public key (base64url, uncompressed P-256 point)."""
    return PublicKeyOut(public_key=public_key_b64url(current_app.extensions["tend.vapid_key"]))


@route(
    bp,
    "/api/push/subscriptions",
    methods=["POST"],
    body=SubscriptionIn,
    response=SubscriptionEnvelope,
    status=201,
)
def subscribe(body: SubscriptionIn):
    """Register this browser for notifications (201 new, 200 already known).

    Posting a known subscription again marks the device seen now. ``replaces``
    removes the device this browser had before its subscription was dropped.
    """
    try:
        valid = validate_subscription(
            body.model_dump(), current_app.config.get("TEND_PUSH_EXTRA_HOSTS") or ()
        )
    except SubscriptionRejected as rejected:
        raise ApiError(
            400, rejected.code, rejected.message, fields={rejected.field: rejected.message}
        ) from None
    service.require_room_for_device(
        db.session,
        current_user.id,
        valid.endpoint,
        body.replaces,
        current_app.config["TEND_MAX_DEVICES"],
    )
    try:
        row, created = service.save_subscription(
            db.session,
            current_user.id,
            valid,
            request.headers.get("User-Agent", ""),
            replaces=body.replaces,
        )
    except service.EndpointTaken:
        raise ApiError(
            409,
            "endpoint_taken",
            "This browser's notifications belong to another account. "
            "Turn notifications off and on again in the browser, then retry.",
        ) from None
    envelope = SubscriptionEnvelope(
        subscription=SubscriptionCreatedOut(
            id=row.id, endpoint=row.endpoint, created_at=row.created_at
        )
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
    return DeviceList(
        subscriptions=[
            DeviceOut(
                id=row.id,
                endpoint=row.endpoint,
                device_label=row.device_label,
                created_at=row.created_at,
                last_success_at=row.last_success_at,
                last_seen_at=row.last_seen_at,
                last_failure=service.failure_words(row),
            )
            for row in rows
        ]
    )


@route(bp, "/api/push/subscriptions/<int:subscription_id>", methods=["DELETE"], status=204)
def delete_device(subscription_id: int):
    """Stop notifications to one device."""
    row = owned_or_404(db.session, PushSubscription, current_user.id, subscription_id, "device")
    db.session.delete(row)
    db.session.commit()
    return None


@route(bp, "/api/push/test", methods=["POST"], response=TestPushOut, status=202)
def send_test():
    """Send a test notification to every device of the signed-in person now."""
    return send_test_to(service.targets_for_user(db.session, current_user.id))


@route(
    bp,
    "/api/push/subscriptions/<int:subscription_id>/test",
    methods=["POST"],
    response=TestPushOut,
    status=202,
)
def send_device_test(subscription_id: int):
    """Send a test notification to one device of the signed-in person now."""
    row = owned_or_404(db.session, PushSubscription, current_user.id, subscription_id, "device")
    return send_test_to([service.to_target(row)])


@route(bp, "/api/push/removed-devices", response=RemovedDeviceList)
def removed_devices():
    """Devices Tend stopped sending to (silent for weeks) that the person wasn't told of yet."""
    rows = db.session.execute(
        select(RemovedDevice)
        .where(RemovedDevice.user_id == current_user.id)
        .order_by(RemovedDevice.removed_at, RemovedDevice.id)
    ).scalars()
    return RemovedDeviceList(
        removed_devices=[
            RemovedDeviceOut(id=row.id, device_label=row.device_label, removed_at=row.removed_at)
            for row in rows
        ]
    )


@route(bp, "/api/push/removed-devices", methods=["DELETE"], status=204)
def forget_removed_devices():
    """The person has been told about their removed devices: forget the notes."""
    db.session.execute(delete(RemovedDevice).where(RemovedDevice.user_id == current_user.id))
    db.session.commit()
    return None


def send_test_to(targets: list) -> TestPushOut:
    """Send the test notification to ``targets`` and record how each went."""
    sent, failed = service.send_test_notification(current_app, db.session, current_user.id, targets)
    return TestPushOut(sent=sent, failed=failed)
