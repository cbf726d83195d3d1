"""Push routes end to end: the browser subscribes, the test notification arrives verified."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from server.push import service
from server.push.models import PushSubscription
from server.push.sender import PushMessage, PushOutcome, PushSender, PushTarget
from server.push.vapid import VapidSigner, public_key_b64url
from tests.push_receiver import Reply, push_receiver_fixture  # noqa: F401

CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture(autouse=True)
def receiver_is_an_allowed_push_host(app_config, push_receiver):
    """Let the app send to the local receiver, as an operator would list a private service."""
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]


@pytest.fixture(autouse=True)
def close_the_sender(receiver_is_an_allowed_push_host, app):
    """The app is built after the receiver is allowed; its sender is closed afterwards."""
    yield
    service.close_sender(app)


def subscribe(client, subscription, **headers):
    return client.post("/api/push/subscriptions", json=subscription.to_json(), headers=headers)


def test_public_key_matches_the_configured_key(client, app):
    response = client.get("/api/push/public-key")
    assert response.status_code == 200
    assert response.get_json() == {
        "public_key": public_key_b64url(app.extensions["tend.vapid_key"])
    }


def test_cli_prints_the_public_key(app):
    result = app.test_cli_runner().invoke(args=["vapid-public-key"])
    assert result.exit_code == 0
    assert result.output.strip() == public_key_b64url(app.extensions["tend.vapid_key"])


def test_test_notification_arrives_decrypted_and_signed(client, auth, app, push_receiver):
    auth.register()
    phone, laptop = push_receiver.make_subscription(), push_receiver.make_subscription()
    first = subscribe(client, phone, **{"User-Agent": CHROME_ANDROID})
    assert first.status_code == 201, first.get_json()
    assert subscribe(client, laptop).status_code == 201

    response = client.post("/api/push/test")
    assert response.status_code == 202
    assert response.get_json() == {"sent": 2, "failed": 0}
    for device in (phone, laptop):
        (received,) = push_receiver.messages_for(device)
        assert received.verified, received.problems
        assert received.vapid_public_key == public_key_b64url(app.extensions["tend.vapid_key"])
        assert received.claims["sub"] == "mailto:tests@example.org"
        notification = received.payload["notification"]
        assert received.payload["web_push"] == 8030
        assert notification["navigate"] == "http://127.0.0.1:8000/"
        assert notification["title"] and notification["body"]
        assert received.headers["ttl"] and received.headers["topic"]

    devices = client.get("/api/push/subscriptions").get_json()["subscriptions"]
    assert [d["device_label"] for d in devices] == ["Chrome on Android", "A browser"]
    assert all(d["last_success_at"] for d in devices)


def test_gone_devices_are_removed_and_failures_counted(client, auth, push_receiver, db_session):
    auth.register()
    gone, broken, fine = (push_receiver.make_subscription() for _ in range(3))
    for device in (gone, broken, fine):
        subscribe(client, device)
    push_receiver.answer(gone, Reply.gone(410))
    push_receiver.answer(broken, Reply(413))

    assert client.post("/api/push/test").get_json() == {"sent": 1, "failed": 2}
    rows = {r.endpoint: r for r in db_session.execute(select(PushSubscription)).scalars()}
    assert gone.endpoint not in rows
    assert rows[broken.endpoint].failure_count == 1
    assert rows[broken.endpoint].last_failure_at is not None
    assert rows[fine.endpoint].last_success_at is not None


def test_test_without_devices_sends_nothing(client, auth):
    auth.register()
    assert client.post("/api/push/test").get_json() == {"sent": 0, "failed": 0}


def test_resubscribe_is_idempotent_and_updates_keys(client, auth, push_receiver):
    auth.register()
    device = push_receiver.make_subscription()
    first = subscribe(client, device)
    assert first.status_code == 201
    renewed = push_receiver.make_subscription()  # the browser rotated its keys
    body = {**device.to_json(), "keys": renewed.to_json()["keys"]}
    again = client.post("/api/push/subscriptions", json=body)
    assert again.status_code == 200
    assert again.get_json()["subscription"]["id"] == first.get_json()["subscription"]["id"]
    assert len(client.get("/api/push/subscriptions").get_json()["subscriptions"]) == 1


def test_endpoint_moves_to_whoever_subscribes_on_the_browser(
    client, auth, alice, bob, push_receiver
):
    device = push_receiver.make_subscription()
    auth.as_user(alice)
    subscribe(client, device)
    auth.logout()
    auth.as_user(bob)
    assert subscribe(client, device).status_code == 200
    assert len(client.get("/api/push/subscriptions").get_json()["subscriptions"]) == 1
    auth.logout()
    auth.as_user(alice)
    assert client.get("/api/push/subscriptions").get_json()["subscriptions"] == []


def test_bob_cannot_delete_alices_device(client, auth, alice, bob, push_receiver):
    auth.as_user(alice)
    created = subscribe(client, push_receiver.make_subscription())
    device_id = created.get_json()["subscription"]["id"]
    auth.logout()
    auth.as_user(bob)
    response = client.delete(f"/api/push/subscriptions/{device_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    auth.logout()
    auth.as_user(alice)
    assert client.delete(f"/api/push/subscriptions/{device_id}").status_code == 204
    assert client.get("/api/push/subscriptions").get_json()["subscriptions"] == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (
            {"endpoint": "https://fcm.googleapis.com.evil.example/x"},
            "endpoint_not_allowed",
            "endpoint",
        ),
        ({"endpoint": "http://127.0.0.1:1/push/x"}, "endpoint_not_allowed", "endpoint"),
        (
            {"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}},
            "invalid_keys",
            "keys.p256dh",
        ),
        ({"keys": None}, "validation_error", "keys"),
    ],
)
def test_rejections_are_400_json(client, auth, push_receiver, body, code, field):
    auth.register()
    data = {**push_receiver.make_subscription().to_json(), **body}
    response = client.post("/api/push/subscriptions", json=data)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == code and field in error["fields"] and error["message"]


def test_routes_need_sign_in_and_csrf(client, push_receiver):
    assert client.get("/api/push/subscriptions").status_code == 401
    assert client.post("/api/push/test").status_code == 401
    client.auto_csrf = False
    response = subscribe(client, push_receiver.make_subscription())
    assert response.status_code in (401, 403)


def test_record_outcomes_updates_devices(app, alice, db_session):
    rows = [
        PushSubscription(
            user_id=alice.id, endpoint=f"https://fcm.googleapis.com/{n}", p256dh="k", auth="a"
        )
        for n in range(3)
    ]
    db_session.add_all(rows)
    db_session.commit()
    targets = service.targets_for_user(db_session, alice.id)
    outcomes = [
        PushOutcome(PushMessage(t, b"{}", 60), result, 201, 1, "")
        for t, result in zip(targets, ["sent", "gone", "failed"], strict=True)
    ]
    now = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    service.record_outcomes(db_session, outcomes, now)
    db_session.commit()
    left = {r.endpoint: r for r in db_session.execute(select(PushSubscription)).scalars()}
    assert set(left) == {targets[0].endpoint, targets[2].endpoint}
    assert left[targets[0].endpoint].last_success_at == now
    assert left[targets[2].endpoint].failure_count == 1


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_ANDROID, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Safari/605.1.15",
            "Safari on Mac",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        ("", "A browser"),
    ],
)
def test_device_labels(agent, label):
    assert service.device_label(agent) == label


def test_sender_is_one_per_app_and_stops_when_dropped(app):
    first = service.sender_for(app)
    assert service.sender_for(app) is first
    first.send_many([])  # nothing to send starts nothing
    service.close_sender(app)
    assert service.sender_for(app) is not first


def test_a_dropped_sender_closes_its_session_and_thread(push_receiver):
    device = push_receiver.make_subscription()
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:care@tend.example")
    sender = PushSender(signer, [push_receiver.host])
    target = PushTarget(1, device.endpoint, device.p256dh, device.auth)
    assert sender.send(PushMessage(target, b"{}", 60)).result == "sent"
    thread = sender._state.thread
    assert thread is not None and thread.is_alive()
    del sender
    gc.collect()
    assert not thread.is_alive()
