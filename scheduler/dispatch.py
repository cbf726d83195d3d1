"""One tick of the dispatcher: claim due occurrences, decide, send, record.

Claiming writes one ``Delivery`` per occurrence (unique on reminder and due
time) and advances ``next_due_at`` in the same transaction, then commits;
sending happens after. So a second scheduler — or this one after a crash —
can never record the same occurrence twice:

* PostgreSQL: the due reminders are locked with ``FOR UPDATE SKIP LOCKED``, so
  concurrent schedulers take disjoint batches.
* SQLite: each reminder is taken with a compare-and-set
  ``UPDATE … WHERE next_due_at = :seen`` in a ``BEGIN IMMEDIATE`` transaction;
  whoever loses the race updates no row and moves on.

A delivery still ``claimed`` after ``STALE_CLAIM`` (the process died between
commit and send) is taken over again with the same compare-and-set on its
``claimed_at``. Resending after such a crash is at-least-once: the push Topic
makes a duplicate replace the first copy on the device.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from server.accounts.models import User
from server.db import utcnow
from server.push.payload import build_payload, make_topic
from server.push.sender import PushMessage
from server.reminders.content import NotificationContent, compose, optional_module
from server.reminders.models import Delivery, Reminder
from server.reminders.policy import (
    Occurrence,
    decide,
    is_missed,
    later_today,
    next_due,
    reserved_among,
    rule_of,
)
from server.reminders.schedule import UserClock, clock_of, local_date
from server.reminders.service import notified_on_day, policy_inputs, user_rules

log = logging.getLogger("tend.scheduler")

STALE_CLAIM = timedelta(minutes=10)
# After long downtime a fast interval rule could owe hundreds of occurrences;
# beyond this many, older ones are dropped rather than recorded as missed.
MAX_CATCH_UP = 200
DEFAULT_BATCH = 200

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


@dataclass
class TickReport:
    """What one tick did."""

    claimed: int = 0
    recovered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        """Count one finished delivery."""
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def summary(self) -> str:
        """One log line."""
        parts = " ".join(f"{key}={value}" for key, value in sorted(self.outcomes.items()))
        return f"claimed={self.claimed} recovered={self.recovered} {parts}".strip()


# --- transactions -----------------------------------------------------------------------


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


# --- claiming ---------------------------------------------------------------------------


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


def insert_delivery(conn: Connection, row, due_at: datetime, now: datetime) -> int | None:
    """Record one occurrence as claimed; None when it was already recorded."""
    values = dict(reminder_id=row.id, user_id=row.user_id, kind=row.kind, due_at=due_at,
                  status="claimed", claimed_at=now, attempts=0, devices_sent=0,
                  devices_failed=0, topic=make_topic("reminder", row.id))
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DELIVERIES)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["reminder_id", "due_at"])
        .returning(DELIVERIES.c.id)
    )
    return conn.execute(statement).scalar_one_or_none()


def advance(conn: Connection, row, clock: UserClock, now: datetime) -> list[Claimed] | None:
    """Compare-and-set the reminder forward and record its due occurrences; None if lost."""
    due, following = occurrences_due(row, clock, now)
    result = conn.execute(
        update(REMINDERS)
        .where(REMINDERS.c.id == row.id, REMINDERS.c.next_due_at == row.next_due_at)
        .values(next_due_at=following, snoozed_until=snooze_left(row, now))
    )
    if result.rowcount != 1:
        return None
    claimed = []
    for due_at in due:
        delivery_id = insert_delivery(conn, row, due_at, now)
        if delivery_id is not None:
            claimed.append(Claimed(delivery_id, row.id, row.user_id, row.kind, due_at))
    return claimed


def snooze_left(row, now: datetime) -> datetime | None:
    """A snooze is consumed once its moment is claimed."""
    if row.snoozed_until is not None and row.snoozed_until <= now:
        return None
    return row.snoozed_until


def due_query(now: datetime, batch: int):
    """Enabled reminders due by ``now``, oldest first (Core rows, no ORM identity)."""
    return (
        select(REMINDERS)
        .where(REMINDERS.c.enabled.is_(True), REMINDERS.c.next_due_at.is_not(None),
               REMINDERS.c.next_due_at <= now)
        .order_by(REMINDERS.c.next_due_at, REMINDERS.c.id)
        .limit(batch)
    )


def load_clocks(conn: Connection, user_ids: set[int]) -> dict[int, UserClock]:
    """The clocks of the given users."""
    if not user_ids:
        return {}
    users = User.__table__
    rows = conn.execute(select(users).where(users.c.id.in_(user_ids)))
    return {row.id: clock_of(row) for row in rows}


def claim_due(engine: Engine, now: datetime, batch: int = DEFAULT_BATCH) -> list[Claimed]:
    """Claim up to ``batch`` due reminders: deliveries inserted, ``next_due_at`` advanced."""
    if engine.dialect.name == "postgresql":
        return claim_due_locked(engine, now, batch)
    return claim_due_compare_and_set(engine, now, batch)


def claim_due_locked(engine: Engine, now: datetime, batch: int) -> list[Claimed]:
    """PostgreSQL: lock a disjoint batch with SKIP LOCKED and advance it in one transaction."""
    claimed: list[Claimed] = []
    with engine.begin() as conn:
        query = due_query(now, batch).with_for_update(skip_locked=True, of=REMINDERS)
        rows = conn.execute(query).all()
        clocks = load_clocks(conn, {row.user_id for row in rows})
        for row in rows:
            claimed.extend(advance(conn, row, clocks[row.user_id], now) or [])
    return claimed


def claim_due_compare_and_set(engine: Engine, now: datetime, batch: int) -> list[Claimed]:
    """SQLite: read the due set, then take each reminder with a compare-and-set update."""
    with engine.connect() as conn:
        rows = conn.execute(due_query(now, batch)).all()
        clocks = load_clocks(conn, {row.user_id for row in rows})
        conn.rollback()
    claimed: list[Claimed] = []
    for row in rows:
        with write_transaction(engine) as conn:
            claimed.extend(advance(conn, row, clocks[row.user_id], now) or [])
    return claimed


def reclaim_stale(engine: Engine, now: datetime, batch: int = DEFAULT_BATCH) -> list[Claimed]:
    """Take over deliveries left ``claimed`` by a process that stopped before sending."""
    cutoff = now - STALE_CLAIM
    with engine.connect() as conn:
        stale = conn.execute(
            select(DELIVERIES)
            .where(DELIVERIES.c.status == "claimed", DELIVERIES.c.claimed_at <= cutoff)
            .order_by(DELIVERIES.c.due_at)
            .limit(batch)
        ).all()
        conn.rollback()
    taken: list[Claimed] = []
    for row in stale:
        with write_transaction(engine) as conn:
            result = conn.execute(
                update(DELIVERIES)
                .where(DELIVERIES.c.id == row.id, DELIVERIES.c.status == "claimed",
                       DELIVERIES.c.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            )
        if result.rowcount == 1:
            taken.append(Claimed(row.id, row.reminder_id, row.user_id, row.kind, row.due_at))
    return taken


# --- deciding and sending ---------------------------------------------------------------


@dataclass
class Prepared:
    """A delivery the policy let through, ready to send."""

    claimed: Claimed
    messages: list[PushMessage]


def finish(engine: Engine, claimed: Claimed, status: str, reason: str | None = None,
           **values) -> str:
    """Record the final status of a delivery."""
    with write_transaction(engine) as conn:
        conn.execute(
            update(DELIVERIES)
            .where(DELIVERIES.c.id == claimed.delivery_id)
            .values(status=status, reason=reason, **values)
        )
    return status


def absolute(app: Flask, path: str) -> str:
    """An app path as an absolute URL of this app."""
    if path.startswith(("http://", "https://")):
        return path
    return app.config["TEND_PUBLIC_URL"] + (path if path.startswith("/") else "/" + path)


def payload_for(app: Flask, reminder: Reminder, delivery: Delivery, content: NotificationContent,
                token: str | None) -> bytes:
    """The Declarative Web Push JSON of one delivery."""
    actions = [dict(action, navigate=absolute(app, action.get("navigate", content.navigate_path)))
               for action in content.actions]
    extra = dict(content.extra)
    extra["delivery_id"] = delivery.id
    extra["reminder_kind"] = reminder.kind
    if token is not None:
        extra["answer_token"] = token
    return build_payload(title=content.title, body=content.body,
                         navigate=absolute(app, content.navigate_path),
                         tag=f"reminder-{reminder.id}", actions=actions, extra=extra)


def issue_answer_token(delivery: Delivery, now: datetime) -> str | None:
    """A one-time answer token for the delivery, once the deliveries feature provides them."""
    tokens = optional_module("server.deliveries.tokens")
    if tokens is None or not hasattr(tokens, "issue_token"):
        return None
    return tokens.issue_token(delivery, now)


def prepare(app: Flask, engine: Engine, claimed: Claimed, now: datetime) -> Prepared | str:
    """Decide one delivery; return what to send, or the status it was closed with."""
    from server.push.service import targets_for_user

    with write_session(engine) as session:
        delivery = session.get(Delivery, claimed.delivery_id)
        if delivery is None or delivery.status != "claimed":
            return "already_done"
        reminder = session.get(Reminder, claimed.reminder_id) if claimed.reminder_id else None
        user = session.get(User, claimed.user_id)
        if reminder is None or user is None:
            delivery.status, delivery.reason = "skipped", "reminder_deleted"
            return "skipped"
        settings, time_off = policy_inputs(session, user)
        schedule_type = reminder.schedule.get("type", "daily")
        occ = Occurrence(reminder.id, reminder.kind, schedule_type, claimed.due_at)
        others = [rule for rule in user_rules(session, user.id) if rule.id != reminder.id]
        reserved = reserved_among(occ, later_today(occ, others, settings.clock), settings,
                                  time_off)
        sent_today = notified_on_day(session, user, local_date(claimed.due_at, user.zone))
        decision = decide(occ, settings, time_off, sent_today, reserved)
        if not decision.notify:
            delivery.status, delivery.reason = "skipped", decision.reason
            return "skipped"
        if is_missed(reminder.kind, claimed.due_at, now):
            delivery.status, delivery.reason = "missed", "late"
            return "missed"
        content = compose(session, user, reminder, delivery, now)
        if content is None:
            # The wording feature chose silence after all and said why on the delivery.
            if delivery.status == "claimed":
                delivery.status, delivery.reason = "skipped", "content"
            session.add(delivery)
            return delivery.status
        token = issue_answer_token(delivery, now)
        payload = payload_for(app, reminder, delivery, content, token)
        targets = targets_for_user(session, user.id)
        if not targets:
            delivery.status, delivery.reason = "failed", "no_devices"
            return "failed"
        messages = [
            PushMessage(target, payload, content.ttl, content.urgency, delivery.topic,
                        delivery.id)
            for target in targets
        ]
        session.add(delivery)
        return Prepared(claimed, messages)


def send_prepared(app: Flask, engine: Engine, prepared: Prepared) -> str:
    """Send to every device of the user and record the outcome on the delivery."""
    from server.push.service import record_outcomes, sender_for

    outcomes = sender_for(app).send_many(prepared.messages)
    sent = sum(1 for outcome in outcomes if outcome.result == "sent")
    failed = len(outcomes) - sent
    attempts = max((outcome.attempts for outcome in outcomes), default=0)
    status = "sent" if sent else "failed"
    reason = None if sent else "; ".join(sorted({o.result for o in outcomes}))[:200]
    with write_session(engine) as session:
        record_outcomes(session, outcomes, utcnow())
        delivery = session.get(Delivery, prepared.claimed.delivery_id)
        delivery.status, delivery.reason = status, reason
        delivery.devices_sent, delivery.devices_failed = sent, failed
        delivery.attempts = (delivery.attempts or 0) + attempts
        delivery.sent_at = utcnow() if sent else None
        session.add(delivery)
    return status


def dispatch_one(app: Flask, engine: Engine, claimed: Claimed, now: datetime) -> str:
    """Decide and, if allowed, send one claimed delivery; returns its final status."""
    try:
        prepared = prepare(app, engine, claimed, now)
        if isinstance(prepared, str):
            return prepared
        return send_prepared(app, engine, prepared)
    except Exception:
        log.exception("delivery %s failed", claimed.delivery_id)
        return finish(engine, claimed, "failed", "internal_error")


def dispatch_order(claimed: Claimed) -> tuple:
    """Chronological; the user's more important reminders first at the same instant."""
    return (claimed.due_at, 0 if claimed.kind in ("checkin", "followup") else 1,
            claimed.reminder_id or 0)


def run_tick(app: Flask, now: datetime | None = None, batch: int = DEFAULT_BATCH) -> TickReport:
    """One pass: recover stale claims, claim what is due, decide and send each."""
    engine: Engine = app.extensions["tend.engine"]
    now = now or utcnow()
    report = TickReport()
    # Content and token code may read app config through current_app.
    with app.app_context():
        recovered = reclaim_stale(engine, now, batch)
        fresh = claim_due(engine, now, batch)
        report.recovered, report.claimed = len(recovered), len(fresh)
        for claimed in sorted(recovered + fresh, key=dispatch_order):
            report.count(dispatch_one(app, engine, claimed, now))
    return report
