"""Login throttling per account and per client address.

In memory by default (one process); ``TEND_LOGIN_THROTTLE=database`` keeps the
counters in the database so several web workers share them.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from server.accounts.models import LoginThrottle

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
KEY_LENGTH = 300  # LoginThrottle.key's column


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


def storage_key(key: str) -> str:
    """``key`` as it fits the table's 300-character column: long ones end in their hash.

    A sign-in may name any email up to 320 characters; the column must never overflow.
    """
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key[: KEY_LENGTH - len(digest) - 1] + "#" + digest


def count_failure(session: Session, key: str, now: datetime) -> None:
    """``after_failure`` done in SQL, so that no concurrent count is lost.

    Within the window the count goes up by one in place; a row whose window is
    over starts again at one; a missing row is inserted. Reaching the limit locks.
    """
    stored = storage_key(key)
    table = LoginThrottle
    window_open = table.window_started_at >= now - WINDOW
    counted = session.execute(
        update(table).where(table.key == stored, window_open)
        .values(failures=table.failures + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not counted:
        counted = session.execute(
            update(table).where(table.key == stored, ~window_open)
            .values(failures=1, window_started_at=now, locked_until=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not counted:
        session.add(LoginThrottle(key=stored, failures=1, window_started_at=now))
        session.flush()
    session.execute(
        update(table).where(table.key == stored, table.failures >= limit_for(key))
        .values(locked_until=now + LOCKOUT)
        .execution_options(synchronize_session=False)
    )


class DatabaseThrottle:
    """Counters in the ``login_throttle`` table, shared by every worker."""

    def retry_after(self, keys: list[str], now: datetime, session: Session) -> int:
        """Seconds the caller must wait (0 when none of ``keys`` is locked)."""
        return max((seconds_locked(self._load(session, k), now) for k in keys), default=0)

    def fail(self, keys: list[str], now: datetime, session: Session) -> None:
        """Record a failed login for every key.

        Each count is one atomic UPDATE, so parallel guesses from several workers
        are all counted; when two first failures insert the same key at once, the
        loser counts again on the row the winner made.
        """
        for attempt in range(2):
            try:
                for key in keys:
                    count_failure(session, key, now)
                session.commit()
                return
            except IntegrityError:
                session.rollback()
                if attempt:
                    raise

    def succeed(self, keys: list[str], session: Session) -> None:
        """Forget the account's failures after a good login."""
        account_keys = [storage_key(k) for k in keys if not k.startswith("ip:")]
        if account_keys:
            session.exec(delete(LoginThrottle).where(LoginThrottle.key.in_(account_keys)))
            session.commit()

    @staticmethod
    def _load(session: Session, key: str) -> Counter | None:
        row = session.get(LoginThrottle, storage_key(key))
        if row is None:
            return None
        return Counter(row.failures, row.window_started_at, row.locked_until)


def make_throttle(kind: str) -> MemoryThrottle | DatabaseThrottle:
    """The throttle for ``TEND_LOGIN_THROTTLE``."""
    return DatabaseThrottle() if kind == "database" else MemoryThrottle()
