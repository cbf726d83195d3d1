"""API benchmark: requests per second and latency of ``GET /api/me`` and ``POST /api/checkins``.

Runs the production server (``python -m server``, waitress) on loopback with a
temporary database, signs in ``--clients`` users, and drives each route with
that many concurrent clients. The baseline is the same WSGI server answering a
constant body, measured in the same run; ``ratio`` is route rate / baseline rate.

    make bench-api                                   # SQLite
    make bench-api BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1/test"
    make bench-api BENCH_ARGS="--server gunicorn --workers 2 --threads 4 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/test"   # production recipe
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    ROOT,
    free_port,
    percentile,
    server_command,
    server_process,
    temporary_database,
    wait_for_http,
    web_env,
)

PASSWORD = "bench password that is long enough"


async def sign_in(base: str, index: int) -> tuple[aiohttp.ClientSession, str]:
    """Register a user on its own session; return the session and its CSRF token."""
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{base}/api/csrf") as response:
        token = (await response.json())["csrf_token"]
    body = {"email": f"bench{index}@example.org", "password": PASSWORD, "timezone": "Europe/Berlin"}
    async with session.post(
        f"{base}/api/auth/register", json=body, headers={"X-CSRF-Token": token}
    ) as response:
        if response.status != 201:
            raise RuntimeError(f"register failed: {response.status} {await response.text()}")
    async with session.get(f"{base}/api/csrf") as response:
        token = (await response.json())["csrf_token"]
    return session, token


async def drive(sessions, total: int, make_request) -> dict:
    """Send ``total`` requests, one in flight per session; return rate and latencies."""
    latencies: list[float] = []
    errors = 0
    remaining = total

    async def worker(session, token):
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            status = await make_request(session, token)
            latencies.append(time.perf_counter() - started)
            if status >= 400:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(s, t) for s, t in sessions))
    elapsed = time.perf_counter() - started
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": errors,
        "requests": len(latencies),
    }


async def measure_baseline(clients: int, total: int, threads: int) -> dict:
    """The bare WSGI server's rate for the same load."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "baseline_wsgi.py"), str(port), str(threads)]
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc)
        sessions = [(aiohttp.ClientSession(), "") for _ in range(clients)]

        async def get(session, _token):
            async with session.get(f"http://127.0.0.1:{port}/") as response:
                await response.read()
                return response.status

        try:
            return await drive(sessions, total, get)
        finally:
            for session, _ in sessions:
                await session.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def measure_tend(base: str, clients: int, total: int) -> dict[str, dict]:
    """Sign in the users and measure each route."""
    sessions = [await sign_in(base, i) for i in range(clients)]
    try:
        async with sessions[0][0].get(f"{base}/api/checkins/questions") as response:
            questions = (await response.json())["questions"][:2]
        answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in questions]

        async def get_me(session, _token):
            async with session.get(f"{base}/api/me") as response:
                await response.read()
                return response.status

        async def post_checkin(session, token):
            async with session.post(
                f"{base}/api/checkins", json={"answers": answers}, headers={"X-CSRF-Token": token}
            ) as response:
                await response.read()
                return response.status

        return {
            "GET /api/me": await drive(sessions, total, get_me),
            "POST /api/checkins": await drive(sessions, total, post_checkin),
        }
    finally:
        for session, _ in sessions:
            await session.close()


def main(argv: list[str] | None = None) -> int:
    """Parse options, run the benchmark, print the figures and the ratio lines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000, help="requests per route")
    parser.add_argument(
        "--threads", type=int, default=8, help="threads per server process (TEND_WEB_THREADS)"
    )
    parser.add_argument("--server", choices=["waitress", "gunicorn"], default="waitress")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args(argv)

    with temporary_database(args.database_url) as url, tempfile.TemporaryDirectory() as instance:
        port = free_port()
        env = web_env(url, instance, port, args.threads)
        command = server_command(args.server, port, args.workers, args.threads)
        with server_process(env, port, command):
            results = asyncio.run(
                measure_tend(f"http://127.0.0.1:{port}", args.clients, args.requests)
            )
    baseline = asyncio.run(measure_baseline(args.clients, args.requests, args.threads))

    database = "postgresql" if args.database_url else "sqlite"
    server = args.server if args.server == "waitress" else f"gunicorn -w {args.workers}"
    print(
        f"server: {server} ({args.threads} threads each)  database: {database}  "
        f"clients: {args.clients}  requests per route: {args.requests}"
    )
    print(
        f"baseline (bare waitress): {baseline['rate']:.0f} req/s  "
        f"p50 {baseline['p50_ms']:.1f} ms  p99 {baseline['p99_ms']:.1f} ms"
    )
    failed = False
    for name, figures in results.items():
        print(
            f"{name}: {figures['rate']:.0f} req/s  p50 {figures['p50_ms']:.1f} ms  "
            f"p99 {figures['p99_ms']:.1f} ms  errors {figures['errors']}"
        )
        print(f"ratio {name}: {figures['rate'] / baseline['rate']:.2f}")
        failed = failed or figures["errors"] > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
