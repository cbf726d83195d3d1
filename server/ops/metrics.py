"""Prometheus metrics, with the maintained ``prometheus-client``.

What is counted: deliveries by kind and outcome, how late each notification went
out (due → accepted by the push service), push-service answers and latency per
origin (scheme and host only — an endpoint's path is a secret capability and never
becomes a label), HTTP requests by route rule and status, and, read from the
database when scraped, the backlog of due reminders and the age of the newest
scheduler heartbeat.

Under gunicorn with several workers, or with ``python -m scheduler`` processes on the
same host, set ``PROMETHEUS_MULTIPROC_DIR`` to a folder all of them share (emptied
before they start): each process writes its counts there and a scrape adds them up.
"""

from __future__ import annotations

import hmac
import os
import time
from datetime import datetime

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from server.db import utcnow
from server.ops.heartbeat import due_backlog, recent_heartbeats
from server.push.vapid import audience_of

DELIVERIES = Counter(
    "tend_deliveries_total", "Deliveries that reached an outcome.", ["kind", "outcome"]
)
LATENESS = Histogram(
    "tend_delivery_lateness_seconds",
    "From a notification's due time to the push service accepting it.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
PUSH_ANSWERS = Counter(
    "tend_push_responses_total",
    "Answers of push services by origin and HTTP status (error: no answer).",
    ["origin", "status"],
)
PUSH_LATENCY = Histogram(
    "tend_push_request_seconds",
    "Time for one request to a push service.",
    ["origin"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
HTTP_REQUESTS = Counter(
    "tend_http_requests_total", "HTTP requests by route and status.", ["route", "method", "status"]
)
HTTP_SECONDS = Histogram(
    "tend_http_request_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe_push(endpoint: str, status: int | None, seconds: float) -> None:
    """Count one request to a push service and how long it took."""
    # The push service as VAPID names it (never the path, which is a capability).
    origin = audience_of(endpoint)
    PUSH_ANSWERS.labels(origin, str(status) if status is not None else "error").inc()
    PUSH_LATENCY.labels(origin).observe(seconds)


def observe_delivery(kind: str, outcome: str, due_at: datetime, sent_at: datetime | None) -> None:
    """Count one delivery's outcome; a sent one also gives its lateness."""
    DELIVERIES.labels(kind, outcome).inc()
    if sent_at is not None:
        LATENESS.observe(max(0.0, (sent_at - due_at).total_seconds()))


class DatabaseCollector:
    """Figures read from the database at scrape time (shared by every process)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        """The due backlog and the seconds since the newest scheduler heartbeat."""
        now = utcnow()
        backlog = GaugeMetricFamily(
            "tend_due_backlog", "Enabled reminders due now and not yet claimed by a scheduler."
        )
        silence = GaugeMetricFamily(
            "tend_scheduler_last_tick_age_seconds",
            "Seconds since a scheduler last ticked (absent when none ticked in a day).",
        )
        try:
            with self.app.extensions["tend.engine"].connect() as conn:
                backlog.add_metric([], due_backlog(conn, now))
                beats = recent_heartbeats(conn, now)
        except Exception:  # noqa: BLE001 — a scrape must not fail with the database
            return
        yield backlog
        if beats:
            silence.add_metric([], (now - beats[0].last_tick_at).total_seconds())
            yield silence


def scrape(app: Flask) -> bytes:
    """The text exposition of every metric (all processes' in multiprocess mode)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (DELIVERIES, LATENESS, PUSH_ANSWERS, PUSH_LATENCY, HTTP_REQUESTS):
            registry.register(collector)
        registry.register(HTTP_SECONDS)
    registry.register(DatabaseCollector(app))
    return generate_latest(registry)


def authorised(token: str | None) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (constant time)."""
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {token}"
    return hmac.compare_digest(given.encode(), expected.encode())


def metrics_response() -> Response:
    """``/metrics``: 404 unless a token is configured and given (nothing to find otherwise)."""
    if not authorised(current_app.config.get("TEND_METRICS_TOKEN")):
        abort(404)
    return Response(scrape(current_app), mimetype=CONTENT_TYPE_LATEST)


def start_timer() -> None:
    """Before a request: note when it started."""
    g.tend_started = time.perf_counter()


def count_request(response: Response) -> Response:
    """After a request: count it by its route rule (never the raw path, which holds ids)."""
    started = g.pop("tend_started", None)
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    HTTP_REQUESTS.labels(rule, request.method, str(response.status_code)).inc()
    if started is not None:
        HTTP_SECONDS.labels(rule).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    """Count every request of ``app``."""
    app.before_request(start_timer)
    app.after_request(count_request)
