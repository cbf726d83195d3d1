"""One tick of the dispatcher: claim, decide, compose, send and record — one pipeline.

A reader can follow one reminder through four modules, each with one job:
``scheduler.claim`` (take due occurrences and stale claims), ``scheduler.decide``
(the policy's verdict per delivery), ``scheduler.compose`` (wording, token and
payload) and ``scheduler.send`` (push and record). This module runs them in
order over a batch. Deciding reads and computes without holding the database's
write lock; only the short write of what was decided takes it, and only for the
deliveries this process still holds. Should a batch fail as a whole, the same
pipeline runs again over batches of one, so one bad row cannot hold up the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from scheduler.claim import (
    DEFAULT_BATCH,
    DELIVERIES,
    Claimed,
    claim_due,
    reclaim_stale,
    write_transaction,
)
from scheduler.compose import content_for, messages_for
from scheduler.decide import BatchInputs, bank_of, load_inputs, verdict
from scheduler.lease import Worker, worker_of
from scheduler.send import Prepared, finish, send_batch
from server.db import utcnow
from server.ops.metrics import observe_delivery
from server.reminders.kinds import CHECKIN_KINDS
from server.reminders.models import DeliveryStatus

__all__ = [
    "DEFAULT_BATCH",
    "Claimed",
    "TickReport",
    "claim_due",
    "dispatch_batch",
    "reclaim_stale",
    "run_tick",
    "utcnow",
]

log = logging.getLogger("tend.scheduler")


@dataclass
class TickReport:
    """What one tick did.

    ``one_by_one`` counts deliveries dispatched in batches of one because their
    batch could not be decided together (zero while the batch path works).
    """

    claimed: int = 0
    recovered: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    one_by_one: int = 0

    def count(self, status: str) -> None:
        """Count one finished delivery."""
        self.outcomes[str(status)] = self.outcomes.get(str(status), 0) + 1

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


@dataclass
class BatchDecisions:
    """The decide step's result: statuses of deliveries closed unsent, and what to send."""

    closed: list[DeliveryStatus] = field(default_factory=list)
    prepared: list[Prepared] = field(default_factory=list)


def decide_one(
    app: Flask, session: Session, inputs: BatchInputs, claimed: Claimed, now: datetime
) -> Prepared | DeliveryStatus:
    """Apply the verdict to one delivery; word it and build its messages if it may notify."""
    judged = verdict(claimed, inputs, now)
    if judged.status is DeliveryStatus.ALREADY_DONE:
        return judged.status
    delivery = inputs.deliveries[claimed.delivery_id]
    if not judged.notify:
        delivery.status, delivery.reason = judged.status, judged.reason
        return judged.status
    reminder, user = inputs.reminders[claimed.reminder_id], inputs.users[claimed.user_id]
    asking = reminder.kind in CHECKIN_KINDS
    content = content_for(
        session,
        user,
        reminder,
        delivery,
        now,
        history=inputs.histories.get(user.id) if asking else None,
        bank=bank_of(inputs) if asking else None,
    )
    if content is None:
        # The wording feature chose silence after all and said why on the delivery.
        if delivery.status == DeliveryStatus.CLAIMED:
            delivery.status, delivery.reason = DeliveryStatus.SKIPPED, "content"
        return DeliveryStatus(delivery.status)
    # From here it ends sent or failed, and counts against the day's budget either way.
    inputs.notified[judged.day] = inputs.notified.get(judged.day, 0) + 1
    targets = inputs.targets.get(user.id)
    if not targets:
        delivery.status, delivery.reason = DeliveryStatus.FAILED, "no_devices"
        return DeliveryStatus.FAILED
    return Prepared(claimed, messages_for(app, reminder, delivery, content, targets, now))


# What deciding a delivery may set on it (policy, wording, answer token).
DECIDED_FIELDS = (
    "status",
    "reason",
    "question_id",
    "answer_token_hash",
    "token_expires_at",
)
WRITE_DECISION = (
    update(DELIVERIES)
    .where(DELIVERIES.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in DECIDED_FIELDS})
)


def write_decisions(engine: Engine, worker: Worker, deliveries: list) -> set[int]:
    """Store what deciding set on the deliveries this process still holds; their ids.

    One short write transaction: the rows are checked and written under the lock,
    so a delivery another process took over in the meantime is left alone.
    """
    if not deliveries:
        return set()
    with write_transaction(engine) as conn:
        query = select(DELIVERIES.c.id).where(
            DELIVERIES.c.id.in_([delivery.id for delivery in deliveries]),
            DELIVERIES.c.status == DeliveryStatus.CLAIMED,
            DELIVERIES.c.claimed_by == worker.name,
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        ours = set(conn.execute(query).scalars())
        params = [
            {"b_id": d.id, **{f"b_{name}": getattr(d, name) for name in DECIDED_FIELDS}}
            for d in deliveries
            if d.id in ours
        ]
        if params:
            conn.execute(WRITE_DECISION, params)
    return ours


def decide_batch(
    app: Flask, engine: Engine, worker: Worker, batch: list[Claimed], now: datetime
) -> BatchDecisions:
    """Decide every delivery of the batch, in dispatch order; write what was decided."""
    decisions = BatchDecisions()
    closed: list[tuple[Claimed, DeliveryStatus]] = []
    with Session(engine, expire_on_commit=False) as session, session.no_autoflush:
        # Read-only: nothing here writes, so no write lock is held while computing.
        inputs = load_inputs(session, batch, now)
        for claimed in batch:
            try:
                result = decide_one(app, session, inputs, claimed, now)
            except Exception:
                log.exception("delivery %s failed", claimed.delivery_id)
                delivery = inputs.deliveries[claimed.delivery_id]
                delivery.status, delivery.reason = DeliveryStatus.FAILED, "internal_error"
                result = DeliveryStatus.FAILED
            if isinstance(result, Prepared):
                decisions.prepared.append(result)
            else:
                closed.append((claimed, result))
        session.rollback()
    ours = write_decisions(engine, worker, list(inputs.deliveries.values()))
    decisions.prepared = [item for item in decisions.prepared if item.claimed.delivery_id in ours]
    for claimed, status in closed:
        if claimed.delivery_id not in ours:
            status = DeliveryStatus.ALREADY_DONE
        decisions.closed.append(status)
        observe_delivery(claimed.kind, status, claimed.due_at, None)
    return decisions


def send_decided(
    app: Flask, engine: Engine, worker: Worker, decisions: BatchDecisions
) -> list[DeliveryStatus]:
    """Send what was let through; a failed send fails its deliveries, never the tick."""
    if not decisions.prepared:
        return decisions.closed
    try:
        return decisions.closed + send_batch(app, engine, worker, decisions.prepared)
    except Exception:
        log.exception("sending a batch of %s failed", len(decisions.prepared))
        return decisions.closed + [
            finish(engine, worker, item.claimed, DeliveryStatus.FAILED, "internal_error")
            for item in decisions.prepared
        ]


def dispatch_batch(
    app: Flask,
    engine: Engine,
    batch: list[Claimed],
    now: datetime,
    report: TickReport | None = None,
    worker: Worker | None = None,
) -> list[DeliveryStatus]:
    """Decide, send and record a batch; the final status of each delivery.

    Should the batch's decide step fail as a whole, the same pipeline runs over
    batches of one; ``report`` counts those in ``one_by_one``. A delivery whose
    batch of one fails too is closed as failed.
    """
    if not batch:
        return []
    worker = worker or worker_of(app)
    try:
        decisions = decide_batch(app, engine, worker, batch, now)
    except Exception:
        if len(batch) == 1:
            log.exception("delivery %s failed", batch[0].delivery_id)
            return [finish(engine, worker, batch[0], DeliveryStatus.FAILED, "internal_error")]
        log.exception("batch of %s could not be decided together; one at a time", len(batch))
        if report is not None:
            report.one_by_one += len(batch)
        return [
            status
            for one in batch
            for status in dispatch_batch(app, engine, [one], now, None, worker)
        ]
    return send_decided(app, engine, worker, decisions)


def dispatch_order(claimed: Claimed) -> tuple:
    """Chronological; the user's more important reminders first at the same instant."""
    return (
        claimed.due_at,
        0 if claimed.kind in CHECKIN_KINDS else 1,
        claimed.reminder_id or 0,
    )


def run_tick(
    app: Flask,
    now: datetime | None = None,
    batch: int = DEFAULT_BATCH,
    worker: Worker | None = None,
) -> TickReport:
    """One pass: take over lapsed claims and due retries, claim what is due, and
    decide, send and record them. A stopping worker claims nothing."""
    engine: Engine = app.extensions["tend.engine"]
    worker = worker or worker_of(app)
    now = now or utcnow()
    report = TickReport()
    if worker.stopping:
        return report
    # Content and token code may read app config through current_app.
    with app.app_context():
        recovered = reclaim_stale(engine, now, batch, worker=worker)
        fresh = claim_due(engine, now, batch, worker=worker)
        report.recovered, report.claimed = len(recovered), len(fresh)
        taken = sorted(recovered + fresh, key=dispatch_order)
        for status in dispatch_batch(app, engine, taken, now, report, worker):
            report.count(status)
    return report
