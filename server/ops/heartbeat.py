"""The schedulers' heartbeat: written by each scheduler as it ticks, read by /readyz and the CLI.

A beat is one upsert of the process's row, at most every ``BEAT_SECONDS``, so a
busy scheduler spends one cheap statement on it every few seconds. The backlog
(reminders due and not yet claimed) is counted at the same moment.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from server.ops.models import SchedulerHeartbeat
from server.reminders.models import Reminder

BEAT_SECONDS = 5.0
# A scheduler that has not ticked for this long counts as silent.
SILENT_AFTER = timedelta(minutes=1)
# Heartbeats older than this are of processes long gone: they no longer make a scheduler
# "expected", and the CLI leaves them out.
FORGOTTEN_AFTER = timedelta(days=1)

HEARTBEATS = SchedulerHeartbeat.__table__
REMINDERS = Reminder.__table__


@dataclass
class Heart:
    """One scheduler process's identity and when it last wrote its beat."""

    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started_at: datetime | None = None
    last_written: float = float("-inf")

    @property
    def process(self) -> str:
        """The row's key: host, pid and start, so a restart is a new row."""
        started = self.started_at.isoformat() if self.started_at else "?"
        return f"{self.host}:{self.pid}:{started}"[:200]


def due_backlog(conn, now: datetime) -> int:
    """Enabled reminders whose moment has come and that no scheduler has claimed yet."""
    query = select(func.count()).where(
        REMINDERS.c.enabled.is_(True),
        REMINDERS.c.next_due_at.is_not(None),
        REMINDERS.c.next_due_at <= now,
    )
    return conn.execute(query).scalar_one()


def beat(engine: Engine, heart: Heart, now: datetime, batch: int, *, force: bool = False) -> bool:
    """Record a tick of ``heart``'s process; skipped (False) when the last beat is recent."""
    if not force and time.monotonic() - heart.last_written < BEAT_SECONDS:
        return False
    if heart.started_at is None:
        heart.started_at = now
    with engine.begin() as conn:
        backlog = due_backlog(conn, now)
        values = dict(last_tick_at=now, last_batch=batch, backlog=backlog)
        updated = conn.execute(
            update(HEARTBEATS).where(HEARTBEATS.c.process == heart.process).values(**values)
        ).rowcount
        if not updated:
            conn.execute(
                HEARTBEATS.insert().values(
                    process=heart.process,
                    host=heart.host[:120],
                    pid=heart.pid,
                    started_at=heart.started_at,
                    **values,
                )
            )
    heart.last_written = time.monotonic()
    return True


def recent_heartbeats(conn, now: datetime) -> list:
    """Heartbeat rows of processes seen within ``FORGOTTEN_AFTER``, newest first."""
    query = (
        select(HEARTBEATS)
        .where(HEARTBEATS.c.last_tick_at >= now - FORGOTTEN_AFTER)
        .order_by(HEARTBEATS.c.last_tick_at.desc())
    )
    return list(conn.execute(query))


def scheduler_state(last_ticks: list[datetime], now: datetime, embedded: bool) -> str:
    """``ok``, ``silent`` or ``not_expected``: is a scheduler ticking when one should be?

    One is expected when this process runs one (embedded) or when any scheduler has
    beaten within a day (a deployment with separate ``python -m scheduler`` processes):
    a web-only deployment that never had one is not failed for it.
    """
    if not last_ticks:
        return "silent" if embedded else "not_expected"
    return "ok" if now - max(last_ticks) <= SILENT_AFTER else "silent"
