"""``python -m scheduler``: the dispatcher as its own process, for running beside web workers.

Several of these may run on one PostgreSQL database; they share work through
row locks, never through each other. SIGTERM or SIGINT stops it cleanly: nothing
new is claimed, the running tick gets ``TEND_STOP_GRACE_SECONDS`` to finish, and
whatever is still unsent then is handed back for another process, never failed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import time

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.dispatch import DEFAULT_BATCH
from scheduler.lease import keep_leases, worker_of
from scheduler.runner import TICK_SECONDS, add_dispatch_job, quiet_apscheduler_logs, stop_gracefully
from server import create_app
from server.push.cleanup import add_cleanup_job

log = logging.getLogger("tend.scheduler")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    parser.add_argument(
        "--interval",
        type=float,
        default=TICK_SECONDS,
        help="seconds between ticks (default %(default)s)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=DEFAULT_BATCH,
        help="most reminders claimed per tick (default %(default)s)",
    )
    return parser.parse_args(argv)


def record_stop_signals() -> list[int]:
    """From now on, SIGTERM and SIGINT are only recorded, in the list returned.

    A Python signal handler runs in the main thread between two of its bytecodes,
    possibly while that thread holds a lock (APScheduler submitting a job holds its
    executor's), so shutting down inside the handler can deadlock the process for good.
    """
    received: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda number, _frame: received.append(number))
    return received


def wait_for_stop_signal(received: list[int], poll: float = 0.25) -> signal.Signals:
    """Block until a stop signal has been recorded; which one."""
    while not received:
        time.sleep(poll)
    return signal.Signals(received[0])


def main(argv: list[str] | None = None) -> None:
    """Run ticks until SIGTERM or SIGINT."""
    options = parse_args(argv)
    app = create_app()
    quiet_apscheduler_logs()
    scheduler = BackgroundScheduler(timezone="UTC")
    add_dispatch_job(scheduler, app, options.interval, options.batch)
    add_cleanup_job(scheduler, app)
    received = record_stop_signals()  # before anything runs: a stop is never missed
    keep_leases(app.extensions["tend.engine"], worker_of(app))  # until stop_gracefully
    scheduler.start()
    log.info("scheduler started: a tick every %ss, batches of %s", options.interval, options.batch)
    signum = wait_for_stop_signal(received)
    log.info("scheduler stopping (%s)", signum.name)
    if stop_gracefully(app, scheduler):
        log.info("scheduler stopped")


if __name__ == "__main__":
    main()
