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
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def sampled_bodies(output: str) -> tuple[int, int, int]:
    """(requests, verified, checked) from the receiver's line of the dispatch benchmark."""
    found = re.search(r"receiver: (\d+) requests, (\d+) of (\d+) sampled bodies", output)
    assert found, output
    return int(found[1]), int(found[2]), int(found[3])


def test_dispatch_benchmark_delivers_every_reminder_and_prints_the_ratio():
    output = run_bench("dispatch.py", "--n", "40", "--baseline", "20", "--sample-every", "4",
                       "--interval", "0.2")
    assert "outcomes: sent=40" in output, output
    received, verified, checked = sampled_bodies(output)
    # 20 baseline messages, then one per reminder; every 4th body checked.
    assert (received, verified, checked) == (60, 15, 15), output
    assert "scheduler log errors: 0" in output, output
    assert "ratio: " in output


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


@pytest.fixture
def bench_database_url():
    """A PostgreSQL database just for the benchmark, on the server of the test database."""
    admin = create_engine(make_url(PG_URL).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SMOKE_DATABASE}"))
    try:
        yield make_url(PG_URL).set(database=SMOKE_DATABASE).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {SMOKE_DATABASE} WITH (FORCE)"))
        admin.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEND_TEST_DATABASE_URL is not set")
def test_dispatch_benchmark_with_two_schedulers_on_postgresql(bench_database_url):
    output = run_bench("dispatch.py", "--n", "40", "--baseline", "20", "--sample-every", "4",
                       "--interval", "0.2", "--schedulers", "2",
                       "--database-url", bench_database_url)
    assert "database: postgresql  schedulers: 2" in output, output
    assert "outcomes: sent=40" in output
    assert output.count(" MB") == 2, output
    received, verified, checked = sampled_bodies(output)
    assert (received, verified, checked) == (60, 15, 15), output
    assert "scheduler log errors: 0" in output, output
    assert "ratio: " in output
