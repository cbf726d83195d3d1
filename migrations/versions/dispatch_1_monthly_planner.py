"""time-off planner: a once reminder re-planned each month becomes a monthly reminder

Revision ID: dispatch_1
Revises: privacy_1

The planner (``meta.habit == "plan_time_off"``) kept its weekday and wall time in
``meta`` and a ``once`` schedule pointed at the next first-weekday-of-the-month.
It becomes ``{"type": "monthly", "week": 1, "weekday": W, "time": "HH:MM"}`` with
``next_due_at`` the next such moment in the user's zone; the re-planning keys
leave ``meta``. Downgrading turns it back into a ``once`` at its next time.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import server.db
from server.reminders.schedule import UserClock, next_occurrence

revision: str = "dispatch_1"
down_revision: str | None = "privacy_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_HABIT = "plan_time_off"
REPLAN_KEYS = ("repeat", "weekday", "time")
DEFAULT_TIME = "12:30"

reminders = sa.table(
    "reminders",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("schedule", sa.JSON),
    sa.column("meta", sa.JSON),
    sa.column("enabled", sa.Boolean),
    sa.column("next_due_at", server.db.UTCDateTime(timezone=True)),
)
users = sa.table("users", sa.column("id", sa.Integer), sa.column("timezone", sa.String))


def planners(conn):
    """Every planner reminder with its user's time zone."""
    rows = conn.execute(
        sa.select(reminders, users.c.timezone).join(users, users.c.id == reminders.c.user_id)
    ).all()
    return [row for row in rows if (row.meta or {}).get("habit") == PLAN_HABIT]


def wall_of(schedule: dict, zone: str) -> tuple[int, str] | None:
    """Weekday and HH:MM of a stored ``once`` schedule in the user's zone."""
    if (schedule or {}).get("type") != "once":
        return None
    at = datetime.fromisoformat(schedule["at"]).astimezone(ZoneInfo(zone))
    return at.weekday(), at.strftime("%H:%M")


def monthly_of(row) -> dict:
    """The monthly schedule a planner row stands for."""
    meta = row.meta or {}
    seen = wall_of(row.schedule, row.timezone)
    weekday = meta.get("weekday", seen[0] if seen else 0)
    wall = meta.get("time") or (seen[1] if seen else DEFAULT_TIME)
    return {"type": "monthly", "week": 1, "weekday": int(weekday), "time": str(wall)}


def upgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for row in planners(conn):
        if (row.schedule or {}).get("type") == "monthly":
            continue
        schedule = monthly_of(row)
        meta = {key: value for key, value in (row.meta or {}).items() if key not in REPLAN_KEYS}
        next_due = next_occurrence(schedule, UserClock(row.timezone), now) if row.enabled else None
        conn.execute(
            reminders.update()
            .where(reminders.c.id == row.id)
            .values(schedule=schedule, meta=meta, next_due_at=next_due)
        )


def downgrade() -> None:
    conn = op.get_bind()
    now = datetime.now(UTC)
    for row in planners(conn):
        schedule = row.schedule or {}
        if schedule.get("type") != "monthly":
            continue
        at = next_occurrence(schedule, UserClock(row.timezone), now)
        meta = dict(row.meta or {}, repeat="monthly", weekday=schedule["weekday"])
        meta["time"] = schedule["time"]
        conn.execute(
            reminders.update()
            .where(reminders.c.id == row.id)
            .values(
                schedule={"type": "once", "at": at.astimezone(ZoneInfo(row.timezone)).isoformat()},
                meta=meta,
                next_due_at=at if row.enabled else None,
            )
        )
