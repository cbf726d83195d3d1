"""Account basics: change password, sign out everywhere, recovery codes, reset by email
(against a real SMTP server on loopback)."""

from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from server import create_app
from tests.conftest import PASSWORD, ApiClient

NEW_PASSWORD = "a quiet walk by the river"


def second_client(app):
    """Another browser of the same app."""
    app.test_client_class = ApiClient
    return app.test_client()


def register(client, email="dana@example.com"):
    body = {"email": email, "password": PASSWORD, "timezone": "Europe/Berlin"}
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["recovery_code"]


def test_changing_the_password_ends_every_other_session(app, client, auth, alice):
    auth.as_user(alice)
    other = second_client(app)
    AuthOther = type(auth)(other)
    AuthOther.as_user(alice)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/password", json=body).status_code == 204
    assert client.get("/api/me").status_code == 200
    assert other.get("/api/me").status_code == 401
    auth.logout()
    assert auth.login(alice.email, PASSWORD).status_code == 401
    assert auth.login(alice.email, NEW_PASSWORD).status_code == 200


def test_changing_the_password_needs_the_current_one_and_a_good_new_one(client, auth, alice):
    auth.as_user(alice)
    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    assert "current_password" in wrong.get_json()["error"]["fields"]
    weak = client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "password123"}
    )
    assert weak.status_code == 400
    assert "new_password" in weak.get_json()["error"]["fields"]
    assert auth.login(alice.email, PASSWORD).status_code == 200


def test_sign_out_everywhere_ends_this_session_too(app, client, auth, alice):
    auth.as_user(alice)
    other = second_client(app)
    type(auth)(other).as_user(alice)
    assert client.post("/api/auth/logout-all").status_code == 204
    assert client.get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 401


def test_recovery_code_lets_you_back_in_and_ends_other_sessions(app, client):
    code = register(client)
    other = second_client(app)
    other.post("/api/auth/login", json={"email": "dana@example.com", "password": PASSWORD})
    assert other.get("/api/me").status_code == 200
    client.post("/api/auth/logout")
    body = {
        "email": "Dana@example.com",
        "recovery_code": code.lower(),
        "new_password": NEW_PASSWORD,
    }
    response = client.post("/api/auth/recover", json=body)
    assert response.status_code == 204
    assert client.get("/api/me").get_json()["user"]["email"] == "dana@example.com"
    assert other.get("/api/me").status_code == 401


def test_a_wrong_recovery_answers_the_same_for_any_email(client):
    register(client)
    client.post("/api/auth/logout")
    answers = []
    for email in ("dana@example.com", "nobody@example.com"):
        body = {"email": email, "recovery_code": "AAAA-BBBB", "new_password": NEW_PASSWORD}
        response = client.post("/api/auth/recover", json=body)
        answers.append((response.status_code, response.get_json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert answers[0][1]["error"]["code"] == "invalid_recovery"


def test_a_new_recovery_code_replaces_the_old_one(client):
    old = register(client)
    wrong = client.post("/api/auth/recovery-code", json={"password": "not it at all"})
    assert wrong.status_code == 403
    response = client.post("/api/auth/recovery-code", json={"password": PASSWORD})
    assert response.status_code == 201
    new = response.get_json()["recovery_code"]
    assert new != old
    client.post("/api/auth/logout")
    stale = {"email": "dana@example.com", "recovery_code": old, "new_password": NEW_PASSWORD}
    assert client.post("/api/auth/recover", json=stale).status_code == 400
    fresh = dict(stale, recovery_code=new)
    assert client.post("/api/auth/recover", json=fresh).status_code == 204


def test_recovery_is_throttled_like_sign_in(client, alice):
    body = {"email": alice.email, "recovery_code": "AAAA-BBBB", "new_password": NEW_PASSWORD}
    statuses = [client.post("/api/auth/recover", json=body).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert (
        client.post(
            "/api/auth/login", json={"email": alice.email, "password": PASSWORD}
        ).status_code
        == 429
    )


def test_without_smtp_reset_by_email_says_it_is_not_set_up(client, alice):
    assert client.get("/api/auth/options").get_json()["email_reset"] is False
    for path, body in (
        ("/api/auth/reset-request", {"email": alice.email}),
        ("/api/auth/reset", {"token": "x" * 43, "new_password": NEW_PASSWORD}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "email_reset_unavailable"


# --- reset by email, through a real SMTP server -------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every received message."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (b"tend", b"s3cret pass"))


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=check_login,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mail_app(app_config, smtp_server):
    _, port = smtp_server
    app_config["TEND_SMTP_URL"] = f"smtp://tend:s3cret%20pass@127.0.0.1:{port}"
    app_config["TEND_SMTP_FROM"] = "Tend <noreply@example.org>"
    application = create_app(app_config)
    application.test_client_class = ApiClient
    yield application
    application.extensions["tend.engine"].dispose()


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:8000/#/reset/(\S+)", body).group(1)


def test_reset_by_email_from_request_to_new_password(mail_app, smtp_server, alice):
    inbox, _ = smtp_server
    client = mail_app.test_client()
    assert client.get("/api/auth/options").get_json()["email_reset"] is True
    assert (
        client.post("/api/auth/reset-request", json={"email": "nobody@example.com"}).status_code
        == 202
    )
    response = client.post("/api/auth/reset-request", json={"email": "Alice@Example.com"})
    assert response.status_code == 202
    (message,) = inbox.wait_for(1)
    time.sleep(0.3)  # room for a wrongly sent second message to arrive
    assert len(inbox.messages) == 1
    assert message["To"] == alice.email
    token = link_in(message)

    weak = client.post("/api/auth/reset", json={"token": token, "new_password": "password123"})
    assert weak.status_code == 400
    good = client.post("/api/auth/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert good.status_code == 204
    assert client.get("/api/me").get_json()["user"]["email"] == alice.email
    again = client.post("/api/auth/reset", json={"token": token, "new_password": NEW_PASSWORD})
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_token"
    fresh = mail_app.test_client()
    login = {"email": alice.email, "password": NEW_PASSWORD}
    assert fresh.post("/api/auth/login", json=login).status_code == 200


def test_a_reset_link_expires_after_an_hour(mail_app, smtp_server, alice):
    import time_machine

    inbox, _ = smtp_server
    client = mail_app.test_client()
    with time_machine.travel("2026-03-02 10:00Z", tick=True) as traveller:
        client.post("/api/auth/reset-request", json={"email": alice.email})
        token = link_in(inbox.wait_for(1)[0])
        traveller.shift(3601)
        response = client.post(
            "/api/auth/reset", json={"token": token, "new_password": NEW_PASSWORD}
        )
    assert response.status_code == 400


def test_smtp_url_is_checked_at_start_up():
    from server.config import ConfigError, load_settings

    for bad in ("http://mail.example.org", "smtp://", "smtp://host:99999", "smtp://host/x"):
        with pytest.raises(ConfigError, match="TEND_SMTP_URL"):
            load_settings({"TEND_SMTP_URL": bad})
    settings = load_settings({"TEND_SMTP_URL": "smtp+starttls://me%40x.org:p%3Ass@mail.x.org"})
    smtp = settings["TEND_SMTP_URL"]
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "mail.x.org",
        587,
        "me@x.org",
        "p:ss",
    )
    assert smtp.use_starttls and not smtp.use_tls
    # Without TEND_SMTP_FROM, a sender on the public host (never on an IP address).
    assert load_settings({"TEND_PUBLIC_URL": "https://tend.example.org"})["TEND_SMTP_FROM"] == (
        "Tend <noreply@tend.example.org>"
    )
    assert load_settings({"TEND_HOST": "::1"})["TEND_SMTP_FROM"] == "Tend <noreply@localhost>"
    with pytest.raises(ConfigError, match="TEND_SMTP_FROM"):
        load_settings({"TEND_SMTP_FROM": "not an address"})
