"""A real local push service for tests and benchmarks.

``PushReceiver`` is a threaded HTTP server on 127.0.0.1 that behaves like a
push service: for each POST it checks the VAPID ``Authorization`` header (ES256
signature with the ``k=`` key, ``aud`` equal to its own origin, ``exp`` within
24 hours, ``sub`` present), decrypts the aes128gcm body with the private key of
the subscription it issued, and records what arrived. Each subscription can be
told how to answer: 201, 404, 410, 429 with ``Retry-After``, 500, a redirect, or
to hang past the client's timeout.

``PushReceiver(apple=True)`` applies the rules Apple publishes for its push
service to the VAPID token (subject a ``mailto:`` or ``https:`` URI of a real
host, ``aud`` the endpoint's origin, ``exp`` at most 24 hours ahead, a valid
ES256 signature) and answers ``403 {"reason": "BadJwtToken"}`` to any token
that breaks one, where Google's and Mozilla's services would accept it.

Fixture: ``push_receiver`` (import it in conftest with
``from tests.push_receiver import push_receiver  # noqa: F401``).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_TOKEN_AHEAD_SECONDS = 24 * 60 * 60
# Names that never resolve on the internet; Apple refuses subjects under them.
RESERVED_SUFFIXES = ("local", "localdomain", "internal", "invalid", "test", "example", "lan")
BAD_JWT = json.dumps({"reason": "BadJwtToken"}).encode()


class _Server(ThreadingHTTPServer):
    """socketserver's default backlog of 5 drops bursts of new connections."""

    request_queue_size = 1024
    daemon_threads = True


def b64url(raw: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one request."""

    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    body: bytes = b""

    @classmethod
    def created(cls) -> Reply:
        """201 Created: the push service accepted the message."""
        return cls(201)

    @classmethod
    def gone(cls, status: int = 410) -> Reply:
        """410 Gone (or 404): the subscription no longer exists."""
        return cls(status)

    @classmethod
    def too_many(cls, retry_after: str) -> Reply:
        """429 with a ``Retry-After`` of seconds or an HTTP date."""
        return cls(429, {"Retry-After": retry_after})

    @classmethod
    def redirect(cls, location: str, status: int = 307) -> Reply:
        """A redirect that a careful sender must not follow."""
        return cls(status, {"Location": location})

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Answer 201 only after ``seconds``, past the sender's read timeout."""
        return cls(201, {}, seconds)


@dataclass
class Subscription:
    """A browser-like subscription issued by the receiver, with its private key."""

    endpoint: str
    path: str
    p256dh: str
    auth: str
    private_key: ec.EllipticCurvePrivateKey

    def to_json(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` returns in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body_length: int
    status: int
    checked: bool = False
    vapid_valid: bool = False
    claims: dict[str, Any] | None = None
    vapid_public_key: str | None = None
    payload: Any = None
    problems: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Signature valid and body decrypted to JSON."""
        return self.checked and self.vapid_valid and self.payload is not None


class PushReceiver:
    """A local push service; use as a context manager so it always stops.

    ``sample_every=N`` checks and decrypts only every Nth request (benchmarks);
    the others are counted and answered.
    """

    def __init__(
        self, *, sample_every: int = 1, apple: bool = False, tls: ssl.SSLContext | None = None
    ) -> None:
        self.apple = apple
        # With a server-side TLS context it answers on https://, as real push services do.
        self.tls = tls
        # Apple's rules are checked on every request, so nothing is sampled away.
        self.sample_every = 1 if apple else max(1, sample_every)
        self.received: list[Received] = []
        self.count = 0
        self._subscriptions: dict[str, Subscription] = {}
        self._replies: dict[str, deque[Reply]] = {}
        self._default_reply: dict[str, Reply] = {}
        self._verified_tokens: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> PushReceiver:
        """Bind to a free port on 127.0.0.1 and serve in a background thread."""
        server = _Server(("127.0.0.1", 0), _handler_for(self))
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake any hanging answers and close the socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> PushReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the receiver listens on."""
        assert self._server is not None, "receiver not started"
        return self._server.server_address[1]

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>``, the form for ``TEND_PUSH_EXTRA_HOSTS``."""
        return f"127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """``http(s)://127.0.0.1:<port>``, the expected VAPID audience."""
        return f"{'https' if self.tls else 'http'}://{self.host}"

    # -- subscriptions and scripted answers -------------------------------------------
    def make_subscription(self) -> Subscription:
        """A new subscription with real P-256 keys, endpoint under this receiver."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        point = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        path = f"/push/{secrets.token_urlsafe(16)}"
        subscription = Subscription(
            endpoint=f"{self.origin}{path}",
            path=path,
            p256dh=b64url(point),
            auth=b64url(os.urandom(16)),
            private_key=private_key,
        )
        with self._lock:
            self._subscriptions[path] = subscription
        return subscription

    def answer(self, subscription: Subscription | str, *replies: Reply, then: Reply | None = None):
        """Answer the next requests to ``subscription`` with ``replies`` in order.

        After they are used up, answer with ``then`` (default: 201).
        """
        path = subscription if isinstance(subscription, str) else subscription.path
        with self._lock:
            self._replies[path] = deque(replies)
            if then is not None:
                self._default_reply[path] = then

    def messages_for(self, subscription: Subscription | str) -> list[Received]:
        """Everything received at one subscription's path, oldest first."""
        path = subscription if isinstance(subscription, str) else subscription.path
        with self._lock:
            return [message for message in self.received if message.path == path]

    # -- request handling (called from server threads) --------------------------------
    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            queued = self._replies.get(path)
            if queued:
                return queued.popleft()
            return self._default_reply.get(path, Reply.created())

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> Received:
        reply_status = 201
        with self._lock:
            self.count += 1
            sampled = (self.count - 1) % self.sample_every == 0
            subscription = self._subscriptions.get(path)
        record = Received(path=path, headers=headers, body_length=len(body), status=reply_status)
        if sampled:
            record.checked = True
            self._check_vapid(record, headers.get("authorization", ""))
            self._decrypt(record, subscription, headers, body)
            with self._lock:
                self.received.append(record)
        return record

    def _check_vapid(self, record: Received, authorization: str) -> None:
        token, key = _parse_vapid_header(authorization)
        if token is None or key is None:
            record.problems.append("missing or malformed vapid Authorization header")
            return
        record.vapid_public_key = key
        with self._lock:
            claims = self._verified_tokens.get(token)
        if claims is None:
            try:
                claims = _verify_es256(token, key)
            except (InvalidSignature, ValueError) as error:
                record.problems.append(f"bad VAPID signature: {error!r}")
                return
            with self._lock:
                self._verified_tokens[token] = claims
        record.claims = dict(claims)
        now = time.time()
        if claims.get("aud") != self.origin:
            record.problems.append(f"aud {claims.get('aud')!r} is not {self.origin!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or not now < exp <= now + MAX_TOKEN_AHEAD_SECONDS:
            record.problems.append(f"exp {exp!r} is not within 24 hours from now")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            record.problems.append("sub missing or not mailto:/https:")
        elif self.apple:
            problem = apple_subject_problem(str(claims["sub"]))
            if problem:
                record.problems.append(problem)
        record.vapid_valid = not record.problems

    def _decrypt(
        self,
        record: Received,
        subscription: Subscription | None,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        if subscription is None:
            record.problems.append("unknown subscription path")
            return
        if headers.get("content-encoding") != "aes128gcm":
            record.problems.append("Content-Encoding is not aes128gcm")
            return
        try:
            plain = http_ece.decrypt(
                body,
                private_key=subscription.private_key,
                auth_secret=unb64url(subscription.auth),
                version="aes128gcm",
            )
            record.payload = json.loads(plain)
        except Exception as error:  # any failure here means the sender got it wrong
            record.problems.append(f"cannot decrypt: {error!r}")


def apple_subject_problem(subject: str) -> str | None:
    """Why Apple's push service would refuse ``subject``, or None for a real host."""
    if subject.startswith("mailto:"):
        host = subject[len("mailto:") :].split("?", 1)[0].rpartition("@")[2]
    else:
        host = (urlsplit(subject).hostname or "") if subject.startswith("https://") else ""
    host = host.strip().rstrip(".").lower()
    try:
        ipaddress.ip_address(host.strip("[]"))
        return f"sub host {host!r} is an IP address"
    except ValueError:
        pass
    if not host or "." not in host or host.endswith(".localhost"):
        return f"sub host {host!r} is not a real host"
    if host.rsplit(".", 1)[1] in RESERVED_SUFFIXES:
        return f"sub host {host!r} is a reserved name"
    return None


def _parse_vapid_header(value: str) -> tuple[str | None, str | None]:
    """``vapid t=<jwt>, k=<key>`` → (jwt, key); (None, None) if it is not that form."""
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "vapid":
        return None, None
    params: dict[str, str] = {}
    for item in rest.split(","):
        name, _, val = item.strip().partition("=")
        params[name.strip().lower()] = val.strip()
    return params.get("t"), params.get("k")


def _verify_es256(token: str, key: str) -> dict[str, Any]:
    """Verify a compact JWS signed with ES256 by ``key``; return its claims."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256":
        raise ValueError(f"alg is {header.get('alg')!r}")
    signature = unb64url(signature_b64)
    if len(signature) != 64:
        raise ValueError("ES256 signature must be 64 bytes")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    public_key.verify(der, f"{header_b64}.{claims_b64}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    return json.loads(unb64url(claims_b64))


def _handler_for(receiver: PushReceiver) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``receiver``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real push service

        def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            reply = receiver._next_reply(self.path)
            record = receiver._record(self.path, headers, body)
            status, headers, answer = reply.status, reply.headers, reply.body
            if record.checked and not record.vapid_valid and receiver.apple:
                status, headers, answer = 403, {"Content-Type": "application/json"}, BAD_JWT
            elif record.checked and not record.vapid_valid and status < 300:
                status = 401  # what a push service says to a bad VAPID token
            record.status = status
            if reply.hang_seconds and receiver._stopping.wait(reply.hang_seconds):
                return
            self._answer(status, headers, answer)

        def _answer(self, status: int, headers: dict[str, str], answer: bytes = b"") -> None:
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if answer:
                    self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Stay quiet; tests read ``receiver.received`` instead."""

    return Handler


@pytest.fixture(name="push_receiver")
def push_receiver_fixture():
    """A started ``PushReceiver``; stopped after the test."""
    with PushReceiver() as receiver:
        yield receiver


# The fixture's name is ``push_receiver`` whichever of these is imported.
push_receiver = push_receiver_fixture
