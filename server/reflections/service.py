"""Look-back operations: record one, list them newest first. Functions flush, routes commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from server.reflections.models import Reflection, ReflectionAnswer


def record_reflection(
    session: Session,
    user_id: int,
    answers: Iterable[tuple[str, int]],
    note: str | None,
    now: datetime,
) -> tuple[Reflection, list[ReflectionAnswer]]:
    """Store a look back and its answers."""
    reflection = Reflection(user_id=user_id, created_at=now, note=(note or "").strip() or None)
    session.add(reflection)
    session.flush()
    rows = [
        ReflectionAnswer(
            reflection_id=reflection.id, user_id=user_id, question_id=question_id, value=value
        )
        for question_id, value in answers
    ]
    session.add_all(rows)
    session.flush()
    return reflection, rows


def reflection_out(reflection: Reflection, answers: list[ReflectionAnswer]) -> dict:
    """The API's view of one look back."""
    return {
        "id": reflection.id,
        "created_at": reflection.created_at.isoformat(),
        "note": reflection.note,
        "answers": [{"question_id": a.question_id, "value": a.value} for a in answers],
    }


def list_reflections(session: Session, user_id: int, limit: int) -> list[dict]:
    """The user's latest ``limit`` look backs, newest first, each with its answers."""
    reflections = (
        session.execute(
            select(Reflection)
            .where(Reflection.user_id == user_id)
            .order_by(Reflection.created_at.desc(), Reflection.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    if not reflections:
        return []
    rows = (
        session.execute(
            select(ReflectionAnswer)
            .where(ReflectionAnswer.reflection_id.in_([r.id for r in reflections]))
            .order_by(ReflectionAnswer.id)
        )
        .scalars()
        .all()
    )
    grouped: dict[int, list[ReflectionAnswer]] = {}
    for row in rows:
        grouped.setdefault(row.reflection_id, []).append(row)
    return [reflection_out(r, grouped.get(r.id, [])) for r in reflections]
