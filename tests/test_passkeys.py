"""Passkeys through the API, with a software authenticator: add, sign in, unlock, remove,
and the ceremonies' failures (wrong origin, a replayed answer, someone else's passkey)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from server.db import utcnow
from tests.passkey_authenticator import SoftAuthenticator

ORIGIN = "http://localhost"  # what the Flask test client's requests come from


@pytest.fixture
def phone():
    return SoftAuthenticator(ORIGIN)


def add_passkey(client, phone, name="My phone", origin=None):
    options = client.post("/api/auth/passkeys/register/options").get_json()
    answer = phone.create(options, origin)
    return client.post("/api/auth/passkeys/register", json={"credential": answer, "name": name})


def sign_in_with(client, phone, credential=None, origin=None):
    options = client.post("/api/auth/passkeys/login/options").get_json()
    return client.post(
        "/api/auth/passkeys/login", json={"credential": phone.get(options, credential, origin)}
    )


def test_add_a_passkey_then_sign_in_with_it(client, auth, alice, phone):
    auth.as_user(alice)
    options = client.post("/api/auth/passkeys/register/options").get_json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert alice.email not in options["user"]["id"]  # the handle is opaque
    added = client.post(
        "/api/auth/passkeys/register",
        json={"credential": phone.create(options), "name": "Work phone"},
    )
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["passkey"]["name"] == "Work phone"
    listed = client.get("/api/auth/passkeys").get_json()["passkeys"]
    assert [(k["name"], k["last_used_at"]) for k in listed] == [("Work phone", None)]
    auth.logout()
    assert client.get("/api/me").status_code == 401
    signed_in = sign_in_with(client, phone)
    assert signed_in.status_code == 200, signed_in.get_json()
    assert signed_in.get_json()["user"]["email"] == alice.email
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/auth/passkeys").get_json()["passkeys"][0]["last_used_at"]


def test_a_passkey_made_for_another_site_is_refused(client, auth, alice, phone):
    auth.as_user(alice)
    refused = add_passkey(client, phone, origin="https://evil.example")
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "passkey_failed"
    assert client.get("/api/auth/passkeys").get_json()["passkeys"] == []
    assert add_passkey(client, phone).status_code == 201
    auth.logout()
    assert sign_in_with(client, phone, origin="https://evil.example").status_code == 400
    assert client.get("/api/me").status_code == 401


def test_a_replayed_answer_finds_no_challenge(client, auth, alice, phone):
    auth.as_user(alice)
    assert add_passkey(client, phone).status_code == 201
    auth.logout()
    options = client.post("/api/auth/passkeys/login/options").get_json()
    answer = phone.get(options)
    assert client.post("/api/auth/passkeys/login", json={"credential": answer}).status_code == 200
    auth.logout()
    again = client.post("/api/auth/passkeys/login", json={"credential": answer})
    assert again.status_code == 400
    assert "already used" in again.get_json()["error"]["message"]
    assert client.get("/api/me").status_code == 401


def test_an_old_challenge_has_expired(client, auth, alice, phone):
    auth.as_user(alice)
    assert add_passkey(client, phone).status_code == 201
    auth.logout()
    options = client.post("/api/auth/passkeys/login/options").get_json()
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        late = client.post("/api/auth/passkeys/login", json={"credential": phone.get(options)})
    assert late.status_code == 400


def test_someone_elses_passkey_cannot_unlock_or_be_removed(client, auth, alice, bob, phone):
    auth.as_user(alice)
    assert add_passkey(client, phone, "Alice's phone").status_code == 201
    alice_key = phone.credentials[-1]
    alice_id = client.get("/api/auth/passkeys").get_json()["passkeys"][0]["id"]
    auth.logout()
    auth.as_user(bob)
    assert add_passkey(client, phone, "Bob's phone").status_code == 201
    assert client.put("/api/lock", json={"passkey": True}).status_code == 204
    assert client.post("/api/lock/now").status_code == 204
    assert client.get("/api/me").status_code == 423
    # Alice's passkey answering Bob's unlock: refused, still locked.
    options = client.post("/api/lock/unlock/options").get_json()
    wrong = client.post("/api/lock/unlock", json={"passkey": phone.get(options, alice_key)})
    assert wrong.status_code == 400
    assert client.get("/api/me").status_code == 423
    options = client.post("/api/lock/unlock/options").get_json()
    assert client.post("/api/lock/unlock", json={"passkey": phone.get(options)}).status_code == 204
    assert client.get("/api/me").status_code == 200
    assert client.delete(f"/api/auth/passkeys/{alice_id}").status_code == 404


def test_lock_with_a_passkey_needs_one_and_goes_with_the_last(client, auth, alice, phone):
    auth.as_user(alice)
    refused = client.put("/api/lock", json={"passkey": True})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "no_passkey")
    assert add_passkey(client, phone).status_code == 201
    assert client.put("/api/lock", json={"passkey": True}).status_code == 204
    assert client.get("/api/lock").get_json()["lock"] == {"pin": False, "passkey": True}
    (key,) = client.get("/api/auth/passkeys").get_json()["passkeys"]
    assert client.delete(f"/api/auth/passkeys/{key['id']}").status_code == 204
    assert client.get("/api/lock").get_json()["lock"] is None


def test_a_switched_off_account_cannot_sign_in_with_a_passkey(app, client, auth, alice, phone):
    auth.as_user(alice)
    assert add_passkey(client, phone).status_code == 201
    auth.logout()
    from server.accounts.models import User
    from server.db import db

    with app.app_context():
        user = db.session.get(User, alice.id)
        user.disabled_at = utcnow()
        db.session.commit()
    refused = sign_in_with(client, phone)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "account_disabled")


@pytest.mark.parametrize(
    "body",
    [{}, {"credential": "nope"}, {"credential": {}}, {"credential": {"response": {"x": 1}}}],
)
def test_nonsense_gets_a_clear_400(client, auth, alice, body):
    auth.as_user(alice)
    client.post("/api/auth/passkeys/register/options")
    answer = client.post("/api/auth/passkeys/register", json=body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["error"]["message"]


def test_the_export_lists_passkeys_without_their_keys(client, auth, alice, phone):
    auth.as_user(alice)
    assert add_passkey(client, phone, "Work phone").status_code == 201
    exported = client.get("/api/export")
    assert exported.status_code == 200, exported.get_json()
    (row,) = exported.get_json()["passkeys"]
    assert row["name"] == "Work phone"
    assert "public_key" not in row and "credential_id" not in row


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"TEND_WEBAUTHN_ORIGIN": "tend.example.org"}, "must be like https://"),
        ({"TEND_WEBAUTHN_ORIGIN": "https://tend.example.org/app"}, "origin only"),
        ({"TEND_WEBAUTHN_RP_ID": "https://tend.example.org"}, "lower-case host name"),
        ({"TEND_WEBAUTHN_RP_ID": "Tend.Example.org"}, "lower-case host name"),
        (
            {
                "TEND_WEBAUTHN_RP_ID": "other.org",
                "TEND_WEBAUTHN_ORIGIN": "https://tend.example.org",
            },
            "a domain it belongs to",
        ),
    ],
)
def test_webauthn_settings_that_cannot_work_stop_the_start(env, problem):
    from server.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=problem):
        load_settings(env)


def test_webauthn_settings_that_fit_are_kept():
    from server.config import load_settings

    settings = load_settings(
        {"TEND_WEBAUTHN_RP_ID": "example.org", "TEND_WEBAUTHN_ORIGIN": "https://tend.example.org/"}
    )
    assert settings["TEND_WEBAUTHN_RP_ID"] == "example.org"
    assert settings["TEND_WEBAUTHN_ORIGIN"] == "https://tend.example.org"
    assert load_settings({})["TEND_WEBAUTHN_ORIGIN"] is None
