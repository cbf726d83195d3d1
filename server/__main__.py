"""``python -m server``: serve Tend with waitress, and run the scheduler in-process.

This is the one entry point that may start both (``make run``). Several web
workers (gunicorn ``server.wsgi:app``) never start a scheduler; run
``python -m scheduler`` beside them instead.
"""

from __future__ import annotations

import logging

from waitress import serve

from server import create_app

log = logging.getLogger("tend")


def main() -> None:
    """Build the app, start the embedded scheduler when configured, and serve."""
    app = create_app()
    scheduler = None
    if app.config["TEND_SCHEDULER"] == "embedded":
        from scheduler.embedded import start_embedded

        scheduler = start_embedded(app)
    host, port = app.config["TEND_HOST"], app.config["TEND_PORT"]
    log.info("Tend is listening on http://%s:%s (scheduler: %s)",
             host, port, app.config["TEND_SCHEDULER"])
    try:
        serve(app, host=host, port=port, threads=app.config["TEND_WEB_THREADS"],
              ident="tend", clear_untrusted_proxy_headers=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main()
