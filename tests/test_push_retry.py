"""Pure retry rules: status meaning, Retry-After parsing, jittered backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from server.push.retry import backoff_delay, classify_status, retry_after_seconds

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (201, "sent"),
        (202, "sent"),
        (404, "gone"),
        (410, "gone"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (400, "failed"),
        (401, "failed"),
        (403, "failed"),
        (413, "failed"),
        (200, "failed"),
        (301, "failed"),
        (307, "failed"),
    ],
)
def test_classify_status(status, verdict):
    assert classify_status(status) == verdict


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Sat, 01 Mar 2025 08:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 07:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-3", None),
        ("1.5", None),
    ],
)
def test_retry_after_seconds(value, seconds):
    assert retry_after_seconds(value, NOW) == seconds


def test_backoff_grows_exponentially_within_the_cap_and_is_jittered():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (10, 30)]:
        delays = [backoff_delay(attempt, 1.0, 30.0, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and len(set(delays)) > 100
