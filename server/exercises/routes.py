"""``POST /api/exercises``: note a finished exercise and, if given, how the user felt after."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.api import route
from server.api_types import Strict
from server.db import db, utcnow
from server.exercises.models import Exercise

bp = Blueprint("exercises", __name__)

ExerciseName = Literal["breathe", "ground", "transition", "kindness"]
Feeling = Literal["better", "same", "worse"]


class ExerciseIn(Strict):
    """A finished exercise; ``client_id`` lets a phone send it again without a second row."""

    exercise: ExerciseName
    feeling_after: Feeling | None = None
    client_id: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[\w-]+$")


class ExerciseOut(BaseModel):
    """A stored exercise."""

    id: int
    exercise: ExerciseName
    feeling_after: Feeling | None
    client_id: str | None
    created_at: datetime


class ExerciseEnvelope(BaseModel):
    """One exercise."""

    exercise: ExerciseOut


def exercise_out(row: Exercise) -> dict:
    """The API's view of a stored exercise."""
    return {
        "id": row.id,
        "exercise": row.exercise,
        "feeling_after": row.feeling_after,
        "client_id": row.client_id,
        "created_at": row.created_at.isoformat(),
    }


def stored_with_client_id(user_id: int, client_id: str | None) -> Exercise | None:
    """The exercise this user already sent with ``client_id``, if any."""
    if client_id is None:
        return None
    return db.session.execute(
        select(Exercise).where(Exercise.user_id == user_id, Exercise.client_id == client_id)
    ).scalar_one_or_none()


@route(
    bp, "/api/exercises", methods=["POST"], body=ExerciseIn, response=ExerciseEnvelope, status=201
)
def add_exercise(body: ExerciseIn):
    """Note a finished exercise; a repeated ``client_id`` answers the first, storing nothing."""
    earlier = stored_with_client_id(current_user.id, body.client_id)
    if earlier is not None:
        return {"exercise": exercise_out(earlier)}
    row = Exercise(
        user_id=current_user.id,
        exercise=body.exercise,
        feeling_after=body.feeling_after,
        client_id=body.client_id,
        created_at=utcnow(),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # The same client_id arrived twice at once: the other request stored it.
        db.session.rollback()
        earlier = stored_with_client_id(current_user.id, body.client_id)
        if earlier is None:
            raise
        return {"exercise": exercise_out(earlier)}
    return {"exercise": exercise_out(row)}
