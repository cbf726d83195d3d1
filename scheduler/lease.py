"""This process as a claimer: the name on its claims, its lease, and a bounded stop.

Every delivery a scheduler claims carries the process's name and a lease. While
the process lives it renews the lease of whatever it still holds; if it dies
(SIGKILL, a lost machine) the lease lapses and another scheduler takes the
delivery over within one lease length. A graceful stop (SIGTERM) is bounded:
the process stops claiming, finishes what it holds within the grace period and
then hands back what is left, so nothing in flight is marked failed.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import Engine

from server.db import utcnow
from server.reminders.models import Delivery, DeliveryStatus

DELIVERIES = Delivery.__table__
WORKER_KEY = "tend.worker"
log = logging.getLogger("tend.scheduler")


def process_name() -> str:
    """A name no other process shares: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Worker:
    """The claiming identity of one scheduler process, and its stop request."""

    name: str
    lease: timedelta
    grace: float
    _stop_at: float | None = field(default=None, repr=False)
    _stop_requested: threading.Event = field(default_factory=threading.Event, repr=False)
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    # Held while a tick runs, so shutdown can wait for it before closing the sender.
    busy: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Whether a tick may leave its last few slow deliveries to a thread (the scheduler
    # job does; a direct ``run_tick`` waits for everything, as tests expect).
    background_stragglers: bool = False
    _background: set[threading.Thread] = field(default_factory=set, repr=False)
    _background_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def lease_end(self, now: datetime) -> datetime:
        """Until when a claim made or renewed at ``now`` is held."""
        return now + self.lease

    def request_stop(self) -> None:
        """Stop claiming now; what is held must be finished within the grace period."""
        if self._stop_at is None:
            self._stop_at = time.monotonic() + self.grace
        self._stop_requested.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested: claim nothing new."""
        return self._stop_requested.is_set()

    def in_background(self, work: Callable[[], None]) -> threading.Thread:
        """Run ``work`` on its own thread; ``wait_until_idle`` waits for it too."""

        def run_and_forget() -> None:
            try:
                work()
            finally:
                with self._background_lock:
                    self._background.discard(threading.current_thread())

        thread = threading.Thread(target=run_and_forget, name="tend-stragglers", daemon=True)
        with self._background_lock:
            self._background.add(thread)
        thread.start()
        return thread

    def wait_until_idle(self) -> bool:
        """After a stop request: wait (bounded) for the running tick and any background
        finishers; then stop renewing leases."""
        deadline = time.monotonic() + self.grace + 5
        idle = self.busy.acquire(timeout=self.grace + 5)
        if idle:
            self.busy.release()
        with self._background_lock:
            running = list(self._background)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        idle = idle and not any(thread.is_alive() for thread in running)
        self._done.set()
        return idle

    def out_of_time(self) -> bool:
        """Whether the grace period of a requested stop is over: hand back what is left."""
        return self._stop_at is not None and time.monotonic() >= self._stop_at


def worker_of(app: Flask) -> Worker:
    """The app's worker, made on first use from ``TEND_CLAIM_LEASE_SECONDS`` and friends."""
    worker = app.extensions.get(WORKER_KEY)
    if worker is None:
        worker = Worker(
            name=process_name(),
            lease=timedelta(seconds=app.config.get("TEND_CLAIM_LEASE_SECONDS", 60)),
            grace=float(app.config.get("TEND_STOP_GRACE_SECONDS", 20)),
        )
        app.extensions[WORKER_KEY] = worker
    return worker


def keep_leases(engine: Engine, worker: Worker) -> threading.Thread:
    """Renew this process's leases every third of a lease until it is idle after a stop."""
    interval = worker.lease.total_seconds() / 3

    def renew_until_done() -> None:
        while not worker._done.wait(interval):
            try:
                renew_leases(engine, worker, utcnow())
            except Exception:
                # The database is away: the leases lapse and others take over; keep trying.
                log.warning("leases not renewed", exc_info=True)

    thread = threading.Thread(target=renew_until_done, name="tend-leases", daemon=True)
    thread.start()
    return thread


def renew_leases(engine: Engine, worker: Worker, now: datetime) -> int:
    """Extend the lease of every delivery this process still holds; how many it holds."""
    with engine.begin() as conn:
        result = conn.execute(
            update(DELIVERIES)
            .where(
                DELIVERIES.c.status == DeliveryStatus.CLAIMED,
                DELIVERIES.c.claimed_by == worker.name,
            )
            .values(lease_until=worker.lease_end(now))
        )
    return result.rowcount


def hand_back(engine: Engine, worker: Worker, delivery_ids: list[int], now: datetime) -> int:
    """Give up claims unsent: their lease ends now, so any scheduler may take them at once.

    They stay ``claimed``: a message that may already have gone out is re-sent with
    the same Topic and answer token, so the phone shows it once.
    """
    if not delivery_ids:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            update(DELIVERIES)
            .where(
                DELIVERIES.c.id.in_(delivery_ids),
                DELIVERIES.c.status == DeliveryStatus.CLAIMED,
                DELIVERIES.c.claimed_by == worker.name,
            )
            .values(lease_until=now, claimed_by=None)
        )
    return result.rowcount
