"""The scheduler processes in real time: embedded in the app, and ``python -m scheduler``.

A one-off reminder due a second or two from now must reach the local push
receiver within a few seconds of its due time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlmodel import Session

from scheduler.embedded import start_embedded
from server import create_app
from server.accounts.models import User
from server.db import utcnow
from server.push import service as push_service
from server.push.models import PushSubscription
from server.reminders.service import create_reminder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENESS_LIMIT = 3.0


def alice_with_device(app, receiver, due_in: float):
    """Alice, one device at the receiver, and a check-in due ``due_in`` seconds from now."""
    device = receiver.make_subscription()
    with Session(app.extensions["tend.engine"], expire_on_commit=False) as session:
        user = User(email="alice@example.com", password_hash="x", timezone="Asia/Kolkata",
                    quiet_start="00:00", quiet_end="00:00")
        session.add(user)
        session.flush()
        session.add(PushSubscription(user_id=user.id, endpoint=device.endpoint,
                                     p256dh=device.p256dh, auth=device.auth))
        now = utcnow()
        due = (now + timedelta(seconds=due_in)).replace(microsecond=0) + timedelta(seconds=1)
        create_reminder(session, user, "checkin", None, {"type": "once", "at": due.isoformat()},
                        now=now)
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
        scheduler.shutdown(wait=True)
        push_service.close_sender(app)
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
    env = dict(
        os.environ,
        TEND_DATABASE_URL=app_config["TEND_DATABASE_URL"],
        TEND_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        TEND_VAPID_PRIVATE_KEY=vapid_private_key,
        TEND_VAPID_SUBJECT="mailto:tests@example.org",
        TEND_PUSH_EXTRA_HOSTS=push_receiver.host,
        TEND_SECRET_KEY="test-secret-key",
        TEND_LOG_LEVEL="info",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--interval", "0.5"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        arrived = wait_for_message(push_receiver, device, timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert arrived is not None, stderr
    assert arrived[1] - due.timestamp() < LATENESS_LIMIT
    assert "scheduler started" in stderr
    assert "tick claimed=1 recovered=0 sent=1" in stderr
    assert "scheduler stopped" in stderr
