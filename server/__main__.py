"""``python -m server``: serve Tend with waitress, and run the scheduler in-process.

This is the one entry point that may start both (``make run``). Several web
workers (gunicorn ``server.wsgi:app``) never start a scheduler; run
``python -m scheduler`` beside them instead.
"""

from __future__ import annotations

import logging
import signal

from waitress import serve

from server import create_app

log = logging.getLogger("tend")


def interrupt(_signum, _frame) -> None:
    """Turn SIGTERM into the KeyboardInterrupt that stops waitress."""
    raise KeyboardInterrupt


def main() -> None:
    """Build the app, start the embedded scheduler when configured, and serve."""
    app = create_app()
    scheduler = None
    if app.config["TEND_SCHEDULER"] == "embedded":
        from scheduler.embedded import start_embedded

        scheduler = start_embedded(app)
    host, port = app.config["TEND_HOST"], app.config["TEND_PORT"]
    log.info(
        "Tend is listening on http://%s:%s (scheduler: %s)",
        host,
        port,
        app.config["TEND_SCHEDULER"],
    )
    # SIGTERM (a deploy, `docker stop`) ends the server like Ctrl-C does, so the
    # embedded scheduler below stops cleanly instead of dying mid-batch.
    signal.signal(signal.SIGTERM, interrupt)
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=app.config["TEND_WEB_THREADS"],
            ident="tend",
            clear_untrusted_proxy_headers=True,
        )
    finally:
        # waitress ends serve() quietly on KeyboardInterrupt.
        log.info("Tend is stopping")
        if scheduler is not None:
            from scheduler.embedded import stop_embedded

            stop_embedded(app, scheduler)


if __name__ == "__main__":
    main()
