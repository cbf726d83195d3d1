"""The aes128gcm encryption against the RFC's decryption (http_ece) and against pywebpush's."""

from __future__ import annotations

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from pywebpush import WebPusher

from server.push.encrypt import encrypt_payload
from tests.push_receiver import PushReceiver, unb64url

PAYLOAD = b'{"notification": {"title": "A moment for you", "body": "How was today?"}}'


@pytest.fixture
def device():
    with PushReceiver() as receiver:
        yield receiver.make_subscription()


def decrypt(body: bytes, device) -> bytes:
    """What a browser does with the body: decrypt with its private key and auth secret."""
    return http_ece.decrypt(
        body, private_key=device.private_key, auth_secret=unb64url(device.auth), version="aes128gcm"
    )


def test_the_device_decrypts_what_tend_encrypts(device):
    assert decrypt(encrypt_payload(PAYLOAD, device.p256dh, device.auth), device) == PAYLOAD


def test_every_message_has_its_own_salt_and_sender_key(device):
    first = encrypt_payload(PAYLOAD, device.p256dh, device.auth)
    second = encrypt_payload(PAYLOAD, device.p256dh, device.auth)
    # Header: salt (16), record size (4), key id length (1), key id (the sender's key, 65).
    assert first[:16] != second[:16]
    assert first[21:86] != second[21:86] and first[20] == 65
    own_key = device.private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert first[21:86] != own_key


def test_same_layout_as_pywebpush(device):
    theirs = WebPusher(
        {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
    ).encode(PAYLOAD, "aes128gcm")["body"]
    ours = encrypt_payload(PAYLOAD, device.p256dh, device.auth)
    assert decrypt(theirs, device) == decrypt(ours, device) == PAYLOAD
    assert len(theirs) == len(ours)
    assert theirs[16:21] == ours[16:21]  # same record size and key id length


@pytest.mark.parametrize(
    "p256dh, auth",
    [("not-a-key", "AAAAAAAAAAAAAAAAAAAAAA"), (None, "short")],
)
def test_unusable_keys_fail_before_any_request(device, p256dh, auth):
    with pytest.raises(ValueError):
        encrypt_payload(PAYLOAD, p256dh or device.p256dh, auth)
