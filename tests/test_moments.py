"""Hard moments: logging one schedules follow-ups at the right local times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from server.moments.followups import plan_followups

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("now_local", "zone", "quiet", "expected"),
    [
        # Morning: this evening at 19:00, and three days later at 19:00.
        ("2026-03-10 11:00", BERLIN, ("22:00", "07:00"), ["2026-03-10 19:00", "2026-03-13 19:00"]),
        # Chicago after the US switched to summer time (Berlin had not yet).
        ("2026-03-10 05:00", CHICAGO, ("22:00", "07:00"), ["2026-03-10 19:00", "2026-03-13 19:00"]),
        # Logged at 18:40: at least an hour to settle first.
        ("2026-03-10 18:40", BERLIN, ("22:00", "07:00"), ["2026-03-10 19:40", "2026-03-13 19:00"]),
        # Logged at 21:30: an hour later is quiet time, so the next morning after quiet hours.
        ("2026-03-10 21:30", BERLIN, ("22:00", "07:00"), ["2026-03-11 07:30", "2026-03-13 19:00"]),
        # Quiet from 18:00: the evening check-in comes before quiet hours begin.
        ("2026-03-10 09:00", BERLIN, ("18:00", "06:00"), ["2026-03-10 17:30", "2026-03-13 17:30"]),
        # Quiet hours that do not cross midnight (a nap, say, 18:30-20:00).
        ("2026-03-10 18:10", BERLIN, ("18:30", "20:00"), ["2026-03-10 20:30", "2026-03-13 18:00"]),
    ],
)
def test_followup_times_table(now_local, zone, quiet, expected):
    now = datetime.strptime(now_local, "%Y-%m-%d %H:%M").replace(tzinfo=zone).astimezone(UTC)
    plans = plan_followups(now, zone, *quiet)
    assert [local(plan.at, zone) for plan in plans] == expected
    assert plans[0].domains == ("intrusion", "support")
    assert set(plans[1].domains) == {"intrusion", "sleep", "support"}


@pytest.mark.parametrize(
    ("persona", "zone", "now", "expected"),
    [
        (
            "alice",
            BERLIN,
            datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
            ["2026-03-10 19:00", "2026-03-13 19:00"],
        ),
        (
            "bob",
            CHICAGO,
            datetime(2026, 3, 10, 10, 0, tzinfo=UTC),
            ["2026-03-10 19:00", "2026-03-13 19:00"],
        ),
        # 23:00 UTC: already the 11th in Berlin (00:00), still the 10th (18:00) in Chicago.
        (
            "alice",
            BERLIN,
            datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
            ["2026-03-11 19:00", "2026-03-14 19:00"],
        ),
        (
            "bob",
            CHICAGO,
            datetime(2026, 3, 10, 23, 0, tzinfo=UTC),
            ["2026-03-10 19:00", "2026-03-13 19:00"],
        ),
    ],
)
def test_logging_a_moment_creates_followup_reminders(
    request, client, auth, persona, zone, now, expected
):
    with time_machine.travel(now, tick=False):
        auth.as_user(request.getfixturevalue(persona))
        response = client.post(
            "/api/moments",
            json={"kind": "critical_incident", "intensity": 4, "note": "Cardiac arrest, child"},
        )
        assert response.status_code == 201, response.get_json()
        moment = response.get_json()["moment"]
        reminders = client.get("/api/reminders").get_json()["reminders"]
        listed = client.get("/api/moments").get_json()["moments"]
    followups = [r for r in reminders if r["kind"] == "followup"]
    assert len(followups) == 2
    due = sorted(datetime.fromisoformat(r["next_due_at"]) for r in followups)
    assert [local(at, zone) for at in due] == expected
    assert [local(datetime.fromisoformat(f["at"]), zone) for f in moment["followups"]] == expected
    assert moment["kind"] == "critical_incident" and moment["intensity"] == 4
    assert [m["id"] for m in listed] == [moment["id"]]


def test_bad_moments_are_field_errors(client, auth, alice):
    auth.as_user(alice)
    response = client.post("/api/moments", json={"kind": "bad day", "intensity": 9})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"kind", "intensity"}
    assert client.get("/api/moments").get_json()["moments"] == []


def test_moments_are_private(client, auth, alice, bob):
    auth.as_user(alice)
    client.post("/api/moments", json={"kind": "safety_threat", "intensity": 5})
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/moments").get_json()["moments"] == []
    assert client.get("/api/reminders").get_json()["reminders"] == []
