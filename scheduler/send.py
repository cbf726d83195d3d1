"""Sending and recording: push the messages and store each outcome as it arrives.

A batch's messages go out together, without retries in place; each delivery's
result is recorded as soon as all its devices have answered, in small groups,
while slower messages are still in flight. So a crash loses at most the last
fraction of a second of outcomes, and one push service that hangs or asks for
patience holds up nobody else. When a batch is down to a few deliveries waiting on
hanging push services, the scheduler's tick leaves them to a background thread
(``InFlight``) so the next tick starts on time.

A delivery no device accepted, where some device's push service asked us to wait
(429, 5xx, a timeout), becomes ``retrying`` with a ``next_attempt_at`` instead of
failing: any scheduler picks it up then and decides it afresh (quiet hours, the
budget and lateness still apply). Results are written only while this process
still holds the claim, so a delivery another process took over is left to it.
"""

from __future__ import annotations

import logging
import queue
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import bindparam, func, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from scheduler.claim import DELIVERIES, Claimed, write_session, write_transaction
from scheduler.lease import Worker, hand_back
from server.db import utcnow
from server.ops.metrics import observe_delivery
from server.push.retry import RETRY, SENT
from server.push.sender import PushMessage, PushOutcome
from server.push.service import record_outcomes, sender_for
from server.reminders.models import DeliveryStatus

log = logging.getLogger("tend.scheduler")

# Outcomes are written in groups of at most this many deliveries, or this often.
RECORD_GROUP = 50
RECORD_EVERY = 0.25
# How long unwritable outcomes (the database is away) are kept trying, at most.
RECORD_PATIENCE = 120.0
# A batch with at most this many deliveries unanswered, and no answer for this many
# seconds, is waiting on hanging push services: the tick leaves them to a thread.
STRAGGLERS = 8
STRAGGLER_QUIET = 2.0


@dataclass
class Prepared:
    """A delivery the policy let through, ready to send."""

    claimed: Claimed
    messages: list[PushMessage]


def finish(
    engine: Engine,
    worker: Worker,
    claimed: Claimed,
    status: DeliveryStatus,
    reason: str | None = None,
) -> DeliveryStatus:
    """Record the final status of one delivery on its own, while this process holds it.

    A delivery already recorded (outcomes are written as they arrive) or taken over
    by another process is left as it is: ``ALREADY_DONE``.
    """
    with write_transaction(engine) as conn:
        changed = conn.execute(
            update(DELIVERIES)
            .where(
                DELIVERIES.c.id == claimed.delivery_id,
                DELIVERIES.c.status == DeliveryStatus.CLAIMED,
                DELIVERIES.c.claimed_by == worker.name,
            )
            .values(status=status, reason=reason, claimed_by=None, lease_until=None)
        ).rowcount
    return status if changed else DeliveryStatus.ALREADY_DONE


@dataclass(frozen=True)
class SendResult:
    """How the messages of one delivery went."""

    status: DeliveryStatus
    reason: str | None
    sent: int
    failed: int
    attempts: int
    next_attempt_at: datetime | None = None


def summarise(
    outcomes: list[PushOutcome], now: datetime, give_up_at: datetime | None = None
) -> SendResult:
    """One delivery's result from the outcomes of its messages (one per device).

    Sent when any device accepted it. Otherwise, when a push service asked for
    patience and the message is still worth sending then, a retry at the soonest
    time one of them named; failed when nothing is worth waiting for.
    """
    sent = sum(1 for outcome in outcomes if outcome.result == SENT)
    attempts = max((outcome.attempts for outcome in outcomes), default=0)
    if sent:
        return SendResult(DeliveryStatus.SENT, None, sent, len(outcomes) - sent, attempts)
    waits = [o.retry_in for o in outcomes if o.result == RETRY and o.retry_in is not None]
    reason = "; ".join(sorted({o.result for o in outcomes}))[:200]
    if waits:
        retry_at = now + timedelta(seconds=min(waits))
        if give_up_at is None or retry_at <= give_up_at:
            return SendResult(DeliveryStatus.RETRYING, reason, 0, 0, attempts, retry_at)
        reason = "gave up retrying"
    return SendResult(DeliveryStatus.FAILED, reason, 0, len(outcomes), attempts)


RECORD_RESULT = (
    update(DELIVERIES)
    .where(
        DELIVERIES.c.id == bindparam("b_id"),
        DELIVERIES.c.status == DeliveryStatus.CLAIMED,
        DELIVERIES.c.claimed_by == bindparam("b_holder"),
    )
    .values(
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        devices_sent=bindparam("b_sent"),
        devices_failed=bindparam("b_failed"),
        attempts=func.coalesce(DELIVERIES.c.attempts, 0) + bindparam("b_attempts"),
        sent_at=bindparam("b_sent_at"),
        next_attempt_at=bindparam("b_next"),
        claimed_by=None,
        lease_until=None,
    )
)


def record_results(
    engine: Engine,
    worker: Worker,
    outcomes: list[PushOutcome],
    results: dict[int, SendResult],
) -> None:
    """Record device outcomes and these deliveries' results in one transaction."""
    finished_at = utcnow()
    params = [
        {
            "b_id": delivery_id,
            "b_holder": worker.name,
            "b_status": result.status,
            "b_reason": result.reason,
            "b_sent": result.sent,
            "b_failed": result.failed,
            "b_attempts": result.attempts,
            "b_sent_at": finished_at if result.sent else None,
            "b_next": result.next_attempt_at,
        }
        for delivery_id, result in results.items()
    ]
    with write_session(engine) as session:
        record_outcomes(session, outcomes, finished_at)
        session.connection().execute(RECORD_RESULT, params)


@dataclass
class Recorder:
    """Gathers outcomes per delivery and writes finished deliveries in small groups."""

    engine: Engine
    worker: Worker
    prepared: dict[int, Prepared]
    arrived: dict[int, list[PushOutcome]] = field(default_factory=dict)
    ready: dict[int, SendResult] = field(default_factory=dict)
    ready_outcomes: list[PushOutcome] = field(default_factory=list)
    statuses: dict[int, DeliveryStatus] = field(default_factory=dict)
    last_write: float = field(default_factory=time.monotonic)
    failing_since: float | None = None

    def add(self, outcome: PushOutcome) -> None:
        """Take one message's outcome; a delivery is ready once all its devices answered."""
        delivery_id = outcome.message.key
        got = self.arrived.setdefault(delivery_id, [])
        got.append(outcome)
        item = self.prepared[delivery_id]
        if len(got) == len(item.messages):
            ttl = min(message.ttl for message in item.messages)
            give_up_at = item.claimed.due_at + timedelta(seconds=ttl)
            self.ready[delivery_id] = summarise(got, utcnow(), give_up_at)
            self.ready_outcomes.extend(got)

    def write_if_due(self) -> None:
        """Write what is ready when a group is full or the last write is a moment old."""
        if self.ready and (
            len(self.ready) >= RECORD_GROUP or time.monotonic() - self.last_write >= RECORD_EVERY
        ):
            self.write()

    def write(self) -> bool:
        """Write what is ready; False (and kept for the next try) if the database said no."""
        if not self.ready:
            return True
        try:
            record_results(self.engine, self.worker, self.ready_outcomes, self.ready)
        except DBAPIError:
            if self.failing_since is None:
                self.failing_since = time.monotonic()
                log.exception("recording %s outcomes failed; trying again", len(self.ready))
            return False
        self.failing_since = None
        self.last_write = time.monotonic()
        recorded_at = utcnow()
        for delivery_id, result in self.ready.items():
            claimed = self.prepared[delivery_id].claimed
            sent_at = recorded_at if result.sent else None
            observe_delivery(claimed.kind, result.status, claimed.due_at, sent_at)
            self.statuses[delivery_id] = result.status
        self.ready, self.ready_outcomes = {}, []
        return True

    def out_of_patience(self) -> bool:
        """Whether the database has refused our writes for too long to keep trying."""
        return (
            self.failing_since is not None
            and time.monotonic() - self.failing_since > RECORD_PATIENCE
        )


@dataclass
class InFlight:
    """One batch's messages on their way, and the recorder their outcomes go to."""

    recorder: Recorder
    arrivals: queue.SimpleQueue
    future: Future
    last_arrival: float = field(default_factory=time.monotonic)

    def settled(self) -> bool:
        """Whether every message has an outcome and every outcome was taken."""
        return self.future.done() and self.arrivals.empty()

    def pump(self, wait: float) -> None:
        """Take the outcomes that arrived (waiting up to ``wait`` for one); write if due."""
        try:
            self.recorder.add(self.arrivals.get(timeout=wait))
            self.last_arrival = time.monotonic()
            while not self.arrivals.empty():
                self.recorder.add(self.arrivals.get())
        except queue.Empty:
            pass
        self.recorder.write_if_due()

    def unanswered(self) -> int:
        """Deliveries still waiting for at least one device's answer."""
        recorder = self.recorder
        return len(recorder.prepared) - len(recorder.statuses) - len(recorder.ready)

    def straggling(self) -> bool:
        """Only a few deliveries are left and nothing has answered for a while.

        That is one or two push services hanging (up to the read timeout), not a
        batch still on its way: the rest is finished in the background so the next
        tick, and everyone due in it, does not wait for them.
        """
        left = self.unanswered()
        return 0 < left <= STRAGGLERS and time.monotonic() - self.last_arrival >= STRAGGLER_QUIET

    def run(self, worker: Worker, may_leave: bool = False) -> bool:
        """Take outcomes until all arrived or the grace period of a stop is over.

        With ``may_leave``, return early (True) once the batch is straggling and no
        stop was requested: the caller leaves the rest to a background thread.
        """
        while not self.settled():
            if worker.out_of_time():
                self.future.cancel()
                return False
            if may_leave and not worker.stopping and self.straggling():
                return True
            self.pump(RECORD_EVERY / 2)
        return False

    def close(self, engine: Engine, worker: Worker) -> list[DeliveryStatus]:
        """Write what is left (patiently) and hand back what never got an answer."""
        recorder = self.recorder
        if self.future.done() and not self.future.cancelled() and self.future.exception():
            # Sending itself broke (not one push service): say so, or the hand-back
            # below would repeat it every tick in silence.
            log.error("sending a batch failed", exc_info=self.future.exception())
        while not self.arrivals.empty():
            recorder.add(self.arrivals.get())
        while not recorder.write():
            if worker.out_of_time() or recorder.out_of_patience():
                break
            time.sleep(RECORD_EVERY * 2)
        unfinished = [i for i in recorder.prepared if i not in recorder.statuses]
        if unfinished:
            try:
                handed = hand_back(engine, worker, unfinished, utcnow())
            except DBAPIError:
                handed = 0  # the database is away: the lease lapses by itself
            log.warning("handed back %s of %s unsent deliveries", handed, len(unfinished))
        return list(recorder.statuses.values())


def send_batch(
    app: Flask, engine: Engine, worker: Worker, prepared: list[Prepared]
) -> list[DeliveryStatus]:
    """Send the batch's messages; record each delivery as soon as all its devices answered.

    On a requested stop the batch gets until the end of the grace period; what has
    not been answered by then is handed back unsent (still claimed, lease ended),
    never marked failed. When the worker finishes stragglers in the background (the
    scheduler's own tick), the last few slow deliveries are left to a thread and
    only what has been recorded so far is returned.
    """
    recorder = Recorder(engine, worker, {item.claimed.delivery_id: item for item in prepared})
    arrivals: queue.SimpleQueue[PushOutcome] = queue.SimpleQueue()
    messages = [message for item in prepared for message in item.messages]
    future = sender_for(app).submit_many(messages, retry=False, on_outcome=arrivals.put)
    flight = InFlight(recorder, arrivals, future)
    if flight.run(worker, may_leave=worker.background_stragglers):
        recorder.write()
        so_far, left = list(recorder.statuses.values()), flight.unanswered()
        # From here on only the background thread touches the flight.
        worker.in_background(lambda: finish_in_background(app, engine, worker, flight))
        log.info("slow deliveries left to finish in the background: %s", left)
        return so_far
    return flight.close(engine, worker)


def finish_in_background(app: Flask, engine: Engine, worker: Worker, flight: InFlight) -> None:
    """A straggling batch's last outcomes, recorded as they come (or handed back on a stop)."""
    with app.app_context():
        try:
            flight.run(worker)
        except Exception:
            log.exception("finishing slow deliveries failed; handing them back")
        flight.close(engine, worker)
