"""The app lock, enforced by the server: locking after minutes away, 423 on every signed-in
route but unlocking, PIN throttling, hiding at once, and what stays open while locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from server.api import ROUTES
from server.privacy.lock import OPEN_WHILE_LOCKED, away_too_long, open_while_locked

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float):
    """Freeze the clock ``minutes`` after START."""
    return time_machine.travel(START + timedelta(minutes=minutes), tick=False)


@pytest.fixture
def locked_alice(client, auth):
    """Alice signed up at START with a PIN lock, lock after the default 5 minutes."""
    with at(0):
        assert auth.register("alice@example.com").status_code == 201
        assert client.put("/api/lock", json={"pin": "2468"}).status_code == 204
    return client


def test_away_too_long_is_exact_at_the_limit():
    seen = START
    assert not away_too_long(seen, seen + timedelta(minutes=4, seconds=59), 5)
    assert away_too_long(seen, seen + timedelta(minutes=5), 5)
    assert not away_too_long(seen, seen + timedelta(days=3), None)
    assert not away_too_long(None, seen, 5)


def test_open_while_locked_only_public_and_unlocking(app):
    assert open_while_locked("learn.cards", needs_sign_in=False)
    assert open_while_locked("privacy.unlock", needs_sign_in=True)
    assert not open_while_locked("accounts.get_me", needs_sign_in=True)
    assert OPEN_WHILE_LOCKED <= set(ROUTES)


def test_activity_keeps_it_open_and_time_away_locks_it(locked_alice):
    client = locked_alice
    with at(4):
        assert client.get("/api/me").status_code == 200
    with at(8.5):  # 4.5 minutes since the last request
        assert client.get("/api/me").status_code == 200
    with at(14):
        response = client.get("/api/me")
    assert response.status_code == 423
    assert response.get_json()["error"]["code"] == "locked"


def test_locked_session_answers_423_but_public_routes_stay_open(locked_alice):
    client = locked_alice
    with at(30):
        for path in ("/api/me", "/api/checkins", "/api/moments", "/api/support/people"):
            assert client.get(path).status_code == 423, path
        assert client.patch("/api/me", json={"lock_after_minutes": None}).status_code == 423
        assert client.delete("/api/lock").status_code == 423
        assert client.get("/api/learn").status_code == 200
        assert client.get("/api/support/crisis-lines?country=DE").status_code == 200
        status = client.get("/api/lock").get_json()
        assert status["locked"] is True
        assert status["lock"] == {"pin": True, "passkey": False}


def test_wrong_pin_stays_locked_right_pin_unlocks(locked_alice):
    client = locked_alice
    with at(30):
        wrong = client.post("/api/lock/unlock", json={"pin": "1111"})
        assert wrong.status_code == 403
        assert client.get("/api/me").status_code == 423
        assert client.post("/api/lock/unlock", json={"pin": "2468"}).status_code == 204
        assert client.get("/api/me").status_code == 200


def test_pin_guessing_is_throttled(locked_alice):
    client = locked_alice
    with at(30):
        codes = [
            client.post("/api/lock/unlock", json={"pin": f"{n:04d}"}).status_code
            for n in range(1000, 1007)
        ]
        assert codes[:5] == [403] * 5
        assert 429 in codes[5:]
        refused = client.post("/api/lock/unlock", json={"pin": "2468"})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
    with at(31):  # the right PIN after the wait
        assert client.post("/api/lock/unlock", json={"pin": "2468"}).status_code == 204


def test_hide_locks_at_once_and_sign_out_still_works(locked_alice):
    client = locked_alice
    with at(1):
        assert client.post("/api/lock/now").status_code == 204
        assert client.get("/api/me").status_code == 423
        assert client.post("/api/auth/logout").status_code == 204
        assert client.get("/api/me").status_code == 401


def test_without_a_lock_nothing_locks_and_null_never_locks(client, auth):
    with at(0):
        auth.register("bob@example.com")
        assert client.post("/api/lock/now").status_code == 204
    with at(60):
        assert client.get("/api/me").status_code == 200
        assert client.put("/api/lock", json={"pin": "0000"}).status_code == 204
        assert client.patch("/api/me", json={"lock_after_minutes": None}).status_code == 200
    with at(600):
        assert client.get("/api/me").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"pin": "123"}, {"pin": "123456789"}, {"pin": "12a4"}, {}, {"pin": "1234", "passkey": True}],
)
def test_bad_pins_are_refused(client, auth, body):
    auth.register("carol@example.com")
    response = client.put("/api/lock", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"


def test_pin_is_stored_hashed_and_left_out_of_the_export(client, auth):
    auth.register("dora@example.com")
    client.put("/api/lock", json={"pin": "97531"})
    exported = client.get("/api/export").get_data(as_text=True)
    assert "97531" not in exported
    assert "pin_hash" not in exported


def test_answering_from_a_notification_does_not_unlock(app, locked_alice, db_session):
    from sqlalchemy import select

    from server.accounts.models import User
    from server.deliveries.tokens import issue_token as issue_answer_token
    from server.reminders.models import Delivery, Reminder

    client = locked_alice
    user = db_session.execute(select(User)).scalar_one()
    reminder = Reminder(
        user_id=user.id,
        kind="checkin",
        title="Check-in",
        schedule={"type": "daily", "time": "09:00"},
    )
    db_session.add(reminder)
    db_session.flush()
    delivery = Delivery(
        user_id=user.id,
        reminder_id=reminder.id,
        kind="checkin",
        due_at=START + timedelta(minutes=29),
        status="sent",
        question_id="sleep.quality",
    )
    db_session.add(delivery)
    db_session.flush()
    with at(29):
        token = issue_answer_token(delivery, START + timedelta(minutes=29), "test-secret-key")
    db_session.commit()
    with at(30):
        assert client.get("/api/me").status_code == 423
        shown = client.get(f"/api/deliveries/{token}")
        assert shown.status_code == 200
        answered = client.post(f"/api/deliveries/{token}/answer", json={"value": 3})
        assert answered.status_code == 200
        assert client.get("/api/me").status_code == 423


def test_the_sign_in_row_kept_with_the_user_is_only_used_for_its_own_browser(app):
    from sqlmodel import Session

    from server.accounts.models import LoginSession, User
    from server.accounts.sessions import (
        open_login_session,
        remember_sign_in,
        remembered_sign_in,
        sid_hash,
    )
    from server.db import utcnow

    with Session(app.extensions["tend.engine"], expire_on_commit=True) as db_session:
        user = User(email="alice@example.org", password_hash="x", timezone="Europe/Berlin")
        db_session.add(user)
        db_session.commit()
        sid = open_login_session(db_session, user, utcnow())  # commits: attributes expire
        login = db_session.get(LoginSession, sid_hash(sid))
        db_session.commit()
        with app.test_request_context():
            assert remembered_sign_in(sid) is None  # nothing kept yet
            remember_sign_in(login)
            assert remembered_sign_in(sid) is login
            assert remembered_sign_in("another browser's id") is None
