"""Throttling of sign-in, recovery and sign-up, per address, per address-and-account, per account.

Every attempt is counted *before* any password work, in one atomic step per counter,
so parallel guesses cannot slip past a limit. Three counters guard a sign-in:

- the client address: many failures from one address block that address for a while;
- the address and the account together: an attacker guessing one person's password
  from one address is blocked, while the owner, from their own address, is not;
- the account alone: failures from many addresses only *slow* further attempts on
  the account (one every few seconds), they never lock its owner out.

In memory by default (one process); ``TEND_LOGIN_THROTTLE=database`` keeps the
counters in the ``login_throttle`` table so several web workers share them.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from server.accounts.models import LoginThrottle

KEY_LENGTH = 300  # LoginThrottle.key's column
# Longer than every rule's window: a counter this old counts nothing any more.
STALE_AFTER = timedelta(days=1)
MAX_MEMORY_COUNTERS = 100_000


@dataclass(frozen=True)
class Rule:
    """How a counter limits: ``limit`` attempts per ``window``.

    With ``spacing`` set, attempts past the limit are not refused for the rest of
    the window but let through one per ``spacing`` (a delay, not a lock).
    """

    limit: int
    window: timedelta
    spacing: timedelta | None = None


ADDRESS_RULE = Rule(limit=20, window=timedelta(minutes=15))
PAIR_RULE = Rule(limit=5, window=timedelta(minutes=15))
ACCOUNT_RULE = Rule(limit=10, window=timedelta(minutes=15), spacing=timedelta(seconds=10))
SIGNUP_RULE = Rule(limit=10, window=timedelta(hours=1))
RESET_MAIL_RULE = Rule(limit=3, window=timedelta(hours=1))


@dataclass(frozen=True)
class Key:
    """One counter: its name and the rule it follows."""

    name: str
    rule: Rule


@dataclass
class Counter:
    """Attempts counted since ``window_started_at``; the next one waits until ``locked_until``."""

    failures: int
    window_started_at: datetime
    locked_until: datetime | None = None


def account_tag(email: str) -> str:
    """A short stable tag for an email, so counters do not spell the address out."""
    return hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]


def sign_in_keys(address: str, email: str) -> list[Key]:
    """The counters of a sign-in (or recovery) attempt, most general first."""
    tag = account_tag(email)
    return [
        Key(f"ip:{address}", ADDRESS_RULE),
        Key(f"pair:{tag}:{address}", PAIR_RULE),
        Key(f"acct:{tag}", ACCOUNT_RULE),
    ]


def address_keys(address: str) -> list[Key]:
    """The counter of attempts that name no account (a reset token), per address."""
    return [Key(f"ip:{address}", ADDRESS_RULE)]


def signup_keys(address: str, per_hour: int) -> list[Key]:
    """The counter of sign-ups from one address (``TEND_SIGNUP_LIMIT`` an hour)."""
    return [Key(f"signup:{address}", Rule(limit=per_hour, window=SIGNUP_RULE.window))]


def reset_mail_keys(address: str, email: str) -> list[Key]:
    """Reset emails: per address, and few per account so nobody's inbox is flooded."""
    return [Key(f"mail:{address}", SIGNUP_RULE), Key(f"mail:{account_tag(email)}", RESET_MAIL_RULE)]


def ceil_seconds(delta: timedelta) -> int:
    """Whole seconds to wait, at least one."""
    return max(1, math.ceil(delta.total_seconds()))


def admit(counter: Counter | None, rule: Rule, now: datetime) -> tuple[Counter, int]:
    """Pure rule: count one attempt; returns the new counter and the seconds to wait (0 = go).

    A refused attempt is counted too under a blocking rule (it changes nothing: the
    window's end does not move), and not counted under a spacing rule.
    """
    if counter is None or now - counter.window_started_at >= rule.window:
        counter = Counter(failures=0, window_started_at=now)
    if rule.spacing is None:
        counter.failures += 1
        if counter.failures > rule.limit:
            return counter, ceil_seconds(counter.window_started_at + rule.window - now)
        return counter, 0
    if counter.failures < rule.limit:
        counter.failures += 1
        return counter, 0
    if counter.locked_until is not None and counter.locked_until > now:
        return counter, ceil_seconds(counter.locked_until - now)
    counter.failures += 1
    counter.locked_until = now + rule.spacing
    return counter, 0


def storage_key(key: str) -> str:
    """``key`` as it fits the table's 300-character column: long ones end in their hash.

    A forwarded address may be any text; the column must never overflow.
    """
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key[: KEY_LENGTH - len(digest) - 1] + "#" + digest


def is_account_key(name: str) -> bool:
    """Counters that a good sign-in clears (the address keeps its own, minus one)."""
    return name.startswith(("pair:", "acct:"))


class MemoryThrottle:
    """Counters in this process's memory."""

    def __init__(self) -> None:
        self._counters: dict[str, Counter] = {}
        self._lock = threading.Lock()

    def admit(self, keys: list[Key], now: datetime) -> int:
        """Count an attempt on each key in turn; the seconds to wait at the first refusal."""
        with self._lock:
            if len(self._counters) > MAX_MEMORY_COUNTERS:
                self._forget_stale(now)
            for key in keys:
                counter, wait = admit(self._counters.get(key.name), key.rule, now)
                self._counters[key.name] = counter
                if wait:
                    return wait
            return 0

    def _forget_stale(self, now: datetime) -> None:
        for name in [
            n for n, c in self._counters.items() if now - c.window_started_at > STALE_AFTER
        ]:
            del self._counters[name]

    def succeeded(self, keys: list[Key]) -> None:
        """A good sign-in: forget the account's counts, give the address its attempt back."""
        with self._lock:
            for key in keys:
                if is_account_key(key.name):
                    self._counters.pop(key.name, None)
                elif key.name.startswith("ip:") and key.name in self._counters:
                    counter = self._counters[key.name]
                    counter.failures = max(0, counter.failures - 1)

    def forget_account(self, email: str) -> None:
        """Drop every counter naming ``email`` (the account is being deleted)."""
        tag = account_tag(email)
        with self._lock:
            for name in [n for n in self._counters if tag in n]:
                del self._counters[name]


class DatabaseThrottle:
    """Counters in the ``login_throttle`` table, shared by every worker.

    Each counter is read, decided and written in its own short transaction on its
    own connection, holding the row (PostgreSQL: ``FOR UPDATE``; SQLite: the write
    lock taken by the first statement), so concurrent attempts are counted one by one.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def admit(self, keys: list[Key], now: datetime) -> int:
        """Count an attempt on each key in turn; the seconds to wait at the first refusal."""
        for key in keys:
            wait = self._admit_one(key, now)
            if wait:
                return wait
        return 0

    def _admit_one(self, key: Key, now: datetime) -> int:
        table = LoginThrottle.__table__
        stored = storage_key(key.name)
        with self._engine.begin() as conn:
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            created = conn.execute(
                insert(table)
                .values(key=stored, failures=0, window_started_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            ).rowcount
            if created:
                # New rows are where the table grows, so that is when old ones go.
                conn.execute(delete(table).where(table.c.window_started_at < now - STALE_AFTER))
            query = select(table).where(table.c.key == stored)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            row = conn.execute(query).one()
            before = Counter(row.failures, row.window_started_at, row.locked_until)
            counter, wait = admit(before, key.rule, now)
            conn.execute(
                update(table)
                .where(table.c.key == stored)
                .values(
                    failures=counter.failures,
                    window_started_at=counter.window_started_at,
                    locked_until=counter.locked_until,
                )
            )
        return wait

    def succeeded(self, keys: list[Key]) -> None:
        """A good sign-in: forget the account's counts, give the address its attempt back."""
        table = LoginThrottle.__table__
        account = [storage_key(k.name) for k in keys if is_account_key(k.name)]
        addresses = [storage_key(k.name) for k in keys if k.name.startswith("ip:")]
        with self._engine.begin() as conn:
            if account:
                conn.execute(delete(table).where(table.c.key.in_(account)))
            if addresses:
                conn.execute(
                    update(table)
                    .where(table.c.key.in_(addresses), table.c.failures > 0)
                    .values(failures=table.c.failures - 1)
                )

    def forget_account(self, email: str) -> None:
        """Drop every counter naming ``email`` (the account is being deleted)."""
        table = LoginThrottle.__table__
        tag = account_tag(email)
        with self._engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    or_(
                        table.c.key == f"acct:{tag}",
                        table.c.key == f"mail:{tag}",
                        table.c.key.startswith(f"pair:{tag}:", autoescape=True),
                    )
                )
            )


def make_throttle(kind: str, engine: Engine) -> MemoryThrottle | DatabaseThrottle:
    """The throttle for ``TEND_LOGIN_THROTTLE``."""
    return DatabaseThrottle(engine) if kind == "database" else MemoryThrottle()
