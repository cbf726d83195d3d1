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

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from server.accounts.models import User
from server.checkins.bank import QuestionBank
from server.checkins.scoring import AnswerRecord
from server.checkins.service import current_bank, selection_histories
from server.db import utcnow
from server.push.payload import build_payload, make_topic
from server.push.sender import PushMessage, PushOutcome, PushTarget
from server.reminders.content import (
    CHECKIN_KINDS,
    NotificationContent,
    compose,
    optional_module,
)
from server.reminders.models import Delivery, Reminder
from server.reminders.policy import (
    Occurrence,
    ReminderRule,
    TimeOffRange,
    decide,
    is_missed,
    later_today,
    next_due,
    policy_user_of,
    reserved_among,
    rule_of,
)
from server.reminders.schedule import UserClock, clock_of, local_date
from server.reminders.service import (
    notified_on_day,
    notified_on_days,
    policy_inputs,
    rules_of_users,
    time_off_of_users,
    user_rules,
)

log = logging.getLogger("tend.scheduler")

STALE_CLAIM = timedelta(minutes=10)
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


@dataclass
class TickReport:
    """What one tick did.

    ``one_by_one`` counts deliveries dispatched on their own because their
    batch could not be decided together (zero while the batch path works).
    """

    claimed: int = 0
    recovered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    one_by_one: int = 0

    def count(self, status: str) -> None:
        """Count one finished delivery."""
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def add(self, other: TickReport) -> None:
        """Add another tick's counts to this one."""
        self.claimed += other.claimed
        self.recovered += other.recovered
        self.one_by_one += other.one_by_one
        for status, count in other.outcomes.items():
            self.outcomes[status] = self.outcomes.get(status, 0) + count

    def summary(self) -> str:
        """One log line."""
        parts = " ".join(f"{key}={value}" for key, value in sorted(self.outcomes.items()))
        if self.one_by_one:
            parts += f" one_by_one={self.one_by_one}"
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


def occurrence_key(reminder_row, clock: UserClock) -> tuple:
    """Everything ``occurrences_due`` depends on besides ``now``."""
    return (json.dumps(reminder_row.schedule, sort_keys=True), reminder_row.enabled,
            reminder_row.snoozed_until, reminder_row.next_due_at, clock)


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


def delivery_values(row, due_at: datetime, now: datetime) -> dict:
    """The new ``claimed`` delivery of one occurrence."""
    return dict(reminder_id=row.id, user_id=row.user_id, kind=row.kind, due_at=due_at,
                status="claimed", claimed_at=now, attempts=0, devices_sent=0,
                devices_failed=0, topic=make_topic("reminder", row.id))


def insert_deliveries(conn: Connection, won: list[tuple[Any, list[datetime]]],
                      now: datetime) -> list[Claimed]:
    """Record the occurrences of advanced reminders as claimed, in one statement.

    An occurrence already recorded (the unique reminder + due time) is left out.
    """
    values = [delivery_values(row, due_at, now) for row, due in won for due_at in due]
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


def advance_all(conn: Connection, rows, clocks: dict[int, UserClock], now: datetime,
                *, locked: bool) -> list[Claimed]:
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
        moves.append({"b_id": row.id, "b_seen": row.next_due_at, "b_next": following,
                      "b_snooze": snooze_left(row, now)})
        won.append((row, due))
    if moves:
        result = conn.execute(COMPARE_AND_SET, moves)
        if result.rowcount != len(moves):
            # Cannot happen while the lock is held; never claim on a doubt.
            raise RuntimeError("reminders moved while locked; claim abandoned")
    return insert_deliveries(conn, won, now)


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
    with engine.begin() as conn:
        query = due_query(now, batch).with_for_update(skip_locked=True, of=REMINDERS)
        rows = conn.execute(query).all()
        clocks = load_clocks(conn, {row.user_id for row in rows})
        return advance_all(conn, rows, clocks, now, locked=True)


def claim_due_compare_and_set(engine: Engine, now: datetime, batch: int) -> list[Claimed]:
    """SQLite: read the due set, then take each reminder with a compare-and-set update.

    All of them in one write transaction: the compare-and-set still decides each
    row on its own, and the batch costs one commit instead of one per reminder.
    """
    with engine.connect() as conn:
        rows = conn.execute(due_query(now, batch)).all()
        clocks = load_clocks(conn, {row.user_id for row in rows})
        conn.rollback()
    if not rows:
        return []
    with write_transaction(engine) as conn:
        return advance_all(conn, rows, clocks, now, locked=False)


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
    if not stale:
        return []
    taken: list[Claimed] = []
    with write_transaction(engine) as conn:
        for row in stale:
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


# --- a whole batch at once -------------------------------------------------------------------


@dataclass
class BatchInputs:
    """Everything the policy and the sender need for a batch, loaded in a few queries."""

    deliveries: dict[int, Delivery]
    reminders: dict[int, Reminder]
    users: dict[int, User]
    rules: dict[int, list[ReminderRule]]
    time_off: dict[int, tuple[TimeOffRange, ...]]
    targets: dict[int, list[PushTarget]]
    # Notifications already let through per (user, local day), counted up as the batch goes.
    notified: dict[tuple[int, date], int]
    # Answer histories for question selection, of the users with a check-in in the batch.
    histories: dict[int, list[AnswerRecord]] = field(default_factory=dict)
    # Read by the batch's first check-in (see ``bank_of``).
    bank: QuestionBank | None = None


def by_id(session: Session, model, ids: set[int]) -> dict:
    """ORM rows of ``model`` with the given ids."""
    if not ids:
        return {}
    rows = session.execute(select(model).where(model.id.in_(ids))).scalars()
    return {row.id: row for row in rows}


# What deciding a delivery may set on it (policy, wording, answer token).
DECIDED_FIELDS = ("status", "reason", "question_id", "answer_token_hash", "token_expires_at",
                  "answered_at")
WRITE_DECISION = (
    update(DELIVERIES)
    .where(DELIVERIES.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in DECIDED_FIELDS})
)


def claimed_deliveries(session: Session, ids: set[int]) -> dict[int, Delivery]:
    """The deliveries with ``ids`` still ``claimed``, detached from the session.

    Detached, the session never flushes them; ``write_decisions`` writes them
    all in one statement instead of the ORM's one per run of alike changes.
    """
    deliveries = {key: delivery for key, delivery in by_id(session, Delivery, ids).items()
                  if delivery.status == "claimed"}
    for delivery in deliveries.values():
        session.expunge(delivery)
    return deliveries


def write_decisions(session: Session, deliveries: Iterable[Delivery]) -> None:
    """Store what deciding set on each delivery, as one executemany."""
    params = [{"b_id": delivery.id,
               **{f"b_{name}": getattr(delivery, name) for name in DECIDED_FIELDS}}
              for delivery in deliveries]
    if params:
        session.connection().execute(WRITE_DECISION, params)


def load_inputs(session: Session, batch: list[Claimed], now: datetime) -> BatchInputs:
    """Load the batch's deliveries, reminders, users, rules, time off, devices and counts.

    The users with a check-in or follow-up also get their answer history, for
    choosing the question.
    """
    from server.push.service import targets_for_users

    deliveries = claimed_deliveries(session, {claimed.delivery_id for claimed in batch})
    reminders = by_id(session, Reminder, {c.reminder_id for c in batch if c.reminder_id})
    users = by_id(session, User, {claimed.user_id for claimed in batch})
    days = [(users[c.user_id], local_date(c.due_at, users[c.user_id].zone))
            for c in batch if c.user_id in users]
    asking = {c.user_id for c in batch if c.kind in CHECKIN_KINDS and c.user_id in users}
    return BatchInputs(
        deliveries=deliveries,
        reminders=reminders,
        users=users,
        rules=rules_of_users(session, users),
        time_off=time_off_of_users(session, users),
        targets=targets_for_users(session, users),
        notified=notified_on_days(session, days),
        histories=selection_histories(session, [users[user_id] for user_id in asking], now),
    )


def bank_of(inputs: BatchInputs) -> QuestionBank:
    """The question bank, read once per batch.

    Read lazily rather than in ``load_inputs``: a bank file that cannot be read
    then fails the check-ins one by one, as it would outside a batch, instead of
    sending the whole batch down the slow path.
    """
    if inputs.bank is None:
        inputs.bank = current_bank()
    return inputs.bank


@dataclass
class BatchDecisions:
    """The decide step's result: statuses of deliveries closed unsent, and what to send."""

    closed: list[str] = field(default_factory=list)
    prepared: list[Prepared] = field(default_factory=list)


def decide_in_batch(app: Flask, session: Session, inputs: BatchInputs, claimed: Claimed,
                    now: datetime) -> Prepared | str:
    """``prepare`` for one delivery of a batch, reading the preloaded inputs."""
    delivery = inputs.deliveries.get(claimed.delivery_id)
    if delivery is None or delivery.status != "claimed":
        return "already_done"
    reminder = inputs.reminders.get(claimed.reminder_id) if claimed.reminder_id else None
    user = inputs.users.get(claimed.user_id)
    if reminder is None or user is None:
        delivery.status, delivery.reason = "skipped", "reminder_deleted"
        return "skipped"
    settings = policy_user_of(user)
    time_off = inputs.time_off.get(user.id, ())
    occ = Occurrence(reminder.id, reminder.kind, reminder.schedule.get("type", "daily"),
                     claimed.due_at)
    others = [rule for rule in inputs.rules.get(user.id, ()) if rule.id != reminder.id]
    reserved = (reserved_among(occ, later_today(occ, others, settings.clock), settings, time_off)
                if others else 0)
    day = (user.id, local_date(claimed.due_at, user.zone))
    decision = decide(occ, settings, time_off, inputs.notified.get(day, 0), reserved)
    if not decision.notify:
        delivery.status, delivery.reason = "skipped", decision.reason
        return "skipped"
    if is_missed(reminder.kind, claimed.due_at, now):
        delivery.status, delivery.reason = "missed", "late"
        return "missed"
    if reminder.kind in CHECKIN_KINDS:
        content = compose(session, user, reminder, delivery, now,
                          history=inputs.histories.get(user.id), bank=bank_of(inputs))
    else:
        content = compose(session, user, reminder, delivery, now)
    if content is None:
        if delivery.status == "claimed":
            delivery.status, delivery.reason = "skipped", "content"
        return delivery.status
    # From here it ends sent or failed, and counts against the day's budget either way.
    inputs.notified[day] = inputs.notified.get(day, 0) + 1
    targets = inputs.targets.get(user.id)
    if not targets:
        delivery.status, delivery.reason = "failed", "no_devices"
        return "failed"
    token = issue_answer_token(delivery, now)
    payload = payload_for(app, reminder, delivery, content, token)
    return Prepared(claimed, [
        PushMessage(target, payload, content.ttl, content.urgency, delivery.topic, delivery.id)
        for target in targets
    ])


def prepare_batch(app: Flask, engine: Engine, batch: list[Claimed],
                  now: datetime) -> BatchDecisions:
    """Decide every delivery of the batch in one transaction, in dispatch order."""
    decisions = BatchDecisions()
    with write_session(engine) as session, session.no_autoflush:
        # Content code queries as it goes; autoflushing before each query would write its
        # pending changes bit by bit. Nothing it reads depends on them, and they are flushed
        # together when the transaction ends.
        inputs = load_inputs(session, batch, now)
        for claimed in batch:
            try:
                result = decide_in_batch(app, session, inputs, claimed, now)
            except Exception:
                log.exception("delivery %s failed", claimed.delivery_id)
                delivery = inputs.deliveries[claimed.delivery_id]
                delivery.status, delivery.reason = "failed", "internal_error"
                result = "failed"
            if isinstance(result, Prepared):
                decisions.prepared.append(result)
            else:
                decisions.closed.append(result)
        write_decisions(session, inputs.deliveries.values())
    return decisions


@dataclass(frozen=True)
class SendResult:
    """How the messages of one delivery went."""

    status: str
    reason: str | None
    sent: int
    failed: int
    attempts: int


def summarise(outcomes: list[PushOutcome]) -> SendResult:
    """One delivery's status from the outcomes of its messages (one per device)."""
    sent = sum(1 for outcome in outcomes if outcome.result == "sent")
    reason = None if sent else "; ".join(sorted({o.result for o in outcomes}))[:200]
    attempts = max((outcome.attempts for outcome in outcomes), default=0)
    return SendResult("sent" if sent else "failed", reason, sent, len(outcomes) - sent, attempts)


def record_results(engine: Engine, outcomes: list[PushOutcome],
                   results: dict[int, SendResult]) -> None:
    """Record device outcomes and every delivery's result in one transaction."""
    from server.push.service import record_outcomes

    finished_at = utcnow()
    statement = (
        update(DELIVERIES)
        .where(DELIVERIES.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), reason=bindparam("b_reason"),
                devices_sent=bindparam("b_sent"), devices_failed=bindparam("b_failed"),
                attempts=func.coalesce(DELIVERIES.c.attempts, 0) + bindparam("b_attempts"),
                sent_at=bindparam("b_sent_at"))
    )
    params = [{"b_id": delivery_id, "b_status": result.status, "b_reason": result.reason,
               "b_sent": result.sent, "b_failed": result.failed, "b_attempts": result.attempts,
               "b_sent_at": finished_at if result.sent else None}
              for delivery_id, result in results.items()]
    with write_session(engine) as session:
        record_outcomes(session, outcomes, finished_at)
        session.connection().execute(statement, params)


def send_batch(app: Flask, engine: Engine, prepared: list[Prepared]) -> list[str]:
    """Send every message of the batch through one ``send_many``; record all outcomes."""
    from server.push.service import sender_for

    messages = [message for item in prepared for message in item.messages]
    outcomes = sender_for(app).send_many(messages)
    per_delivery: dict[int, list[PushOutcome]] = {}
    for outcome in outcomes:
        per_delivery.setdefault(outcome.message.key, []).append(outcome)
    results = {item.claimed.delivery_id: summarise(per_delivery[item.claimed.delivery_id])
               for item in prepared}
    record_results(engine, outcomes, results)
    return [result.status for result in results.values()]


def dispatch_batch(app: Flask, engine: Engine, batch: list[Claimed], now: datetime,
                   report: TickReport | None = None) -> list[str]:
    """Decide, send and record a batch; the final status of each delivery.

    Should the batch's transaction fail as a whole, each delivery is dispatched
    on its own instead, so one bad row cannot hold up the others; ``report``
    counts those in ``one_by_one``.
    """
    if not batch:
        return []
    try:
        decisions = prepare_batch(app, engine, batch, now)
    except Exception:
        log.exception("batch of %s could not be decided together; one at a time", len(batch))
        if report is not None:
            report.one_by_one += len(batch)
        return [dispatch_one(app, engine, claimed, now) for claimed in batch]
    if not decisions.prepared:
        return decisions.closed
    try:
        return decisions.closed + send_batch(app, engine, decisions.prepared)
    except Exception:
        log.exception("sending a batch of %s failed", len(decisions.prepared))
        return decisions.closed + [finish(engine, item.claimed, "failed", "internal_error")
                                   for item in decisions.prepared]


def run_tick(app: Flask, now: datetime | None = None, batch: int = DEFAULT_BATCH) -> TickReport:
    """One pass: recover stale claims, claim what is due, decide, send and record them."""
    engine: Engine = app.extensions["tend.engine"]
    now = now or utcnow()
    report = TickReport()
    # Content and token code may read app config through current_app.
    with app.app_context():
        recovered = reclaim_stale(engine, now, batch)
        fresh = claim_due(engine, now, batch)
        report.recovered, report.claimed = len(recovered), len(fresh)
        taken = sorted(recovered + fresh, key=dispatch_order)
        for status in dispatch_batch(app, engine, taken, now, report):
            report.count(status)
    return report
