"""POST /api/checkins with ``client_id``: a phone's outbox may send an answer again, and
it is stored once — also when both copies arrive at the same moment."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from server.checkins.models import CheckIn, CheckInAnswer
from tests.conftest import ApiClient, AuthActions


def some_answers(client) -> list[dict]:
    """Answers to the next questions, lowest point of each scale."""
    chosen = client.get("/api/checkins/next").get_json()["questions"]
    return [{"question_id": q["id"], "value": q["scale"]["min"]} for q in chosen]


def stored(db_session, model) -> int:
    """How many rows ``model`` holds."""
    db_session.expire_all()
    return db_session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_same_client_id_is_stored_once(client, auth, alice, db_session):
    auth.as_user(alice)
    body = {"answers": some_answers(client), "client_id": "phone-7f3a9c2e-0001"}
    first = client.post("/api/checkins", json=body)
    again = client.post("/api/checkins", json=body)
    assert first.status_code == 201 and again.status_code == 201
    assert again.get_json() == first.get_json()
    assert stored(db_session, CheckIn) == 1
    assert stored(db_session, CheckInAnswer) == len(body["answers"])
    other = client.post("/api/checkins", json={**body, "client_id": "phone-7f3a9c2e-0002"})
    assert other.get_json()["checkin"]["id"] != first.get_json()["checkin"]["id"]
    without = client.post("/api/checkins", json={"answers": body["answers"]})
    assert without.status_code == 201
    assert stored(db_session, CheckIn) == 3


def test_client_ids_belong_to_one_person(client, app, auth, alice, bob, db_session):
    auth.as_user(alice)
    body = {"answers": some_answers(client), "client_id": "shared-looking-id-01"}
    assert client.post("/api/checkins", json=body).status_code == 201
    other = app.test_client()
    AuthActions(other).as_user(bob)
    answer = other.post("/api/checkins", json=body)
    assert answer.status_code == 201
    assert stored(db_session, CheckIn) == 2


def test_a_malformed_client_id_is_a_plain_field_error(client, auth, alice):
    auth.as_user(alice)
    answers = some_answers(client)
    for bad in ("short", "has spaces in it", "x" * 65):
        res = client.post("/api/checkins", json={"answers": answers, "client_id": bad})
        assert res.status_code == 400
        assert "client_id" in res.get_json()["error"]["fields"]


def test_two_copies_at_the_same_moment_make_one_check_in(app, alice, db_session):
    app.test_client_class = ApiClient
    clients = []
    for _ in range(2):
        one = app.test_client()
        AuthActions(one).as_user(alice)
        clients.append(one)
    body = {"answers": some_answers(clients[0]), "client_id": "racing-copy-000001"}
    start = threading.Barrier(2)
    results: list = []

    def send(one) -> None:
        start.wait()
        res = one.post("/api/checkins", json=body)
        results.append((res.status_code, res.get_json()["checkin"]["id"]))

    threads = [threading.Thread(target=send, args=(one,)) for one in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    assert {status for status, _ in results} == {201}
    assert len({checkin_id for _, checkin_id in results}) == 1
    assert stored(db_session, CheckIn) == 1
