"""The VAPID key is created once, never replaced, and the JWT is signed once per service."""

from __future__ import annotations

import os
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from server.push.endpoints import b64url_decode, b64url_encode
from server.push.vapid import (
    KEY_FILENAME,
    VapidError,
    VapidSigner,
    audience_of,
    check_subject,
    load_or_create_private_key,
    public_key_b64url,
)
from tests.push_receiver import _verify_es256

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def scalar(key: ec.EllipticCurvePrivateKey) -> int:
    return key.private_numbers().private_value


def test_key_file_is_created_once_with_private_mode(tmp_path):
    first = load_or_create_private_key(str(tmp_path / "instance"), None)
    path = tmp_path / "instance" / KEY_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The folder also holds the database: only its owner may look inside.
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700
    second = load_or_create_private_key(str(tmp_path / "instance"), None)
    assert scalar(first) == scalar(second)
    assert [p.name for p in (tmp_path / "instance").iterdir()] == [KEY_FILENAME]


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    keys = []

    def start():
        keys.append(load_or_create_private_key(str(tmp_path), None))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({scalar(key) for key in keys}) == 1


def test_corrupt_key_file_stops_start_up_and_is_kept(tmp_path):
    path = tmp_path / KEY_FILENAME
    path.write_text("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")
    with pytest.raises(VapidError, match="not replaced"):
        load_or_create_private_key(str(tmp_path), None)
    assert "broken" in path.read_text()


def test_configured_raw_and_pem_keys_are_used(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    raw = b64url_encode(scalar(key).to_bytes(32, "big"))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    assert scalar(load_or_create_private_key(str(tmp_path), raw)) == scalar(key)
    assert scalar(load_or_create_private_key(str(tmp_path), pem)) == scalar(key)
    assert not (tmp_path / KEY_FILENAME).exists()


@pytest.mark.parametrize("configured", ["too-short", "-----BEGIN PRIVATE KEY-----\nx\n"])
def test_bad_configured_key_is_a_clear_error(tmp_path, configured):
    with pytest.raises(VapidError, match="TEND_VAPID_PRIVATE_KEY"):
        load_or_create_private_key(str(tmp_path), configured)


def test_public_key_is_the_uncompressed_point():
    key = ec.generate_private_key(ec.SECP256R1())
    raw = b64url_decode(public_key_b64url(key))
    assert len(raw) == 65 and raw[0] == 4


@pytest.mark.parametrize("subject", ["mailto:care@tend.example", "https://tend.example/contact"])
def test_good_subjects(subject):
    assert check_subject(subject) == subject


@pytest.mark.parametrize(
    "subject", [None, "", "care@tend.example", "http://tend.example", "mailto:nobody"]
)
def test_bad_subjects(subject):
    with pytest.raises(VapidError, match="TEND_VAPID_SUBJECT"):
        check_subject(subject)


def test_audience_keeps_port_and_drops_path():
    assert audience_of("http://127.0.0.1:8123/push/x") == "http://127.0.0.1:8123"
    assert audience_of("https://FCM.googleapis.com/fcm/send/x") == "https://fcm.googleapis.com"


def claims_of(header: str) -> dict:
    token, key = (part.split("=", 1)[1] for part in header.removeprefix("vapid ").split(","))
    return _verify_es256(token, key)


def test_one_signature_per_audience_reused_until_near_expiry():
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:care@tend.example")
    with time_machine.travel(START, tick=False):
        first = signer.headers_for("https://fcm.googleapis.com/fcm/send/a")
        for name in "bcdefg":
            assert signer.headers_for(f"https://fcm.googleapis.com/fcm/send/{name}") == first
        assert signer.signatures == 1
        mozilla = signer.headers_for("https://updates.push.services.mozilla.com/wpush/v2/x")
        assert signer.signatures == 2 and mozilla != first
        claims = claims_of(first["Authorization"])
        assert claims["aud"] == "https://fcm.googleapis.com"
        assert claims["sub"] == "mailto:care@tend.example"
        assert START.timestamp() < claims["exp"] <= START.timestamp() + 24 * 3600
        assert claims_of(mozilla["Authorization"])["aud"] == (
            "https://updates.push.services.mozilla.com"
        )
        assert Vapid02.verify(first["Authorization"])
    with time_machine.travel(START + timedelta(hours=10), tick=False):
        assert signer.headers_for("https://fcm.googleapis.com/x") == first
        assert signer.signatures == 2
    with time_machine.travel(START + timedelta(hours=11, minutes=30), tick=False):
        renewed = signer.headers_for("https://fcm.googleapis.com/x")
        assert renewed != first and signer.signatures == 3


def test_returned_headers_are_the_callers_to_change():
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:care@tend.example")
    signer.headers_for("https://fcm.googleapis.com/a")["Authorization"] = "changed"
    assert signer.headers_for("https://fcm.googleapis.com/a")["Authorization"].startswith("vapid ")


def test_signer_is_thread_safe():
    signer = VapidSigner(ec.generate_private_key(ec.SECP256R1()), "mailto:care@tend.example")
    barrier = threading.Barrier(16)

    def sign_many():
        barrier.wait()
        for index in range(50):
            signer.headers_for(f"https://fcm.googleapis.com/{index}")

    threads = [threading.Thread(target=sign_many) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert signer.signatures == 1


def test_environment_key_and_file_key_do_not_mix(tmp_path):
    created = load_or_create_private_key(str(tmp_path), "  ")  # blank means unset
    assert (tmp_path / KEY_FILENAME).exists()
    assert scalar(load_or_create_private_key(str(tmp_path), None)) == scalar(created)
    assert os.listdir(tmp_path) == [KEY_FILENAME]
