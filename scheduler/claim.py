"""Claiming: take due occurrences and stale claims, so each is owned by exactly one process.

Claiming writes one ``Delivery`` per occurrence (unique on reminder and due
time) and advances ``next_due_at`` in the same transaction, then commits;
sending happens after. So a second scheduler — or this one after a crash —
can never record the same occurrence twice:

* PostgreSQL: the due reminders are locked with ``FOR UPDATE SKIP LOCKED``, so
  concurrent schedulers take disjoint batches.
* SQLite: each reminder is taken with a compare-and-set
  ``UPDATE … WHERE next_due_at = :seen`` in a ``BEGIN IMMEDIATE`` transaction;
  whoever loses the race updates no row and moves on.

Each claim carries the claiming process's name and a lease it renews while it
lives (``scheduler.lease``). A delivery whose lease lapsed (its process died
between claim and record) is taken over with a compare-and-set on its lease, as
is a delivery whose scheduled retry has come (``retrying`` with
``next_attempt_at`` passed). Re-sending after a crash is at-least-once: the same
push Topic and answer token make a duplicate replace the first copy on the phone.

The write transactions every step of the dispatcher uses live here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from scheduler.lease import Worker
from server.accounts.models import User
from server.push.payload import make_topic
from server.reminders.models import Delivery, DeliveryStatus, Reminder
from server.reminders.policy import next_due, rule_of
from server.reminders.schedule import UserClock, clock_of
from server.shifts.service import spans_of_users

# After long downtime a fast interval rule could owe hundreds of occurrences;
# beyond this many, older ones are dropped rather than recorded as missed.
MAX_CATCH_UP = 200
DEFAULT_BATCH = 500

REMINDERS = Reminder.__table__
DELIVERIES = Delivery.__table__


@dataclass(frozen=True)
class Claimed:
    """A delivery this process now owns and must decide and send."""

    delivery_id: int
    reminder_id: int | None
    user_id: int
    kind: str
    due_at: datetime


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement.

    On SQLite a deferred transaction that reads before writing can fail with
    "database is locked" when another writer commits in between; ``BEGIN
    IMMEDIATE`` waits for the lock (busy timeout) instead.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            # Begun here so an ORM session on this connection joins it, not owns it.
            conn.begin()
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """An ORM session inside ``write_transaction``."""
    with write_transaction(engine) as conn, Session(bind=conn, expire_on_commit=False) as session:
        yield session
        session.flush()


def occurrence_key(reminder_row, clock: UserClock) -> tuple:
    """Everything ``occurrences_due`` depends on besides ``now``."""
    return (
        json.dumps(reminder_row.schedule, sort_keys=True),
        reminder_row.enabled,
        reminder_row.snoozed_until,
        reminder_row.next_due_at,
        clock,
    )


def occurrences_due(
    reminder_row, clock: UserClock, now: datetime
) -> tuple[list[datetime], datetime | None]:
    """Every occurrence from ``next_due_at`` up to ``now``, and the next one after ``now``."""
    rule = rule_of(reminder_row)
    due = [reminder_row.next_due_at]
    cursor = reminder_row.next_due_at
    while True:
        following = next_due(rule, clock, cursor)
        if following is None or following > now:
            return due[-MAX_CATCH_UP:], following
        due.append(following)
        cursor = following


def delivery_values(row, due_at: datetime, now: datetime, worker: Worker) -> dict:
    """The new ``claimed`` delivery of one occurrence, held by ``worker``."""
    return dict(
        reminder_id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        due_at=due_at,
        status=DeliveryStatus.CLAIMED,
        claimed_at=now,
        claimed_by=worker.name,
        lease_until=worker.lease_end(now),
        attempts=0,
        devices_sent=0,
        devices_failed=0,
        topic=make_topic("reminder", row.id),
    )


def insert_deliveries(
    conn: Connection, won: list[tuple[Any, list[datetime]]], now: datetime, worker: Worker
) -> list[Claimed]:
    """Record the occurrences of advanced reminders as claimed, in one statement.

    An occurrence already recorded (the unique reminder + due time) is left out.
    """
    values = [delivery_values(row, due_at, now, worker) for row, due in won for due_at in due]
    if not values:
        return []
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DELIVERIES)
        .on_conflict_do_nothing(index_elements=["reminder_id", "due_at"])
        .returning(DELIVERIES.c.id, DELIVERIES.c.reminder_id, DELIVERIES.c.due_at)
    )
    rows = {row.id: row for row, _ in won}
    claimed = []
    for inserted in conn.execute(statement, values):
        row = rows[inserted.reminder_id]
        claimed.append(Claimed(inserted.id, row.id, row.user_id, row.kind, inserted.due_at))
    return claimed


COMPARE_AND_SET = (
    update(REMINDERS)
    .where(REMINDERS.c.id == bindparam("b_id"), REMINDERS.c.next_due_at == bindparam("b_seen"))
    .values(next_due_at=bindparam("b_next"), snoozed_until=bindparam("b_snooze"))
)


def still_unmoved(conn: Connection, rows) -> set[int]:
    """Ids of ``rows`` whose ``next_due_at`` is still what was read before."""
    seen = {row.id: row.next_due_at for row in rows}
    current = conn.execute(
        select(REMINDERS.c.id, REMINDERS.c.next_due_at).where(REMINDERS.c.id.in_(seen))
    )
    return {row.id for row in current if row.next_due_at == seen[row.id]}


def advance_all(
    conn: Connection,
    rows,
    clocks: dict[int, UserClock],
    now: datetime,
    worker: Worker,
    *,
    locked: bool,
) -> list[Claimed]:
    """Advance every row and record its due occurrences; rows lost to a race are skipped.

    ``locked``: the rows are held ``FOR UPDATE`` by this transaction (PostgreSQL).
    Otherwise (SQLite) the caller holds the database's write lock, so the rows
    whose ``next_due_at`` is unchanged when read again now are ours: the
    compare happens inside the lock, and the bulk update repeats it per row.
    """
    unmoved = None if locked else still_unmoved(conn, rows)
    won: list[tuple[Any, list[datetime]]] = []
    moves: list[dict] = []
    # In a rush many reminders share a rule, a clock and a due time: work each out once.
    memo: dict[tuple, tuple[list[datetime], datetime | None]] = {}
    for row in rows:
        if unmoved is not None and row.id not in unmoved:
            continue
        key = occurrence_key(row, clocks[row.user_id])
        if key not in memo:
            memo[key] = occurrences_due(row, clocks[row.user_id], now)
        due, following = memo[key]
        moves.append(
            {
                "b_id": row.id,
                "b_seen": row.next_due_at,
                "b_next": following,
                "b_snooze": snooze_left(row, now),
            }
        )
        won.append((row, due))
    if moves:
        result = conn.execute(COMPARE_AND_SET, moves)
        if result.rowcount != len(moves):
            # Cannot happen while the lock is held; never claim on a doubt.
            raise RuntimeError("reminders moved while locked; claim abandoned")
    return insert_deliveries(conn, won, now, worker)


def snooze_left(row, now: datetime) -> datetime | None:
    """A snooze is consumed once its moment is claimed."""
    if row.snoozed_until is not None and row.snoozed_until <= now:
        return None
    return row.snoozed_until


def due_query(now: datetime, batch: int):
    """Enabled reminders due by ``now``, oldest first (Core rows, no ORM identity)."""
    return (
        select(REMINDERS)
        .where(
            REMINDERS.c.enabled.is_(True),
            REMINDERS.c.next_due_at.is_not(None),
            REMINDERS.c.next_due_at <= now,
        )
        .order_by(REMINDERS.c.next_due_at, REMINDERS.c.id)
        .limit(batch)
    )


def load_clocks(conn: Connection, user_ids: set[int], now: datetime) -> dict[int, UserClock]:
    """The clocks of the given users (in shifts mode with their shifts around ``now``)."""
    if not user_ids:
        return {}
    users = User.__table__
    rows = conn.execute(select(users).where(users.c.id.in_(user_ids))).all()
    shifts = spans_of_users(conn, rows, now)
    return {row.id: clock_of(row, shifts.get(row.id)) for row in rows}


def claim_due(
    engine: Engine, now: datetime, batch: int = DEFAULT_BATCH, *, worker: Worker
) -> list[Claimed]:
    """Claim up to ``batch`` due reminders: deliveries inserted, ``next_due_at`` advanced."""
    if engine.dialect.name == "postgresql":
        return claim_due_locked(engine, now, batch, worker)
    return claim_due_compare_and_set(engine, now, batch, worker)


def claim_due_locked(engine: Engine, now: datetime, batch: int, worker: Worker) -> list[Claimed]:
    """PostgreSQL: lock a disjoint batch with SKIP LOCKED and advance it in one transaction."""
    with engine.begin() as conn:
        query = due_query(now, batch).with_for_update(skip_locked=True, of=REMINDERS)
        rows = conn.execute(query).all()
        clocks = load_clocks(conn, {row.user_id for row in rows}, now)
        return advance_all(conn, rows, clocks, now, worker, locked=True)


def claim_due_compare_and_set(
    engine: Engine, now: datetime, batch: int, worker: Worker
) -> list[Claimed]:
    """SQLite: read the due set, then take each reminder with a compare-and-set update.

    All of them in one write transaction: the compare-and-set still decides each
    row on its own, and the batch costs one commit instead of one per reminder.
    """
    with engine.connect() as conn:
        rows = conn.execute(due_query(now, batch)).all()
        clocks = load_clocks(conn, {row.user_id for row in rows}, now)
        conn.rollback()
    if not rows:
        return []
    with write_transaction(engine) as conn:
        return advance_all(conn, rows, clocks, now, worker, locked=False)


def takeover_query(now: datetime, worker: Worker, batch: int):
    """Deliveries whose holder's lease lapsed, and retries whose time has come."""
    c = DELIVERIES.c
    return (
        select(DELIVERIES)
        .where(
            or_(
                and_(c.status == DeliveryStatus.CLAIMED, c.lease_until <= now),
                # Claimed before leases existed: judged by the claim's age.
                and_(
                    c.status == DeliveryStatus.CLAIMED,
                    c.lease_until.is_(None),
                    c.claimed_at <= now - worker.lease,
                ),
                and_(c.status == DeliveryStatus.RETRYING, c.next_attempt_at <= now),
            )
        )
        .order_by(c.due_at)
        .limit(batch)
    )


def reclaim_stale(
    engine: Engine, now: datetime, batch: int = DEFAULT_BATCH, *, worker: Worker
) -> list[Claimed]:
    """Take over lapsed claims and due retries, each with a compare-and-set."""
    with engine.connect() as conn:
        stale = conn.execute(takeover_query(now, worker, batch)).all()
        conn.rollback()
    if not stale:
        return []
    c = DELIVERIES.c
    taken: list[Claimed] = []
    with write_transaction(engine) as conn:
        for row in stale:
            result = conn.execute(
                update(DELIVERIES)
                .where(
                    c.id == row.id,
                    c.status == row.status,
                    c.claimed_at == row.claimed_at,
                    c.lease_until.is_(None)
                    if row.lease_until is None
                    else c.lease_until == row.lease_until,
                )
                .values(
                    status=DeliveryStatus.CLAIMED,
                    claimed_at=now,
                    claimed_by=worker.name,
                    lease_until=worker.lease_end(now),
                    next_attempt_at=None,
                )
            )
            if result.rowcount == 1:
                taken.append(Claimed(row.id, row.reminder_id, row.user_id, row.kind, row.due_at))
    return taken
