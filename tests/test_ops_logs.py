"""No personal content in any log line: a whole scenario at DEBUG, then a search of every line."""

from __future__ import annotations

import logging

import time_machine

from scheduler.runner import tick
from tests.conftest import PASSWORD, ApiClient
from tests.test_dispatch import berlin

NOTE = "QUOKKA-7781 the boy in room nine"
MOMENT_NOTE = "PELICAN-3302 the call on the bridge"
EMAIL = "unique.person.4471@example.org"


def test_a_full_scenario_logs_no_note_email_or_endpoint(push_app, push_receiver, caplog):
    caplog.set_level(logging.DEBUG)
    push_app.test_client_class = ApiClient
    client = push_app.test_client()
    body = {"email": EMAIL, "password": PASSWORD, "timezone": "Europe/Berlin"}
    with time_machine.travel(berlin(2025, 6, 2, 8), tick=False):
        assert client.post("/api/auth/register", json=body).status_code == 201
        subscription = push_receiver.make_subscription()
        assert client.post("/api/push/subscriptions", json=subscription.to_json()).status_code in (
            200,
            201,
        )
        reminder = {"kind": "boundary", "schedule": {"type": "daily", "time": "09:00"}}
        assert client.post("/api/reminders", json=reminder).status_code == 201
        question = client.get("/api/checkins/next").get_json()["questions"][0]
        answer = {"answers": [{"question_id": question["id"], "value": 2}], "note": NOTE}
        assert client.post("/api/checkins", json=answer).status_code == 201
        moment = {"kind": "critical_incident", "intensity": 3, "note": MOMENT_NOTE}
        assert client.post("/api/moments", json=moment).status_code == 201
        assert client.post("/api/push/test").status_code == 202
    with time_machine.travel(berlin(2025, 6, 2, 9, 0, 2), tick=False):
        report = tick(push_app)
        assert report.outcomes.get("sent", 0) >= 1
    with time_machine.travel(berlin(2025, 6, 2, 9, 5), tick=False):
        assert client.get("/api/export").status_code == 200
        assert client.get("/api/export?format=csv").status_code == 200
        assert client.delete("/api/me", json={"password": PASSWORD}).status_code == 204
    lines = [record.getMessage() for record in caplog.records]
    lines += [str(record.args) for record in caplog.records if record.args]
    # The capture works: the scheduler's own line about the tick is there.
    assert any(line.startswith("tick claimed=") for line in lines), lines
    secrets = [NOTE, "QUOKKA", MOMENT_NOTE, "PELICAN", EMAIL, subscription.endpoint]
    secrets.append(subscription.endpoint.split(push_receiver.host, 1)[1])
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"{secret!r} logged: {line}"
