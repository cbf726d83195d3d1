"""The API's conventions: error shape, CSRF, size limit, headers, OpenAPI, health."""

from __future__ import annotations

import pytest

from server.config import ConfigError, load_settings


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.put("/api/csrf")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_oversized_body_is_413(client, app):
    huge = "x" * (app.config["TEND_MAX_BODY_BYTES"] + 10)
    response = client.post("/api/auth/register", data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_non_json_body_is_415(client):
    response = client.post("/api/auth/login", data="email=a", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_csrf_missing_or_wrong_is_403(client, alice, token):
    client.auto_csrf = False
    headers = {} if token is None else {"X-CSRF-Token": token}
    client.get("/api/csrf")
    response = client.post(
        "/api/auth/login", json={"email": alice.email, "password": "x" * 12}, headers=headers
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_csrf_token_from_the_session_is_accepted(client, alice):
    client.auto_csrf = False
    token = client.get("/api/csrf").get_json()["csrf_token"]
    response = client.post(
        "/api/auth/login",
        json={"email": alice.email, "password": "correct horse battery staple"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200


def test_server_error_is_json_500(app):
    @app.get("/api/_boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/api/_boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal_error"
    assert "boom" not in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers


def test_openapi_documents_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        path = rule.rule
        for part in rule.arguments:
            converter = f"<int:{part}>" if f"<int:{part}>" in path else f"<{part}>"
            path = path.replace(converter, "{" + part + "}")
            path = path.replace(f"<string:{part}>", "{" + part + "}")
        assert path in document["paths"], f"{rule.rule} missing from OpenAPI"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in document["paths"][path], f"{method} {rule.rule}"


def test_openapi_uses_the_validation_schemas(client):
    document = client.get("/api/openapi.json").get_json()
    register = document["paths"]["/api/auth/register"]["post"]
    ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"email", "password", "timezone"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TEND_PORT": "eighty"}, "TEND_PORT"),
        ({"TEND_PORT": "70000"}, "TEND_PORT"),
        ({"TEND_SCHEDULER": "sometimes"}, "TEND_SCHEDULER"),
        ({"TEND_VAPID_SUBJECT": "admin@example.org"}, "TEND_VAPID_SUBJECT"),
        ({"TEND_PUBLIC_URL": "tend.example.org"}, "TEND_PUBLIC_URL"),
        ({"TEND_PUSH_EXTRA_HOSTS": "push.example.org:abc"}, "TEND_PUSH_EXTRA_HOSTS"),
        ({"TEND_PUSH_EXTRA_HOSTS": "user@push.example.org"}, "TEND_PUSH_EXTRA_HOSTS"),
    ],
)
def test_bad_settings_fail_loudly(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env)


def test_settings_defaults_and_parsing():
    settings = load_settings(
        {"TEND_PUSH_EXTRA_HOSTS": "127.0.0.1:9999, Push.Example.org", "TEND_PORT": "8080"}
    )
    assert settings["TEND_PUSH_EXTRA_HOSTS"] == ["127.0.0.1:9999", "push.example.org"]
    assert settings["TEND_PORT"] == 8080
    assert settings["TEND_SCHEDULER"] == "embedded"
    # Unset, the public URL follows where the server listens, so links lead back to it.
    assert settings["TEND_PUBLIC_URL"] == "http://127.0.0.1:8080"
    assert load_settings({})["TEND_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert load_settings({"TEND_HOST": "0.0.0.0"})["TEND_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert load_settings({"TEND_HOST": "::1", "TEND_PORT": "9000"})["TEND_PUBLIC_URL"] == (
        "http://[::1]:9000"
    )
    given = {"TEND_PORT": "8080", "TEND_PUBLIC_URL": "https://tend.example.org/"}
    assert load_settings(given)["TEND_PUBLIC_URL"] == "https://tend.example.org"
