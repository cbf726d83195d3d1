"""Which push subscription endpoints Tend will POST to, and validation of a subscription.

A subscription endpoint is a URL chosen by the browser (or by anyone calling the
API), and the server later sends requests to it. Only the public push services
over https are accepted, plus hosts an operator lists in ``TEND_PUSH_EXTRA_HOSTS``.
The URL is parsed and its hostname compared label by label; the string is never
searched with a pattern, because tricks like ``https://evil.example/fcm.googleapis.com``
or ``https://fcm.googleapis.com.evil.example/`` defeat such searches.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

PUBLIC_PUSH_SERVICES = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
MAX_ENDPOINT_LENGTH = 2048
P256DH_LENGTH = 65
AUTH_LENGTH = 16

_HOSTNAME = re.compile(r"[a-z0-9.-]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")


class SubscriptionRejected(ValueError):
    """A subscription the server will not store; maps to a 400 answer."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ValidSubscription:
    """A checked subscription; keys are re-encoded as unpadded base64url."""

    endpoint: str
    p256dh: str
    auth: str
    expiration_time: datetime | None


def normalise_extra_hosts(extra_hosts: Iterable[str] | None) -> frozenset[str]:
    """Lower-case, trimmed ``host[:port]`` entries, empty ones dropped."""
    return frozenset(h.strip().lower() for h in (extra_hosts or ()) if h and h.strip())


def endpoint_allowed(url: object, extra_hosts: Iterable[str] | None) -> bool:
    """Whether ``url`` is a push endpoint the server may send to.

    Allowed: https on port 443 to one of the public push services or a subdomain
    of one, or an exact ``host[:port]`` from ``extra_hosts`` over http or https.
    Never: userinfo, other schemes, IP literals not listed explicitly, or URLs
    longer than 2,048 characters.
    """
    parts = _parse_endpoint(url)
    if parts is None:
        return False
    if _host_port(parts) in normalise_extra_hosts(extra_hosts):
        return True
    return _is_public_push_service(parts)


def validate_subscription(data: object, extra_hosts: Iterable[str] | None) -> ValidSubscription:
    """Check a browser's ``PushSubscription.toJSON()`` and return its parts.

    Raises ``SubscriptionRejected`` with code ``validation_error`` (wrong shape),
    ``endpoint_not_allowed`` or ``invalid_keys``.
    """
    if not isinstance(data, dict):
        raise SubscriptionRejected(
            "validation_error", "Send the subscription as a JSON object.", "body"
        )
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise SubscriptionRejected(
            "validation_error", "The subscription needs an endpoint.", "endpoint"
        )
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise SubscriptionRejected("validation_error", "The subscription needs its keys.", "keys")
    expiration_time = _expiration_time(data.get("expirationTime"))
    if not endpoint_allowed(endpoint, extra_hosts):
        raise SubscriptionRejected(
            "endpoint_not_allowed",
            "This browser's push service isn't one Tend can send to.",
            "endpoint",
        )
    p256dh = _decode_key(keys.get("p256dh"), "p256dh", P256DH_LENGTH)
    auth = _decode_key(keys.get("auth"), "auth", AUTH_LENGTH)
    if not is_p256_point(p256dh):
        raise SubscriptionRejected(
            "invalid_keys", "The subscription's p256dh key isn't a valid key.", "keys.p256dh"
        )
    return ValidSubscription(
        endpoint=endpoint,
        p256dh=b64url_encode(p256dh),
        auth=b64url_encode(auth),
        expiration_time=expiration_time,
    )


def b64url_decode(value: str) -> bytes:
    """Decode base64url with or without padding; raise ``ValueError`` on anything else."""
    if not _BASE64URL.fullmatch(value):
        raise ValueError("not base64url")
    stripped = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


def b64url_encode(raw: bytes) -> str:
    """Encode bytes as unpadded base64url, the form browsers use."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def is_p256_point(raw: bytes) -> bool:
    """Whether ``raw`` is an uncompressed point on the P-256 curve."""
    if len(raw) != P256DH_LENGTH or raw[0] != 0x04:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _parse_endpoint(url: object) -> SplitResult | None:
    """Split ``url`` if it is a plausible absolute http(s) URL without userinfo."""
    if not isinstance(url, str) or not url or len(url) > MAX_ENDPOINT_LENGTH:
        return None
    # Whitespace, control characters and backslashes are read differently by
    # different URL parsers, so a URL containing them is refused outright.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return None
    return parts


def _host_port(parts: SplitResult) -> str:
    """``host`` or ``host:port`` as written in ``TEND_PUSH_EXTRA_HOSTS``."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port is None else f"{host}:{parts.port}"


def _is_public_push_service(parts: SplitResult) -> bool:
    """https, default port, a DNS name equal to or under a public push service."""
    if parts.scheme != "https" or parts.port not in (None, 443):
        return False
    host = parts.hostname or ""
    if not _HOSTNAME.fullmatch(host) or looks_like_ip_literal(host):
        return False
    return any(host == service or host.endswith("." + service) for service in PUBLIC_PUSH_SERVICES)


def looks_like_ip_literal(host: str) -> bool:
    """IPv4/IPv6 literals, including the numeric forms resolvers accept (``2130706433``)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    last_label = host.rstrip(".").rsplit(".", 1)[-1]
    # No top-level domain is numeric, so a numeric last label means an address
    # written in decimal, octal or hex (127.1, 0x7f000001, 017700000001).
    return bool(re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", last_label))


def _decode_key(value: object, name: str, length: int) -> bytes:
    """Decode one subscription key and check its length."""
    if not isinstance(value, str) or not value:
        raise SubscriptionRejected(
            "invalid_keys", f"The subscription is missing its {name} key.", f"keys.{name}"
        )
    try:
        raw = b64url_decode(value)
    except ValueError:
        raw = b""
    if len(raw) != length:
        raise SubscriptionRejected(
            "invalid_keys", f"The subscription's {name} key isn't a valid key.", f"keys.{name}"
        )
    return raw


def _expiration_time(value: object) -> datetime | None:
    """``expirationTime`` is null or milliseconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SubscriptionRejected(
            "validation_error", "expirationTime must be null or a number.", "expirationTime"
        )
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise SubscriptionRejected(
            "validation_error", "expirationTime is out of range.", "expirationTime"
        ) from error
