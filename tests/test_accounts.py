"""Accounts: register, sign in and out, settings, throttling, export and deletion."""

from __future__ import annotations

import json

import pytest
import time_machine
from sqlalchemy import func, select

from server.accounts.models import User
from server.accounts.service import per_user_tables
from tests.conftest import PASSWORD


def test_register_signs_in_with_defaults(client, auth):
    response = auth.register(email="  Alice@Example.COM ", timezone="Europe/Berlin")
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["email"] == "alice@example.com"
    assert user["timezone"] == "Europe/Berlin"
    assert user["work_hours"] == {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    assert user["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert user["daily_push_budget"] == 6
    assert user["paused_until"] is None
    assert client.get("/api/me").get_json()["user"]["id"] == user["id"]


def test_password_is_stored_as_scrypt_hash(auth, db_session):
    auth.register()
    user = db_session.exec(select(User)).scalars().one()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_duplicate_email_is_409(auth):
    auth.register(email="alice@example.com")
    auth.logout()
    response = auth.register(email="ALICE@example.com")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "email_taken"


def test_hours_stored_before_the_end_rule_still_read_back(app, client, auth, alice):
    # Before work hours had to end after they start, such a row could be stored.
    users = User.__table__
    with app.extensions["tend.engine"].begin() as conn:
        conn.execute(
            users.update()
            .where(users.c.id == alice.id)
            .values(work_start="09:00", work_end="09:00")
        )
    auth.as_user(alice)
    response = client.get("/api/me")
    assert response.status_code == 200
    assert response.get_json()["user"]["work_hours"]["end"] == "09:00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD, "timezone": "UTC"}, "email"),
        ({"email": "a@example.com", "timezone": "UTC"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD}, "timezone"),
        ({"email": "not-an-email", "password": PASSWORD, "timezone": "UTC"}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "timezone": "Mars/Olympus"}, "timezone"),
        ({"email": "a@example.com", "password": "short", "timezone": "UTC"}, "password"),
        ({"email": "a@example.com", "password": "password123", "timezone": "UTC"}, "password"),
        ({"email": "a@example.com", "password": 1234567890123, "timezone": "UTC"}, "password"),
        ({"email": "a" * 300 + "@example.com", "password": PASSWORD, "timezone": "UTC"}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "timezone": "UTC", "x": 1}, "x"),
    ],
)
def test_register_rejects_bad_input_with_field_errors(client, body, field):
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert error["message"]


def test_malformed_json_is_400(client):
    response = client.post("/api/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_json_array_body_is_400(client):
    response = client.post("/api/auth/register", json=["a"])
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"


def test_login_and_wrong_password(client, auth, alice):
    bad = auth.login(alice.email, "not the password at all")
    assert bad.status_code == 401
    assert bad.get_json()["error"]["code"] == "invalid_credentials"
    unknown = auth.login("nobody@example.com", PASSWORD)
    assert unknown.status_code == 401
    good = auth.login("ALICE@example.com", PASSWORD)
    assert good.status_code == 200
    assert good.get_json()["user"]["email"] == alice.email


def test_logout_ends_the_session(client, auth, alice):
    auth.as_user(alice)
    assert auth.logout().status_code == 204
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_login_starts_a_new_session(client, auth, alice):
    client.get("/api/csrf")
    before = client.get_cookie("tend_session").value
    token_before = client.get("/api/csrf").get_json()["csrf_token"]
    auth.as_user(alice)
    after = client.get_cookie("tend_session").value
    assert after != before
    assert client.get("/api/csrf").get_json()["csrf_token"] != token_before
    # The pre-login cookie is not a signed-in session.
    client.set_cookie("tend_session", before)
    assert client.get("/api/me").status_code == 401


def test_session_cookie_flags(client, auth):
    response = auth.register()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_public_url_is_https(app_config):
    from server import create_app

    app_config["TEND_PUBLIC_URL"] = "https://tend.example.org"
    app = create_app(app_config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    app.extensions["tend.engine"].dispose()


def test_login_throttled_per_account(client, auth, alice):
    with time_machine.travel("2026-03-02 10:00Z", tick=False) as traveller:
        for _ in range(5):
            assert auth.login(alice.email, "wrong password, sorry").status_code == 401
        blocked = auth.login(alice.email, PASSWORD)
        assert blocked.status_code == 429
        assert blocked.get_json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
        traveller.shift(15 * 60 + 1)
        assert auth.login(alice.email, PASSWORD).status_code == 200


def test_login_throttled_per_address(client, auth):
    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        for i in range(20):
            auth.login(f"someone{i}@example.com", "wrong password, sorry")
        response = auth.login("another@example.com", "wrong password, sorry")
        assert response.status_code == 429
        assert "Retry-After" in response.headers


def test_database_throttle_is_shared_between_apps(app_config, alice):
    from server import create_app
    from tests.conftest import ApiClient

    app_config["TEND_LOGIN_THROTTLE"] = "database"
    workers = [create_app(app_config), create_app(app_config)]
    clients = []
    for worker in workers:
        worker.test_client_class = ApiClient
        clients.append(worker.test_client())
    wrong = {"email": alice.email, "password": "wrong password, sorry"}
    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        # Five failures spread over two workers lock the account on both.
        for client in (clients[0], clients[1], clients[0], clients[1], clients[0]):
            assert client.post("/api/auth/login", json=wrong).status_code == 401
        right = {"email": alice.email, "password": PASSWORD}
        response = clients[1].post("/api/auth/login", json=right)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    for worker in workers:
        worker.extensions["tend.engine"].dispose()


def test_patch_me_settings(client, auth, alice):
    auth.as_user(alice)
    body = {
        "timezone": "America/New_York",
        "work_hours": {"days": [4, 0, 1, 1], "start": "20:00", "end": "06:00"},
        "quiet_hours": {"start": "23:30", "end": "06:30"},
        "daily_push_budget": 3,
        "paused_until": "2026-03-03T08:00:00+01:00",
    }
    response = client.patch("/api/me", json=body)
    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert user["timezone"] == "America/New_York"
    assert user["work_hours"] == {"days": [0, 1, 4], "start": "20:00", "end": "06:00"}
    assert user["quiet_hours"] == {"start": "23:30", "end": "06:30"}
    assert user["daily_push_budget"] == 3
    assert user["paused_until"].startswith("2026-03-03T07:00:00")
    cleared = client.patch("/api/me", json={"paused_until": None}).get_json()["user"]
    assert cleared["paused_until"] is None
    assert cleared["daily_push_budget"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Europe/Nowhere"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"work_hours": {"days": [7], "start": "09:00", "end": "17:00"}}, "work_hours.days.0"),
        ({"work_hours": {"days": [1], "start": "9am", "end": "17:00"}}, "work_hours.start"),
        ({"work_hours": {"days": [1], "start": "09:00", "end": "09:00"}}, "work_hours.end"),
        ({"quiet_hours": {"start": "24:00", "end": "07:00"}}, "quiet_hours.start"),
        ({"daily_push_budget": 0}, "daily_push_budget"),
        ({"daily_push_budget": "six"}, "daily_push_budget"),
        ({"paused_until": "2026-03-03T08:00:00"}, "paused_until"),
        ({"paused_until": "tomorrow"}, "paused_until"),
        ({"email": "new@example.com"}, "email"),
    ],
)
def test_patch_me_rejects_bad_values_and_changes_nothing(client, auth, alice, body, field):
    auth.as_user(alice)
    before = client.get("/api/me").get_json()["user"]
    response = client.patch("/api/me", json=body)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/me").get_json()["user"] == before


def test_protected_routes_answer_401_json(client):
    for method, path in [
        ("GET", "/api/me"),
        ("PATCH", "/api/me"),
        ("DELETE", "/api/me"),
        ("GET", "/api/export"),
    ]:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "Location" not in response.headers


def test_delete_me_needs_the_password(client, auth, alice):
    auth.as_user(alice)
    response = client.delete("/api/me", json={"password": "not the password"})
    assert response.status_code == 403
    assert client.get("/api/me").status_code == 200


def test_delete_me_removes_every_row(app, client, auth, alice, bob, db_session):
    from server.checkins.models import CheckIn, CheckInAnswer
    from server.reminders.models import Delivery, Reminder
    from server.support.models import RestoringActivity, SupportPerson
    from server.timeoff.models import TimeOff

    with db_session as s:
        for persona in (alice, bob):
            reminder = Reminder(
                user_id=persona.id,
                kind="sleep",
                title="Wind down",
                schedule={"type": "daily", "time": "22:00"},
            )
            s.add(reminder)
            s.flush()
            s.add(
                Delivery(
                    reminder_id=reminder.id,
                    user_id=persona.id,
                    kind="sleep",
                    due_at=reminder.created_at,
                )
            )
            checkin = CheckIn(user_id=persona.id)
            s.add(checkin)
            s.flush()
            s.add(
                CheckInAnswer(
                    checkin_id=checkin.id,
                    user_id=persona.id,
                    question_id="q",
                    domain="sleep",
                    value=3,
                )
            )
            s.add(SupportPerson(user_id=persona.id, name="Sam"))
            s.add(RestoringActivity(user_id=persona.id, text="A walk"))
            s.add(
                TimeOff(
                    user_id=persona.id,
                    start=reminder.created_at.date(),
                    end=reminder.created_at.date(),
                    kind="taken",
                )
            )
        s.commit()

    auth.as_user(alice)
    assert client.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    assert client.get("/api/me").status_code == 401

    engine = app.extensions["tend.engine"]
    with engine.connect() as conn:
        for table in per_user_tables():
            left = conn.execute(
                select(func.count()).select_from(table).where(table.c.user_id == alice.id)
            ).scalar_one()
            assert left == 0, table.name
        assert conn.execute(select(func.count()).select_from(User.__table__)).scalar_one() == 1
        bobs = conn.execute(
            select(func.count())
            .select_from(Reminder.__table__)
            .where(Reminder.__table__.c.user_id == bob.id)
        ).scalar_one()
        assert bobs == 1


def test_export_has_everything_but_secrets(client, auth, alice, db_session):
    from server.checkins.models import CheckIn, CheckInAnswer

    with db_session as s:
        checkin = CheckIn(user_id=alice.id, note="long day")
        s.add(checkin)
        s.flush()
        s.add(
            CheckInAnswer(
                checkin_id=checkin.id,
                user_id=alice.id,
                question_id="sleep_rested",
                domain="sleep",
                value=2,
            )
        )
        s.commit()
    auth.as_user(alice)
    response = client.get("/api/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["user"]["email"] == alice.email
    assert data["checkins"][0]["note"] == "long day"
    assert data["checkin_answers"][0]["question_id"] == "sleep_rested"
    assert "password_hash" not in response.get_data(as_text=True)
    csv_response = client.get("/api/export?format=csv")
    assert csv_response.mimetype == "text/csv"
    lines = csv_response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("checkin_id,created_at,source,question_id,domain,value,note")
    assert lines[1].endswith("sleep_rested,sleep,2,long day")
    assert client.get("/api/export?format=xml").status_code == 400


def test_bob_cannot_see_alices_settings(client, auth, alice, bob):
    auth.as_user(bob)
    me = client.get("/api/me").get_json()["user"]
    assert me["email"] == bob.email
    exported = client.get("/api/export").get_json()
    assert alice.email not in json.dumps(exported)


def test_signing_out_ends_the_session_on_the_server(client, auth, alice):
    auth.as_user(alice)
    copied = client.get_cookie("tend_session").value
    assert auth.logout().status_code == 204
    # A copy of the signed-in cookie (another tab, or a stolen one) no longer works.
    client.set_cookie("tend_session", copied)
    assert client.get("/api/me").status_code == 401


def test_each_sign_in_is_its_own_session(app, auth, alice):
    from tests.conftest import ApiClient

    app.test_client_class = ApiClient
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        response = device.post("/api/auth/login", json={"email": alice.email, "password": PASSWORD})
        assert response.status_code == 200
    assert phone.post("/api/auth/logout").status_code == 204
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200


def test_stored_session_ids_are_hashed(client, auth, alice, db_session):
    from server.accounts.models import LoginSession

    auth.as_user(alice)
    rows = db_session.exec(select(LoginSession)).scalars().all()
    assert len(rows) == 1 and rows[0].user_id == alice.id
    assert len(rows[0].id_hash) == 64
    assert rows[0].id_hash not in client.get_cookie("tend_session").value
