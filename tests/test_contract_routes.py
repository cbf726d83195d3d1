"""The contract's rules checked on every registered /api route, read from ``app.url_map``.

A route added later is checked too: signed out it answers 401 JSON unless the contract
makes it public, a change without the CSRF header answers 403 ``csrf_failed``
(except the token-authorised delivery answer), and ``/api/openapi.json`` lists it.
"""

from __future__ import annotations

import re

import pytest

# (method, rule) pairs that anyone may call.
PUBLIC = {
    ("GET", "/api/openapi.json"),
    ("GET", "/api/csrf"),
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/passkeys/login/options"),
    ("POST", "/api/auth/passkeys/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/auth/options"),
    ("POST", "/api/auth/recover"),
    ("POST", "/api/auth/reset-request"),
    ("POST", "/api/auth/reset"),
    ("GET", "/api/push/public-key"),
    ("GET", "/api/support/crisis-lines"),
    ("GET", "/api/privacy-notice"),
    ("POST", "/api/deliveries/<token>/answer"),
    ("GET", "/api/learn"),
    ("GET", "/api/learn/<card_id>"),
    ("GET", "/api/deliveries/<token>"),
}
CSRF_EXEMPT = {("POST", "/api/deliveries/<token>/answer")}
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def api_operations(app) -> list[tuple[str, str]]:
    """Every (method, rule) under /api, without the HEAD and OPTIONS Flask adds."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api"):
            for method in set(rule.methods or ()) - {"HEAD", "OPTIONS"}:
                operations.add((method, rule.rule))
    return sorted(operations)


def concrete_path(rule: str) -> str:
    """A URL for ``rule`` with every variable filled in (``1`` fits every converter)."""
    return re.sub(r"<[^>]+>", "1", rule)


def openapi_path(rule: str) -> str:
    """``/x/<int:id>`` as OpenAPI writes it: ``/x/{id}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the contract's JSON error with this status (and code)."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.is_json, response.get_data(True)
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and re.fullmatch(r"[a-z0-9_]+", error["code"])
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    if "fields" in error:
        assert all(isinstance(v, str) for v in error["fields"].values())
    return error


def test_the_route_table_is_not_empty_and_public_routes_exist(app):
    operations = set(api_operations(app))
    assert len(operations) > 30
    assert PUBLIC <= operations, PUBLIC - operations


def test_every_protected_route_is_401_json_when_signed_out(app, client):
    client.auto_csrf = False
    open_to_anyone = set()
    for method, rule in api_operations(app):
        token = client.get("/api/csrf").get_json()["csrf_token"]
        response = client.open(concrete_path(rule), method=method, headers={"X-CSRF-Token": token})
        if response.status_code == 401:
            assert_error(response, 401, "unauthorized")
            assert "Location" not in response.headers
        else:
            open_to_anyone.add((method, rule))
    assert open_to_anyone == PUBLIC


def test_every_change_without_csrf_token_is_403_when_signed_in(app, client, auth, alice):
    auth.as_user(alice)
    client.auto_csrf = False
    checked = 0
    for method, rule in api_operations(app):
        if method not in MUTATING or (method, rule) in CSRF_EXEMPT:
            continue
        for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
            response = client.open(concrete_path(rule), method=method, headers=headers, json={})
            assert_error(response, 403, "csrf_failed")
        checked += 1
    assert checked > 15


def test_public_changes_need_the_csrf_token_too(client):
    client.auto_csrf = False
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/logout"):
        assert_error(client.post(path, json={}), 403, "csrf_failed")


def test_the_delivery_answer_needs_no_csrf_token(client):
    client.auto_csrf = False
    response = client.post("/api/deliveries/" + "A" * 43 + "/answer", json={"value": 3})
    assert_error(response, 404, "not_found")


def test_openapi_lists_every_api_route_with_its_error_shape(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "Error" in document["components"]["schemas"]
    for method, rule in api_operations(app):
        operation = document["paths"].get(openapi_path(rule), {}).get(method.lower())
        assert operation is not None, (method, rule)
        assert "4XX" in operation["responses"]
        public = (method, rule) in PUBLIC
        assert (operation.get("security") == []) == public, (method, rule)
        names = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        needs_token = method in MUTATING and (method, rule) not in CSRF_EXEMPT
        assert ("X-CSRF-Token" in names) == needs_token, (method, rule)


def test_openapi_bounds_row_ids_as_the_routes_do(client):
    document = client.get("/api/openapi.json").get_json()
    parameter = document["paths"]["/api/reminders/{reminder_id}"]["patch"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_a_body_of_optional_fields_is_optional_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert paths["/api/me"]["patch"]["requestBody"]["required"] is False
    assert paths["/api/reminders"]["post"]["requestBody"]["required"] is True


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/csrf", 405, "method_not_allowed"),
        ("GET", "/api/reminders/abc", 404, "not_found"),
        ("GET", "/api/reminders/-1/upcoming", 404, "not_found"),
    ],
)
def test_routing_errors_are_json(client, auth, alice, method, path, status, code):
    auth.as_user(alice)
    assert_error(client.open(path, method=method), status, code)


def test_a_405_names_the_allowed_methods(client):
    response = client.delete("/api/csrf")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"].split(", ")


# --- the shapes the contract fixes ----------------------------------------------------------

USER_FIELDS = {
    "id",
    "email",
    "timezone",
    "work_hours",
    "quiet_hours",
    "daily_push_budget",
    "paused_until",
}
REMINDER_FIELDS = {"id", "kind", "title", "schedule", "enabled", "next_due_at", "snoozed_until"}
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def test_user_has_the_documented_fields(client, auth):
    registered = auth.register(email="dana@example.com", timezone="America/Chicago")
    assert registered.status_code == 201
    user = registered.get_json()["user"]
    assert USER_FIELDS <= set(user)
    assert set(user["work_hours"]) >= {"days", "start", "end"}
    assert set(user["quiet_hours"]) >= {"start", "end"}
    assert client.get("/api/me").get_json()["user"] == user
    patched = client.patch("/api/me", json={"daily_push_budget": 4}).get_json()["user"]
    assert USER_FIELDS <= set(patched) and patched["daily_push_budget"] == 4


def test_reminder_and_upcoming_have_the_documented_shape(client, auth, alice):
    auth.as_user(alice)
    created = client.post(
        "/api/reminders",
        json={"kind": "sleep", "schedule": {"type": "daily", "time": "21:30", "days": [0, 2, 4]}},
    )
    assert created.status_code == 201
    reminder = created.get_json()["reminder"]
    assert REMINDER_FIELDS <= set(reminder)
    assert reminder["schedule"] == {"type": "daily", "time": "21:30", "days": [0, 2, 4]}
    assert OFFSET.search(reminder["next_due_at"])
    listed = client.get("/api/reminders").get_json()["reminders"]
    assert [r["id"] for r in listed] == [reminder["id"]]
    upcoming = client.get(f"/api/reminders/{reminder['id']}/upcoming?count=3").get_json()
    assert len(upcoming["upcoming"]) == 3
    assert all(OFFSET.search(moment) for moment in upcoming["upcoming"])
    snoozed = client.post(f"/api/reminders/{reminder['id']}/snooze", json={"minutes": 15})
    if reminder["snooze_offered"]:
        assert snoozed.status_code == 200 and snoozed.get_json()["reminder"]["snoozed_until"]
    else:  # Nothing due within the hour: the documented refusal (see test_reminders_snooze).
        assert snoozed.status_code == 409 and snoozed.get_json()["error"]["code"] == "not_due"
    patched = client.patch(f"/api/reminders/{reminder['id']}", json={"enabled": False})
    assert patched.status_code == 200 and patched.get_json()["reminder"]["enabled"] is False
    assert client.delete(f"/api/reminders/{reminder['id']}").status_code == 204


def test_time_off_answers_carry_the_clock(client, auth, alice):
    auth.as_user(alice)
    listed = client.get("/api/timeoff").get_json()
    assert {"days_since_time_off", "next_planned"} <= set(listed)
    added = client.post(
        "/api/timeoff", json={"start": "2026-01-05", "end": "2026-01-09", "kind": "taken"}
    )
    assert added.status_code == 201
    body = added.get_json()
    assert {"days_since_time_off", "next_planned"} <= set(body)
    assert isinstance(body["days_since_time_off"], int)
    entry_id = body["entry"]["id"]
    assert client.delete(f"/api/timeoff/{entry_id}").status_code == 204
    assert_error(client.delete(f"/api/timeoff/{entry_id}"), 404, "not_found")


def test_subscriptions_answer_201_then_200_and_refuse_other_hosts(client, auth, alice):
    from tests.test_robustness_isolation import browser_subscription

    auth.as_user(alice)
    subscription = browser_subscription("contract")
    first = client.post("/api/push/subscriptions", json=subscription)
    assert first.status_code == 201
    assert set(first.get_json()["subscription"]) >= {"id", "endpoint", "created_at"}
    again = client.post("/api/push/subscriptions", json=subscription)
    assert again.status_code == 200
    elsewhere = dict(subscription, endpoint="https://push.example.net/send/abc")
    error = assert_error(
        client.post("/api/push/subscriptions", json=elsewhere), 400, "endpoint_not_allowed"
    )
    assert "endpoint" in error["fields"]
    devices = client.get("/api/push/subscriptions").get_json()["subscriptions"]
    assert [d["id"] for d in devices] == [first.get_json()["subscription"]["id"]]


def test_export_documents_and_checks_its_format(client, auth, alice):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    parameters = {p["name"]: p for p in paths["/api/export"]["get"]["parameters"]}
    assert parameters["format"]["schema"]["enum"] == ["json", "csv"]
    auth.as_user(alice)
    error = assert_error(client.get("/api/export?format=xml"), 400, "validation_error")
    assert "format" in error["fields"]
    assert client.get("/api/export?format=csv").mimetype == "text/csv"
