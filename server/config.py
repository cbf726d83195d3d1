"""Configuration from ``TEND_*`` environment variables.

Every setting is read by a small typed helper that fails at start-up with a
clear message, so a typo in a deployment is found before the first request
instead of during the first reminder at 08:30.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlparse, urlsplit


class ConfigError(ValueError):
    """A ``TEND_*`` variable has a value Tend cannot use."""


def env_str(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """Return the variable stripped of surrounding space, or ``default`` when unset or empty."""
    value = env.get(name, "").strip()
    return value if value else default


def env_int(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    """Return an integer within ``[minimum, maximum]``; anything else is a ConfigError."""
    raw = env_str(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value}.")
    return value


def env_choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return one of ``choices`` (case-insensitive)."""
    raw = env_str(env, name)
    if raw is None:
        return default
    value = raw.lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}.")
    return value


def env_list(env: Mapping[str, str], name: str) -> list[str]:
    """Return a comma-separated list without empty items."""
    raw = env_str(env, name, "") or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(env: Mapping[str, str], name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    """Return an absolute URL with one of ``schemes``, without a trailing slash."""
    raw = env_str(env, name, default) or default
    parsed = urlparse(raw)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(f"{name} must be an absolute {' or '.join(schemes)} URL, got {raw!r}.")
    return raw.rstrip("/")


def check_vapid_subject(value: str) -> str:
    """VAPID requires a contact the push service can use: ``mailto:`` or ``https:``."""
    parsed = urlparse(value)
    if parsed.scheme == "mailto" and "@" in parsed.path:
        return value
    if parsed.scheme == "https" and parsed.netloc:
        return value
    raise ConfigError(
        f"TEND_VAPID_SUBJECT must be a mailto: address or an https: URL, got {value!r}."
    )


# Used only for plain-http development, where no push service is reached from a phone.
DEVELOPMENT_VAPID_SUBJECT = "mailto:admin@localhost.localdomain"
# Reserved or private-use names that never resolve on the internet (RFC 2606, 6761, 6762).
PLACEHOLDER_SUFFIXES = ("local", "localdomain", "internal", "invalid", "test", "example", "lan")


def subject_host(subject: str) -> str:
    """The host a VAPID subject names: the domain of a mailto: address, the host of an URL."""
    parsed = urlsplit(subject.strip())
    if parsed.scheme == "mailto":
        address = parsed.path.split("?", 1)[0]
        return address.rpartition("@")[2].strip().rstrip(".").lower()
    return (parsed.hostname or "").rstrip(".").lower()


def placeholder_reason(subject: str) -> str | None:
    """Why ``subject`` is a placeholder no push service can reach, or None for a real host.

    Apple's push service refuses tokens whose subject names localhost, an IP
    address or a reserved name such as ``.local`` or ``.invalid``; Google's and
    Mozilla's accept them, so the mistake only shows on iPhones and Macs.
    """
    host = subject_host(subject)
    if not host:
        return "it names no host"
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine, not a real host"
    try:
        ipaddress.ip_address(host.strip("[]"))
        return f"{host} is an IP address, not a host name"
    except ValueError:
        pass
    if "." not in host:
        return f"{host} is a local name without a domain"
    suffix = host.rsplit(".", 1)[1]
    if suffix in PLACEHOLDER_SUFFIXES:
        return f"names under .{suffix} do not exist on the internet"
    return None


def derived_vapid_subject(public_url: str) -> str | None:
    """The public origin as a VAPID subject, when ``public_url`` is https on a real host.

    The origin is a contact the operator certainly controls and that resolves
    (people reach Tend there); an invented address at that host might not exist.
    """
    parsed = urlsplit(public_url)
    if parsed.scheme != "https" or not parsed.hostname:
        return None
    origin = f"https://{parsed.netloc.rpartition('@')[2].lower()}"
    return None if placeholder_reason(origin) else origin


def resolve_vapid_subject(configured: str | None, public_url: str) -> str:
    """The VAPID subject to sign with: ``configured``, or one derived from ``public_url``.

    With an https public URL the subject must name a real host; a placeholder is
    a ConfigError that says what to set. Over plain http (development) a
    placeholder is allowed; the caller warns about it.
    """
    https = urlsplit(public_url).scheme == "https"
    if configured and configured.strip():
        subject = check_vapid_subject(configured.strip())
        origin = "TEND_VAPID_SUBJECT"
    else:
        subject = derived_vapid_subject(public_url) or DEVELOPMENT_VAPID_SUBJECT
        origin = "TEND_VAPID_SUBJECT (unset, so derived from TEND_PUBLIC_URL)"
    reason = placeholder_reason(subject)
    if https and reason:
        raise ConfigError(
            f"{origin} is {subject!r}, a placeholder: {reason}. Apple's push service refuses "
            "every notification signed with it, so iPhones and Macs would get nothing. "
            "Set TEND_VAPID_SUBJECT to a real contact, such as mailto:you@your-domain.org "
            "or https://your-public-site.org."
        )
    return subject


def webauthn_settings(rp_id: str | None, origin: str | None) -> dict[str, str | None]:
    """``TEND_WEBAUTHN_RP_ID`` and ``TEND_WEBAUTHN_ORIGIN``, checked now rather than at the
    first passkey, when a browser would refuse them with a message nobody reads.

    The origin is ``scheme://host[:port]`` and nothing more; the RP ID is a bare host
    name, the origin's host or a domain it belongs to. Either may be left unset (the
    request's own host is used then).
    """
    origin_host = None
    if origin is not None:
        parts = urlsplit(origin)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigError(
                f"TEND_WEBAUTHN_ORIGIN must be like https://tend.example.org, got {origin!r}."
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            raise ConfigError(
                f"TEND_WEBAUTHN_ORIGIN is an origin only (scheme, host and port), got {origin!r}."
            )
        origin = origin.rstrip("/")
        origin_host = parts.hostname
    if rp_id is not None:
        if "/" in rp_id or ":" in rp_id or not rp_id.strip(".") or rp_id != rp_id.lower():
            raise ConfigError(
                "TEND_WEBAUTHN_RP_ID is a lower-case host name such as tend.example.org, "
                f"got {rp_id!r}."
            )
        if origin_host is not None and not (
            origin_host == rp_id or origin_host.endswith("." + rp_id)
        ):
            raise ConfigError(
                f"TEND_WEBAUTHN_RP_ID {rp_id!r} must be the host of TEND_WEBAUTHN_ORIGIN "
                f"({origin_host!r}) or a domain it belongs to."
            )
    return {"TEND_WEBAUTHN_RP_ID": rp_id, "TEND_WEBAUTHN_ORIGIN": origin}


def check_metrics_token(token: str | None) -> str | None:
    """A bearer token long enough not to be guessed; unset means no /metrics at all."""
    if token is not None and len(token) < 16:
        raise ConfigError("TEND_METRICS_TOKEN must be at least 16 characters long.")
    return token


def check_extra_host(item: str) -> str:
    """An extra push host is ``host`` or ``host:port``, nothing else."""
    parsed = urlparse(f"//{item}")
    try:
        port = parsed.port
    except ValueError:
        raise ConfigError(f"TEND_PUSH_EXTRA_HOSTS has a bad port in {item!r}.") from None
    if not parsed.hostname or parsed.username or parsed.path or port == 0:
        raise ConfigError(f"TEND_PUSH_EXTRA_HOSTS items must be host or host:port, got {item!r}.")
    return item.lower()


SMTP_SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


@dataclass(frozen=True)
class SmtpSettings:
    """Where reset emails go out: ``TEND_SMTP_URL`` taken apart."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @property
    def use_tls(self) -> bool:
        """TLS from the first byte (``smtps``)."""
        return self.scheme == "smtps"

    @property
    def use_starttls(self) -> bool:
        """Plain connection upgraded with STARTTLS (``smtp+starttls``)."""
        return self.scheme == "smtp+starttls"


def parse_smtp_url(raw: str | None) -> SmtpSettings | None:
    """``smtp://user:pass@host:port`` (also ``smtps://``, ``smtp+starttls://``), or None."""
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in SMTP_SCHEMES or not parsed.hostname:
        raise ConfigError(
            "TEND_SMTP_URL must look like smtp://user:password@host:port "
            f"(or smtps://, smtp+starttls://), got {parsed.scheme or 'no'} scheme."
        )
    try:
        port = parsed.port or SMTP_SCHEMES[parsed.scheme]
    except ValueError:
        raise ConfigError("TEND_SMTP_URL has a bad port.") from None
    if parsed.path not in ("", "/") or parsed.query:
        raise ConfigError("TEND_SMTP_URL takes no path or query, only user, host and port.")
    return SmtpSettings(
        scheme=parsed.scheme,
        host=parsed.hostname,
        port=port,
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password is not None else None,
    )


def check_mail_from(value: str) -> str:
    """A sender address: ``name@host`` or ``Name <name@host>``."""
    _, address = parseaddr(value)
    if "@" not in address or any(c in value for c in "\r\n"):
        raise ConfigError(f"TEND_SMTP_FROM must be an email address, got {value!r}.")
    return value


def mail_from(env: Mapping[str, str], public_url: str) -> str:
    """``TEND_SMTP_FROM``, or ``Tend <noreply@host>`` for the public URL's host name
    (``localhost`` when that host is an IP address, which no mailbox has)."""
    configured = env_str(env, "TEND_SMTP_FROM")
    if configured:
        return check_mail_from(configured)
    host = urlparse(public_url).hostname or ""
    if not host or ":" in host or host.replace(".", "").isdigit():
        host = "localhost"
    return f"Tend <noreply@{host}>"


MAX_NOTICE_CHARS = 20_000


def privacy_notice(env: Mapping[str, str]) -> str | None:
    """The text of the file named by ``TEND_PRIVACY_NOTICE`` (UTF-8, at most 20,000 characters)."""
    path = env_str(env, "TEND_PRIVACY_NOTICE")
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"TEND_PRIVACY_NOTICE: cannot read {path!r}: {exc}") from None
    if not text or len(text) > MAX_NOTICE_CHARS:
        raise ConfigError(
            f"TEND_PRIVACY_NOTICE: {path!r} must hold 1 to {MAX_NOTICE_CHARS} characters"
        )
    return text


def ensure_instance_path(path: str | os.PathLike) -> None:
    """Create the instance folder readable by its owner only, if it is missing.

    It holds the SQLite database (people's check-ins) and the generated secrets.
    An existing folder keeps the permissions its operator gave it.
    """
    os.makedirs(path, mode=0o700, exist_ok=True)


def listening_url(host: str, port: int) -> str:
    """Where ``python -m server`` can be reached on this machine, as a URL.

    The default public URL, so that with only ``TEND_PORT`` changed notification
    links still lead back to the app. A wildcard address is reached on loopback.
    """
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def load_settings(env: Mapping[str, str] | None = None) -> dict:
    """Read every ``TEND_*`` setting into a dict of Flask config keys with parsed values."""
    env = os.environ if env is None else env
    host = env_str(env, "TEND_HOST", "127.0.0.1") or "127.0.0.1"
    port = env_int(env, "TEND_PORT", 8000, minimum=1, maximum=65535)
    public_url = env_url(
        env, "TEND_PUBLIC_URL", listening_url(host, port), schemes=("http", "https")
    )
    return {
        "TEND_INSTANCE_PATH": env_str(env, "TEND_INSTANCE_PATH"),
        "TEND_DATABASE_URL": env_str(env, "TEND_DATABASE_URL"),
        "TEND_SECRET_KEY": env_str(env, "TEND_SECRET_KEY"),
        "TEND_VAPID_PRIVATE_KEY": env_str(env, "TEND_VAPID_PRIVATE_KEY"),
        "TEND_VAPID_SUBJECT": resolve_vapid_subject(env_str(env, "TEND_VAPID_SUBJECT"), public_url),
        "TEND_PUBLIC_URL": public_url,
        "TEND_PUSH_EXTRA_HOSTS": [
            check_extra_host(item) for item in env_list(env, "TEND_PUSH_EXTRA_HOSTS")
        ],
        "TEND_SCHEDULER": env_choice(env, "TEND_SCHEDULER", "embedded", ("embedded", "off")),
        "TEND_HOST": host,
        "TEND_PORT": port,
        "TEND_WEB_THREADS": env_int(env, "TEND_WEB_THREADS", 8, minimum=1, maximum=256),
        "TEND_MAX_BODY_BYTES": env_int(
            env, "TEND_MAX_BODY_BYTES", 64 * 1024, minimum=1024, maximum=10 * 1024 * 1024
        ),
        "TEND_LOGIN_THROTTLE": env_choice(
            env, "TEND_LOGIN_THROTTLE", "memory", ("memory", "database")
        ),
        "TEND_TRUSTED_PROXIES": env_int(env, "TEND_TRUSTED_PROXIES", 0, minimum=0, maximum=5),
        "TEND_REGISTRATION": env_choice(
            env, "TEND_REGISTRATION", "open", ("open", "invite", "closed")
        ),
        "TEND_SIGNUP_LIMIT": env_int(env, "TEND_SIGNUP_LIMIT", 10, minimum=0, maximum=100_000),
        "TEND_SMTP_URL": parse_smtp_url(env_str(env, "TEND_SMTP_URL")),
        "TEND_SMTP_FROM": mail_from(env, public_url),
        "TEND_QUESTION_BANK": env_str(env, "TEND_QUESTION_BANK"),
        "TEND_CRISIS_LINES": env_str(env, "TEND_CRISIS_LINES"),
        "TEND_SUPPORT_RESOURCES": env_str(env, "TEND_SUPPORT_RESOURCES"),
        "TEND_LEARN_PATH": env_str(env, "TEND_LEARN_PATH"),
        "TEND_PRIVACY_NOTICE": privacy_notice(env),
        "TEND_RETENTION_DAYS": env_int(env, "TEND_RETENTION_DAYS", 0, minimum=0, maximum=36_500),
        **webauthn_settings(
            env_str(env, "TEND_WEBAUTHN_RP_ID"), env_str(env, "TEND_WEBAUTHN_ORIGIN")
        ),
        "TEND_MAX_REMINDERS": env_int(env, "TEND_MAX_REMINDERS", 100, minimum=1, maximum=10_000),
        "TEND_MAX_DEVICES": env_int(env, "TEND_MAX_DEVICES", 10, minimum=1, maximum=1_000),
        "TEND_CLAIM_LEASE_SECONDS": env_int(
            env, "TEND_CLAIM_LEASE_SECONDS", 60, minimum=2, maximum=3600
        ),
        "TEND_STOP_GRACE_SECONDS": env_int(
            env, "TEND_STOP_GRACE_SECONDS", 20, minimum=1, maximum=600
        ),
        "TEND_LOG_FORMAT": env_choice(env, "TEND_LOG_FORMAT", "text", ("text", "json")),
        "TEND_METRICS_TOKEN": check_metrics_token(env_str(env, "TEND_METRICS_TOKEN")),
        "TEND_LOG_LEVEL": env_choice(
            env, "TEND_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
        ),
    }
