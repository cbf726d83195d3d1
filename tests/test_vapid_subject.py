"""The VAPID subject Apple accepts: placeholder detection, derivation and the start-up refusal."""

from __future__ import annotations

import logging

import pytest

from server import create_app
from server.config import (
    ConfigError,
    derived_vapid_subject,
    load_settings,
    placeholder_reason,
    resolve_vapid_subject,
)
from server.push.service import close_sender


@pytest.mark.parametrize(
    "subject",
    [
        "mailto:admin@localhost",
        "mailto:admin@localhost.localdomain",
        "mailto:relay@herdr.local",
        "mailto:security@gateway.invalid",
        "mailto:ops@tend.internal",
        "mailto:me@box.lan",
        "mailto:me@tend.test",
        "mailto:me@tend.example",
        "mailto:me@127.0.0.1",
        "mailto:me@[::1]",
        "mailto:me@myserver",
        "https://localhost",
        "https://localhost:8443/contact",
        "https://app.localhost",
        "https://192.168.1.20",
        "https://[2001:db8::1]:8443",
        "https://tend.local/",
        "https://TEND.LOCAL./",
        "mailto:",
    ],
)
def test_placeholders_are_recognised(subject):
    assert placeholder_reason(subject) is not None


@pytest.mark.parametrize(
    "subject",
    [
        "mailto:care@tend-clinic.org",
        "mailto:Care.Team@Mail.Example.org?subject=push",
        "https://tend.example.org",
        "https://tend.example.org:8443/contact",
        "https://localdomain.org",
        "https://test.org",
    ],
)
def test_real_hosts_are_not_placeholders(subject):
    assert placeholder_reason(subject) is None


def test_the_origin_of_an_https_public_url_is_the_derived_subject():
    assert derived_vapid_subject("https://Tend.Example.org/care") == "https://tend.example.org"
    assert derived_vapid_subject("https://tend.example.org:8443") == "https://tend.example.org:8443"
    assert derived_vapid_subject("http://tend.example.org") is None
    assert derived_vapid_subject("https://tend.local") is None


def test_unset_subject_follows_an_https_public_url():
    settings = load_settings({"TEND_PUBLIC_URL": "https://care.example.org/"})
    assert settings["TEND_VAPID_SUBJECT"] == "https://care.example.org"


def test_a_set_subject_wins_over_the_derived_one():
    settings = load_settings(
        {"TEND_PUBLIC_URL": "https://care.example.org", "TEND_VAPID_SUBJECT": "mailto:a@b.org"}
    )
    assert settings["TEND_VAPID_SUBJECT"] == "mailto:a@b.org"


def test_plain_http_development_keeps_working_with_the_placeholder():
    assert load_settings({})["TEND_VAPID_SUBJECT"] == "mailto:admin@localhost.localdomain"
    env = {"TEND_PUBLIC_URL": "http://tend.lan:8000", "TEND_VAPID_SUBJECT": "mailto:me@tend.lan"}
    assert load_settings(env)["TEND_VAPID_SUBJECT"] == "mailto:me@tend.lan"


@pytest.mark.parametrize(
    "env",
    [
        {"TEND_PUBLIC_URL": "https://tend.org", "TEND_VAPID_SUBJECT": "mailto:admin@localhost"},
        {"TEND_PUBLIC_URL": "https://tend.org", "TEND_VAPID_SUBJECT": "https://10.0.0.5"},
        {"TEND_PUBLIC_URL": "https://tend.home.lan"},
        {"TEND_PUBLIC_URL": "https://localhost:8443"},
    ],
)
def test_a_placeholder_behind_https_refuses_to_start(env):
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    message = str(refused.value)
    assert "TEND_VAPID_SUBJECT" in message
    assert "placeholder" in message and "Apple" in message
    assert "mailto:" in message and "https://" in message


def test_resolve_checks_the_form_first():
    with pytest.raises(ConfigError, match="mailto: address or an https: URL"):
        resolve_vapid_subject("admin@tend.org", "https://tend.org")


def test_create_app_refuses_a_placeholder_behind_https(app_config):
    app_config.update(
        TEND_PUBLIC_URL="https://tend.example.org",
        TEND_VAPID_SUBJECT="mailto:admin@localhost.localdomain",
    )
    with pytest.raises(ConfigError, match="TEND_VAPID_SUBJECT"):
        create_app(app_config)


def test_create_app_derives_the_subject_from_the_public_url(app_config):
    app_config.update(TEND_PUBLIC_URL="https://tend.example.org", TEND_VAPID_SUBJECT=None)
    app = create_app(app_config)
    try:
        assert app.config["TEND_VAPID_SUBJECT"] == "https://tend.example.org"
    finally:
        close_sender(app)
        app.extensions["tend.engine"].dispose()


def test_create_app_warns_about_a_placeholder_over_http(app_config, caplog):
    app_config.update(TEND_VAPID_SUBJECT="mailto:admin@localhost.localdomain")
    with caplog.at_level(logging.WARNING):
        app = create_app(app_config)
    try:
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert any("TEND_VAPID_SUBJECT" in m and "placeholder" in m for m in warned)
    finally:
        close_sender(app)
        app.extensions["tend.engine"].dispose()
