"""/readyz: a write that fails, a schema behind, a silent scheduler — each said in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select, text

from scheduler.runner import HEART_KEY, tick
from server import create_app
from server.ops.heartbeat import HEARTBEATS, SILENT_AFTER, scheduler_state
from server.ops.routes import EMBEDDED_KEY
from tests.test_accounts_hygiene import read_only_url

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_scheduler_state_rules():
    assert scheduler_state([], NOW, embedded=False) == "not_expected"
    assert scheduler_state([], NOW, embedded=True) == "silent"
    assert scheduler_state([NOW - timedelta(seconds=30)], NOW, embedded=False) == "ok"
    assert scheduler_state([NOW - SILENT_AFTER - timedelta(seconds=1)], NOW, False) == "silent"
    # Several schedulers: the freshest beat counts.
    assert scheduler_state([NOW - timedelta(hours=2), NOW], NOW, embedded=True) == "ok"


def test_ready_without_a_scheduler_expected(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ready"] is True
    assert body["problems"] == []
    assert body["scheduler"] == "not_expected"
    assert body["version"] and body["version"] != "unknown"


def test_an_embedded_scheduler_that_never_ticked_is_not_ready(app, client):
    app.extensions[EMBEDDED_KEY] = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["scheduler"] == "silent"
    assert any("no scheduler has ticked" in problem for problem in body["problems"])


def test_a_ticking_scheduler_is_ready_until_it_falls_silent(app, client, db_session):
    app.extensions[EMBEDDED_KEY] = True
    with time_machine.travel(NOW, tick=False):
        tick(app)
        assert client.get("/readyz").status_code == 200
    row = db_session.execute(select(HEARTBEATS)).one()
    assert row.last_tick_at == NOW
    assert row.last_batch == 0 and row.backlog == 0
    assert app.extensions[HEART_KEY].process == row.process
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["scheduler"] == "silent"


def test_a_read_only_database_is_not_ready(app_config, app, database_url):
    application = create_app({**app_config, "TEND_DATABASE_URL": read_only_url(database_url)})
    try:
        response = application.test_client().get("/readyz")
        # The database still answers reads, so /healthz stays 200: readiness tells them apart.
        assert application.test_client().get("/healthz").status_code == 200
    finally:
        application.extensions["tend.engine"].dispose()
    assert response.status_code == 503
    assert response.get_json()["problems"][0].startswith("the database refuses writes")


def test_a_schema_behind_the_code_is_not_ready(app, client, db_session):
    db_session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db_session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert any("alembic upgrade head" in p for p in response.get_json()["problems"])
