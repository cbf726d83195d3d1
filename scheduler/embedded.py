"""The scheduler inside the web process, for the single-process ``make run``.

Only ``python -m server`` calls ``start_embedded``, once, and only when
``TEND_SCHEDULER=embedded`` — never per web worker (use ``python -m scheduler``
beside several workers instead). ``create_app`` never starts it, so ``flask run``
with its reloader cannot start one in the watcher process either.
"""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from scheduler.lease import keep_leases, worker_of
from scheduler.runner import (
    TICK_SECONDS,
    add_dispatch_job,
    quiet_apscheduler_logs,
    stop_gracefully,
)
from server.ops.routes import EMBEDDED_KEY
from server.push.cleanup import add_cleanup_job


def start_embedded(app: Flask, seconds: float = TICK_SECONDS) -> BackgroundScheduler:
    """Start the dispatch tick on a background thread; returns the scheduler to shut down."""
    quiet_apscheduler_logs()
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    add_dispatch_job(scheduler, app, seconds)
    add_cleanup_job(scheduler, app)
    keep_leases(app.extensions["tend.engine"], worker_of(app))  # until stop_embedded
    scheduler.start()
    # /readyz then expects this process's scheduler to tick.
    app.extensions[EMBEDDED_KEY] = True
    app.logger.info("embedded scheduler started: a tick every %ss", seconds)
    return scheduler


def stop_embedded(app: Flask, scheduler: BackgroundScheduler) -> None:
    """Stop claiming, give the running tick its grace period, then close the sender."""
    stop_gracefully(app, scheduler)
