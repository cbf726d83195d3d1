"""``python -m scheduler``: the dispatcher as its own process, for running beside web workers.

Several of these may run on one PostgreSQL database; they share work through
row locks, never through each other. SIGTERM or SIGINT stops it cleanly: no new
tick starts and the running one finishes.
"""

from __future__ import annotations

import argparse
import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler.dispatch import DEFAULT_BATCH
from scheduler.runner import TICK_SECONDS, add_dispatch_job, quiet_apscheduler_logs
from server import create_app

log = logging.getLogger("tend.scheduler")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    parser.add_argument("--interval", type=float, default=TICK_SECONDS,
                        help="seconds between ticks (default %(default)s)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                        help="most reminders claimed per tick (default %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run ticks until SIGTERM or SIGINT."""
    options = parse_args(argv)
    app = create_app()
    quiet_apscheduler_logs()
    scheduler = BlockingScheduler(timezone="UTC")
    add_dispatch_job(scheduler, app, options.interval, options.batch)

    def stop(signum, _frame) -> None:
        log.info("scheduler stopping (%s)", signal.Signals(signum).name)
        # Not waiting here: the running tick's worker thread is joined at exit.
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: a tick every %ss, batches of %s", options.interval,
             options.batch)
    scheduler.start()
    from server.push.service import close_sender

    close_sender(app)
    log.info("scheduler stopped")


if __name__ == "__main__":
    main()
