"""An Apple-like push service: what it accepts, what it refuses, and how Tend takes a refusal."""

from __future__ import annotations

import logging
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlmodel import Session

from server import create_app
from server.push import service
from server.push.models import PushSubscription
from server.push.payload import build_payload
from server.push.refusals import refusal_counts, reset_refusals
from server.push.sender import PushMessage, PushSender, PushTarget
from server.push.vapid import VapidSigner
from tests.conftest import ApiClient
from tests.push_receiver import PushReceiver, apple_subject_problem


@pytest.fixture
def apple():
    """A started Apple-like push service."""
    with PushReceiver(apple=True) as receiver:
        yield receiver


@pytest.fixture(autouse=True)
def fresh_refusal_counts():
    """Counts are per process; every test starts from none."""
    reset_refusals()
    yield
    reset_refusals()


def target_for(subscription) -> PushTarget:
    return PushTarget(1, subscription.endpoint, subscription.p256dh, subscription.auth)


def hello() -> bytes:
    return build_payload(title="Hello", body="From Tend", navigate="https://t.org/", tag="t")


def test_the_default_https_configuration_is_accepted_end_to_end(app_config, apple):
    app_config.update(
        TEND_PUBLIC_URL="https://tend.example.org",
        TEND_VAPID_SUBJECT=None,
        TEND_PUSH_EXTRA_HOSTS=[apple.host],
    )
    app = create_app(app_config)
    try:
        device = apple.make_subscription()
        outcome = service.sender_for(app).send(PushMessage(target_for(device), hello(), 60))
        assert (outcome.result, outcome.status) == ("sent", 201)
        [received] = apple.messages_for(device)
        assert received.verified, received.problems
        assert received.claims["sub"] == "https://tend.example.org"
        assert received.claims["aud"] == apple.origin
        assert received.payload["notification"]["title"] == "Hello"
    finally:
        service.close_sender(app)
        app.extensions["tend.engine"].dispose()


def test_a_placeholder_subject_is_refused_at_start_up(app_config):
    from server.config import ConfigError

    app_config.update(
        TEND_PUBLIC_URL="https://tend.example.org", TEND_VAPID_SUBJECT="mailto:me@tend.local"
    )
    with pytest.raises(ConfigError, match="TEND_VAPID_SUBJECT"):
        create_app(app_config)


@pytest.mark.parametrize(
    ("subject", "accepted"),
    [
        ("mailto:care@tend-clinic.org", True),
        ("https://tend.example.org/contact", True),
        ("mailto:admin@localhost", False),
        ("mailto:admin@localhost.localdomain", False),
        ("mailto:relay@herdr.local", False),
        ("https://localhost:8443", False),
        ("https://192.168.0.4", False),
        ("mailto:me@gateway.invalid", False),
    ],
)
def test_apple_refuses_placeholder_subjects(apple, subject, accepted):
    device = apple.make_subscription()
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), subject)
    with PushSender(signer, [apple.host]) as sender:
        outcome = sender.send(PushMessage(target_for(device), hello(), 60))
    assert (outcome.result == "sent") is accepted
    [received] = apple.messages_for(device)
    if not accepted:
        assert (outcome.result, received.status) == ("refused", 403)
        assert "BadJwtToken" in outcome.detail
    assert (apple_subject_problem(subject) is None) is accepted


class ClaimsSigner(VapidSigner):
    """Signs whatever claims a test gives it, to break one of Apple's rules at a time."""

    def __init__(self, private_key, subject, **claims):
        super().__init__(private_key, subject)
        self.claims = claims

    def _sign(self, audience, now):
        claims = {"aud": audience, "exp": now + 3600, "sub": self.subject, **self.claims}
        return self._vapid.sign(claims)["Authorization"]


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) + 25 * 3600},
        {"exp": int(time.time()) - 60},
        {"aud": "https://web.push.apple.com"},
    ],
)
def test_apple_refuses_bad_expiry_and_audience(apple, claims):
    device = apple.make_subscription()
    signer = ClaimsSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:a@tend.org", **claims)
    with PushSender(signer, [apple.host]) as sender:
        outcome = sender.send(PushMessage(target_for(device), hello(), 60))
    assert (outcome.result, outcome.status) == ("refused", 403)


def test_apple_refuses_a_forged_signature(apple):
    class Forged(VapidSigner):
        def headers_for(self, endpoint_url):
            header = super().headers_for(endpoint_url)["Authorization"]
            other = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:a@tend.org")
            return {"Authorization": header.rsplit("k=", 1)[0] + "k=" + other.public_key}

    device = apple.make_subscription()
    with PushSender(
        Forged(ec.generate_private_key(ec.SECP256R1()), "mailto:a@t.org"), [apple.host]
    ) as sender:
        outcome = sender.send(PushMessage(target_for(device), hello(), 60))
    assert (outcome.result, outcome.status) == ("refused", 403)


def test_a_refusal_is_logged_once_not_retried_and_not_held_against_the_device(
    app_config, apple, caplog
):
    # Plain-http development may run with the placeholder; Apple refuses it.
    app_config.update(
        TEND_VAPID_SUBJECT="mailto:admin@localhost.localdomain",
        TEND_PUSH_EXTRA_HOSTS=[apple.host],
    )
    app = create_app(app_config)
    app.test_client_class = ApiClient
    try:
        client = app.test_client()
        body = {"email": "iris@example.org", "password": "a long passphrase 1", "timezone": "UTC"}
        assert client.post("/api/auth/register", json=body).status_code == 201
        device = apple.make_subscription()
        assert client.post("/api/push/subscriptions", json=device.to_json()).status_code == 201

        with caplog.at_level(logging.ERROR, logger="server.push.sender"):
            for _ in range(3):
                answer = client.post("/api/push/test")
                assert (answer.status_code, answer.get_json()) == (202, {"sent": 0, "failed": 1})

        # One request per send: never retried.
        assert [m.status for m in apple.messages_for(device)] == [403, 403, 403]
        said = [r.getMessage() for r in caplog.records if r.name == "server.push.sender"]
        assert len(said) == 1
        assert "TEND_VAPID_SUBJECT" in said[0] and "BadJwtToken" in said[0]
        assert "TEND_VAPID_PRIVATE_KEY" in said[0]
        assert refusal_counts() == {apple.origin: 3}

        with Session(app.extensions["tend.engine"]) as session:
            row = session.execute(select(PushSubscription)).scalar_one()
            assert row.failure_count == 0
            assert row.last_failure_reason == "refused"
        [listed] = client.get("/api/push/subscriptions").get_json()["subscriptions"]
        assert "server setting" in listed["last_failure"]
        assert "This device is fine" in listed["last_failure"]
    finally:
        service.close_sender(app)
        app.extensions["tend.engine"].dispose()


def test_refusals_are_said_once_an_hour_per_service():
    from server.push.refusals import note_refusal

    assert note_refusal("https://web.push.apple.com", now=1000.0) is True
    assert note_refusal("https://web.push.apple.com", now=1000.0 + 3599) is False
    assert note_refusal("https://fcm.googleapis.com", now=1001.0) is True
    assert note_refusal("https://web.push.apple.com", now=1000.0 + 3600) is True
    assert refusal_counts() == {"https://web.push.apple.com": 3, "https://fcm.googleapis.com": 1}
