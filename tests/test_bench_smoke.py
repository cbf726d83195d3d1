"""Smoke runs of the benchmarks with a handful of users, so they keep working.

They print figures; nothing here asserts a timing. The PostgreSQL run uses a
database of its own (created and dropped here), never the test database: the
benchmark empties whatever database it is given.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEND_TEST_DATABASE_URL", "").strip()
SMOKE_DATABASE = "tend_bench_smoke"


def run_bench(script: str, *args: str) -> str:
    """Run ``bench/<script>`` with ``args``; fail with its output unless it exits 0."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def sampled_bodies(output: str) -> tuple[int, int, int]:
    """(requests, verified, checked) from the receiver's line of the dispatch benchmark."""
    found = re.search(r"receiver: (\d+) requests, (\d+) of (\d+) sampled bodies", output)
    assert found, output
    return int(found[1]), int(found[2]), int(found[3])


def test_dispatch_benchmark_delivers_every_reminder_and_prints_the_ratio(tmp_path):
    output = run_bench(
        *("dispatch.py", "--n", "40", "--baseline", "20", "--sample-every", "4"),
        *("--interval", "0.2", "--profile", str(tmp_path / "scheduler.spy"), "--spread", "1"),
    )
    assert "outcomes: sent=40" in output, output
    assert "spread over 1 s" in output, output
    received, verified, checked = sampled_bodies(output)
    # 20 baseline messages, 40 from the Node peer, then one per reminder; every 4th checked.
    assert (received, verified, checked) == (100, 25, 25), output
    assert "scheduler log errors: 0" in output, output
    assert "ratio: " in output
    # Over TLS by default, with Node's web-push as a peer in the same run.
    assert "transport: https" in output, output
    assert "ratio to node: " in output, output
    # py-spy sampled the scheduler from outside while it ran.
    assert "profile: " in output and (tmp_path / "scheduler.spy").exists(), output


def test_profile_summary_counts_each_sample_once_per_tend_file_and_by_its_innermost_frame(
    tmp_path,
):
    sys.path.insert(0, str(ROOT / "bench"))
    from spy import report

    site = "/srv/.venv/lib/python3.11/site-packages"
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "run_tick (/srv/scheduler/dispatch.py:10);claim (/srv/scheduler/claim.py:5);"
        f"execute ({site}/sqlalchemy/engine/base.py:1) 6\n"
        "run_tick (/srv/scheduler/dispatch.py:10);run_tick (/srv/scheduler/dispatch.py:12) 1\n"
        "_run_once (/usr/lib/python3.11/asyncio/base_events.py:1) 3\n"
    )
    lines = [line.strip() for line in report(raw).splitlines()]
    assert lines[0].startswith("profile: 10 samples")
    assert "70.0%  scheduler/dispatch.py" in lines
    assert "60.0%  scheduler/claim.py" in lines
    assert "60.0%  scheduler/claim.py:claim" in lines
    assert "30.0%  (outside Tend: asyncio)" in lines
    assert "10.0%  scheduler/dispatch.py:run_tick" in lines


def test_sender_benchmark_sends_everything_and_prints_the_ratio():
    output = run_bench("sender.py", "--n", "80", "--sample-every", "8")
    assert "sent=80" in output, output
    # 80 baseline messages, then 80 to warm up and 80 measured.
    assert re.search(r"receiver: 240 requests, (\d+) of \1 sampled", output), output
    assert "ratio: " in output


def test_api_benchmark_runs_both_routes_without_errors_and_prints_ratios():
    output = run_bench("api.py", "--clients", "3", "--requests", "30")
    assert "ratio GET /api/me: " in output, output
    assert "ratio POST /api/checkins: " in output
    assert "errors 0" in output, output


@pytest.mark.skipif(not PG_URL, reason="TEND_TEST_DATABASE_URL is not set")
def test_api_benchmark_of_the_production_recipe_gunicorn_on_postgresql(bench_database_url):
    output = run_bench(
        "api.py",
        *("--clients", "3", "--requests", "30", "--server", "gunicorn", "--workers", "2"),
        *("--threads", "2", "--database-url", bench_database_url),
    )
    assert "server: gunicorn -w 2 (2 threads each)  database: postgresql" in output, output
    assert "ratio POST /api/checkins: " in output
    assert output.count("errors 0") == 2, output


def test_api_profile_shows_where_each_route_spends_its_time():
    output = run_bench("profile_api.py", "--requests", "20", "--top", "5")
    for route in ("GET /api/me", "POST /api/checkins"):
        assert re.search(rf"== {route}: [\d.]+ ms per request", output), output
    assert "user_for_session" in run_bench(
        "profile_api.py", "--requests", "20", "--top", "60", "--sort", "cumulative"
    )


@pytest.fixture
def bench_database_url():
    """A PostgreSQL database just for the benchmark, on the server of the test database."""
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SMOKE_DATABASE}"))
    try:
        yield make_url(PG_URL).set(database=SMOKE_DATABASE).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)"))
        admin.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEND_TEST_DATABASE_URL is not set")
def test_dispatch_benchmark_with_two_schedulers_on_postgresql(bench_database_url):
    output = run_bench(
        "dispatch.py",
        "--n",
        "40",
        "--baseline",
        "20",
        "--sample-every",
        "4",
        "--interval",
        "0.2",
        "--schedulers",
        "2",
        "--database-url",
        bench_database_url,
    )
    assert "database: postgresql  schedulers: 2" in output, output
    assert "outcomes: sent=40" in output
    assert output.count(" MB") == 2, output
    received, verified, checked = sampled_bodies(output)
    # 20 baseline messages, 40 from the Node peer, then one per reminder.
    assert (received, verified, checked) == (100, 25, 25), output
    assert "scheduler log errors: 0" in output, output
    assert "ratio: " in output


def test_caps_benchmark_runs_a_person_at_the_caps_beside_others():
    output = run_bench("caps.py", "--clients", "3", "--requests", "30", "--heavy-sessions", "1")
    assert "one person at the caps: 100 reminders, 10 devices" in output, output
    assert output.count("ratio ") == 3, output
    assert "heavy person, upcoming (50)" in output, output
