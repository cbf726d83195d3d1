"""Dead devices: a subscription the browser quietly dropped is removed, and its owner told.

Browsers may drop a subscription without telling anyone; the server then keeps
sending into the void. A device is dead when its browser has not shown it for
``NOT_SEEN_FOR`` and no message reached it for ``NOT_REACHED_FOR``. Refusals
(401/403, our own configuration) never count against a device, so a device
whose last failure was one is kept until the configuration is fixed.
The scheduler process runs ``remove_dead_devices`` once a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import delete, func, select
from sqlmodel import Session

from server.push.models import PushSubscription, RemovedDevice
from server.push.retry import REFUSED

NOT_SEEN_FOR = timedelta(days=30)
NOT_REACHED_FOR = timedelta(days=14)
JOB_ID = "tend-dead-devices"


@dataclass(frozen=True)
class DeviceHealth:
    """What the rule needs to know about one device."""

    id: int
    created_at: datetime
    last_seen_at: datetime | None
    last_success_at: datetime | None
    last_failure_reason: str | None = None


def is_dead(device: DeviceHealth, now: datetime) -> bool:
    """Not seen for 30 days and not reached for 14, and not held up by our own refusals.

    A device never seen or never reached counts from when it was added.
    """
    if device.last_failure_reason == REFUSED:
        return False
    seen = device.last_seen_at or device.created_at
    reached = device.last_success_at or device.created_at
    return now - seen >= NOT_SEEN_FOR and now - reached >= NOT_REACHED_FOR


def dead_device_ids(devices: Iterable[DeviceHealth], now: datetime) -> list[int]:
    """The ids of the dead devices among ``devices``, in the order given."""
    return [device.id for device in devices if is_dead(device, now)]


def remove_dead_devices(session: Session, now: datetime) -> int:
    """Delete dead devices and note each for its owner (no commit); returns how many."""
    table = PushSubscription.__table__
    seen = func.coalesce(table.c.last_seen_at, table.c.created_at)
    rows = session.execute(
        select(
            table.c.id,
            table.c.user_id,
            table.c.device_label,
            table.c.created_at,
            table.c.last_seen_at,
            table.c.last_success_at,
            table.c.last_failure_reason,
        ).where(seen <= now - NOT_SEEN_FOR)
    ).all()
    dead = set(
        dead_device_ids(
            (
                DeviceHealth(
                    row.id,
                    row.created_at,
                    row.last_seen_at,
                    row.last_success_at,
                    row.last_failure_reason,
                )
                for row in rows
            ),
            now,
        )
    )
    if not dead:
        return 0
    session.execute(delete(PushSubscription).where(PushSubscription.id.in_(dead)))
    for row in rows:
        if row.id in dead:
            session.add(
                RemovedDevice(user_id=row.user_id, device_label=row.device_label, removed_at=now)
            )
    return len(dead)


def run_cleanup(app: Flask, now: datetime | None = None) -> int:
    """One daily pass in its own transaction; returns how many devices were removed."""
    with Session(app.extensions["tend.engine"]) as session:
        removed = remove_dead_devices(session, now or datetime.now(UTC))
        session.commit()
    if removed:
        app.logger.info("removed %s device(s) silent for weeks", removed)
    return removed


def add_cleanup_job(scheduler, app: Flask) -> None:
    """Run ``run_cleanup`` once a day, the first time an hour after start-up."""
    scheduler.add_job(
        run_cleanup,
        "interval",
        days=1,
        args=[app],
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC) + timedelta(hours=1),
    )
