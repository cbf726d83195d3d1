"""Retention (``TEND_RETENTION_DAYS``): personal entries older than that are deleted daily.

``retention_cutoff`` decides the moment, purely; ``delete_older_than`` removes check-ins
with their answers and notes, hard moments, exercises and reflections created before it.
Accounts, settings and reminders stay. The scheduler process runs ``run_retention``
once a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.db import utcnow, wipe_deleted_text
from server.exercises.models import Exercise
from server.reflections.models import Reflection, ReflectionAnswer


def retention_cutoff(now: datetime, days: int) -> datetime | None:
    """Entries created before this are deleted; None when retention is off (``days`` 0)."""
    if days <= 0:
        return None
    return now - timedelta(days=days)


def delete_older_than(session: Session, cutoff: datetime) -> dict[str, int]:
    """Delete every user's entries created before ``cutoff``; counts per table (flushes)."""
    old_checkins = select(CheckIn.id).where(CheckIn.created_at < cutoff)
    old_reflections = select(Reflection.id).where(Reflection.created_at < cutoff)
    statements = {
        "checkin_answers": delete(CheckInAnswer).where(
            (CheckInAnswer.answered_at < cutoff) | CheckInAnswer.checkin_id.in_(old_checkins)
        ),
        "checkins": delete(CheckIn).where(CheckIn.created_at < cutoff),
        "reflection_answers": delete(ReflectionAnswer).where(
            ReflectionAnswer.reflection_id.in_(old_reflections)
        ),
        "reflections": delete(Reflection).where(Reflection.created_at < cutoff),
        "exercises": delete(Exercise).where(Exercise.created_at < cutoff),
        "moments": delete(Moment).where(Moment.created_at < cutoff),
    }
    counts = {}
    for name, statement in statements.items():
        counts[name] = session.execute(statement).rowcount or 0
    session.flush()
    return counts


def run_retention(engine: Engine, days: int, now: datetime | None = None) -> dict[str, int]:
    """The daily job: delete what is older than ``days`` days and commit."""
    cutoff = retention_cutoff(now or utcnow(), days)
    if cutoff is None:
        return {}
    with Session(engine) as session:
        counts = delete_older_than(session, cutoff)
        session.commit()
        wipe_deleted_text(session)
    return counts
