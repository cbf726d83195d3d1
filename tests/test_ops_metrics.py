"""/metrics: hidden without its token; after real sends it counts deliveries, lateness,
push answers per origin (never a path) and requests per route; several processes add up."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import time_machine

from scheduler.dispatch import run_tick
from server.ops.logs import JsonLines
from server.push.vapid import audience_of
from tests.test_dispatch import add_device, add_reminder, add_user, berlin, daily

TOKEN = "a-metrics-token-of-some-length"
ROOT = Path(__file__).resolve().parent.parent


def scrape(client, token=TOKEN):
    """GET /metrics with the bearer token."""
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


def value(text: str, prefix: str, default: float | None = None) -> float:
    """The sample whose line starts with ``prefix`` (labels included)."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    if default is not None:
        return default
    raise AssertionError(f"{prefix} not in metrics")


def test_a_push_service_is_named_by_scheme_and_host_only():
    # Metrics, logs and the Retry-After hold all name a push service this one way.
    assert audience_of("https://fcm.googleapis.com/fcm/send/abc:secret") == (
        "https://fcm.googleapis.com"
    )
    assert audience_of("http://user:pw@127.0.0.1:8123/push/xyz") == "http://127.0.0.1:8123"


def test_metrics_are_hidden_without_the_token(app_config):
    from server import create_app

    without = create_app(app_config)
    try:
        assert without.test_client().get("/metrics").status_code == 404
    finally:
        without.extensions["tend.engine"].dispose()
    app_config["TEND_METRICS_TOKEN"] = TOKEN
    with_token = create_app(app_config)
    try:
        client = with_token.test_client()
        assert client.get("/metrics").status_code == 404
        assert scrape(client, token="wrong-token-wrong-token").status_code == 404
        assert scrape(client).status_code == 200
    finally:
        with_token.extensions["tend.engine"].dispose()


def test_metrics_after_a_morning_of_sends(app_config, push_receiver):
    from server import create_app
    from server.push import service as push_service
    from server.push.sender import PushSender
    from server.push.vapid import VapidSigner

    app_config["TEND_METRICS_TOKEN"] = TOKEN
    app_config["TEND_PUSH_EXTRA_HOSTS"] = [push_receiver.host]
    app = create_app(app_config)
    signer = VapidSigner(app.extensions["tend.vapid_key"], app.config["TEND_VAPID_SUBJECT"])
    app.extensions[push_service.SENDER_KEY] = PushSender(signer, [push_receiver.host])
    client = app.test_client()
    # Counters live for the whole test process: compare with what they said before.
    before = scrape(client).get_data(as_text=True)
    sent_before = value(before, 'tend_deliveries_total{kind="boundary",outcome="sent"}', 0.0)
    try:
        endpoints = []
        for index in range(3):
            person = add_user(app, f"p{index}@example.org")
            endpoints.append(add_device(app, person, push_receiver).endpoint)
            add_reminder(app, person, "boundary", daily("17:00"), berlin(2025, 6, 2, 8))
        with time_machine.travel(berlin(2025, 6, 2, 16, 59, 59), tick=False):
            run_tick(app)
            text = scrape(client).get_data(as_text=True)
            assert value(text, "tend_due_backlog ") == 0
        with time_machine.travel(berlin(2025, 6, 2, 17, 0, 2), tick=False):
            assert run_tick(app).outcomes == {"sent": 3}
        client.get("/healthz")
        text = scrape(client).get_data(as_text=True)
    finally:
        push_service.close_sender(app)
        app.extensions["tend.engine"].dispose()
    sent = value(text, 'tend_deliveries_total{kind="boundary",outcome="sent"}')
    assert sent - sent_before == 3
    assert value(text, "tend_delivery_lateness_seconds_count") >= 3
    origin = f"http://{push_receiver.host}"
    assert value(text, f'tend_push_responses_total{{origin="{origin}",status="201"}}') >= 3
    assert value(text, f'tend_push_request_seconds_count{{origin="{origin}"}}') >= 3
    assert value(text, 'tend_http_requests_total{method="GET",route="/healthz",status="200"}') >= 1
    for endpoint in endpoints:
        path = endpoint.split(push_receiver.host, 1)[1]
        assert path not in text


MULTIPROCESS_CHILD = """
import sys
from datetime import UTC, datetime
from server.ops.metrics import observe_delivery, scrape
from server import create_app
config = {"TESTING": True, "SECRET_KEY": "k", "TEND_DATABASE_URL": sys.argv[1],
          "TEND_SCHEDULER": "off", "TEND_VAPID_PRIVATE_KEY": sys.argv[2],
          "TEND_VAPID_SUBJECT": "mailto:tests@example.org", "TEND_METRICS_TOKEN": "t" * 20,
          "INSTANCE_PATH": sys.argv[3]}
app = create_app(config)
now = datetime.now(UTC)
if sys.argv[4] == "observe":
    observe_delivery("checkin", "sent", now, now)
else:
    sys.stdout.write(scrape(app).decode())
app.extensions["tend.engine"].dispose()
"""


def test_several_processes_add_up_in_multiprocess_mode(database_url, vapid_private_key, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}

    def child(action: str) -> str:
        args = [database_url, vapid_private_key, str(tmp_path / "instance"), action]
        result = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_CHILD, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    child("observe")
    child("observe")
    text = child("scrape")
    assert value(text, 'tend_deliveries_total{kind="checkin",outcome="sent"}') == 2
    assert any(shared.iterdir())


def test_json_log_lines_carry_time_level_logger_message_and_extras():
    record = logging.LogRecord("tend.scheduler", logging.INFO, __file__, 1, "tick %s", ("x",), None)
    record.claimed = 3
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "info" and line["logger"] == "tend.scheduler"
    assert line["message"] == "tick x" and line["claimed"] == 3
    assert line["time"].endswith("+00:00")
