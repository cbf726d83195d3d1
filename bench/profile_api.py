"""Where the time of ``GET /api/me`` and ``POST /api/checkins`` goes, inside the app.

Builds the app in this process on a temporary database, signs one person in, and
runs each route ``--requests`` times through Flask's test client under cProfile
(no HTTP server, so only Tend's own work is measured). Prints the time per request
and the functions that take the most of it, so a change can be checked against the
same profile.

    make profile-api                                          # SQLite
    make profile-api BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1/test"
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import temporary_database  # noqa: E402

PASSWORD = "bench password that is long enough"


def signed_in_client(app):
    """A test client registered and signed in, and its CSRF token."""
    client = app.test_client()
    token = client.get("/api/csrf").get_json()["csrf_token"]
    body = {"email": "profile@example.org", "password": PASSWORD, "timezone": "Europe/Berlin"}
    response = client.post("/api/auth/register", json=body, headers={"X-CSRF-Token": token})
    if response.status_code != 201:
        raise RuntimeError(f"register failed: {response.status_code} {response.get_data(True)}")
    return client, client.get("/api/csrf").get_json()["csrf_token"]


def profile_route(name: str, call, requests: int, top: int, sort: str) -> None:
    """Warm up, then time and profile ``requests`` calls; print the figures."""
    for _ in range(20):
        call()
    started = time.perf_counter()
    for _ in range(requests):
        call()
    per_request = (time.perf_counter() - started) / requests * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
    stats.print_stats(top)
    print(f"== {name}: {per_request:.2f} ms per request (unprofiled)")
    print(out.getvalue().split("\n", 6)[-1] if out.getvalue() else "")


def main(argv: list[str] | None = None) -> int:
    """Parse options, build the app, profile both routes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25, help="functions listed per route")
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="cumulative")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args(argv)
    with temporary_database(args.database_url) as url, tempfile.TemporaryDirectory() as instance:
        os.environ.update(
            TEND_DATABASE_URL=url,
            TEND_INSTANCE_PATH=instance,
            TEND_SCHEDULER="off",
            TEND_SIGNUP_LIMIT="0",
        )
        from server import create_app

        app = create_app()
        client, token = signed_in_client(app)
        questions = client.get("/api/checkins/questions").get_json()["questions"][:2]
        answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in questions]

        def get_me():
            response = client.get("/api/me")
            assert response.status_code == 200, response.get_data(True)

        def post_checkin():
            response = client.post(
                "/api/checkins", json={"answers": answers}, headers={"X-CSRF-Token": token}
            )
            assert response.status_code < 300, response.get_data(True)

        profile_route("GET /api/me", get_me, args.requests, args.top, args.sort)
        profile_route("POST /api/checkins", post_checkin, args.requests, args.top, args.sort)
        app.extensions["tend.engine"].dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
