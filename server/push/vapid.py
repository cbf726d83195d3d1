"""The server's VAPID identity (RFC 8292): its P-256 key and the signed JWT header.

Every browser subscription is bound to the public key it was created with, so
the key is generated once and never silently replaced: a corrupt key file stops
start-up with a clear message instead of being overwritten.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from server.config import ensure_instance_path
from server.push.endpoints import b64url_decode, b64url_encode

KEY_FILENAME = "vapid_private.pem"
# Push services refuse tokens whose exp is more than 24 h ahead; 12 h leaves
# room for clock skew, and a token is replaced an hour before it runs out.
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
REFRESH_BEFORE_EXPIRY_SECONDS = 60 * 60


class VapidError(RuntimeError):
    """The VAPID key or subject is unusable; the message says how to fix it."""


def load_or_create_private_key(
    instance_path: str, configured: str | None
) -> ec.EllipticCurvePrivateKey:
    """The VAPID private key: from ``configured`` if set, else the instance key file.

    ``configured`` (``TEND_VAPID_PRIVATE_KEY``) is a base64url 32-byte scalar or
    a PEM. Without it, ``<instance_path>/vapid_private.pem`` is read, or created
    once with mode 0600. Raises ``VapidError`` for a malformed key or an
    unreadable file, never overwriting it.
    """
    if configured and configured.strip():
        try:
            return parse_private_key(configured)
        except ValueError as error:
            raise VapidError(
                "TEND_VAPID_PRIVATE_KEY is not a P-256 private key "
                f"(base64url 32-byte value or PEM): {error}"
            ) from error
    path = os.path.join(instance_path, KEY_FILENAME)
    if not os.path.exists(path):
        created = _create_key_file(instance_path, path)
        if created is not None:
            return created
    return _read_key_file(path)


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """Parse a PEM or a base64url raw scalar into a P-256 private key (``ValueError``)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            raise ValueError("the PEM key is not a P-256 key")
        return key
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError(f"expected 32 bytes, got {len(raw)}")
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def public_key_b64url(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as browsers want it for ``applicationServerKey``."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def check_subject(subject: str | None) -> str:
    """Return ``subject`` if it is a ``mailto:`` address or an ``https:`` URL, else raise."""
    subject = (subject or "").strip()
    if subject.startswith("mailto:") and "@" in subject[len("mailto:") :]:
        return subject
    if subject.startswith("https://") and urlsplit(subject).hostname:
        return subject
    raise VapidError(
        "TEND_VAPID_SUBJECT must be a contact for push services: "
        "'mailto:you@example.org' or an https:// URL."
    )


def audience_of(endpoint_url: str) -> str:
    """The JWT ``aud`` for an endpoint: its scheme, host and explicit port."""
    parts = urlsplit(endpoint_url)
    netloc = parts.netloc.rpartition("@")[2].lower()
    return f"{parts.scheme.lower()}://{netloc}"


class VapidSigner:
    """Builds ``Authorization: vapid t=…,k=…`` headers, one signature per push service.

    The token for an audience is reused until an hour before it expires.
    ``signatures`` counts the tokens signed. Safe to use from several threads.
    """

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, subject: str) -> None:
        self.subject = check_subject(subject)
        self.public_key = public_key_b64url(private_key)
        # no-strict: the subject was checked above; py_vapid's own pattern
        # rejects valid https subjects that have a path.
        self._vapid = Vapid02(private_key=private_key, conf={"no-strict": True})
        self._tokens: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self.signatures = 0

    def headers_for(self, endpoint_url: str) -> dict[str, str]:
        """A new dict with the ``Authorization`` header for ``endpoint_url``."""
        audience = audience_of(endpoint_url)
        now = int(time.time())
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is None or cached[1] - REFRESH_BEFORE_EXPIRY_SECONDS <= now:
                cached = (self._sign(audience, now), now + TOKEN_LIFETIME_SECONDS)
                self._tokens[audience] = cached
            return {"Authorization": cached[0]}

    def _sign(self, audience: str, now: int) -> str:
        """Sign a fresh claims dict (py_vapid and pywebpush may mutate what they get)."""
        claims = {"aud": audience, "exp": now + TOKEN_LIFETIME_SECONDS, "sub": self.subject}
        header = self._vapid.sign(claims)["Authorization"]
        self.signatures += 1
        return header


def _create_key_file(instance_path: str, path: str) -> ec.EllipticCurvePrivateKey | None:
    """Write a new key to ``path`` unless another process got there first (then None)."""
    ensure_instance_path(instance_path)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Write a private temporary file, then hard-link it into place: the link
    # fails if the key already exists, so two processes starting together never
    # end up with different keys or a half-written file.
    fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".vapid-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return None
    finally:
        os.unlink(temporary)
    return key


def _read_key_file(path: str) -> ec.EllipticCurvePrivateKey:
    """Read the instance key file, refusing to go on if it cannot be used."""
    try:
        with open(path, encoding="ascii") as handle:
            return parse_private_key(handle.read())
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise VapidError(
            f"The VAPID key file {path} cannot be used ({error}). It was not replaced, "
            "because a new key would cut off every subscribed device. Restore the file "
            "from a backup, or delete it deliberately to start over with a new key."
        ) from error
