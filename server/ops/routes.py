"""``/readyz`` for load balancers and orchestrators, and ``/metrics`` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from server.db import utcnow
from server.ops.metrics import metrics_response
from server.ops.readiness import readiness

bp = Blueprint("ops", __name__)

EMBEDDED_KEY = "tend.embedded_scheduler"


@bp.get("/readyz")
def readyz():
    """200 when this instance can do its work; 503 with the problems in plain words."""
    embedded = bool(current_app.extensions.get(EMBEDDED_KEY))
    answer = readiness(current_app.extensions["tend.engine"], utcnow(), embedded)
    response = jsonify(answer)
    response.status_code = 200 if answer["ready"] else 503
    if not answer["ready"]:
        response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics():
    """Prometheus text format, only with ``Authorization: Bearer $TEND_METRICS_TOKEN``."""
    return metrics_response()
