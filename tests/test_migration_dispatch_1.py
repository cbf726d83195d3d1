"""Revision dispatch_1: time-off planners stored as re-planned ``once`` reminders become monthly.

Realistic planner rows are written at the revision before, the database is
upgraded, and every row is checked: planners are monthly with their weekday and
time, their next time is the next first weekday of a month, the re-planning keys
left ``meta``, and nothing else changed or went missing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine
from alembic import command

from tests.test_migrations import alembic_config, sample_value

BEFORE = "privacy_1"
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
# What the app wrote on every reminder row at the revision before.
STORED_DEFAULTS = {"enabled": True, "snoozed_until": None, "preset": None, "meta": {}}
STORED_DEFAULTS.update(created_at=NOW, updated_at=NOW)
PLAN_TITLE = "Plan your next break"
PLAN_META = {
    "program": "timeoff",
    "habit": "plan_time_off",
    "repeat": "monthly",
    "weekday": 0,
    "time": "12:30",
    "checkins": True,
    "checkin_time": "18:00",
}


def add_user(conn, users: sa.Table, email: str, timezone: str) -> int:
    """A user row with every required column filled, in ``timezone``."""
    row = {}
    for column in users.columns:
        if column.primary_key:
            continue
        value = sample_value(column, 0, {})
        if value is not None or not column.nullable:
            row[column.name] = value
    row.update(email=email, timezone=timezone)
    return conn.execute(users.insert().values(row).returning(users.c.id)).scalar_one()


def add_reminder(conn, table: sa.Table, user_id: int, **values) -> int:
    """A reminder row as the app stored it at the revision before."""
    row = {"user_id": user_id, **STORED_DEFAULTS, **values}
    return conn.execute(table.insert().values(row).returning(table.c.id)).scalar_one()


def add_program_row(conn, table: sa.Table, user_id: int, title: str, at: str, **values) -> int:
    """A reminder of the time-off program, a ``once`` at ``at``."""
    return add_reminder(
        conn,
        table,
        user_id,
        kind="timeoff",
        title=title,
        preset="timeoff",
        schedule={"type": "once", "at": at},
        **values,
    )


def test_planners_become_monthly_and_nothing_is_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'planners.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, BEFORE)
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    users, reminders = metadata.tables["users"], metadata.tables["reminders"]
    reminders.c.schedule.type = sa.JSON()
    reminders.c.meta.type = sa.JSON()
    with engine.begin() as conn:
        berlin = add_user(conn, users, "ana@example.com", "Europe/Berlin")
        chicago = add_user(conn, users, "nightshift@example.com", "America/Chicago")
        planner = add_program_row(
            conn,
            reminders,
            berlin,
            PLAN_TITLE,
            "2026-04-06T12:30:00+02:00",
            meta=PLAN_META,
            next_due_at=datetime(2026, 4, 6, 10, 30),
        )
        # Left without a next time by a skipped occurrence; weekday and time only in ``at``.
        stuck = add_program_row(
            conn,
            reminders,
            chicago,
            PLAN_TITLE,
            "2026-03-03T16:00:00-06:00",
            meta={"program": "timeoff", "habit": "plan_time_off", "checkins": False},
            next_due_at=None,
        )
        switched_off = add_program_row(
            conn,
            reminders,
            chicago,
            PLAN_TITLE,
            "2026-04-02T09:00:00-05:00",
            enabled=False,
            meta=dict(PLAN_META, weekday=3, time="09:00"),
            next_due_at=None,
        )
        before_checkin = add_program_row(
            conn,
            reminders,
            berlin,
            "Before your time off",
            "2026-04-19T18:00:00+02:00",
            meta={"program": "timeoff", "habit": "timeoff_before", "timeoff_id": 4},
            next_due_at=datetime(2026, 4, 19, 16, 0),
        )
        daily = add_reminder(
            conn,
            reminders,
            berlin,
            kind="checkin",
            title="A moment to check in",
            schedule={"type": "daily", "time": "09:00", "days": [0, 1, 2, 3, 4, 5, 6]},
            next_due_at=datetime(2026, 3, 10, 8, 0),
        )
    with engine.connect() as conn:
        untouched = {
            row.id: row._asdict()
            for row in conn.execute(
                sa.select(reminders).where(reminders.c.id.in_([before_checkin, daily]))
            )
        }
        count = conn.execute(sa.select(sa.func.count()).select_from(reminders)).scalar_one()

    with time_machine.travel(NOW, tick=False):
        command.upgrade(config, "head")

    with engine.connect() as conn:
        rows = {row.id: row for row in conn.execute(sa.select(reminders))}
    engine.dispose()
    assert len(rows) == count
    assert rows[planner].schedule == {"type": "monthly", "week": 1, "weekday": 0, "time": "12:30"}
    assert rows[planner].meta == {
        "program": "timeoff",
        "habit": "plan_time_off",
        "checkins": True,
        "checkin_time": "18:00",
    }
    assert rows[planner].next_due_at == datetime(2026, 4, 6, 10, 30)
    # First Tuesday 16:00 in Chicago, read from its stored moment; back on track.
    assert rows[stuck].schedule == {"type": "monthly", "week": 1, "weekday": 1, "time": "16:00"}
    assert rows[stuck].next_due_at == datetime(2026, 4, 7, 21, 0)
    assert rows[stuck].meta == {"program": "timeoff", "habit": "plan_time_off", "checkins": False}
    assert rows[switched_off].schedule["weekday"] == 3
    assert rows[switched_off].schedule["time"] == "09:00"
    assert rows[switched_off].next_due_at is None
    for rid, before in untouched.items():
        assert rows[rid]._asdict() == before
