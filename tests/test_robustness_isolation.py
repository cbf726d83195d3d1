"""Bob can neither read, change nor delete anything of Alice's, through any route.

Alice fills every feature with rows whose text carries a marker. Bob then calls
every GET route under /api (lists, export, JSON and CSV) and every route that
takes a row id, with Alice's ids. The marker must never reach him, every
id-taking route must answer 404, and Alice's full export must be unchanged.
"""

from __future__ import annotations

import base64
import os
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.passkey_authenticator import SoftAuthenticator

MARKER = "alice-private-7f3"
# A sample body for each id-taking route, so Bob's request is valid apart from the id.
BODIES = {
    ("PATCH", "/api/reminders/<int:reminder_id>"): {"title": "bob was here", "enabled": False},
    ("POST", "/api/reminders/<int:reminder_id>/snooze"): {"minutes": 30},
    ("PATCH", "/api/shifts/<int:shift_id>"): {"label": "bob was here"},
}


def b64url(raw: bytes) -> str:
    """Unpadded base64url, as browsers encode subscription keys."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_subscription(label: str) -> dict:
    """A ``PushSubscription.toJSON()`` on FCM with real P-256 keys."""
    key = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{label}-{os.urandom(6).hex()}",
        "expirationTime": None,
        "keys": {"p256dh": b64url(key), "auth": b64url(os.urandom(16))},
    }


def created(response, key: str) -> dict:
    """The created row from a 201 answer."""
    assert response.status_code == 201, response.get_json()
    return response.get_json()[key]


def fill_alices_account(client) -> dict[str, int]:
    """One row of every kind for the signed-in Alice; returns their ids by route argument."""
    reminder = created(
        client.post(
            "/api/reminders",
            json={
                "kind": "checkin",
                "title": f"Check in {MARKER}",
                "schedule": {"type": "daily", "time": "18:00"},
            },
        ),
        "reminder",
    )
    device = created(
        client.post("/api/push/subscriptions", json=browser_subscription(MARKER)), "subscription"
    )
    questions = client.get("/api/checkins/questions").get_json()["questions"]
    first = questions[0]
    created(
        client.post(
            "/api/checkins",
            json={
                "answers": [{"question_id": first["id"], "value": first["scale"]["min"]}],
                "note": f"a long shift {MARKER}",
            },
        ),
        "checkin",
    )
    moment = created(
        client.post(
            "/api/moments",
            json={"kind": "critical_incident", "intensity": 4, "note": f"the crash {MARKER}"},
        ),
        "moment",
    )
    entry = created(
        client.post(
            "/api/timeoff",
            json={
                "start": "2026-01-05",
                "end": "2026-01-09",
                "kind": "taken",
                "note": f"the coast {MARKER}",
            },
        ),
        "entry",
    )
    person = created(
        client.post(
            "/api/support/people", json={"name": f"Sam {MARKER}", "contact": "+44 7700 900123"}
        ),
        "person",
    )
    activity = created(
        client.post("/api/support/activities", json={"text": f"a walk {MARKER}"}), "activity"
    )
    assert client.post("/api/habits/presets/breaks", json={}).status_code == 201
    shift = created(
        client.post(
            "/api/shifts",
            json={"start": "2026-01-12T19:00", "end": "2026-01-13T07:30", "label": MARKER},
        ),
        "shift",
    )
    night = {"start": "19:00", "end": "07:30", "label": MARKER}
    pattern = created(
        client.post(
            "/api/shifts/pattern", json={"start_date": "2026-02-02", "cycle": [night], "weeks": 1}
        ),
        "pattern",
    )
    options = client.post("/api/auth/passkeys/register/options").get_json()
    passkey = created(
        client.post(
            "/api/auth/passkeys/register",
            json={"credential": SoftAuthenticator("http://localhost").create(options)},
        ),
        "passkey",
    )
    return {
        "passkey_id": passkey["id"],
        "reminder_id": reminder["id"],
        "subscription_id": device["id"],
        "entry_id": entry["id"],
        "person_id": person["id"],
        "activity_id": activity["id"],
        "moment_id": moment["id"],
        "shift_id": shift["id"],
        "pattern_id": pattern["id"],
    }


def alices_export(client) -> dict:
    """Alice's complete export (every table with her user id) but her sign-ins.

    Signing in again to compare adds a sign-in; that is Alice's own doing, not Bob's.
    """
    response = client.get("/api/export")
    assert response.status_code == 200
    data = response.get_json()
    data.pop("login_sessions")
    return data


def get_routes_without_arguments(app) -> list[str]:
    """Every GET route under /api that needs no path argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api") and "GET" in (rule.methods or ()) and not rule.arguments
    )


def id_routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, argument) for every /api route that takes a numeric row id."""
    found = []
    for rule in app.url_map.iter_rules():
        names = re.findall(r"<int:(\w+)>", rule.rule)
        if rule.rule.startswith("/api") and names:
            for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule, names[0]))
    return sorted(found)


def test_bob_sees_and_changes_nothing_of_alices(app, client, auth, alice, bob):
    auth.as_user(alice)
    ids = fill_alices_account(client)
    before = alices_export(client)
    assert MARKER in str(before)
    auth.logout()

    auth.as_user(bob)
    readable = get_routes_without_arguments(app)
    assert {
        "/api/reminders",
        "/api/checkins",
        "/api/moments",
        "/api/timeoff",
        "/api/export",
        "/api/push/subscriptions",
        "/api/support/people",
    } <= set(readable)
    for path in [*readable, "/api/export?format=csv"]:
        response = client.get(path)
        assert response.status_code < 500, path
        assert MARKER not in response.get_data(as_text=True), path
        assert alice.email not in response.get_data(as_text=True), path

    routes = id_routes(app)
    assert len(routes) >= 7
    for method, rule, argument in routes:
        assert argument in ids, f"add a row for {rule} to fill_alices_account"
        path = re.sub(r"<int:\w+>", str(ids[argument]), rule)
        response = client.open(path, method=method, json=BODIES.get((method, rule)))
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"

    # Programs are per person: switching one off touches only Bob's own reminders.
    assert client.delete("/api/habits/presets/breaks").status_code == 204
    auth.logout()

    auth.as_user(alice)
    assert alices_export(client) == before


def test_bob_cannot_link_his_check_in_to_alices_moment(client, auth, alice, bob):
    auth.as_user(alice)
    moment = created(client.post("/api/moments", json={"kind": "other", "intensity": 2}), "moment")
    auth.logout()
    auth.as_user(bob)
    question = client.get("/api/checkins/questions").get_json()["questions"][0]
    response = client.post(
        "/api/checkins",
        json={
            "answers": [{"question_id": question["id"], "value": question["scale"]["min"]}],
            "moment_id": moment["id"],
        },
    )
    assert response.status_code == 400
    assert "moment_id" in response.get_json()["error"]["fields"]
    assert client.get("/api/checkins").get_json()["checkins"] == []


def test_a_device_alice_registered_is_not_listed_for_bob(client, auth, alice, bob):
    auth.as_user(alice)
    created(client.post("/api/push/subscriptions", json=browser_subscription("a")), "subscription")
    auth.logout()
    auth.as_user(bob)
    assert client.get("/api/push/subscriptions").get_json()["subscriptions"] == []
    sent = client.post("/api/push/test")
    assert sent.status_code == 202
    assert sent.get_json() == {"sent": 0, "failed": 0}
