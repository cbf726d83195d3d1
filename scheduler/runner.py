"""The one APScheduler job both process shapes run: a dispatch tick every second or so."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from flask import Flask

from scheduler.dispatch import DEFAULT_BATCH, TickReport, run_tick

log = logging.getLogger("tend.scheduler")

TICK_SECONDS = 1.0
# Longest run of back-to-back passes in one tick during a rush.
DRAIN_SECONDS = 30.0
JOB_ID = "tend-dispatch"


def tick(app: Flask, batch: int = DEFAULT_BATCH,
         stopping: Callable[[], bool] | None = None) -> TickReport:
    """Run one dispatch pass, and more at once while they come back full; log each pass.

    A full batch means more is due right now (a morning rush): waiting for the next
    interval would cap delivery at one batch per interval. The passes stop after
    ``DRAIN_SECONDS`` or once ``stopping()`` says so, so shutdown never waits long.
    """
    started = time.monotonic()
    total = TickReport()
    while True:
        report = run_tick(app, batch=batch)
        total.add(report)
        if report.claimed or report.recovered:
            log.info("tick %s", report.summary())
        else:
            log.debug("tick idle")
        full = report.claimed >= batch or report.recovered >= batch
        if not full or (stopping is not None and stopping()):
            return total
        if time.monotonic() - started > DRAIN_SECONDS:
            return total


def add_dispatch_job(
    scheduler: BaseScheduler, app: Flask, seconds: float = TICK_SECONDS,
    batch: int = DEFAULT_BATCH,
) -> None:
    """Schedule the tick: never two at once, missed runs collapse into one."""

    def stopping() -> bool:
        return scheduler.state != STATE_RUNNING

    scheduler.add_job(
        tick,
        "interval",
        seconds=seconds,
        args=[app, batch, stopping],
        id=JOB_ID,
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
