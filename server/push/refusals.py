"""Push services refusing Tend's VAPID identity (401/403): counted per origin, said once an hour.

A refusal is a configuration problem on our side (a placeholder
``TEND_VAPID_SUBJECT``, a changed key), not a sign that a device is gone, so it
is never held against the device and never retried. Operators learn of it from
one log line per push service per hour and from ``refusal_counts()``, which a
metrics or readiness endpoint can read. Counts live in this process.
"""

from __future__ import annotations

import threading
import time

LOG_EVERY_SECONDS = 60 * 60

_lock = threading.Lock()
_counts: dict[str, int] = {}
_last_said: dict[str, float] = {}


def note_refusal(origin: str, now: float | None = None) -> bool:
    """Count one refusal by ``origin``; True when it should be logged (once an hour)."""
    moment = time.monotonic() if now is None else now
    with _lock:
        _counts[origin] = _counts.get(origin, 0) + 1
        last = _last_said.get(origin)
        if last is not None and moment - last < LOG_EVERY_SECONDS:
            return False
        _last_said[origin] = moment
        return True


def refusal_counts() -> dict[str, int]:
    """Refusals so far in this process, by push service origin (a copy)."""
    with _lock:
        return dict(_counts)


def reset_refusals() -> None:
    """Forget every count and when each was last logged (tests)."""
    with _lock:
        _counts.clear()
        _last_said.clear()
