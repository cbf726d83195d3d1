"""The aes128gcm body of a push message (RFC 8291), encrypted with ``http_ece``.

What pywebpush's ``WebPusher(...).encode()`` does, without building a
``WebPusher`` per message: a device's keys are decoded once and kept (they are
the same for every message to it), and each message gets its own ephemeral
P-256 key and random salt, as the RFC requires.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=65536)
def device_keys(p256dh: str, auth: str) -> tuple[bytes, bytes]:
    """A device's public key (uncompressed point) and auth secret, decoded once."""
    point, secret = b64url_decode(p256dh), b64url_decode(auth)
    # Fail here, with a clear message, rather than deep inside the key agreement.
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    if len(secret) != 16:
        raise ValueError("the auth secret must be 16 bytes")
    return point, secret


def encrypt_payload(payload: bytes, p256dh: str, auth: str) -> bytes:
    """``payload`` encrypted for one device (aes128gcm, one record, sender key as key id)."""
    point, secret = device_keys(p256dh, auth)
    return http_ece.encrypt(
        payload,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=point,
        auth_secret=secret,
        version="aes128gcm",
    )
