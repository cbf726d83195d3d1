"""The scheduler inside the web process, for the single-process ``make run``.

Only ``python -m server`` calls ``start_embedded``, once, and only when
``TEND_SCHEDULER=embedded`` — never per web worker (use ``python -m scheduler``
beside several workers instead). ``create_app`` never starts it, so ``flask run``
with its reloader cannot start one in the watcher process either.
"""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from scheduler.runner import TICK_SECONDS, add_dispatch_job, quiet_apscheduler_logs


def start_embedded(app: Flask, seconds: float = TICK_SECONDS) -> BackgroundScheduler:
    """Start the dispatch tick on a background thread; returns the scheduler to shut down."""
    quiet_apscheduler_logs()
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    add_dispatch_job(scheduler, app, seconds)
    scheduler.start()
    app.logger.info("embedded scheduler started: a tick every %ss", seconds)
    return scheduler
