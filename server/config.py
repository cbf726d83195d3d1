"""Configuration from ``TEND_*`` environment variables.

Every setting is read by a small typed helper that fails at start-up with a
clear message, so a typo in a deployment is found before the first request
instead of during the first reminder at 08:30.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse


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
    public_url = env_url(env, "TEND_PUBLIC_URL", listening_url(host, port),
                         schemes=("http", "https"))
    return {
        "TEND_INSTANCE_PATH": env_str(env, "TEND_INSTANCE_PATH"),
        "TEND_DATABASE_URL": env_str(env, "TEND_DATABASE_URL"),
        "TEND_SECRET_KEY": env_str(env, "TEND_SECRET_KEY"),
        "TEND_VAPID_PRIVATE_KEY": env_str(env, "TEND_VAPID_PRIVATE_KEY"),
        "TEND_VAPID_SUBJECT": check_vapid_subject(
            env_str(env, "TEND_VAPID_SUBJECT", "mailto:admin@localhost.localdomain") or ""
        ),
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
        "TEND_QUESTION_BANK": env_str(env, "TEND_QUESTION_BANK"),
        "TEND_CRISIS_LINES": env_str(env, "TEND_CRISIS_LINES"),
        "TEND_LOG_LEVEL": env_choice(
            env, "TEND_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
        ),
    }
