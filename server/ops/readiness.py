"""Readiness: can this instance do its work right now? Three checks, each in plain words.

* the database accepts a write (a probe row inserted and rolled back, so a
  read-only or full database is caught, not only an unreachable one);
* the schema is at the newest migration (a forgotten ``alembic upgrade head``);
* a scheduler has ticked within the last minute, when one is expected (see
  ``scheduler_state``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

from server.ops.heartbeat import HEARTBEATS, recent_heartbeats, scheduler_state

ROOT = Path(__file__).resolve().parent.parent.parent


@cache
def running_version() -> str:
    """Tend's version from the installed package metadata."""
    try:
        return metadata.version("tend")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def schema_heads() -> frozenset[str]:
    """The newest migration revision(s) this code expects."""
    config = Config(str(ROOT / "alembic.ini"))
    # Reading the scripts logs Alembic's plugin set-up at INFO: not news for an operator.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_write(engine: Engine) -> str | None:
    """None when a write goes through; otherwise what went wrong, briefly."""
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                conn.execute(
                    HEARTBEATS.insert().values(
                        process="readyz-probe",
                        host="probe",
                        pid=0,
                        started_at=datetime(2000, 1, 1, tzinfo=UTC),
                        last_tick_at=datetime(2000, 1, 1, tzinfo=UTC),
                        last_batch=0,
                        backlog=0,
                    )
                )
            finally:
                transaction.rollback()
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready", said briefly
        return f"the database refuses writes ({type(exc).__name__})"
    return None


def check_schema(engine: Engine) -> str | None:
    """None when the database is at the newest migration."""
    try:
        with engine.connect() as conn:
            current = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except Exception as exc:  # noqa: BLE001
        return f"the schema version cannot be read ({type(exc).__name__})"
    if current != set(schema_heads()):
        return "the database schema is not at the newest migration: run `alembic upgrade head`"
    return None


def check_scheduler(engine: Engine, now: datetime, embedded: bool) -> tuple[str, str | None]:
    """The scheduler's state, and what is wrong when it is silent."""
    try:
        with engine.connect() as conn:
            ticks = [row.last_tick_at for row in recent_heartbeats(conn, now)]
    except Exception as exc:  # noqa: BLE001
        return "unknown", f"the heartbeats cannot be read ({type(exc).__name__})"
    state = scheduler_state(ticks, now, embedded)
    if state == "silent":
        return state, "no scheduler has ticked in the last minute: reminders are not going out"
    return state, None


def readiness(engine: Engine, now: datetime, embedded: bool) -> dict:
    """The /readyz answer: ``ready`` and, when not, every problem found."""
    problems = [
        problem for problem in (check_write(engine), check_schema(engine)) if problem is not None
    ]
    state, problem = check_scheduler(engine, now, embedded)
    if problem:
        problems.append(problem)
    return {
        "ready": not problems,
        "problems": problems,
        "scheduler": state,
        "version": running_version(),
    }
