"""Helpers shared by the benchmarks: temporary databases, a server process, percentiles."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


@contextlib.contextmanager
def temporary_database(url: str | None) -> Iterator[str]:
    """A migrated, empty database: a temp SQLite file, or ``url`` (PostgreSQL) reset first."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from server.db import make_engine

    with tempfile.TemporaryDirectory(prefix="tend-bench-") as tmp:
        if url is None:
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        yield url


def server_command(server: str, port: int, workers: int, threads: int) -> list[str]:
    """The command line of the web server: ``python -m server`` (waitress, what ``make run``
    serves with) or the production recipe, gunicorn with ``workers`` processes."""
    if server == "waitress":
        return [sys.executable, "-m", "server"]
    if server == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", "server.wsgi:app",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}")


@contextlib.contextmanager
def server_process(
    env_extra: dict[str, str], port: int, command: list[str] | None = None
) -> Iterator[subprocess.Popen]:
    """Run the web server (default ``python -m server``) until the block ends."""
    env = {**os.environ, **env_extra, "TEND_PORT": str(port), "TEND_HOST": "127.0.0.1"}
    env.setdefault("TEND_LOG_LEVEL", "warning")
    # The log goes to a file: an unread pipe fills up under load and stalls the server.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        yield proc
    finally:
        log.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_http(
    url: str, proc: subprocess.Popen | None = None, log=None, timeout: float = 30
) -> None:
    """Wait until ``url`` answers 200; if ``proc`` dies first, show the end of its ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = ""
            if log is not None:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {proc.returncode}: {tail}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def web_env(url: str, instance: str, port: int, threads: int) -> dict[str, str]:
    """The environment of ``python -m server`` for an API benchmark (no scheduler)."""
    return {
        "TEND_DATABASE_URL": url,
        "TEND_INSTANCE_PATH": instance,
        "TEND_SCHEDULER": "off",
        # Every simulated person signs up from this one machine.
        "TEND_SIGNUP_LIMIT": "0",
        "TEND_WEB_THREADS": str(threads),
        "TEND_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TEND_VAPID_PRIVATE_KEY": os.environ.get("TEND_VAPID_PRIVATE_KEY", ""),
    }
