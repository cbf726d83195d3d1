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
        response = client.post("/api/auth/register", json=body,
                               headers={"X-CSRF-Token": token})
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
        select(func.count(User.id)).where(User.email == "erin@example.com")).scalar_one()
    assert count == 1
