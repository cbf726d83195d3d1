"""Pure rules for push service answers: what a status means and how long to wait."""

from __future__ import annotations

import random
from datetime import datetime
from email.utils import parsedate_to_datetime

SENT = "sent"
GONE = "gone"
FAILED = "failed"
REJECTED = "rejected"
RETRY = "retry"
REFUSED = "refused"

CONFIGURATION_STATUSES = frozenset({400, 401, 403})
# The push service refuses our VAPID token or key: our configuration, not the device.
REFUSAL_STATUSES = frozenset({401, 403})
RETRY_AFTER_STATUSES = frozenset({429, 503})


def classify_status(status: int) -> str:
    """Map a push service's HTTP status to ``sent``, ``gone``, ``retry`` or ``failed``.

    201/202 are accepted; 404/410 mean the subscription is gone for good;
    429 and 5xx are worth trying again; redirects are never followed, so they,
    like every other answer (400/401/403 configuration problems, 413 too large),
    are failures without retry.
    """
    if status in (201, 202):
        return SENT
    if status in (404, 410):
        return GONE
    if status == 429 or 500 <= status <= 599:
        return RETRY
    return FAILED


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or HTTP date).

    ``now`` must be an aware datetime. Returns None when the value is missing or
    unreadable; never negative.
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter for the wait after failed ``attempt`` (1-based).

    Full jitter spreads retries from many senders over the whole window, so a
    recovering push service is not hit by all of them at once.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(0, ceiling)
