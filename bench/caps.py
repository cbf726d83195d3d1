"""Caps benchmark: does one person at the caps slow anyone else, and are their requests quick?

Runs the production server (``python -m server``, waitress) on loopback with a
temporary database and signs in ``--clients`` ordinary people. First, the
baseline: their ``GET /api/me``, ``POST /api/checkins`` and ``GET /api/reminders``
with nobody else about. Then one person is brought to the caps (100 reminders of
their own, 10 devices, plenty of time off and check-ins) and the same
measurement runs again while that person keeps asking for the heaviest things
Tend has: 50 upcoming times of a reminder, and switching a program on. Printed:
each route's rate and p50/p99 in both runs, the ratio of the two (1.00: no
effect), and the heavy person's own latencies (p99 and the slowest).

    make bench-caps
    make bench-caps BENCH_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1/tend_bench"
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import drive, sign_in  # noqa: E402
from common import (  # noqa: E402
    free_port,
    percentile,
    server_process,
    temporary_database,
    web_env,
)

REMINDERS = 100
DEVICES = 10
PUSH_HOST = "127.0.0.1:9"  # never contacted: the scheduler is off


def b64url(raw: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fake_device(index: int) -> dict:
    """A well-formed subscription with real keys, at a push host nobody calls."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "endpoint": f"http://{PUSH_HOST}/push/heavy-{index}",
        "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))},
    }


async def call(session, token, method: str, url: str, body=None) -> tuple[int, float]:
    """One request; its status and seconds taken."""
    started = time.perf_counter()
    async with session.request(
        method, url, json=body, headers={"X-CSRF-Token": token} if method != "GET" else None
    ) as response:
        await response.read()
        return response.status, time.perf_counter() - started


async def bring_to_the_caps(base: str, session, token) -> list[int]:
    """Fill one person's account to the caps; the ids of their reminders."""
    ids = []
    for i in range(REMINDERS - 1):  # the program below adds the hundredth
        schedule = {"type": "daily", "time": f"{6 + i % 16:02d}:{(i * 7) % 60:02d}"}
        async with session.post(
            f"{base}/api/reminders",
            json={"kind": "custom", "title": f"Reminder {i}", "schedule": schedule},
            headers={"X-CSRF-Token": token},
        ) as response:
            assert response.status == 201, await response.text()
            ids.append((await response.json())["reminder"]["id"])
    status, _ = await call(session, token, "POST", f"{base}/api/habits/presets/breaks", {})
    assert status == 201, status
    for i in range(DEVICES):
        status, _ = await call(
            session, token, "POST", f"{base}/api/push/subscriptions", fake_device(i)
        )
        assert status == 201, status
    first = date.today() + timedelta(days=3)
    for i in range(40):
        day = (first + timedelta(days=i * 2)).isoformat()
        body = {"start": day, "end": day, "kind": "planned", "note": "Off"}
        status, _ = await call(session, token, "POST", f"{base}/api/timeoff", body)
        assert status == 201, status
    async with session.get(f"{base}/api/checkins/questions") as response:
        questions = (await response.json())["questions"][:3]
    answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in questions]
    for _ in range(200):
        status, _ = await call(session, token, "POST", f"{base}/api/checkins", {"answers": answers})
        assert status == 201, status
    return ids


async def keep_busy(base: str, session, token, ids: list[int], stop: asyncio.Event) -> dict:
    """The heavy person asking for the heaviest things until ``stop``: their latencies."""
    seen: dict[str, list[float]] = {"upcoming (50)": [], "switch a program on": []}
    turn = 0
    while not stop.is_set():
        reminder = ids[turn % len(ids)]
        _, took = await call(
            session, token, "GET", f"{base}/api/reminders/{reminder}/upcoming?count=50"
        )
        seen["upcoming (50)"].append(took)
        if turn % 5 == 0:
            _, took = await call(session, token, "POST", f"{base}/api/habits/presets/breaks", {})
            seen["switch a program on"].append(took)
        turn += 1
    return seen


async def measure_others(base: str, sessions, total: int) -> dict[str, dict]:
    """The ordinary people's routes, each driven with every session at once."""
    async with sessions[0][0].get(f"{base}/api/checkins/questions") as response:
        questions = (await response.json())["questions"][:2]
    answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in questions]

    def route(method: str, path: str, body=None):
        async def request(session, token):
            status, _ = await call(session, token, method, f"{base}{path}", body)
            return status

        return request

    return {
        "GET /api/me": await drive(sessions, total, route("GET", "/api/me")),
        "POST /api/checkins": await drive(
            sessions, total, route("POST", "/api/checkins", {"answers": answers})
        ),
        "GET /api/reminders": await drive(sessions, total, route("GET", "/api/reminders")),
    }


async def run(base: str, clients: int, total: int, heavy_sessions: int) -> tuple:
    """Baseline, then the same with the heavy person busy; and the heavy person's figures."""
    sessions = [await sign_in(base, i) for i in range(clients)]
    heavy, heavy_token = await sign_in(base, 10_000)
    try:
        baseline = await measure_others(base, sessions, total)
        ids = await bring_to_the_caps(base, heavy, heavy_token)
        stop = asyncio.Event()
        busy = [
            asyncio.create_task(keep_busy(base, heavy, heavy_token, ids, stop))
            for _ in range(heavy_sessions)
        ]
        loaded = await measure_others(base, sessions, total)
        stop.set()
        heavy_seen: dict[str, list[float]] = {}
        for seen in await asyncio.gather(*busy):
            for name, values in seen.items():
                heavy_seen.setdefault(name, []).extend(values)
        return baseline, loaded, heavy_seen
    finally:
        for session, _ in sessions:
            await session.close()
        await heavy.close()


def main(argv: list[str] | None = None) -> int:
    """Parse options, run, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="requests per route and run")
    parser.add_argument("--heavy-sessions", type=int, default=4, help="the heavy person's tabs")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default SQLite)")
    args = parser.parse_args(argv)

    with temporary_database(args.database_url) as url, tempfile.TemporaryDirectory() as instance:
        port = free_port()
        env = {**web_env(url, instance, port, args.threads), "TEND_PUSH_EXTRA_HOSTS": PUSH_HOST}
        with server_process(env, port):
            baseline, loaded, heavy = asyncio.run(
                run(f"http://127.0.0.1:{port}", args.clients, args.requests, args.heavy_sessions)
            )

    database = "postgresql" if args.database_url else "sqlite"
    print(
        f"database: {database}  clients: {args.clients}  requests per route: {args.requests}  "
        f"one person at the caps: {REMINDERS} reminders, {DEVICES} devices"
    )
    failed = False
    for name in baseline:
        alone, beside = baseline[name], loaded[name]
        print(
            f"{name}: alone {alone['rate']:.0f} req/s p50 {alone['p50_ms']:.1f} ms "
            f"p99 {alone['p99_ms']:.1f} ms | beside the heavy person {beside['rate']:.0f} req/s "
            f"p50 {beside['p50_ms']:.1f} ms p99 {beside['p99_ms']:.1f} ms"
        )
        print(
            f"ratio {name}: rate {beside['rate'] / alone['rate']:.2f}  "
            f"p99 {beside['p99_ms'] / alone['p99_ms']:.2f}"
        )
        failed = failed or alone["errors"] > 0 or beside["errors"] > 0
    for name, values in heavy.items():
        if values:
            print(
                f"heavy person, {name}: {len(values)} requests  "
                f"p50 {percentile(values, 0.5) * 1000:.0f} ms  "
                f"p99 {percentile(values, 0.99) * 1000:.0f} ms  slowest {max(values) * 1000:.0f} ms"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
