"""Endpoint and key validation: only real push services, parsed, never pattern-matched."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.push.endpoints import (
    SubscriptionRejected,
    endpoint_allowed,
    validate_subscription,
)

EXTRA = ["127.0.0.1:8999", "push.internal.example", "[::1]:9000"]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


@pytest.mark.parametrize(
    "url",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGuQyavXutnMxx",
        "https://wns2-db5p.notify.windows.com/w/?token=BQYAAA",
        "https://FCM.googleapis.com:443/fcm/send/x",
        "http://127.0.0.1:8999/push/abc",
        "https://push.internal.example/x",
        "http://[::1]:9000/push/x",
    ],
)
def test_real_push_services_and_listed_hosts_are_allowed(url):
    assert endpoint_allowed(url, EXTRA)


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/x.google.com/",
        "https://attacker.example/fcm.googleapis.com/",
        "https://fcm.googleapis.com.evil.example/",
        "https://evilfcm.googleapis.com.example/",
        "https://notfcm.googleapis.com/x",  # suffix without a dot boundary
        "http://fcm.googleapis.com/fcm/send/x",  # http to a public service
        "https://fcm.googleapis.com:8443/fcm/send/x",  # odd port
        "https://fcm.googleapis.com@evil.example/",  # userinfo
        "https://user:pw@fcm.googleapis.com/x",
        "ftp://fcm.googleapis.com/x",
        "javascript:alert(1)",
        "//fcm.googleapis.com/x",
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://2130706433/x",  # 127.0.0.1 in decimal
        "https://0x7f000001/x",
        "https://0177.0.0.1/x",
        "https://127.1/x",
        "http://127.0.0.1:9999/push/x",  # listed host, other port
        "http://127.0.0.1/push/x",  # listed host without its port
        "https://fcm.googleapis.com\\@evil.example/",
        "https://fcm.googleapis.com/ x",
        "https://fcm.googleapis.com%2eevil.example/",
        "https://fcm.googleapis.com:99999/x",
        "https://fcm.googleapis.com/" + "a" * 2048,
        "",
        None,
        42,
    ],
)
def test_ssrf_attempts_are_refused(url):
    assert not endpoint_allowed(url, EXTRA)


def test_valid_subscription_is_normalised():
    keys = browser_keys()
    padded = {"p256dh": keys["p256dh"] + "=", "auth": keys["auth"] + "=="}
    result = validate_subscription(
        {
            "endpoint": "https://fcm.googleapis.com/fcm/send/x",
            "expirationTime": 1.7e12,
            "keys": padded,
        },
        [],
    )
    assert result.p256dh == keys["p256dh"] and result.auth == keys["auth"]
    assert result.expiration_time is not None and result.expiration_time.year == 2023
    assert result.expiration_time.tzinfo is not None


def rejection(data) -> SubscriptionRejected:
    with pytest.raises(SubscriptionRejected) as caught:
        validate_subscription(data, EXTRA)
    return caught.value


def test_disallowed_endpoint_is_rejected_with_code():
    error = rejection({"endpoint": "https://evil.example/", "keys": browser_keys()})
    assert (error.code, error.field) == ("endpoint_not_allowed", "endpoint")
    assert error.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"p256dh": b64(b"\x04" + b"\x01" * 64)}, "keys.p256dh"),  # not on the curve
        ({"p256dh": b64(os.urandom(33))}, "keys.p256dh"),  # compressed-length
        ({"p256dh": "!!not base64!!"}, "keys.p256dh"),
        ({"p256dh": ""}, "keys.p256dh"),
        ({"auth": b64(os.urandom(8))}, "keys.auth"),
        ({"auth": "a+b/"}, "keys.auth"),  # standard alphabet, not base64url
        ({"auth": None}, "keys.auth"),
    ],
)
def test_bad_keys_are_rejected(change, field):
    keys = {**browser_keys(), **change}
    error = rejection({"endpoint": "https://fcm.googleapis.com/x", "keys": keys})
    assert (error.code, error.field) == ("invalid_keys", field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "body"),
        ({"keys": {}}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com/x"}, "keys"),
        (
            {"endpoint": "https://fcm.googleapis.com/x", "keys": {}, "expirationTime": "soon"},
            "expirationTime",
        ),
        (
            {"endpoint": "https://fcm.googleapis.com/x", "keys": {}, "expirationTime": 1e300},
            "expirationTime",
        ),
    ],
)
def test_wrong_shape_is_a_validation_error(data, field):
    error = rejection(data)
    assert (error.code, error.field) == ("validation_error", field)
