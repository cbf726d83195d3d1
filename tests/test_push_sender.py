"""The sender against a real local push service that decrypts and verifies everything."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.payload import build_payload, make_topic
from server.push.sender import PushMessage, PushSender, PushTarget
from server.push.vapid import VapidSigner, public_key_b64url
from tests.push_receiver import PushReceiver, Reply, push_receiver_fixture  # noqa: F401

SUBJECT = "mailto:care@tend.example"


@pytest.fixture
def vapid_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def signer(vapid_key):
    return VapidSigner(vapid_key, SUBJECT)


@pytest.fixture
def sender(signer, push_receiver):
    with PushSender(
        signer,
        [push_receiver.host],
        read_timeout=0.5,
        connect_timeout=0.5,
        max_retry_seconds=3,
        backoff_base=0.05,
        backoff_cap=0.2,
    ) as sender:
        yield sender


def target_for(subscription, subscription_id=1) -> PushTarget:
    return PushTarget(
        subscription_id, subscription.endpoint, subscription.p256dh, subscription.auth
    )


def message_for(subscription, *, ttl=60, key=None, **kwargs) -> PushMessage:
    payload = build_payload(
        title="A small pause",
        body="How is today sitting with you?",
        navigate="https://tend.example/",
        tag="checkin",
        extra={"answer_token": "t-1"},
    )
    return PushMessage(target_for(subscription), payload, ttl, key=key, **kwargs)


def test_two_devices_receive_decrypted_verified_messages(sender, push_receiver, vapid_key):
    phone, laptop = push_receiver.make_subscription(), push_receiver.make_subscription()
    topic = make_topic("delivery", 7)
    outcomes = sender.send_many(
        [
            message_for(phone, key="phone", urgency="high", topic=topic),
            message_for(laptop, key="laptop", ttl=600),
        ]
    )
    assert [(o.message.key, o.result, o.status, o.attempts) for o in outcomes] == [
        ("phone", "sent", 201, 1),
        ("laptop", "sent", 201, 1),
    ]
    (at_phone,) = push_receiver.messages_for(phone)
    (at_laptop,) = push_receiver.messages_for(laptop)
    for received in (at_phone, at_laptop):
        assert received.verified, received.problems
        assert received.vapid_public_key == public_key_b64url(vapid_key)
        assert received.claims["aud"] == push_receiver.origin
        assert received.claims["sub"] == SUBJECT
        assert received.payload["web_push"] == 8030
        assert received.payload["notification"]["title"] == "A small pause"
        assert received.payload["answer_token"] == "t-1"
        assert received.headers["content-encoding"] == "aes128gcm"
        assert received.headers["content-type"] == "application/octet-stream"
    assert (at_phone.headers["ttl"], at_phone.headers["urgency"]) == ("60", "high")
    assert at_phone.headers["topic"] == topic
    assert (at_laptop.headers["ttl"], at_laptop.headers["urgency"]) == ("600", "normal")
    assert "topic" not in at_laptop.headers


def test_one_signature_for_many_messages_to_one_service(signer, push_receiver):
    devices = [push_receiver.make_subscription() for _ in range(20)]
    with PushReceiver() as other, PushSender(signer, [push_receiver.host, other.host]) as sender:
        elsewhere = other.make_subscription()
        outcomes = sender.send_many([message_for(d) for d in devices] + [message_for(elsewhere)])
        assert {o.result for o in outcomes} == {"sent"}
        assert signer.signatures == 2
        assert other.messages_for(elsewhere)[0].claims["aud"] == other.origin
        assert other.messages_for(elsewhere)[0].verified
    tokens = {m.headers["authorization"] for m in push_receiver.received}
    assert len(tokens) == 1 and all(m.verified for m in push_receiver.received)


@pytest.mark.parametrize("status", [404, 410])
def test_expired_subscription_is_gone(sender, push_receiver, status):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply.gone(status))
    outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status, outcome.attempts) == ("gone", status, 1)


def test_429_waits_for_retry_after_seconds(sender, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply.too_many("1"))
    started = time.monotonic()
    outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status, outcome.attempts) == ("sent", 201, 2)
    assert time.monotonic() - started >= 0.95
    assert [m.status for m in push_receiver.messages_for(device)] == [429, 201]


def test_429_retry_after_as_http_date(sender, push_receiver):
    device = push_receiver.make_subscription()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
    push_receiver.answer(device, Reply.too_many(when))
    outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.attempts) == ("sent", 2)


def test_retry_after_beyond_the_ttl_gives_up_at_once(sender, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply.too_many("120"))
    started = time.monotonic()
    outcome = sender.send(message_for(device, ttl=30))
    assert (outcome.result, outcome.status, outcome.attempts) == ("failed", 429, 1)
    assert time.monotonic() - started < 1


def test_server_error_is_retried_with_backoff(sender, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply(500), Reply(503))
    outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status, outcome.attempts) == ("sent", 201, 3)


def test_persistent_server_error_fails_within_the_retry_budget(signer, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, then=Reply(500))
    with PushSender(
        signer, [push_receiver.host], max_retry_seconds=0.6, backoff_base=0.05, backoff_cap=0.1
    ) as sender:
        started = time.monotonic()
        outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status) == ("failed", 500)
    assert outcome.attempts > 2 and "gave up" in outcome.detail
    assert time.monotonic() - started < 1.5


def test_zero_ttl_is_never_retried(sender, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, then=Reply(500))
    outcome = sender.send(message_for(device, ttl=0))
    assert (outcome.result, outcome.attempts) == ("failed", 1)


def test_a_hanging_service_times_out_and_is_retried(sender, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply.hang(5))
    outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status, outcome.attempts) == ("sent", 201, 2)


def test_a_service_that_always_hangs_fails(signer, push_receiver):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, then=Reply.hang(5))
    with PushSender(
        signer, [push_receiver.host], read_timeout=0.3, max_retry_seconds=0.5, backoff_base=0.05
    ) as sender:
        outcome = sender.send(message_for(device))
    assert outcome.result == "failed" and outcome.status is None
    assert "Timeout" in outcome.detail


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_client_errors_fail_without_retry_and_are_logged(sender, push_receiver, caplog, status):
    device = push_receiver.make_subscription()
    push_receiver.answer(device, Reply(status))
    with caplog.at_level(logging.ERROR, logger="server.push.sender"):
        outcome = sender.send(message_for(device))
    verdict = "refused" if status in (401, 403) else "failed"
    assert (outcome.result, outcome.status, outcome.attempts) == (verdict, status, 1)
    assert str(status) in caplog.text
    assert device.path not in caplog.text  # the endpoint is a secret; only the origin is logged


def test_redirect_is_not_followed(signer, push_receiver):
    with PushReceiver() as target:
        victim = target.make_subscription()
        device = push_receiver.make_subscription()
        push_receiver.answer(device, Reply.redirect(victim.endpoint))
        # Even when the redirect points at another allowed host, it is not followed.
        with PushSender(signer, [push_receiver.host, target.host]) as sender:
            outcome = sender.send(message_for(device))
        assert (outcome.result, outcome.status, outcome.attempts) == ("failed", 307, 1)
        assert "redirect" in outcome.detail
        assert target.count == 0


def test_endpoint_is_checked_again_at_send_time(signer, push_receiver):
    device = push_receiver.make_subscription()
    with PushSender(signer, ["127.0.0.1:1"]) as sender:
        outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status, outcome.attempts) == ("rejected", None, 0)
    assert push_receiver.count == 0


def test_oversized_payload_is_not_sent(sender, push_receiver):
    device = push_receiver.make_subscription()
    outcome = sender.send(PushMessage(target_for(device), b"x" * 3001, 60))
    assert (outcome.result, outcome.attempts) == ("rejected", 0)
    assert push_receiver.count == 0


def test_receiver_refuses_a_forged_signature(push_receiver):
    class ForgedSigner(VapidSigner):
        def headers_for(self, endpoint_url):
            header = super().headers_for(endpoint_url)["Authorization"]
            other_key = public_key_b64url(ec.generate_private_key(ec.SECP256R1()))
            return {"Authorization": header.rsplit("k=", 1)[0] + "k=" + other_key}

    device = push_receiver.make_subscription()
    signer = ForgedSigner(ec.generate_private_key(ec.SECP256R1()), SUBJECT)
    with PushSender(signer, [push_receiver.host]) as sender:
        outcome = sender.send(message_for(device))
    assert (outcome.result, outcome.status) == ("refused", 401)
    (received,) = push_receiver.received
    assert not received.vapid_valid and "signature" in received.problems[0]


def test_receiver_really_decrypts(sender, push_receiver):
    device, other = push_receiver.make_subscription(), push_receiver.make_subscription()
    wrong_keys = PushTarget(1, device.endpoint, other.p256dh, other.auth)
    sender.send(PushMessage(wrong_keys, b'{"web_push": 8030}', 60))
    (received,) = push_receiver.received
    assert received.vapid_valid and received.payload is None
    assert "cannot decrypt" in received.problems[0]


def test_stored_keys_that_cannot_be_used_fail_without_a_request(sender, push_receiver):
    device = push_receiver.make_subscription()
    broken = PushTarget(1, device.endpoint, "AAAA", device.auth)
    outcome = sender.send(PushMessage(broken, b"{}", 60))
    assert (outcome.result, outcome.attempts) == ("failed", 0)
    assert push_receiver.count == 0


def test_a_retrying_message_does_not_hold_up_the_others(signer, push_receiver):
    slow, *others = [push_receiver.make_subscription() for _ in range(4)]
    push_receiver.answer(slow, Reply.too_many("1"))
    with PushSender(signer, [push_receiver.host], concurrency=1) as sender:
        outcomes = sender.send_many([message_for(slow)] + [message_for(o) for o in others])
    assert [o.result for o in outcomes] == ["sent"] * 4
    arrival = [m.path for m in push_receiver.received]
    assert arrival[0] == slow.path and arrival[-1] == slow.path
    assert set(arrival[1:-1]) == {o.path for o in others}


def test_sender_is_usable_from_several_threads(sender, push_receiver):
    from concurrent.futures import ThreadPoolExecutor

    devices = [push_receiver.make_subscription() for _ in range(12)]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda d: sender.send(message_for(d)), devices))
    assert {o.result for o in outcomes} == {"sent"}
    assert all(m.verified for m in push_receiver.received)
    assert json.loads(json.dumps(push_receiver.received[0].payload))["web_push"] == 8030


def test_closed_sender_refuses_work(signer, push_receiver):
    sender = PushSender(signer, [push_receiver.host])
    sender.close()
    sender.close()
    with pytest.raises(RuntimeError, match="closed"):
        sender.send(message_for(push_receiver.make_subscription()))
