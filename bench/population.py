"""Bulk rows for the dispatch benchmark: users, one device each, reminders due together.

Rows go in with SQLAlchemy Core ``executemany`` in chunks, not through the API:
the benchmark measures the dispatcher, not sign-up. Every user shares one
precomputed password hash.

Users live in a fixed-offset zone chosen so that the run happens around 08:00
on their clock: a morning rush, outside the default quiet hours whenever the
benchmark is run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Engine

from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.push.models import PushSubscription
from server.reminders.models import Reminder

USERS = User.__table__
SUBSCRIPTIONS = PushSubscription.__table__
REMINDERS = Reminder.__table__

CHUNK = 5_000
# Due reminders wait here until the schedulers are up; then one UPDATE makes them due.
PARKED_AT = datetime(2090, 1, 1, tzinfo=UTC)
# Stored reminders: a one-off far ahead, so they are never due and plan nothing today.
STORED_AT = datetime(2099, 1, 1, 8, 0, tzinfo=UTC)
STORED_PER_USER = 5
MORNING_HOUR = 8
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def morning_zone(now: datetime, hour: int = MORNING_HOUR) -> str:
    """A fixed-offset IANA zone (``Etc/GMT±N``) where ``now`` is ``hour`` o'clock."""
    offset = (hour - now.astimezone(UTC).hour) % 24
    if offset > 14:
        offset -= 24
    # POSIX-style names invert the sign: Etc/GMT-2 is two hours ahead of UTC.
    return f"Etc/GMT{-offset:+d}"


def chunks(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    """``rows`` in lists of at most ``size``."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(engine: Engine, table, rows: Iterable[dict]) -> int:
    """Insert ``rows`` into ``table`` chunk by chunk, one transaction per chunk."""
    count = 0
    for chunk in chunks(rows):
        with engine.begin() as conn:
            conn.execute(insert(table), chunk)
        count += len(chunk)
    return count


def user_rows(
    first_id: int, count: int, zone: str, password_hash: str, now: datetime
) -> Iterator[dict]:
    """Users ``first_id`` … ``first_id + count - 1`` with default settings."""
    for user_id in range(first_id, first_id + count):
        yield {
            "id": user_id,
            "email": f"bench{user_id}@example.org",
            "password_hash": password_hash,
            "timezone": zone,
            "work_days": [0, 1, 2, 3, 4],
            "work_start": "09:00",
            "work_end": "17:00",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "daily_push_budget": 6,
            "paused_until": None,
            "timeoff_nudge_days": 60,
            "timeoff_strong_days": 120,
            "created_at": now,
        }


def subscription_rows(subscriptions: list[dict], now: datetime) -> Iterator[dict]:
    """One device for each user 1 … len(subscriptions)."""
    for user_id, subscription in enumerate(subscriptions, start=1):
        yield {
            "user_id": user_id,
            "endpoint": subscription["endpoint"],
            "p256dh": subscription["p256dh"],
            "auth": subscription["auth"],
            "expiration_time": None,
            "device_label": "Chrome on Android",
            "user_agent": "bench",
            "created_at": now,
            "last_success_at": None,
            "last_failure_at": None,
            "failure_count": 0,
        }


def reminder_row(
    user_id: int, kind: str, schedule: dict, next_due_at: datetime, now: datetime
) -> dict:
    """One enabled reminder."""
    return {
        "user_id": user_id,
        "kind": kind,
        "title": "Bench " + kind,
        "schedule": schedule,
        "enabled": True,
        "next_due_at": next_due_at,
        "snoozed_until": None,
        "preset": None,
        "meta": {},
        "created_at": now,
        "updated_at": now,
    }


def due_reminder_rows(count: int, kind: str, now: datetime) -> Iterator[dict]:
    """One daily reminder for each user 1 … ``count``, parked until the run starts."""
    schedule = {"type": "daily", "time": f"{MORNING_HOUR:02d}:30", "days": EVERY_DAY}
    for user_id in range(1, count + 1):
        yield reminder_row(user_id, kind, schedule, PARKED_AT, now)


def stored_reminder_rows(first_user: int, count: int, now: datetime) -> Iterator[dict]:
    """``count`` reminders that are never due, ``STORED_PER_USER`` per user from ``first_user``."""
    schedule = {"type": "once", "at": STORED_AT.isoformat()}
    for index in range(count):
        yield reminder_row(first_user + index // STORED_PER_USER, "sleep", schedule, STORED_AT, now)


def populate(
    engine: Engine, subscriptions: list[dict], kind: str, stored: int, now: datetime
) -> str:
    """Insert the due users with their devices and reminders, then the stored ones.

    Returns the users' time zone.
    """
    due_users = len(subscriptions)
    zone = morning_zone(now)
    password_hash = hash_password("bench password that is long enough")
    insert_rows(engine, USERS, user_rows(1, due_users, zone, password_hash, now))
    insert_rows(engine, SUBSCRIPTIONS, subscription_rows(subscriptions, now))
    insert_rows(engine, REMINDERS, due_reminder_rows(due_users, kind, now))
    if stored:
        extra_users = -(-stored // STORED_PER_USER)
        insert_rows(engine, USERS, user_rows(due_users + 1, extra_users, zone, password_hash, now))
        insert_rows(engine, REMINDERS, stored_reminder_rows(due_users + 1, stored, now))
    if engine.dialect.name == "postgresql":
        fix_sequences(engine)
    return zone


def fix_sequences(engine: Engine) -> None:
    """Explicit ids leave PostgreSQL's id sequence behind; move it past them."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
        )
        conn.execute(text("ANALYZE"))


def make_due(engine: Engine, due_at: datetime, spread: float = 0.0) -> int:
    """Make every parked reminder due in one transaction; returns how many.

    All at ``due_at``, or with ``spread`` seconds, evenly over ``[due_at, due_at + spread)``
    (a steady stream instead of one rush).
    """
    with engine.begin() as conn:
        if not spread:
            result = conn.execute(
                update(REMINDERS)
                .where(REMINDERS.c.next_due_at == PARKED_AT)
                .values(next_due_at=due_at)
            )
            return result.rowcount
        ids = (
            conn.execute(
                select(REMINDERS.c.id)
                .where(REMINDERS.c.next_due_at == PARKED_AT)
                .order_by(REMINDERS.c.id)
            )
            .scalars()
            .all()
        )
        step = spread / max(1, len(ids))
        if ids:
            conn.execute(
                update(REMINDERS)
                .where(REMINDERS.c.id == bindparam("b_id"))
                .values(next_due_at=bindparam("b_due")),
                [
                    {"b_id": id_, "b_due": due_at + timedelta(seconds=i * step)}
                    for i, id_ in enumerate(ids)
                ],
            )
    return len(ids)
