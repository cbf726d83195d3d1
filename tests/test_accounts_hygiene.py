"""Smaller account findings: what deletion leaves behind, file modes, session age,
time zone names, push endpoint takeover, an unavailable database, CSV formulas."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import make_url, select, text

from server import create_app
from server.accounts.models import LoginThrottle
from server.accounts.throttle import account_tag
from server.db import make_engine
from tests.conftest import PASSWORD, ApiClient

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def make_app(app_config, **settings):
    app_config.update(settings)
    application = create_app(app_config)
    application.test_client_class = ApiClient
    return application


def answer_checkin(client, note: str):
    chosen = client.get("/api/checkins/next").get_json()["questions"]
    answers = [{"question_id": q["id"], "value": q["scale"]["min"]} for q in chosen]
    response = client.post("/api/checkins", json={"answers": answers, "note": note})
    assert response.status_code == 201, response.get_json()


# --- deletion ----------------------------------------------------------------------------


def test_deleting_an_account_deletes_its_throttle_rows(app_config, alice):
    application = make_app(app_config, TEND_LOGIN_THROTTLE="database")
    client = application.test_client()
    wrong = {"email": alice.email, "password": "wrong password, sorry"}
    for _ in range(2):
        assert client.post("/api/auth/login", json=wrong).status_code == 401
    right = {"email": alice.email, "password": PASSWORD}
    # Another address failed too; its counters name Alice's account.
    other = application.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    other.post("/api/auth/login", json=wrong)
    assert client.post("/api/auth/login", json=right).status_code == 200
    tag = account_tag(alice.email)
    engine = application.extensions["tend.engine"]
    with engine.connect() as conn:
        keys = conn.execute(select(LoginThrottle.key)).scalars().all()
    assert any(tag in key for key in keys)
    assert client.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    with engine.connect() as conn:
        keys = conn.execute(select(LoginThrottle.key)).scalars().all()
    assert keys and not any(tag in key or alice.email in key for key in keys)
    engine.dispose()


def sqlite_bytes(url: str) -> bytes:
    path = Path(make_url(url).database)
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        extra = Path(str(path) + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


# About the SQLite file itself, so on SQLite only (PostgreSQL keeps it until VACUUM).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deleted_words_do_not_stay_in_the_sqlite_file(app, client, auth, alice, database_url):
    secret = "ZEBRA-OTTER-4711 the child in bay three"
    auth.as_user(alice)
    answer_checkin(client, secret)
    assert secret.encode() in sqlite_bytes(database_url)
    assert client.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    assert secret.encode() not in sqlite_bytes(database_url)
    assert b"ZEBRA-OTTER-4711" not in sqlite_bytes(database_url)


def test_a_new_sqlite_file_is_private(tmp_path, app_config):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
        conn.execute(text("INSERT INTO t VALUES ('a')"))
        modes = {
            name: stat.S_IMODE(os.stat(tmp_path / name).st_mode)
            for name in ("fresh.sqlite3", "fresh.sqlite3-wal", "fresh.sqlite3-shm")
        }
    engine.dispose()
    assert modes == dict.fromkeys(modes, 0o600)
    # The default file in the instance folder too.
    app_config["TEND_DATABASE_URL"] = None
    application = create_app(app_config)
    path = Path(application.instance_path) / "tend.sqlite3"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    application.extensions["tend.engine"].dispose()


# --- sessions and settings ---------------------------------------------------------------


def test_a_session_ends_thirty_days_after_sign_in_even_when_used_daily(client, auth, alice):
    with time_machine.travel(T0, tick=False) as traveller:
        auth.as_user(alice)
        for _ in range(3):
            traveller.shift(timedelta(days=9, hours=23))
            # Every answer refreshes the cookie; only the server knows when she signed in.
            assert client.get("/api/me").status_code == 200
        traveller.shift(timedelta(hours=3))
        assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/Berlin"])
def test_only_iana_zone_names_are_accepted(client, auth, alice, zone):
    auth.as_user(alice)
    response = client.patch("/api/me", json={"timezone": zone})
    assert response.status_code == 400
    assert "timezone" in response.get_json()["error"]["fields"]
    body = {"email": "z@example.com", "password": PASSWORD, "timezone": zone}
    assert client.post("/api/auth/register", json=body).status_code == 400


def test_csv_cells_that_start_a_formula_are_neutralised(client, auth, alice):
    auth.as_user(alice)
    notes = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "calm"]
    for note in notes:
        answer_checkin(client, note)
    body = client.get("/api/export?format=csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    stored = {row["note"] for row in rows}
    assert stored == {"'" + note for note in notes[:-1]} | {"calm"}


# --- push endpoints ----------------------------------------------------------------------


def test_a_known_endpoint_moves_only_with_its_keys(app_config, push_receiver, alice, bob):
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    application = make_app(app_config)
    phone = push_receiver.make_subscription().to_json()
    alices, bobs = application.test_client(), application.test_client()
    for client, persona in ((alices, alice), (bobs, bob)):
        login = {"email": persona.email, "password": PASSWORD}
        assert client.post("/api/auth/login", json=login).status_code == 200
    assert alices.post("/api/push/subscriptions", json=phone).status_code == 201
    other_keys = push_receiver.make_subscription().to_json()["keys"]
    stolen = bobs.post("/api/push/subscriptions", json={**phone, "keys": other_keys})
    assert stolen.status_code == 409
    assert stolen.get_json()["error"]["code"] == "endpoint_taken"
    assert len(alices.get("/api/push/subscriptions").get_json()["subscriptions"]) == 1
    # Alice may refresh her own keys; the same browser (same keys) may change hands.
    refreshed = {**phone, "keys": other_keys}
    assert alices.post("/api/push/subscriptions", json=refreshed).status_code == 200
    assert bobs.post("/api/push/subscriptions", json=refreshed).status_code == 200
    assert alices.get("/api/push/subscriptions").get_json()["subscriptions"] == []
    from server.push.service import close_sender

    close_sender(application)
    application.extensions["tend.engine"].dispose()


# --- an unavailable database -------------------------------------------------------------


def read_only_url(url: str) -> str:
    """The same database, opened so that every write fails."""
    if url.startswith("sqlite"):
        return f"sqlite:///file:{make_url(url).database}?mode=ro&uri=true"
    return url + "?options=-c%20default_transaction_read_only%3Don"


def test_a_read_only_database_answers_503_with_retry_after(app_config, alice, database_url):
    application = make_app(app_config, TEND_DATABASE_URL=read_only_url(database_url))
    client = application.test_client()
    login = {"email": alice.email, "password": PASSWORD}
    response = client.post("/api/auth/login", json=login)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    application.extensions["tend.engine"].dispose()


def test_an_unreachable_database_answers_503(app_config, tmp_path):
    missing = tmp_path / "no-such-folder" / "tend.sqlite3"
    application = make_app(app_config, TEND_DATABASE_URL=f"sqlite:///file:{missing}?uri=true")
    client = application.test_client()
    response = client.post("/api/auth/login", json={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    application.extensions["tend.engine"].dispose()


def test_guessing_the_password_through_account_deletion_is_throttled(client, auth, alice):
    auth.as_user(alice)
    statuses = [
        client.delete("/api/me", json={"password": "not it at all"}).status_code for _ in range(6)
    ]
    assert statuses == [403] * 5 + [429]
