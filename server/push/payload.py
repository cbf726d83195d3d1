"""The one place that builds notification payloads: Declarative Web Push JSON.

Safari shows a declarative message (``{"web_push": 8030, "notification": {...}}``)
without running the service worker; other browsers hand the same JSON to the
service worker, which reads the extra top-level fields (answer token, actions).

Safari shows no action buttons, so a check-in (a payload carrying both a
``question`` and an ``answer_token``) navigates to the one-screen answer for
that delivery, ``/#/answer/<token>``; the action buttons, where a browser shows
them, still answer through the service worker with the same token. A check-in
also carries ``app_badge: 1``, so the home-screen icon shows one is waiting.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

# Push services accept about 4 KB of encrypted body; aes128gcm adds an 86-byte
# header, a 16-byte tag and padding, so 3,000 bytes of JSON leaves a safe margin.
MAX_PAYLOAD_BYTES = 3000
MAX_TOPIC_LENGTH = 32
RESERVED_KEYS = frozenset({"web_push", "notification", "app_badge"})


class PayloadTooLarge(ValueError):
    """The encoded payload is larger than ``MAX_PAYLOAD_BYTES``."""

    def __init__(self, size: int) -> None:
        super().__init__(f"payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}")
        self.size = size


def build_payload(
    *,
    title: str,
    body: str,
    navigate: str,
    tag: str,
    lang: str = "en",
    actions: Sequence[Mapping[str, str]] = (),
    extra: Mapping[str, Any] | None = None,
    silent: bool = False,
) -> bytes:
    """Encode a notification as Declarative Web Push JSON (UTF-8 bytes).

    ``navigate`` and each action's ``navigate`` must be absolute http(s) URLs.
    Each action needs ``action``, ``title`` and ``navigate``. ``extra`` adds
    top-level fields for the service worker and may not replace ``web_push`` or
    ``notification``. Raises ``PayloadTooLarge`` above 3,000 bytes and
    ``ValueError`` for a malformed argument.
    """
    require_absolute_url(navigate, "navigate")
    answerable = bool(
        extra and extra.get("question") and isinstance(extra.get("answer_token"), str)
    )
    if answerable:
        navigate = answer_navigate(navigate, extra["answer_token"])
    notification: dict[str, Any] = {
        "title": title,
        "body": body,
        "navigate": navigate,
        "tag": tag,
        "lang": lang,
        "silent": silent,
        "mutable": True,
    }
    if actions:
        notification["actions"] = [_checked_action(action) for action in actions]
    message: dict[str, Any] = {"web_push": 8030, "notification": notification}
    if answerable:
        # A gentle badge on the home-screen icon until the check-in is answered or opened.
        message["app_badge"] = 1
    if extra:
        clash = RESERVED_KEYS.intersection(extra)
        if clash:
            raise ValueError(f"extra fields may not replace {sorted(clash)}")
        message.update(extra)
    encoded = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(len(encoded))
    return encoded


def answer_navigate(navigate: str, token: str) -> str:
    """The one-screen answer for ``token`` in the app that ``navigate`` belongs to.

    The app routes by hash, so whatever follows ``#`` is replaced; a public URL
    with a path prefix keeps it.
    """
    base = navigate.split("#", 1)[0]
    return f"{base}#/answer/{token}"


def make_topic(*parts: object) -> str:
    """A stable Topic header value (32 base64url characters) for ``parts``.

    The same parts always give the same topic, so a resend of one reminder
    occurrence replaces the pending message instead of adding a second one.
    """
    joined = "\x1f".join(str(part) for part in parts).encode("utf-8")
    digest = hashlib.sha256(joined).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:MAX_TOPIC_LENGTH]


def require_absolute_url(url: object, name: str) -> None:
    """Raise ``ValueError`` unless ``url`` is an absolute http(s) URL."""
    if not isinstance(url, str):
        raise ValueError(f"{name} must be a string")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {url!r}")


def _checked_action(action: Mapping[str, str]) -> dict[str, str]:
    """Copy one notification action after checking its required members."""
    for member in ("action", "title", "navigate"):
        if not isinstance(action.get(member), str) or not action[member]:
            raise ValueError(f"each action needs a non-empty {member!r}")
    require_absolute_url(action["navigate"], "action navigate")
    return dict(action)
