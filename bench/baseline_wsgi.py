"""The API benchmark's baseline: the same WSGI server answering a constant JSON body.

Tend's routes are measured against this in the same run, so the ratio shows what
Tend's own work (session, database, validation) costs on this machine.
"""

from __future__ import annotations

import sys

from waitress import serve


def app(environ, start_response):
    """Answer every request with a tiny JSON document."""
    body = b'{"status": "ok"}'
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), ident="baseline")
