"""The one APScheduler job both process shapes run: a dispatch tick every second or so."""

from __future__ import annotations

import faulthandler
import logging
import time
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from scheduler.dispatch import DEFAULT_BATCH, TickReport, run_tick
from scheduler.lease import worker_of
from server.db import utcnow
from server.ops.heartbeat import Heart, beat

log = logging.getLogger("tend.scheduler")

TICK_SECONDS = 1.0
# Longest run of back-to-back passes in one tick during a rush.
DRAIN_SECONDS = 30.0
JOB_ID = "tend-dispatch"
HEART_KEY = "tend.heart"
# Seconds past the grace period after which a stopping process exits regardless.
HARD_STOP_MARGIN = 10.0


def tick(app: Flask, batch: int = DEFAULT_BATCH) -> TickReport:
    """Run one dispatch pass, and more at once while they come back full; log each pass.

    A full batch means more is due right now (a morning rush): waiting for the next
    interval would cap delivery at one batch per interval. The passes stop after
    ``DRAIN_SECONDS`` or once a stop was requested, so shutdown never waits long.
    """
    worker = worker_of(app)
    with worker.busy:
        return drain(app, batch)


def drain(app: Flask, batch: int) -> TickReport:
    """Back-to-back passes while they come back full (see ``tick``)."""
    worker = worker_of(app)
    started = time.monotonic()
    total = TickReport()
    while True:
        report = run_tick(app, batch=batch, worker=worker)
        total.add(report)
        record_heartbeat(app, report.claimed + report.recovered)
        if report.claimed or report.recovered:
            log.info("tick %s", report.summary())
        else:
            log.debug("tick idle")
        full = report.claimed >= batch or report.recovered >= batch
        if not full or worker.stopping:
            return total
        if time.monotonic() - started > DRAIN_SECONDS:
            return total


def record_heartbeat(app: Flask, batch: int) -> None:
    """Tell /readyz and the operator this scheduler is alive (at most every few seconds).

    A failed beat is logged and otherwise ignored: delivering reminders matters more
    than reporting on it.
    """
    heart = app.extensions.setdefault(HEART_KEY, Heart())
    try:
        beat(app.extensions["tend.engine"], heart, utcnow(), batch)
    except Exception:
        log.exception("heartbeat not written")


def add_dispatch_job(
    scheduler: BaseScheduler,
    app: Flask,
    seconds: float = TICK_SECONDS,
    batch: int = DEFAULT_BATCH,
) -> None:
    """Schedule the tick: never two at once, missed runs collapse into one.

    A tick of the job leaves a hanging push service's last few deliveries to a
    background thread, so the next tick starts on time.
    """
    worker_of(app).background_stragglers = True
    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        args=[app, batch],
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    add_retention_job(scheduler, app)


def add_retention_job(scheduler: BaseScheduler, app: Flask) -> None:
    """With ``TEND_RETENTION_DAYS`` set: delete entries older than that, once a day."""
    days = app.config.get("TEND_RETENTION_DAYS") or 0
    if days <= 0:
        return
    from server.privacy.retention import run_retention

    def retain() -> None:
        counts = run_retention(app.extensions["tend.engine"], days)
        log.info("retention: deleted %s", counts)

    scheduler.add_job(
        retain,
        "interval",
        hours=24,
        id="tend-retention",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )


class SkipWhileDraining(logging.Filter):
    """Drop APScheduler's "skipped: maximum number of running instances" warning.

    While a tick drains a rush, each interval that falls inside it is skipped on
    purpose (``max_instances=1``); the tick's own log lines already tell the story.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the one expected warning."""
        return "maximum number of running instances" not in record.getMessage()


def quiet_apscheduler_logs() -> None:
    """APScheduler logs every job run at INFO; one line per tick of our own is enough."""
    logger = logging.getLogger("apscheduler")
    logger.setLevel(logging.WARNING)
    for name in ("apscheduler", "apscheduler.scheduler"):
        target = logging.getLogger(name)
        if not any(isinstance(item, SkipWhileDraining) for item in target.filters):
            target.addFilter(SkipWhileDraining())


def stop_gracefully(app: Flask, scheduler: BaseScheduler) -> bool:
    """Stop claiming, give the running tick its grace period, then close the sender.

    Whether the tick finished in time. If it did not, the process is still bound to
    end: ``HARD_STOP_MARGIN`` seconds after the grace period every thread's stack is
    written to stderr (to show what hung) and the process exits. Its leases then lapse
    and other schedulers take its claims over; nothing is marked failed.
    """
    from server.push.service import close_sender

    worker = worker_of(app)
    worker.request_stop()
    faulthandler.dump_traceback_later(worker.grace + HARD_STOP_MARGIN, exit=True)
    scheduler.shutdown(wait=False)
    idle = worker.wait_until_idle()
    if idle:
        close_sender(app)
        faulthandler.cancel_dump_traceback_later()
    else:
        log.warning("the running tick did not finish in time; its leases will lapse")
    return idle
