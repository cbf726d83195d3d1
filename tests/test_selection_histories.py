"""Answer histories for question selection loaded for many people at once (the dispatcher's way).

``selection_histories`` must give every person exactly what ``selection_history``
gives them one at a time: same window, same local days, same order.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from server.accounts.models import User
from server.checkins import service
from server.checkins.bank import load_bank
from server.checkins.models import Moment
from server.checkins.scoring import AnswerRecord

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def answer(
    db_session,
    user_id: int,
    at: datetime,
    answers: list[tuple[str, int]],
    moment_id: int | None = None,
) -> None:
    """Store one check-in at ``at``."""
    service.record_checkin(
        db_session, user_id, load_bank(), answers, source="app", now=at, moment_id=moment_id
    )


def question_ids() -> list[str]:
    """A few question ids of the built-in bank."""
    return [question.id for question in load_bank().questions[:4]]


def test_many_at_once_equals_one_at_a_time(db_session, alice, bob, charlie, monkeypatch):
    first, second, third, fourth = question_ids()
    moment = Moment(user_id=bob.id, kind="disclosure", intensity=4, occurred_at=NOW)
    db_session.add(moment)
    db_session.flush()
    # Outside the 56-day window: left out for everyone.
    answer(db_session, alice.id, NOW - timedelta(days=57), [(first, 1)])
    answer(db_session, alice.id, NOW - timedelta(days=3), [(first, 2), (second, 3)])
    answer(db_session, bob.id, NOW - timedelta(days=55), [(third, 1)])
    # 03:00 UTC is still the evening before in Chicago.
    answer(
        db_session,
        bob.id,
        datetime(2026, 3, 10, 3, 0, tzinfo=UTC),
        [(fourth, 4)],
        moment_id=moment.id,
    )
    answer(db_session, alice.id, NOW - timedelta(hours=1), [(third, 5)])
    db_session.commit()
    users = [db_session.get(User, person.id) for person in (alice, bob, charlie)]
    # Two per query, so the three people take two queries and the chunks are joined.
    monkeypatch.setattr(service, "HISTORY_CHUNK", 2)

    together = service.selection_histories(db_session, users, NOW)

    assert together == {user.id: service.selection_history(db_session, user, NOW) for user in users}
    assert [(r.day, r.question_id) for r in together[alice.id]] == [
        (date(2026, 3, 7), first),
        (date(2026, 3, 7), second),
        (date(2026, 3, 10), third),
    ]
    domain = load_bank().get(fourth).domain
    assert together[bob.id][-1] == AnswerRecord(date(2026, 3, 9), fourth, domain, 4, moment.id)
    assert len(together[bob.id]) == 2
    assert together[charlie.id] == []


def test_no_people_no_histories(db_session):
    assert service.selection_histories(db_session, [], NOW) == {}
