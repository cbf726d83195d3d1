"""Dispatch benchmark: a morning rush of reminders all due at once, through the real dispatcher.

Creates ``--n`` users, each with one device subscribed at a local push service
(``bench/receiver.py``, its own process: answers 201, checks VAPID and decrypts
a sample of the bodies) and one reminder. All reminders fall due at the same
instant; then ``--schedulers`` real ``python -m scheduler`` processes run until
every occurrence has an outcome. Reported: messages per second, time to the
last delivery, p50/p99 lateness (``sent_at - due_at``), peak RSS of each
scheduler process, and how many bodies the receiver decrypted and verified.

The baseline, measured in the same run on the same subscriptions, is a plain
loop calling ``pywebpush.webpush()`` once per message; ``ratio`` is the
dispatcher's rate over the baseline's.

    make bench                                          # SQLite, 20,000 users
    make bench BENCH_ARGS="--n 100000"
    make bench BENCH_ARGS="--n 1000 --stored 1000000"   # memory with 1M reminders stored
    make bench BENCH_ARGS="--n 2000 --profile /tmp/tend.spy"   # where the scheduler spends it
    make bench BENCH_ARGS="--n 1000 --spread 60"        # a steady 1,000 a minute: lateness
    make bench BENCH_ARGS="--schedulers 2 --database-url postgresql+psycopg://postgres@127.0.0.1/tend_bench"

The PostgreSQL database given is emptied first (its public schema is dropped).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentile, temporary_database  # noqa: E402
from population import make_due, populate  # noqa: E402
from spy import attach  # noqa: E402
from spy import report as spy_report  # noqa: E402
from tls import make_certificate, trusting_env  # noqa: E402


@contextmanager
def trusted(entries: dict[str, str]):
    """This process trusts the run's certificate for the duration (the in-process baseline)."""
    saved = {key: os.environ.get(key) for key in entries}
    os.environ.update(entries)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


KINDS = ("checkin", "boundary", "sleep")
FINAL = ("sent", "failed", "skipped", "missed")


# --- the push service process -------------------------------------------------------------


class Receiver:
    """Client of ``bench/receiver.py`` running in its own process."""

    def __init__(self, sample_every: int, tls: tuple[str, str] | None = None) -> None:
        tls_args = ["--tls-cert", tls[0], "--tls-key", tls[1]] if tls else []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench" / "receiver.py"),
                "--sample-every",
                str(sample_every),
                *tls_args,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        word, port = self._read().split()
        assert word == "port", word
        self.host = f"127.0.0.1:{port}"

    def _read(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the push receiver process stopped")
        return line.strip()

    def _ask(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def subscribe(self, count: int, directory: str) -> list[dict]:
        """``count`` fresh subscriptions at this receiver."""
        path = os.path.join(directory, "subscriptions.jsonl")
        if self._ask(f"subscribe {count} {path}") != "ok":
            raise RuntimeError("the receiver could not issue subscriptions")
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    def stats(self) -> dict:
        """Requests received, bodies checked and verified so far."""
        return json.loads(self._ask("stats"))

    def close(self) -> None:
        """Stop the process (it exits when its input closes)."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- the baseline ---------------------------------------------------------------------------


def sample_payload() -> str:
    """A check-in notification of the size the dispatcher sends."""
    from server.push.payload import build_payload

    navigate = "http://127.0.0.1:8000/checkin"
    return build_payload(
        title="A moment to check in",
        body="Over the last day, how often did someone else's story stay with you?",
        navigate=navigate,
        tag="reminder-1",
        actions=[
            {"action": "answer:0", "title": "Not at all", "navigate": navigate},
            {"action": "answer:3", "title": "A lot", "navigate": navigate},
        ],
        extra={
            "delivery_id": 1,
            "reminder_kind": "checkin",
            "answer_token": "x" * 43,
            "question": {"id": "intrusion-1", "domain": "intrusion"},
        },
    ).decode("utf-8")


def measure_node_peer(
    subscriptions: list[dict], vapid_pem: str, subject: str, directory: str, env: dict
) -> float | None:
    """Messages per second of Node's ``web-push`` (keep-alive, 32 in flight), or None
    when ``node`` or ``node_modules/web-push`` is not here."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "web-push").is_dir():
        return None
    from cryptography.hazmat.primitives import serialization

    from server.push.vapid import parse_private_key

    key = parse_private_key(vapid_pem)
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    subscriptions_file = os.path.join(directory, "node-subscriptions.jsonl")
    payload_file = os.path.join(directory, "node-payload.json")
    with open(subscriptions_file, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(s) + "\n" for s in subscriptions)
    with open(payload_file, "w", encoding="utf-8") as handle:
        handle.write(sample_payload())
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    result = subprocess.run(
        [
            "node",
            str(ROOT / "bench" / "node_peer.mjs"),
            subscriptions_file,
            payload_file,
            b64(public),
            b64(private),
            subject,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["failed"]:
        raise RuntimeError(f"the Node peer failed {figures['failed']}: {result.stderr[-500:]}")
    return figures["rate"]


def measure_baseline(subscriptions: list[dict], vapid_pem: str, subject: str) -> float:
    """Messages per second of a plain ``pywebpush.webpush()`` loop, one call per message."""
    from py_vapid import Vapid02
    from pywebpush import webpush

    vapid = Vapid02.from_pem(vapid_pem.encode("ascii"))
    payload = sample_payload()
    started = time.perf_counter()
    for subscription in subscriptions:
        info = {
            "endpoint": subscription["endpoint"],
            "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]},
        }
        webpush(
            info,
            payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": subject},
            ttl=3600,
            headers={"Urgency": "normal"},
        )
    return len(subscriptions) / (time.perf_counter() - started)


# --- the scheduler processes ----------------------------------------------------------------


@dataclass
class SchedulerProcess:
    """One ``python -m scheduler`` and where its log goes."""

    proc: subprocess.Popen
    log_path: str

    def log_tail(self, lines: int = 20) -> str:
        """The end of its log, for error messages."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])

    def error_lines(self) -> list[str]:
        """Log lines at ERROR level (a failed delivery, a batch that fell back)."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return [line.rstrip() for line in handle if " ERROR " in line]

    def peak_rss_mb(self) -> float:
        """Peak resident memory so far (VmHWM), in MiB."""
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def scheduler_env(url: str, instance: str, receiver_host: str, vapid_pem: str) -> dict[str, str]:
    """The environment of a scheduler process."""
    return {
        **os.environ,
        "TEND_DATABASE_URL": url,
        "TEND_INSTANCE_PATH": instance,
        "TEND_VAPID_PRIVATE_KEY": vapid_pem,
        "TEND_VAPID_SUBJECT": "mailto:bench@example.org",
        "TEND_PUSH_EXTRA_HOSTS": receiver_host,
        "TEND_PUBLIC_URL": "http://127.0.0.1:8000",
        "TEND_SECRET_KEY": "bench-secret-key-not-for-production",
        "TEND_LOG_LEVEL": "info",
    }


@contextmanager
def schedulers(count: int, env: dict[str, str], directory: str, extra_args: list[str]):
    """Start ``count`` scheduler processes, wait until each has started, stop them after."""
    started: list[SchedulerProcess] = []
    try:
        for index in range(count):
            log_path = os.path.join(directory, f"scheduler-{index}.log")
            with open(log_path, "w") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "scheduler", *extra_args],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            started.append(SchedulerProcess(proc, log_path))
        for process in started:
            wait_until_started(process)
        yield started
    finally:
        for process in started:
            process.proc.terminate()
        for process in started:
            try:
                process.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.proc.kill()
                process.proc.wait()


def wait_until_started(process: SchedulerProcess, timeout: float = 60) -> None:
    """Wait for the scheduler's "scheduler started" log line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            raise RuntimeError(f"scheduler exited:\n{process.log_tail()}")
        with open(process.log_path, encoding="utf-8", errors="replace") as handle:
            if "scheduler started" in handle.read():
                return
        time.sleep(0.05)
    raise RuntimeError(f"scheduler did not start within {timeout}s")


# --- measuring ------------------------------------------------------------------------------


def finished_count(engine) -> int:
    """Deliveries that have an outcome."""
    from sqlalchemy import func, select

    from server.reminders.models import Delivery

    table = Delivery.__table__
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(table).where(table.c.status.in_(FINAL))
        ).scalar_one()


def wait_for_outcomes(
    engine, expected: int, running: list[SchedulerProcess], timeout: float
) -> bool:
    """Poll until ``expected`` deliveries have an outcome; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in running:
            if process.proc.poll() is not None:
                raise RuntimeError(f"scheduler exited:\n{process.log_tail()}")
        if finished_count(engine) >= expected:
            return True
        time.sleep(0.25)
    return False


@dataclass
class Outcome:
    """What the deliveries table says after the run."""

    statuses: dict[str, int]
    lateness: list[float]
    # Seconds from the first due time to the last delivery.
    span: float = 0.0

    @property
    def sent(self) -> int:
        """Deliveries sent to their device."""
        return self.statuses.get("sent", 0)


def read_outcome(engine, first_due: datetime) -> Outcome:
    """Status counts, the lateness of every sent delivery (``sent_at`` - its own ``due_at``)
    and the seconds from the first due time to the last delivery."""
    from sqlalchemy import func, select

    from server.reminders.models import Delivery

    table = Delivery.__table__
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
        )
        sent = conn.execute(
            select(table.c.sent_at, table.c.due_at).where(table.c.sent_at.is_not(None))
        ).all()
    # The column type returns aware UTC datetimes on both databases.
    lateness = [(row.sent_at - row.due_at).total_seconds() for row in sent]
    last = max((row.sent_at for row in sent), default=first_due)
    return Outcome(statuses, lateness, (last - first_due).total_seconds())


def new_vapid_pem() -> str:
    """A fresh VAPID private key as PEM, shared by the schedulers and the baseline."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


# --- the run ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="users, each with one due reminder")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL, emptied first (default: a temporary SQLite file)",
    )
    parser.add_argument("--schedulers", type=int, choices=(1, 2), default=1)
    parser.add_argument(
        "--plain-http",
        action="store_true",
        help="the push service without TLS (default: HTTPS with a certificate made for the run)",
    )
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="checkin",
        help="kind of the due reminders (default %(default)s)",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        help="due times spread evenly over this many seconds (default: all at one instant)",
    )
    parser.add_argument(
        "--stored",
        type=int,
        default=0,
        help="extra reminders stored but not due (far-future next_due_at)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=1_000,
        help="messages in the pywebpush baseline (default %(default)s)",
    )
    parser.add_argument(
        "--sample-every",
        type=int,
        default=100,
        help="receiver decrypts and verifies every Nth body (default %(default)s)",
    )
    parser.add_argument("--batch", type=int, default=None, help="passed to python -m scheduler")
    parser.add_argument(
        "--interval", type=float, default=None, help="passed to python -m scheduler"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="sample the (first) scheduler with py-spy into this file and summarise it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="give up waiting for outcomes after this many seconds",
    )
    return parser.parse_args(argv)


def scheduler_args(options: argparse.Namespace) -> list[str]:
    """Pass-through options for ``python -m scheduler``."""
    args: list[str] = []
    if options.batch is not None:
        args += ["--batch", str(options.batch)]
    if options.interval is not None:
        args += ["--interval", str(options.interval)]
    return args


def run(options: argparse.Namespace) -> dict:
    """Set up, measure the baseline, run the schedulers; return the figures."""
    from server.db import make_engine

    figures: dict = {}
    with ExitStack() as stack:
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="tend-bench-"))
        tls = None if options.plain_http else make_certificate(directory)
        trust = trusting_env(tls[0]) if tls else {}
        receiver = Receiver(options.sample_every, tls)
        stack.callback(receiver.close)
        subscriptions = receiver.subscribe(options.n, directory)
        url = stack.enter_context(temporary_database(options.database_url))
        engine = make_engine(url)
        stack.callback(engine.dispose)

        started = time.perf_counter()
        figures["zone"] = populate(
            engine, subscriptions, options.kind, options.stored, datetime.now(UTC)
        )
        figures["populate_s"] = time.perf_counter() - started

        vapid_pem = new_vapid_pem()
        sample = subscriptions[: max(1, min(options.baseline, options.n))]
        figures["baseline_messages"] = len(sample)
        with trusted(trust):
            figures["baseline_rate"] = measure_baseline(
                sample, vapid_pem, "mailto:bench@example.org"
            )
        # web-push speaks only HTTPS, so the Node peer runs only over TLS.
        figures["node_rate"] = (
            None
            if options.plain_http
            else measure_node_peer(
                subscriptions,
                vapid_pem,
                "mailto:bench@example.org",
                directory,
                {**os.environ, **trust},
            )
        )
        figures["transport"] = "http" if options.plain_http else "https"

        env = {
            **scheduler_env(url, os.path.join(directory, "instance"), receiver.host, vapid_pem),
            **trust,
        }
        with schedulers(options.schedulers, env, directory, scheduler_args(options)) as running:
            spy = attach(running[0].proc.pid, options.profile) if options.profile else None
            due_at = datetime.now(UTC)
            made_due = make_due(engine, due_at, options.spread)
            figures["complete"] = wait_for_outcomes(engine, made_due, running, options.timeout)
            figures["peak_rss_mb"] = [process.peak_rss_mb() for process in running]
        if spy is not None:
            spy.wait(timeout=60)  # it writes the profile once the scheduler has exited
            figures["profile"] = spy_report(options.profile)
        figures["errors"] = [line for process in running for line in process.error_lines()]
        figures["outcome"] = read_outcome(engine, due_at)
        figures["receiver"] = receiver.stats()
    return figures


def report(options: argparse.Namespace, figures: dict) -> bool:
    """Print the figures; True when every reminder was delivered and every sample verified."""
    outcome: Outcome = figures["outcome"]
    receiver = figures["receiver"]
    last = outcome.span
    rate = outcome.sent / last if outcome.lateness and last > 0 else 0.0
    database = "postgresql" if options.database_url else "sqlite"
    statuses = " ".join(f"{key}={value}" for key, value in sorted(outcome.statuses.items()))
    print(
        f"transport: {figures['transport']}  "
        f"database: {database}  schedulers: {options.schedulers}  due: {options.n} "
        f"({options.kind}, zone {figures['zone']}"
        + (f", spread over {options.spread:g} s" if options.spread else ", all at once")
        + f")  stored: {options.stored}"
    )
    print(f"populated in {figures['populate_s']:.1f} s")
    print(f"outcomes: {statuses}")
    print(
        f"dispatcher: {rate:.0f} msg/s  last delivery {last:.2f} s after the first due  "
        f"lateness p50 {percentile(outcome.lateness, 0.5):.2f} s  "
        f"p99 {percentile(outcome.lateness, 0.99):.2f} s"
    )
    print("scheduler peak RSS: " + ", ".join(f"{mb:.0f} MB" for mb in figures["peak_rss_mb"]))
    print(
        f"receiver: {receiver['received']} requests, {receiver['verified']} of "
        f"{receiver['checked']} sampled bodies decrypted and VAPID-verified"
    )
    for problem in receiver["problems"]:
        print(f"  receiver problem: {problem}")
    print(f"scheduler log errors: {len(figures['errors'])}")
    for line in figures["errors"][:5]:
        print(f"  {line}")
    print(
        f"baseline (pywebpush.webpush loop, {figures['baseline_messages']} messages): "
        f"{figures['baseline_rate']:.0f} msg/s"
    )
    print(f"ratio: {rate / figures['baseline_rate']:.2f}")
    node = figures["node_rate"]
    if node is None:
        print("node peer: not run (--plain-http, or no node or node_modules/web-push: npm ci)")
    else:
        print(
            f"node peer (web-push, keep-alive, 32 in flight, {options.n} messages): "
            f"{node:.0f} msg/s"
        )
        print(f"ratio to node: {rate / node:.2f}")
    if "profile" in figures:
        print(figures["profile"])
    if not figures["complete"]:
        print(f"incomplete: not every delivery had an outcome within {options.timeout:.0f} s")
    verified_all = receiver["checked"] > 0 and receiver["verified"] == receiver["checked"]
    return (
        figures["complete"] and outcome.sent == options.n and verified_all and not figures["errors"]
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 when something was not delivered."""
    options = parse_args(argv)
    return 0 if report(options, run(options)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
