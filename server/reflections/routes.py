"""Look-back routes: the questions, a new look back, and the history newest first."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from server.api import route
from server.db import db, utcnow
from server.reflections import service
from server.reflections.questions import QUESTIONS
from server.reflections.schemas import (
    LookBackQuestionsOut,
    ReflectionEnvelope,
    ReflectionIn,
    ReflectionsOut,
    ReflectionsQuery,
)

bp = Blueprint("reflections", __name__)


@route(bp, "/api/reflections/questions", response=LookBackQuestionsOut)
def look_back_questions():
    """The eight questions of the monthly look back, in words that fit the user's role."""
    return {"questions": [question.public(current_user.role) for question in QUESTIONS]}


@route(
    bp,
    "/api/reflections",
    methods=["POST"],
    body=ReflectionIn,
    response=ReflectionEnvelope,
    status=201,
)
def create_reflection(body: ReflectionIn):
    """Record a monthly look back."""
    reflection, answers = service.record_reflection(
        db.session,
        current_user.id,
        [(answer.question_id, answer.value) for answer in body.answers],
        body.note,
        utcnow(),
    )
    out = service.reflection_out(reflection, answers)
    db.session.commit()
    return {"reflection": out}


@route(bp, "/api/reflections", query=ReflectionsQuery, response=ReflectionsOut)
def list_reflections(query: ReflectionsQuery):
    """The user's look backs, newest first."""
    return {"reflections": service.list_reflections(db.session, current_user.id, query.limit)}
