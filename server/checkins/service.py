"""Check-in operations shared by the routes, notifications, deliveries and insights.

Functions that take a session never commit: the caller ends its unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select
from sqlmodel import Session

from server.accounts.models import User
from server.api import ApiError
from server.checkins.bank import QuestionBank, load_bank
from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.checkins.scoring import AnswerRecord
from server.reminders.schedule import local_date

CHECKINS = CheckIn.__table__
ANSWERS = CheckInAnswer.__table__

SELECTION_HISTORY_DAYS = 56


def current_bank() -> QuestionBank:
    """The bank this app uses (``TEND_QUESTION_BANK`` or the built-in one)."""
    return load_bank(current_app.config.get("TEND_QUESTION_BANK"))


def answers_query(since: datetime | None):
    """Answers with their check-in's moment, oldest first, optionally from ``since`` on."""
    query = (
        select(
            CheckInAnswer.user_id,
            CheckInAnswer.answered_at,
            CheckInAnswer.question_id,
            CheckInAnswer.domain,
            CheckInAnswer.value,
            CheckIn.moment_id,
        )
        .join(CheckIn, CheckIn.id == CheckInAnswer.checkin_id)
        .order_by(CheckInAnswer.answered_at, CheckInAnswer.id)
    )
    if since is not None:
        query = query.where(CheckInAnswer.answered_at >= since)
    return query


def record_of(row, zone: ZoneInfo) -> AnswerRecord:
    """One row of ``answers_query`` on the user's own calendar."""
    return AnswerRecord(
        local_date(row.answered_at, zone), row.question_id, row.domain, row.value, row.moment_id
    )


def answer_history(
    session: Session, user: User, since: datetime | None = None
) -> list[AnswerRecord]:
    """The user's answers since ``since`` on their own calendar, oldest first."""
    rows = session.execute(answers_query(since).where(CheckInAnswer.user_id == user.id))
    zone = user.zone
    return [record_of(row, zone) for row in rows]


def selection_since(now: datetime) -> datetime:
    """The start of the answers question selection looks at."""
    return now - timedelta(days=SELECTION_HISTORY_DAYS)


def selection_history(session: Session, user: User, now: datetime) -> list[AnswerRecord]:
    """Enough recent answers for the rotation and worsening rules."""
    return answer_history(session, user, selection_since(now))


# Ids per IN list: far below every database's limit on bound parameters.
HISTORY_CHUNK = 1000


def selection_histories(
    session: Session, users: Iterable[User], now: datetime
) -> dict[int, list[AnswerRecord]]:
    """``selection_history`` of many users at once: one query per 1,000 of them.

    Every user given has an entry, empty when they have not answered lately.
    """
    zones = {user.id: user.zone for user in users}
    histories: dict[int, list[AnswerRecord]] = {user_id: [] for user_id in zones}
    ids = list(zones)
    since = selection_since(now)
    for start in range(0, len(ids), HISTORY_CHUNK):
        chunk = ids[start : start + HISTORY_CHUNK]
        rows = session.execute(answers_query(since).where(CheckInAnswer.user_id.in_(chunk)))
        # Rows come oldest first, so each person's list stays in order.
        for row in rows:
            histories[row.user_id].append(record_of(row, zones[row.user_id]))
    return histories


def check_answers(bank: QuestionBank, answers: Sequence[tuple[str, int]]) -> dict[str, str]:
    """Field errors for unknown questions, values off the scale and repeated questions."""
    fields: dict[str, str] = {}
    seen: set[str] = set()
    for index, (question_id, value) in enumerate(answers):
        question = bank.get(question_id)
        if question is None:
            fields[f"answers.{index}.question_id"] = "There is no question with this id."
        elif not question.scale.contains(value):
            fields[f"answers.{index}.value"] = (
                f"Choose a value from {question.scale.min} to {question.scale.max}."
            )
        elif question_id in seen:
            fields[f"answers.{index}.question_id"] = "This question is answered twice."
        seen.add(question_id)
    return fields


def owned_moment(session: Session, user_id: int, moment_id: int) -> Moment | None:
    """The user's moment with ``moment_id``, or None (someone else's counts as missing)."""
    moment = session.get(Moment, moment_id)
    return moment if moment is not None and moment.user_id == user_id else None


def record_checkin(
    session: Session,
    user_id: int,
    bank: QuestionBank,
    answers: Sequence[tuple[str, int]],
    *,
    source: str,
    now: datetime,
    note: str | None = None,
    delivery_id: int | None = None,
    moment_id: int | None = None,
    client_id: str | None = None,
) -> tuple[CheckIn, list[CheckInAnswer]]:
    """Store one check-in with its answers (written, not committed); 400 on bad answers.

    Two plain INSERTs rather than the ORM's unit of work: this runs for every answer
    given, and the flush bookkeeping cost more than the writing. The objects returned
    are detached copies of what was written, for the answer.
    """
    fields = check_answers(bank, answers)
    if fields:
        raise ApiError(400, "validation_error", "Some answers need another look.", fields=fields)
    values = {
        "user_id": user_id,
        "created_at": now,
        "source": source,
        "note": note,
        "delivery_id": delivery_id,
        "moment_id": moment_id,
        "client_id": client_id,
    }
    checkin_id = session.execute(
        insert(CHECKINS).values(values).returning(CHECKINS.c.id)
    ).scalar_one()
    rows = [
        {
            "checkin_id": checkin_id,
            "user_id": user_id,
            "question_id": question_id,
            "domain": bank.get(question_id).domain,
            "value": value,
            "answered_at": now,
        }
        for question_id, value in answers
    ]
    if rows:
        session.execute(insert(ANSWERS), rows)
    return CheckIn(id=checkin_id, **values), [CheckInAnswer(**row) for row in rows]


def sent_before(
    session: Session, user_id: int, client_id: str | None
) -> tuple[CheckIn, list[CheckInAnswer]] | None:
    """The check-in this person already sent with ``client_id``, with its answers, if any."""
    if client_id is None:
        return None
    checkin = session.execute(
        select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.client_id == client_id)
    ).scalar_one_or_none()
    if checkin is None:
        return None
    answers = session.execute(
        select(CheckInAnswer)
        .where(CheckInAnswer.checkin_id == checkin.id)
        .order_by(CheckInAnswer.id)
    ).scalars()
    return checkin, list(answers)


def checkin_out(checkin: CheckIn, answers: Sequence[CheckInAnswer]) -> dict:
    """The API's view of a check-in with its answers."""
    return {
        "id": checkin.id,
        "created_at": checkin.created_at.isoformat(),
        "source": checkin.source,
        "note": checkin.note,
        "moment_id": checkin.moment_id,
        "answers": [
            {
                "question_id": answer.question_id,
                "domain": answer.domain,
                "value": answer.value,
                "answered_at": answer.answered_at.isoformat(),
            }
            for answer in answers
        ],
    }


def list_checkins(
    session: Session,
    user_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[dict]:
    """The user's check-ins in ``[since, until)``, newest first, with their answers."""
    query = select(CheckIn).where(CheckIn.user_id == user_id)
    if since is not None:
        query = query.where(CheckIn.created_at >= since)
    if until is not None:
        query = query.where(CheckIn.created_at < until)
    checkins = (
        session.execute(query.order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(limit))
        .scalars()
        .all()
    )
    ids = [checkin.id for checkin in checkins]
    answers: dict[int, list[CheckInAnswer]] = {checkin_id: [] for checkin_id in ids}
    if ids:
        rows = session.execute(
            select(CheckInAnswer)
            .where(CheckInAnswer.checkin_id.in_(ids))
            .order_by(CheckInAnswer.id)
        ).scalars()
        for row in rows:
            answers[row.checkin_id].append(row)
    return [checkin_out(checkin, answers[checkin.id]) for checkin in checkins]
