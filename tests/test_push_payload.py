"""Declarative Web Push payloads and Topic values."""

from __future__ import annotations

import json
import re

import pytest

from server.push.payload import MAX_PAYLOAD_BYTES, PayloadTooLarge, build_payload, make_topic


def test_payload_is_declarative_web_push_json():
    raw = build_payload(
        title="A small pause",
        body="How are you carrying today?",
        navigate="https://tend.example/checkin",
        tag="checkin-7",
        actions=[{"action": "ok", "title": "Fine", "navigate": "https://tend.example/a"}],
        extra={"answer_token": "tok"},
    )
    message = json.loads(raw)
    assert message["web_push"] == 8030
    assert message["notification"] == {
        "title": "A small pause",
        "body": "How are you carrying today?",
        "navigate": "https://tend.example/checkin",
        "tag": "checkin-7",
        "lang": "en",
        "silent": False,
        "mutable": True,
        "actions": [{"action": "ok", "title": "Fine", "navigate": "https://tend.example/a"}],
    }
    assert message["answer_token"] == "tok"


@pytest.mark.parametrize("navigate", ["/checkin", "tend.example/x", "javascript:alert(1)"])
def test_navigate_must_be_absolute(navigate):
    with pytest.raises(ValueError, match="navigate"):
        build_payload(title="t", body="b", navigate=navigate, tag="x")


def test_actions_need_their_members():
    with pytest.raises(ValueError, match="navigate"):
        build_payload(
            title="t",
            body="b",
            navigate="https://tend.example/",
            tag="x",
            actions=[{"action": "ok", "title": "Fine"}],
        )


def test_extra_cannot_replace_the_notification():
    with pytest.raises(ValueError, match="notification"):
        build_payload(
            title="t",
            body="b",
            navigate="https://tend.example/",
            tag="x",
            extra={"notification": {}},
        )


def test_size_limit_is_counted_in_utf8_bytes():
    base = len(build_payload(title="", body="", navigate="https://tend.example/", tag="x"))
    fits = "é" * ((MAX_PAYLOAD_BYTES - base) // 2)
    assert (
        len(build_payload(title="", body=fits, navigate="https://tend.example/", tag="x"))
        <= MAX_PAYLOAD_BYTES
    )
    with pytest.raises(PayloadTooLarge) as caught:
        build_payload(title="", body=fits + "éé", navigate="https://tend.example/", tag="x")
    assert caught.value.size > MAX_PAYLOAD_BYTES


def test_topic_is_stable_short_and_url_safe():
    first = make_topic("reminder", 12, "2025-03-30T07:30:00+00:00")
    assert first == make_topic("reminder", 12, "2025-03-30T07:30:00+00:00")
    assert first != make_topic("reminder", 12, "2025-03-31T07:30:00+00:00")
    assert first != make_topic("reminder", "12\x1f2025")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", first)
