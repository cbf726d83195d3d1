"""Two requests at once, as a double tap or a flaky network makes them: never a 500."""

from __future__ import annotations

import threading

from sqlmodel import func, select

from server.accounts.models import User
from tests.conftest import PASSWORD, ApiClient


def test_two_sign_ups_with_one_email_make_one_account(app, db_session):
    app.test_client_class = ApiClient
    body = {"email": "erin@example.com", "password": PASSWORD, "timezone": "Europe/Vienna"}
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def sign_up() -> None:
        client = app.test_client()
        token = client.get("/api/csrf").get_json()["csrf_token"]
        barrier.wait()
        response = client.post("/api/auth/register", json=body, headers={"X-CSRF-Token": token})
        statuses.append(response.status_code)
        if response.status_code == 409:
            assert response.get_json()["error"]["code"] == "email_taken"

    threads = [threading.Thread(target=sign_up) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409]
    count = db_session.execute(
        select(func.count(User.id)).where(User.email == "erin@example.com")
    ).scalar_one()
    assert count == 1


def database_throttled_client(app_config):
    """A client of an app whose login throttle lives in the database."""
    from server import create_app

    app_config["TEND_LOGIN_THROTTLE"] = "database"
    application = create_app(app_config)
    application.test_client_class = ApiClient
    return application


def test_a_320_character_email_is_throttled_like_any_other(app_config):
    application = database_throttled_client(app_config)
    client = application.test_client()
    wrong = {"email": "a" * 300 + "@example.com", "password": "wrong password, sorry"}
    statuses = [client.post("/api/auth/login", json=wrong).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    application.extensions["tend.engine"].dispose()


def test_parallel_wrong_passwords_are_all_counted(app_config, alice):
    application = database_throttled_client(app_config)
    wrong = {"email": alice.email, "password": "wrong password, sorry"}
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def guess() -> None:
        client = application.test_client()
        token = client.get("/api/csrf").get_json()["csrf_token"]
        barrier.wait()
        statuses.append(
            client.post("/api/auth/login", json=wrong, headers={"X-CSRF-Token": token}).status_code
        )

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [401] * 4
    client = application.test_client()
    assert client.post("/api/auth/login", json=wrong).status_code == 401
    blocked = client.post("/api/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert blocked.status_code == 429
    application.extensions["tend.engine"].dispose()
