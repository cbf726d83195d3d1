"""The app lock's rules, pure: when a sign-in locks and which routes stay open while locked."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.accounts.throttle import ADDRESS_RULE, Key, Rule

# Routes a locked session may still call (besides public ones and the token answer routes,
# which need no sign-in): unlocking, asking how to unlock, and hiding again.
OPEN_WHILE_LOCKED = frozenset(
    {"privacy.unlock", "privacy.unlock_options", "privacy.lock_status", "privacy.lock_now"}
)
# A 4-digit PIN has 10,000 values: five tries, then one every 30 seconds, caps a guesser
# at about 3,000 a day per account, while a person who mistypes twice never notices.
PIN_RULE = Rule(limit=5, window=timedelta(minutes=15), spacing=timedelta(seconds=30))
# Writing the time of every request would cost a write per request; this is precise enough.
SEEN_PRECISION = timedelta(seconds=15)


def away_too_long(last_seen_at: datetime | None, now: datetime, minutes: int | None) -> bool:
    """Whether a sign-in last seen at ``last_seen_at`` has been away ``minutes`` or more."""
    if minutes is None or last_seen_at is None:
        return False
    return now - last_seen_at >= timedelta(minutes=minutes)


def worth_recording(last_seen_at: datetime | None, now: datetime) -> bool:
    """Whether to write ``now`` as the sign-in's last request."""
    return last_seen_at is None or now - last_seen_at >= SEEN_PRECISION


def open_while_locked(endpoint: str | None, needs_sign_in: bool) -> bool:
    """Whether a locked session may call ``endpoint``."""
    return not needs_sign_in or endpoint in OPEN_WHILE_LOCKED


def unlock_keys(user_id: int, address: str) -> list[Key]:
    """The throttle's counters of a PIN attempt: per address and per account."""
    return [Key(f"ip:{address}", ADDRESS_RULE), Key(f"pin:{user_id}", PIN_RULE)]
