"""Login throttling per account and per client address.

In memory by default (one process); ``TEND_LOGIN_THROTTLE=database`` keeps the
counters in the database so several web workers share them.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session

from server.accounts.models import LoginThrottle

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


@dataclass
class Counter:
    """Failures counted since ``window_started_at``; locked until ``locked_until``."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def limit_for(key: str) -> int:
    """Addresses are shared by many people (an office, a ward), so they get more tries."""
    return MAX_FAILURES_PER_ADDRESS if key.startswith("ip:") else MAX_FAILURES_PER_ACCOUNT


def after_failure(counter: Counter | None, key: str, now: datetime) -> Counter:
    """Pure rule: count one more failure, starting a new window or locking as needed."""
    if counter is None or now - counter.window_started_at > WINDOW:
        counter = Counter(failures=0, window_started_at=now)
    counter.failures += 1
    if counter.failures >= limit_for(key):
        counter.locked_until = now + LOCKOUT
    return counter


def seconds_locked(counter: Counter | None, now: datetime) -> int:
    """Seconds until ``counter`` unlocks (0 when it is not locked)."""
    if counter is None or counter.locked_until is None or counter.locked_until <= now:
        return 0
    return max(1, math.ceil((counter.locked_until - now).total_seconds()))


class MemoryThrottle:
    """Counters in this process's memory."""

    def __init__(self) -> None:
        self._counters: dict[str, Counter] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: list[str], now: datetime, session: Session) -> int:
        """Seconds the caller must wait (0 when none of ``keys`` is locked)."""
        with self._lock:
            return max((seconds_locked(self._counters.get(k), now) for k in keys), default=0)

    def fail(self, keys: list[str], now: datetime, session: Session) -> None:
        """Record a failed login for every key."""
        with self._lock:
            for key in keys:
                self._counters[key] = after_failure(self._counters.get(key), key, now)

    def succeed(self, keys: list[str], session: Session) -> None:
        """Forget the account's failures after a good login (the address keeps its count)."""
        with self._lock:
            for key in keys:
                if not key.startswith("ip:"):
                    self._counters.pop(key, None)


class DatabaseThrottle:
    """Counters in the ``login_throttle`` table, shared by every worker."""

    def retry_after(self, keys: list[str], now: datetime, session: Session) -> int:
        """Seconds the caller must wait (0 when none of ``keys`` is locked)."""
        return max((seconds_locked(self._load(session, k), now) for k in keys), default=0)

    def fail(self, keys: list[str], now: datetime, session: Session) -> None:
        """Record a failed login for every key."""
        for key in keys:
            counter = after_failure(self._load(session, key), key, now)
            row = session.get(LoginThrottle, key) or LoginThrottle(
                key=key, window_started_at=counter.window_started_at
            )
            row.failures = counter.failures
            row.window_started_at = counter.window_started_at
            row.locked_until = counter.locked_until
            session.add(row)
        session.commit()

    def succeed(self, keys: list[str], session: Session) -> None:
        """Forget the account's failures after a good login."""
        account_keys = [k for k in keys if not k.startswith("ip:")]
        if account_keys:
            session.exec(delete(LoginThrottle).where(LoginThrottle.key.in_(account_keys)))
            session.commit()

    @staticmethod
    def _load(session: Session, key: str) -> Counter | None:
        row = session.get(LoginThrottle, key)
        if row is None:
            return None
        return Counter(row.failures, row.window_started_at, row.locked_until)


def make_throttle(kind: str) -> MemoryThrottle | DatabaseThrottle:
    """The throttle for ``TEND_LOGIN_THROTTLE``."""
    return DatabaseThrottle() if kind == "database" else MemoryThrottle()
