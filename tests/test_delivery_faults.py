"""Delivery under real faults: real scheduler processes, the local push receiver, both databases.

Each test counts, per device, what arrived: nothing may be lost, and a message sent
twice is allowed only where the process could not know it had gone out (a crash),
and then with the same Topic and answer token, so the phone shows it once and an
answer is stored once.
"""

from __future__ import annotations

import random
import select as select_module
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from server import create_app
from server.checkins.models import CheckIn
from server.db import utcnow
from server.push import service as push_service
from server.reminders.models import Delivery
from tests.processes import (
    awake_person,
    due_once,
    phone_of,
    process_env,
    soon,
    spawn,
)
from tests.push_receiver import Reply


def populate(app, receiver, count: int, due_in: float = 2.0, who: str = "nurse"):
    """``count`` people, each with one phone at the receiver and one check-in due soon."""
    now = utcnow()
    due = soon(now, due_in)
    devices = [receiver.make_subscription() for _ in range(count)]
    with Session(app.extensions["tend.engine"], expire_on_commit=False) as session:
        users = [awake_person(f"{who}{i}@example.org") for i in range(count)]
        session.add_all(users)
        session.flush()
        session.add_all(phone_of(u, d) for u, d in zip(users, devices, strict=True))
        for user in users:
            due_once(session, user, due, now)
        session.commit()
    return devices


def start_scheduler(app_config, vapid_key, receiver, log_path, database_url=None, **env):
    """``python -m scheduler`` as its own process, logging to ``log_path``."""
    environment = process_env(app_config, vapid_key, receiver, **env)
    if database_url is not None:
        environment["TEND_DATABASE_URL"] = database_url
    log = open(log_path, "a")  # noqa: SIM115 (closed with the process, in stop())
    process = spawn("scheduler", "--interval", "0.2", env=environment, output=log)
    process.log = log
    return process


def stop(process, sig=signal.SIGTERM, timeout: float = 45.0) -> float:
    """Send ``sig``; seconds until the process exited."""
    started = time.monotonic()
    try:
        if process.poll() is None:
            process.send_signal(sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Killed so it cannot tick on into the next test; its log says where it hung.
        process.kill()
        process.wait()
        pytest.fail(f"still running {timeout}s after {sig.name}:\n{log_tail(process)}")
    finally:
        process.log.close()
    return time.monotonic() - started


def log_tail(process, lines: int = 60) -> str:
    """The last ``lines`` lines a process wrote to its log."""
    process.log.flush()
    with open(process.log.name) as log:
        return "".join(log.readlines()[-lines:])


def wait_until(condition, timeout: float, every: float = 0.05) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


def statuses(app) -> Counter:
    """How many deliveries are in each status."""
    with Session(app.extensions["tend.engine"]) as session:
        return Counter(session.exec(select(Delivery.status)).all())


def arrivals(receiver, devices) -> list[list]:
    """Per device, the verified messages its push service accepted (and would show)."""
    return [[m for m in receiver.messages_for(d) if m.verified and m.status < 300] for d in devices]


def assert_duplicates_replace_each_other(received: list[list]) -> None:
    """Any message that arrived twice carries the same Topic and the same answer token."""
    for messages in received:
        if len(messages) > 1:
            assert len({m.headers.get("topic") for m in messages}) == 1
            assert None not in {m.headers.get("topic") for m in messages}
            assert len({m.payload.get("answer_token") for m in messages}) == 1


@pytest.fixture
def fault_app(app_config, push_receiver):
    """The app (for reading the database) allowed to push to the local receiver."""
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    app = create_app(app_config)
    yield app
    push_service.close_sender(app)
    app.extensions["tend.engine"].dispose()


def test_sigterm_mid_batch_loses_nothing_and_exits_in_time_despite_a_hanging_endpoint(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 300)
    hanging = devices[17]
    push_receiver.answer(hanging, Reply.hang(120))
    first = start_scheduler(
        app_config,
        vapid_private_key,
        push_receiver,
        tmp_path / "first.log",
        TEND_STOP_GRACE_SECONDS=3,
    )
    # The batch is in flight once the hanging phone's request is held open.
    assert wait_until(lambda: push_receiver.messages_for(hanging), 60), (
        tmp_path / "first.log"
    ).read_text()
    assert wait_until(lambda: statuses(fault_app)["sent"] >= 299, 30)
    took = stop(first)
    log = (tmp_path / "first.log").read_text()
    assert first.returncode == 0, log
    assert took < 3 + 5, log  # the grace period, and a little to close down
    assert "scheduler stopped" in log
    counts = statuses(fault_app)
    assert counts == {"sent": 299, "claimed": 1}, counts  # handed back, never failed
    with Session(fault_app.extensions["tend.engine"]) as session:
        (held,) = session.exec(select(Delivery).where(Delivery.status == "claimed")).all()
        assert held.claimed_by is None and held.lease_until <= utcnow()
    # The next process (the deploy's new one) sends it at once, with the same Topic.
    push_receiver.answer(hanging, Reply.created())
    second = start_scheduler(app_config, vapid_private_key, push_receiver, tmp_path / "second.log")
    try:
        assert wait_until(lambda: statuses(fault_app)["sent"] == 300, 30)
    finally:
        stop(second)
    received = arrivals(push_receiver, devices)
    assert [len(m) for i, m in enumerate(received) if i != 17] == [1] * 299  # none twice
    # The held-open copy may have reached the phone: the re-send replaces it.
    assert len(received[17]) == 2
    assert_duplicates_replace_each_other(received)


def test_one_hanging_and_one_429_endpoint_hold_up_nobody_in_a_batch_of_500(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 500)
    hanging, patient = devices[3], devices[250]
    # Hangs on every attempt (its retry comes back within seconds under load).
    push_receiver.answer(hanging, then=Reply.hang(120))
    push_receiver.answer(patient, Reply.too_many("5"))
    process = start_scheduler(app_config, vapid_private_key, push_receiver, tmp_path / "s.log")
    try:
        # The other 498 are recorded while the hanging request is still open: outcomes are
        # written as they arrive, not after the whole batch.
        assert wait_until(lambda: statuses(fault_app)["sent"] >= 498, 60)
        counts = statuses(fault_app)
        assert counts["claimed"] == 1 and counts["retrying"] == 1, counts
        with Session(fault_app.extensions["tend.engine"]) as session:
            waiting = session.exec(select(Delivery).where(Delivery.status == "retrying")).one()
            assert waiting.next_attempt_at > utcnow()  # Retry-After: 5, honoured, not slept
        # After Retry-After the patient push service gets it; no one else is asked twice.
        assert wait_until(lambda: statuses(fault_app)["sent"] == 499, 30)
    finally:
        stop(process)
    received = arrivals(push_receiver, devices)
    assert [len(m) for i, m in enumerate(received) if i != 3] == [1] * 499
    assert [m.status for m in push_receiver.messages_for(patient)] == [429, 201]


def test_a_hanging_push_service_does_not_hold_up_whoever_is_due_next(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 20)
    hanging = devices[5]
    push_receiver.answer(hanging, then=Reply.hang(120))
    process = start_scheduler(
        app_config,
        vapid_private_key,
        push_receiver,
        tmp_path / "s.log",
        TEND_STOP_GRACE_SECONDS=3,
    )
    try:
        assert wait_until(lambda: statuses(fault_app)["sent"] == 19, 60)
        assert push_receiver.messages_for(hanging)  # held open: the read timeout is 10 s
        (later,) = populate(fault_app, push_receiver, 1, due_in=0.5, who="paramedic")
        seen: list[tuple] = []

        def later_arrived() -> bool:
            if not arrivals(push_receiver, [later])[0]:
                return False
            seen.append((statuses(fault_app), len(push_receiver.messages_for(hanging))))
            return True

        assert wait_until(later_arrived, 30), log_tail(process)
        # The next person's reminder went out while the first request to the hanging
        # push service was still open (not timed out and retried): the tick before left
        # it to a background thread instead of waiting it out.
        counts, hanging_requests = seen[0]
        assert (counts["retrying"], hanging_requests) == (0, 1), (counts, log_tail(process))
    finally:
        stop(process)
    log = (tmp_path / "s.log").read_text()
    assert "slow deliveries left to finish in the background: 1" in log
    # A stop waits for the background thread within the grace period, which then
    # hands the hanging delivery back for the next process, never failed.
    assert process.returncode == 0, log
    assert statuses(fault_app) == {"sent": 20, "claimed": 1}, log
    with Session(fault_app.extensions["tend.engine"]) as session:
        held = session.exec(select(Delivery).where(Delivery.status == "claimed")).one()
        assert held.claimed_by is None and held.lease_until <= utcnow()
    received = arrivals(push_receiver, devices)
    assert [len(m) for i, m in enumerate(received) if i != 5] == [1] * 19


def test_sigkill_mid_rush_is_taken_over_within_the_lease_and_answered_once(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path, client
):
    devices = populate(fault_app, push_receiver, 400)
    for device in devices:
        # A slow push service, so the kill lands while the rush is being sent.
        push_receiver.answer(device, Reply(201, {}, 0.4))
    lease = 3
    first = start_scheduler(
        app_config,
        vapid_private_key,
        push_receiver,
        tmp_path / "first.log",
        TEND_CLAIM_LEASE_SECONDS=lease,
    )
    assert wait_until(lambda: sum(map(len, arrivals(push_receiver, devices))) >= 60, 60)
    stop(first, signal.SIGKILL)
    killed_at = time.monotonic()
    unfinished = 400 - statuses(fault_app)["sent"]
    assert unfinished > 0, "the kill came too late to test anything"
    second = start_scheduler(
        app_config,
        vapid_private_key,
        push_receiver,
        tmp_path / "second.log",
        TEND_CLAIM_LEASE_SECONDS=lease,
    )
    try:
        assert wait_until(lambda: statuses(fault_app)["sent"] == 400, 60), statuses(fault_app)
        took_over_in = time.monotonic() - killed_at
        # The lease, a tick, and sending what was left; the log shows any stall.
        assert took_over_in < lease + 15, log_tail(second)
    finally:
        stop(second)
    received = arrivals(push_receiver, devices)
    assert all(len(messages) >= 1 for messages in received)  # nothing lost
    assert_duplicates_replace_each_other(received)
    # Both copies carry one token: answering from each stores one answer.
    twice = [m for m in received if len(m) > 1] or [received[0] * 2]
    token = twice[0][0].payload["answer_token"]
    client.auto_csrf = False
    first_answer = client.post(f"/api/deliveries/{token}/answer", json={"value": 3})
    assert first_answer.status_code == 200, first_answer.get_json()
    again = client.post(
        f"/api/deliveries/{twice[0][1].payload['answer_token']}/answer", json={"value": 1}
    )
    assert again.status_code == 404
    with Session(fault_app.extensions["tend.engine"]) as session:
        assert len(session.exec(select(CheckIn)).all()) == 1


class CuttableProxy:
    """A TCP proxy to the database that the test can cut (dropping every connection)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.closing = threading.Event()
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.closing.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                readable, _, _ = select_module.select([a, b], [], [], 0.5)
                if self.closing.is_set():
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self.open.clear()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for sock in (a, b):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def restore(self) -> None:
        """Accept connections again."""
        self.open.set()

    def close(self) -> None:
        """Stop the proxy."""
        self.closing.set()
        self.cut()
        self.listener.close()


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def database_outage(app, url: str):
    """(cut, restore, url for the scheduler): a proxy on PostgreSQL, a held lock on SQLite."""
    if url.startswith("postgresql"):
        parts = urlsplit(url)
        proxy = CuttableProxy(parts.hostname, parts.port or 5432)
        return proxy.cut, proxy.restore, through(url, proxy.port), proxy.close
    # SQLite has no connection to drop: an exclusive lock makes every write wait instead.
    conn = app.extensions["tend.engine"].raw_connection()
    holder = {}

    def cut() -> None:
        holder["cursor"] = conn.cursor()
        holder["cursor"].execute("BEGIN EXCLUSIVE")

    def restore() -> None:
        conn.rollback()

    return cut, restore, url, conn.close


def test_database_away_while_outcomes_are_recorded_sends_nothing_twice(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 300)
    for device in devices:
        push_receiver.answer(device, Reply(201, {}, 0.3))
    cut, restore, url, close = database_outage(fault_app, app_config["TEND_DATABASE_URL"])
    process = start_scheduler(
        app_config, vapid_private_key, push_receiver, tmp_path / "s.log", database_url=url
    )
    try:
        assert wait_until(lambda: sum(map(len, arrivals(push_receiver, devices))) >= 20, 60)
        cut()
        time.sleep(5)  # the sends finish; their outcomes cannot be written
        restore()
        assert wait_until(lambda: statuses(fault_app)["sent"] == 300, 60), statuses(fault_app)
        assert process.poll() is None  # it rode out the outage
    finally:
        stop(process)
        close()
    log = (tmp_path / "s.log").read_text()
    if url != app_config["TEND_DATABASE_URL"]:
        assert "trying again" in log  # the proxy really dropped the writes
    received = arrivals(push_receiver, devices)
    assert [len(m) for m in received] == [1] * 300, log[-3000:]


def test_a_user_with_every_reminder_due_at_once_holds_up_nobody_else(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 50, due_in=4.0)
    heavy_device = push_receiver.make_subscription()
    engine = fault_app.extensions["tend.engine"]
    with Session(engine, expire_on_commit=False) as session:
        heavy = awake_person("heavy@example.org")
        session.add(heavy)
        session.flush()
        session.add(phone_of(heavy, heavy_device))
        now = utcnow()
        for i in range(100):
            due_once(session, heavy, soon(now, 2), now, "custom", f"Drink some water {i}")
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from reminders")).scalar() == 150
    process = start_scheduler(app_config, vapid_private_key, push_receiver, tmp_path / "s.log")
    try:
        assert wait_until(lambda: all(push_receiver.messages_for(d) for d in devices), 30)
    finally:
        stop(process)
    received = arrivals(push_receiver, devices)
    assert [len(m) for m in received] == [1] * 50
    # The heavy user's day is capped by their own budget, not by anyone else's patience.
    assert len(push_receiver.messages_for(heavy_device)) <= heavy.daily_push_budget


def started(log_path) -> bool:
    """Whether the scheduler logging to ``log_path`` has started ticking."""
    return log_path.exists() and "scheduler started" in log_path.read_text()


def test_a_stop_signal_at_any_moment_of_ticking_ends_the_process_in_time(
    app_config, push_receiver, vapid_private_key, tmp_path
):
    # Ticks every 5 ms, so SIGTERM lands while the main thread is in the middle of
    # something (submitting a job, holding a lock) as often as it can.
    chance = random.Random(13)
    for round_ in range(8):
        log_path = tmp_path / f"s{round_}.log"
        environment = process_env(app_config, vapid_private_key, push_receiver)
        log = open(log_path, "a")  # noqa: SIM115 (closed in stop())
        process = spawn("scheduler", "--interval", "0.005", env=environment, output=log)
        process.log = log
        assert wait_until(lambda path=log_path: started(path), 30), log_path.read_text()
        time.sleep(chance.uniform(0.05, 0.5))
        took = stop(process, timeout=20)
        assert process.returncode == 0, log_path.read_text()
        assert took < 5, log_path.read_text()
        assert "scheduler stopped" in log_path.read_text()


def hold_delivery_tables(app):
    """Hold the tables a tick claims from, so it waits on the database; returns release()."""
    engine = app.extensions["tend.engine"]
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        conn.execute(text("LOCK TABLE reminders, deliveries IN ACCESS EXCLUSIVE MODE"))
    else:
        # Past the grace period and the margin: SQLite waits up to its 30 s busy timeout.
        conn = engine.raw_connection()
        conn.cursor().execute("BEGIN EXCLUSIVE")

    def release() -> None:
        conn.rollback()
        conn.close()

    return release


def test_a_tick_stuck_past_the_grace_period_still_lets_the_process_end(
    fault_app, app_config, push_receiver, vapid_private_key, tmp_path
):
    devices = populate(fault_app, push_receiver, 5)
    release = hold_delivery_tables(fault_app)
    log_path = tmp_path / "stuck.log"
    try:
        process = start_scheduler(
            app_config, vapid_private_key, push_receiver, log_path, TEND_STOP_GRACE_SECONDS=2
        )
        assert wait_until(lambda: started(log_path), 30), log_path.read_text()
        time.sleep(1.5)  # the first tick is now waiting on the held tables
        took = stop(process)
    finally:
        release()
    log = log_path.read_text()
    # The grace period, then the hard-stop margin; the stacks show where it hung.
    assert 2 + 10 - 1 < took < 2 + 10 + 8, log
    assert process.returncode == 1, log
    assert "did not finish in time" in log
    assert "most recent call first" in log and "tick" in log
    assert statuses(fault_app)["sent"] == 0
    # Nothing was lost: the next process sends every reminder, once.
    second = start_scheduler(app_config, vapid_private_key, push_receiver, tmp_path / "next.log")
    try:
        assert wait_until(lambda: statuses(fault_app)["sent"] == 5, 60), statuses(fault_app)
    finally:
        stop(second)
    assert [len(m) for m in arrivals(push_receiver, devices)] == [1] * 5
