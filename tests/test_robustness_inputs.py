"""Bad input is a clear 4xx JSON error naming the field, never a 500, and stores nothing.

Covers what a careless or hostile client sends: ids past the database's integer
range, NUL characters (PostgreSQL cannot store them), dates at the ends of
Python's calendar (time-zone arithmetic overflows there), numbers where times
belong, malformed JSON, wrong types and overlong text.
"""

from __future__ import annotations

import re

import pytest

OVERFLOWING_IDS = ["2147483648", "9223372036854775808", "99999999999999999999", "0" * 5000 + "1"]
BODIES = {
    "PATCH": {"title": "x"},
    "POST": {"minutes": 5},
}


def field_error(response, field: str, status: int = 400) -> str:
    """Assert a JSON validation error naming ``field``; returns its message."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    error = response.get_json()["error"]
    assert error["code"] == "validation_error", error
    assert field in error.get("fields", {}), error
    return error["fields"][field]


def id_rules(app) -> list[tuple[str, str]]:
    """(method, rule) of every /api route with a numeric id in its path."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api") and "<int:" in rule.rule
        for method in set(rule.methods or ()) - {"HEAD", "OPTIONS"}
    )


@pytest.fixture
def signed_in(client, auth, alice):
    """The client, signed in as Alice."""
    auth.as_user(alice)
    return client


def test_ids_past_the_integer_range_are_404_on_every_route(app, signed_in):
    rules = id_rules(app)
    assert len(rules) >= 7
    for method, rule in rules:
        for big in OVERFLOWING_IDS:
            path = re.sub(r"<int:\w+>", big, rule)
            response = signed_in.open(path, method=method, json=BODIES.get(method))
            assert response.status_code == 404, (method, path[:60], response.get_data(True))
            assert response.get_json()["error"]["code"] == "not_found"


def test_a_moment_id_past_the_integer_range_is_a_field_error(signed_in):
    question = signed_in.get("/api/checkins/questions").get_json()["questions"][0]
    response = signed_in.post(
        "/api/checkins",
        json={
            "answers": [{"question_id": question["id"], "value": question["scale"]["min"]}],
            "moment_id": 99999999999999999999,
        },
    )
    field_error(response, "moment_id")
    assert signed_in.get("/api/checkins").get_json()["checkins"] == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/support/people", {"name": "Sam\u0000"}, "name"),
        ("/api/support/activities", {"text": "a walk\u0000"}, "text"),
        ("/api/moments", {"kind": "other", "intensity": 2, "note": "\u0000"}, "note"),
        (
            "/api/timeoff",
            {"start": "2026-01-05", "end": "2026-01-06", "kind": "taken", "note": "x\u0000"},
            "note",
        ),
        (
            "/api/reminders",
            {"kind": "sleep", "title": "\u0000", "schedule": {"type": "daily", "time": "22:00"}},
            "title",
        ),
        (
            "/api/checkins",
            {"answers": [{"question_id": "x\u0000", "value": 1}]},
            "answers.0.question_id",
        ),
    ],
)
def test_nul_characters_are_refused_with_the_field_named(signed_in, path, body, field):
    field_error(signed_in.post(path, json=body), field)
    listed = signed_in.get(path).get_json()
    assert all(not rows for rows in listed.values() if isinstance(rows, list)), listed


def test_nul_in_sign_in_and_query_strings_is_refused(client, signed_in):
    field_error(signed_in.get("/api/checkins/next?domains=%00"), "domains")
    signed_in.post("/api/auth/logout")
    field_error(
        client.post("/api/auth/login", json={"email": "a\u0000@example.com", "password": "x" * 12}),
        "email",
    )


def test_a_nul_in_a_key_is_refused_too(signed_in):
    field_error(signed_in.patch("/api/me", json={"time\u0000zone": "UTC"}), "time\u0000zone")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/support/people", {"name": "Sam\ud800"}, "name"),
        ("/api/auth/passkeys/login", {"credential": {"id": "\ud800"}}, "credential.id"),
        ("/api/habits/presets/sleep", {"wind_down": "\udfff"}, "wind_down"),
    ],
)
def test_a_lone_surrogate_is_refused_with_the_field_named(signed_in, path, body, field):
    # JSON allows "\ud800", but it has no UTF-8 form: no database could store it. It is
    # refused for the whole body, even inside data a route keeps as it came.
    answer = signed_in.post(path, json=body)
    field_error(answer, field)
    assert "broken character" in answer.get_json()["error"]["fields"][field]


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:00-12:00",
        "9999-12-31T23:00:00+00:00",
        "1899-12-31T23:59:00+00:00",
    ],
)
def test_a_pause_at_the_ends_of_the_calendar_is_a_field_error(signed_in, moment):
    assert "1900" in field_error(
        signed_in.patch("/api/me", json={"paused_until": moment}), "paused_until"
    )
    assert signed_in.get("/api/me").get_json()["user"]["paused_until"] is None


def test_a_one_off_reminder_past_the_year_2999_is_a_field_error(signed_in):
    response = signed_in.post(
        "/api/reminders",
        json={"kind": "checkin", "schedule": {"type": "once", "at": "9999-12-31T23:59:00-12:00"}},
    )
    field_error(response, "schedule.at")
    assert signed_in.get("/api/reminders").get_json()["reminders"] == []


@pytest.mark.parametrize(
    "after",
    [
        "0001-01-01T00:00:00%2B14:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        "not-a-date",
        "1700000000",
        "0.5",
        "2026-03-01T10:00:00",
    ],
)
def test_upcoming_refuses_an_after_it_cannot_plan_from(signed_in, after):
    reminder = signed_in.post(
        "/api/reminders", json={"kind": "sleep", "schedule": {"type": "daily", "time": "22:00"}}
    ).get_json()["reminder"]
    field_error(signed_in.get(f"/api/reminders/{reminder['id']}/upcoming?after={after}"), "after")


def test_upcoming_reads_an_unencoded_plus_sign_and_far_future_dates(signed_in):
    reminder = signed_in.post(
        "/api/reminders", json={"kind": "sleep", "schedule": {"type": "daily", "time": "21:00"}}
    ).get_json()["reminder"]
    url = f"/api/reminders/{reminder['id']}/upcoming?count=2&after="
    later = signed_in.get(url + "2998-03-02T08:00:00+01:00").get_json()["upcoming"]
    assert later == ["2998-03-02T21:00:00+01:00", "2998-03-03T21:00:00+01:00"]
    far = signed_in.get(url + "2999-12-31T12:00:00Z")
    assert far.status_code == 200 and len(far.get_json()["upcoming"]) == 2


@pytest.mark.parametrize(
    "query", ["count=abc", "count=0", "count=99999999999999999999", "count=1.5"]
)
def test_upcoming_count_must_be_a_small_whole_number(signed_in, query):
    reminder = signed_in.post(
        "/api/reminders", json={"kind": "sleep", "schedule": {"type": "daily", "time": "22:00"}}
    ).get_json()["reminder"]
    field_error(signed_in.get(f"/api/reminders/{reminder['id']}/upcoming?{query}"), "count")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=not-a-date", "since"),
        ("since=0001-01-01", "since"),
        ("until=9999-12-31", "until"),
        ("since=2026-02-30", "since"),
        ("until=2026-03-01T10:00:00", "until"),
        ("since=0001-01-01T00:00:00%2B14:00", "since"),
        ("limit=abc", "limit"),
    ],
)
def test_checkin_history_refuses_bad_bounds(signed_in, query, field):
    field_error(signed_in.get(f"/api/checkins?{query}"), field)


def test_checkin_history_reads_an_unencoded_plus_sign(signed_in):
    response = signed_in.get("/api/checkins?since=2026-03-01T10:00:00+01:00")
    assert response.status_code == 200 and response.get_json() == {"checkins": []}


@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "0001-01-05"), ("9999-12-25", "9999-12-31")]
)
def test_time_off_at_the_ends_of_the_calendar_is_a_field_error(signed_in, start, end):
    signed_in.post("/api/habits/presets/timeoff", json={})  # its reminders plan around entries
    response = signed_in.post("/api/timeoff", json={"start": start, "end": end, "kind": "planned"})
    field_error(response, "start")
    assert signed_in.get("/api/timeoff").get_json()["time_off"] == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("{bad", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ("null", "validation_error"),
        ("[1, 2]", "validation_error"),
        ('"text"', "validation_error"),
        ('{"minutes": NaN}', "validation_error"),
        ('{"minutes": Infinity}', "validation_error"),
    ],
)
def test_malformed_bodies_are_clear_400s(signed_in, data, code):
    reminder = signed_in.post(
        "/api/reminders", json={"kind": "break", "schedule": {"type": "daily", "time": "10:00"}}
    ).get_json()["reminder"]
    response = signed_in.post(
        f"/api/reminders/{reminder['id']}/snooze", data=data, content_type="application/json"
    )
    assert response.status_code == 400, response.get_data(True)
    assert response.get_json()["error"]["code"] == code
    after = signed_in.get("/api/reminders").get_json()["reminders"][0]
    assert after["snoozed_until"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "sleep", "schedule": None}, "schedule"),
        ({"kind": "sleep", "schedule": {"type": "daily", "time": 2200}}, "schedule.time"),
        ({"kind": "sleep", "schedule": {"type": "daily", "time": "25:00"}}, "schedule.time"),
        ({"kind": "sleep", "schedule": {"type": "weekly"}}, "schedule"),
        (
            {"kind": "sleep", "schedule": {"type": "interval", "every_minutes": 10**30}},
            "schedule.every_minutes",
        ),
        ({"kind": "sleep", "schedule": {"type": "once", "at": 1700000000}}, "schedule.at"),
        ({"kind": "nap", "schedule": {"type": "daily", "time": "22:00"}}, "kind"),
        (
            {"kind": "sleep", "title": "x" * 121, "schedule": {"type": "daily", "time": "22:00"}},
            "title",
        ),
        ({"kind": ["sleep"], "schedule": {"type": "daily", "time": "22:00"}}, "kind"),
    ],
)
def test_wrong_types_and_overlong_text_name_the_field(signed_in, body, field):
    field_error(signed_in.post("/api/reminders", json=body), field)
    assert signed_in.get("/api/reminders").get_json()["reminders"] == []


def test_unicode_text_is_kept_as_written(signed_in):
    title = "Pause 🌿 — Атем holen, 深呼吸"
    created = signed_in.post(
        "/api/reminders",
        json={"kind": "break", "title": title, "schedule": {"type": "daily", "time": "10:00"}},
    )
    assert created.status_code == 201
    assert signed_in.get("/api/reminders").get_json()["reminders"][0]["title"] == title
    person = signed_in.post("/api/support/people", json={"name": "Zoë 👩‍⚕️"})
    assert person.get_json()["person"]["name"] == "Zoë 👩‍⚕️"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"daily_push_budget": 10**20}, "daily_push_budget"),
        ({"daily_push_budget": "lots"}, "daily_push_budget"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "x" * 5000}, "timezone"),
        ({"work_hours": {"days": [7], "start": "09:00", "end": "17:00"}}, "work_hours.days.0"),
        ({"quiet_hours": "22:00-07:00"}, "quiet_hours"),
        ({"paused_until": "tomorrow"}, "paused_until"),
        ({"nickname": "al"}, "nickname"),
    ],
)
def test_bad_settings_name_the_field_and_change_nothing(signed_in, body, field):
    before = signed_in.get("/api/me").get_json()["user"]
    field_error(signed_in.patch("/api/me", json=body), field)
    assert signed_in.get("/api/me").get_json()["user"] == before


@pytest.mark.parametrize("depth", [990, 5000])
def test_deeply_nested_bodies_are_a_400_not_a_crash(signed_in, depth):
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = signed_in.post(
            "/api/support/people",
            data='{"name": "x", "note": ' + nested + "}",
            content_type="application/json",
        )
        assert response.status_code == 400, response.get_data(True)
        assert response.get_json()["error"]["code"] in {"invalid_json", "validation_error"}
    assert signed_in.get("/api/support/people").get_json()["people"] == []
