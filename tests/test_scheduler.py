"""The scheduler processes in real time: embedded in the app, and ``python -m scheduler``.

A one-off reminder due a second or two from now must reach the local push
receiver within a few seconds of its due time.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time

from sqlmodel import Session

from scheduler.embedded import start_embedded, stop_embedded
from server import create_app
from server.db import utcnow
from tests.processes import (
    awake_person,
    due_once,
    phone_of,
    process_env,
    soon,
    spawn,
)

LATENESS_LIMIT = 3.0


def alice_with_device(app, receiver, due_in: float):
    """Alice, one device at the receiver, and a check-in due ``due_in`` seconds from now."""
    device = receiver.make_subscription()
    with Session(app.extensions["tend.engine"], expire_on_commit=False) as session:
        user = awake_person("alice@example.com")
        session.add(user)
        session.flush()
        session.add(phone_of(user, device))
        now = utcnow()
        due = soon(now, due_in)
        due_once(session, user, due, now)
        session.commit()
    return device, due


def wait_for_message(receiver, device, timeout: float):
    """The first message at ``device`` and when it arrived (epoch seconds), or None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if receiver.messages_for(device):
            return receiver.messages_for(device)[0], time.time()
        time.sleep(0.02)
    return None


def test_embedded_scheduler_delivers_within_seconds(app_config, push_receiver):
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    app = create_app(app_config)
    device, due = alice_with_device(app, push_receiver, due_in=1.0)
    scheduler = start_embedded(app)
    try:
        arrived = wait_for_message(push_receiver, device, timeout=10)
    finally:
        stop_embedded(app, scheduler)
        app.extensions["tend.engine"].dispose()
    assert arrived is not None, "nothing arrived"
    message, at = arrived
    assert message.verified, message.problems
    lateness = at - due.timestamp()
    assert -0.05 <= lateness < LATENESS_LIMIT


def test_scheduler_process_delivers_and_stops_cleanly_on_sigterm(
    app_config, push_receiver, vapid_private_key
):
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    app = create_app(app_config)
    device, due = alice_with_device(app, push_receiver, due_in=2.0)
    app.extensions["tend.engine"].dispose()
    env = process_env(app_config, vapid_private_key, push_receiver)
    process = spawn("scheduler", "--interval", "0.5", env=env, output=subprocess.PIPE)
    try:
        arrived = wait_for_message(push_receiver, device, timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        stderr, _ = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert arrived is not None, stderr
    assert arrived[1] - due.timestamp() < LATENESS_LIMIT
    assert "scheduler started" in stderr
    assert "tick claimed=1 recovered=0 sent=1" in stderr
    assert "scheduler stopped" in stderr


def test_web_process_with_embedded_scheduler_stops_cleanly_on_sigterm(
    app_config, push_receiver, vapid_private_key
):
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    app = create_app(app_config)
    device, _ = alice_with_device(app, push_receiver, due_in=1.0)
    app.extensions["tend.engine"].dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = process_env(
        app_config,
        vapid_private_key,
        push_receiver,
        TEND_SCHEDULER="embedded",
        TEND_HOST="127.0.0.1",
        TEND_PORT=port,
    )
    process = spawn("server", env=env, output=subprocess.PIPE)
    try:
        arrived = wait_for_message(push_receiver, device, timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert arrived is not None, output
    assert process.returncode == 0, output
    assert "Tend is stopping" in output
