"""Account screens in the browser: the recovery code at sign-up and using it, changing the
password and the "Your account" section in Settings, at 390 px, light and dark."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller

from tests.browser.helpers import SCREENSHOTS, api, look_light_and_dark, wait_for_worker
from tests.test_accounts_recovery import Inbox, free_port

SHOTS = SCREENSHOTS / "accounts"
PASSWORD = "night shifts and strong tea"
NEW_PASSWORD = "a quiet walk by the river"
# 120 characters: the longest addresses people really have are about this long.
LONG_EMAIL = (
    "florence.nightingale-seacole.communitymental-health"
    + "@"
    + ("north-eastern-regional-trauma-and-crisis-support-service.example.org")
)


def look(page, name: str, part=None) -> None:
    """Screenshot light and dark into ``screenshots/accounts``; no sideways scroll, no axe
    finding."""
    look_light_and_dark(page, SHOTS, name, part)


def test_the_recovery_code_from_sign_up_gets_you_back_in(live_server, page):
    assert len(LONG_EMAIL) == 120
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    page.get_by_role("link", name="Get started").click()
    page.wait_for_selector("h1:has-text('set you up')")
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    page.wait_for_selector("h1:has-text('Your recovery code')")
    code = page.locator(".recovery-code").inner_text().strip()
    assert len(code.replace("-", "")) >= 32
    look(page, "1-recovery-code")
    page.get_by_role("button", name="I've saved it").click()
    page.wait_for_selector("h1:has-text('Your days')")

    assert api(page, "POST", "/api/auth/logout")["status"] == 204
    page.goto(live_server.url + "/#/welcome")
    page.reload()
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_selector("h1:has-text('Forgot your password?')")
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("Recovery code").fill("WRONG-CODE")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_selector(".field-error, .form-error")
    look(page, "2-forgot-wrong-code")
    page.get_by_label("Recovery code").fill(code.lower())
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_selector("#screen[data-ready=today]")
    assert api(page, "GET", "/api/me")["json"]["user"]["email"] == LONG_EMAIL
    assert api(page, "POST", "/api/auth/logout")["status"] == 204
    login = {"email": LONG_EMAIL, "password": NEW_PASSWORD}
    assert api(page, "POST", "/api/auth/login", login)["status"] == 200
    assert page.errors == []


def test_change_password_and_a_new_recovery_code_in_settings(live_server, page):
    page.goto(live_server.url + "/")
    body = {"email": LONG_EMAIL, "password": PASSWORD, "timezone": "America/Chicago"}
    assert api(page, "POST", "/api/auth/register", body)["status"] == 201
    page.goto(live_server.url + "/#/settings")
    page.reload()
    page.wait_for_selector("#screen[data-ready=settings]")
    section = page.locator("section:has(h2:has-text('Your account'))")
    section.scroll_into_view_if_needed()
    section.get_by_text("Change password", exact=True).first.click()
    section.get_by_label("Current password").fill("not my password at all")
    section.get_by_label("New password").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Change password").click()
    page.wait_for_selector(".field-error:has-text('That password is not right')")
    look(page, "3-settings-change-password-error", section)
    section.get_by_label("Current password").fill(PASSWORD)
    section.get_by_role("button", name="Change password").click()
    page.wait_for_selector("#toast:has-text('Password changed')")

    section.locator("summary:has-text('New recovery code')").click()
    section.get_by_label("Your password").fill(NEW_PASSWORD)
    section.get_by_role("button", name="Make a new code").click()
    page.wait_for_selector("section .recovery-code")
    look(page, "4-settings-new-recovery-code", section)
    section.get_by_role("button", name="I've saved it").click()
    section.locator("summary:has-text('Sign out everywhere')").click()
    look(page, "5-settings-your-account", section)
    section.get_by_role("button", name="Sign out on every device").click()
    page.wait_for_selector("h1:has-text('Welcome to Tend')")
    login = {"email": LONG_EMAIL, "password": NEW_PASSWORD}
    assert api(page, "POST", "/api/auth/login", login)["status"] == 200
    assert page.errors == []


@pytest.fixture
def smtp_inbox(app_config):
    """A real SMTP server on loopback, configured before the live server starts."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app_config["TEND_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    yield inbox
    controller.stop()


def test_a_reset_link_by_email_sets_a_new_password(smtp_inbox, live_server, page):
    page.goto(live_server.url + "/")
    body = {"email": LONG_EMAIL, "password": PASSWORD, "timezone": "America/Chicago"}
    assert api(page, "POST", "/api/auth/register", body)["status"] == 201
    assert api(page, "POST", "/api/auth/logout")["status"] == 204
    page.goto(live_server.url + "/#/forgot")
    page.reload()
    page.wait_for_selector("h2:has-text('No recovery code?')")
    email_form = page.locator("section:has(h2:has-text('No recovery code?'))")
    email_form.get_by_label("Email").fill(LONG_EMAIL)
    email_form.get_by_role("button", name="Email me a link").click()
    page.wait_for_selector("text=a link is on its way")
    look(page, "6-forgot-with-email")
    (message,) = smtp_inbox.wait_for(1)
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/#/reset/\S+)", text).group(1)
    assert link.startswith(live_server.url)

    page.goto(link)
    page.wait_for_selector("h1:has-text('Choose a new password')")
    look(page, "7-reset")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_selector("#screen[data-ready=today]")
    assert api(page, "GET", "/api/me")["json"]["user"]["email"] == LONG_EMAIL
    # The link works once.
    page.goto(link)
    page.wait_for_selector("h1:has-text('Choose a new password')")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_selector("[role=alert]:has-text('expired or was already used')")
    look(page, "8-reset-used")
    assert page.errors == []


def test_sign_up_with_an_invite_code(app_config, live_server, page):
    from sqlmodel import Session

    from server.accounts.invites import create_invites
    from server.db import utcnow

    live_server.app.config["TEND_REGISTRATION"] = "invite"
    with Session(live_server.app.extensions["tend.engine"]) as session:
        (code,) = create_invites(session, 1, utcnow())
        session.commit()
    page.goto(live_server.url + "/#/start")
    page.wait_for_selector("h1:has-text('set you up')")
    page.get_by_label("Invite code").wait_for()
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Invite code").fill("NOT-THE-CODE")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector(".field-error:has-text('may be used already')")
    look(page, "9-sign-up-invite-error")
    page.get_by_label("Invite code").fill(code)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("h1:has-text('Your recovery code')")
    assert page.errors == []
