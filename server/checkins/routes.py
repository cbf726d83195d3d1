"""Check-in routes: the question bank, the next micro check-in, answers and history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from server.api import ApiError, route
from server.checkins import service
from server.checkins.bank import load_bank
from server.checkins.schemas import (
    CheckInEnvelope,
    CheckInIn,
    CheckInsOut,
    CheckInsQuery,
    NextQuery,
    QuestionsOut,
)
from server.checkins.selection import select_questions
from server.db import db, utcnow
from server.reminders.schedule import local_date, local_midnight

bp = Blueprint("checkins", __name__)


@bp.record_once
def check_bank_at_start(state) -> None:
    """Load the question bank when the app is built, so a bad file stops start-up."""
    load_bank(state.app.config.get("TEND_QUESTION_BANK"))


@route(bp, "/api/checkins/questions", response=QuestionsOut)
def list_questions():
    """Every question of the bank, in words that fit the user's role."""
    bank = service.current_bank().worded(current_user.role)
    return {"questions": [question.public() for question in bank.questions]}


@route(bp, "/api/checkins/next", query=NextQuery, response=QuestionsOut)
def next_checkin(query: NextQuery):
    """The 1-3 questions of a micro check-in now."""
    bank = service.current_bank()
    now = utcnow()
    user = current_user
    history = service.selection_history(db.session, user, now)
    domains = None
    if query.domains:
        # Only commas ("?domains=,,") asks for nothing in particular: the usual check-in.
        domains = [name.strip() for name in query.domains.split(",") if name.strip()] or None
        unknown = [name for name in domains or () if name not in bank.domains]
        if unknown:
            raise ApiError(
                400,
                "validation_error",
                "Some domains are not in the question bank.",
                fields={"domains": f"unknown: {', '.join(unknown)}"},
            )
    questions = select_questions(bank, history, local_date(now, user.zone), domains=domains)
    return {"questions": [question.worded(user.role).public() for question in questions]}


@route(bp, "/api/checkins", methods=["POST"], body=CheckInIn, response=CheckInEnvelope, status=201)
def create_checkin(body: CheckInIn):
    """Record a micro check-in answered in the app; a repeated ``client_id`` answers the first."""
    session = db.session
    earlier = service.sent_before(session, current_user.id, body.client_id)
    if earlier is not None:
        return {"checkin": service.checkin_out(*earlier)}
    if (
        body.moment_id is not None
        and service.owned_moment(session, current_user.id, body.moment_id) is None
    ):
        raise ApiError(
            400,
            "validation_error",
            "That hard moment was not found.",
            fields={"moment_id": "not one of your moments"},
        )
    try:
        checkin, rows = service.record_checkin(
            session,
            current_user.id,
            service.current_bank(),
            [(answer.question_id, answer.value) for answer in body.answers],
            source="app",
            now=utcnow(),
            note=body.note,
            moment_id=body.moment_id,
            client_id=body.client_id,
        )
        session.commit()
    except IntegrityError:
        # Two copies arrived at once (a replay racing the original): the other one stored it.
        session.rollback()
        earlier = service.sent_before(session, current_user.id, body.client_id)
        if earlier is None:
            raise
        return {"checkin": service.checkin_out(*earlier)}
    return {"checkin": service.checkin_out(checkin, rows)}


def as_instant(value: datetime | date | None, *, end: bool) -> datetime | None:
    """A query bound as a UTC instant; a date means the user's local day (``until`` inclusive)."""
    if value is None or isinstance(value, datetime):
        return value
    day = value + timedelta(days=1) if end else value
    return local_midnight(day, current_user.zone)


@route(bp, "/api/checkins", query=CheckInsQuery, response=CheckInsOut)
def list_checkins(query: CheckInsQuery):
    """The user's check-ins with their answers, newest first."""
    since = as_instant(query.since, end=False)
    until = as_instant(query.until, end=True)
    if since and until and since >= until:
        raise ApiError(
            400,
            "validation_error",
            "The start must come before the end.",
            fields={"since": "must be before until"},
        )
    checkins = service.list_checkins(db.session, current_user.id, since, until, query.limit)
    return {"checkins": checkins}
