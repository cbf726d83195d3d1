"""Helpers for tests that run Tend's own processes (``python -m scheduler``, ``python -m server``)
against the test database and the local push receiver."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta

from sqlmodel import Session

from server.accounts.models import User
from server.push.models import PushSubscription
from server.reminders.service import create_reminder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def die_with_parent() -> None:
    """In the child, before exec: be killed when the test process dies (Linux).

    A test run that is killed outright must not leave schedulers ticking against the
    shared test database, where they would claim the next run's reminders.
    """
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(module: str, *args: str, env: dict[str, str], output) -> subprocess.Popen:
    """``python -m <module> <args>`` from the repository, its output (stdout and stderr
    together) to ``output``, killed if the test process dies."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        preexec_fn=die_with_parent,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


def process_env(app_config: dict, vapid_key: str, receiver, **extra) -> dict[str, str]:
    """The environment of a Tend process on the test's database, pushing to ``receiver``."""
    return dict(
        os.environ,
        TEND_DATABASE_URL=app_config["TEND_DATABASE_URL"],
        TEND_INSTANCE_PATH=app_config["INSTANCE_PATH"],
        TEND_VAPID_PRIVATE_KEY=vapid_key,
        TEND_VAPID_SUBJECT="mailto:tests@example.org",
        TEND_PUSH_EXTRA_HOSTS=receiver.host,
        TEND_SECRET_KEY="test-secret-key",
        TEND_LOG_LEVEL="info",
        **{key: str(value) for key, value in extra.items()},
    )


def awake_person(email: str) -> User:
    """Someone in India with no quiet hours, so a test at any UTC hour can notify them."""
    return User(
        email=email,
        password_hash="x",
        timezone="Asia/Kolkata",
        quiet_start="00:00",
        quiet_end="00:00",
    )


def phone_of(user: User, device) -> PushSubscription:
    """``device`` (a receiver subscription) stored as ``user``'s phone."""
    return PushSubscription(
        user_id=user.id, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
    )


def due_once(session: Session, user: User, at: datetime, now: datetime, kind="checkin", title=None):
    """A one-off reminder of ``kind`` for ``user`` at ``at``."""
    return create_reminder(
        session, user, kind, title, {"type": "once", "at": at.isoformat()}, now=now
    )


def soon(now: datetime, seconds: float) -> datetime:
    """A whole second at least ``seconds`` after ``now``."""
    return (now + timedelta(seconds=seconds)).replace(microsecond=0) + timedelta(seconds=1)
