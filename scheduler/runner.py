"""The one APScheduler job both process shapes run: a dispatch tick every second or so."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from scheduler.dispatch import DEFAULT_BATCH, TickReport, run_tick

log = logging.getLogger("tend.scheduler")

TICK_SECONDS = 1.0
JOB_ID = "tend-dispatch"


def tick(app: Flask, batch: int = DEFAULT_BATCH) -> TickReport:
    """Run one tick and log what it did (idle ticks only at debug level)."""
    report = run_tick(app, batch=batch)
    if report.claimed or report.recovered:
        log.info("tick %s", report.summary())
    else:
        log.debug("tick idle")
    return report


def add_dispatch_job(
    scheduler: BaseScheduler, app: Flask, seconds: float = TICK_SECONDS,
    batch: int = DEFAULT_BATCH,
) -> None:
    """Schedule the tick: never two at once, missed runs collapse into one."""
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


def quiet_apscheduler_logs() -> None:
    """APScheduler logs every job run at INFO; one line per tick of our own is enough."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
