"""Passkeys in Chromium with its virtual authenticator (DevTools protocol ``WebAuthn``):
add one in Settings, lock the app with it, unlock with it, sign in with it.

WebAuthn needs a host name, not an IP address, so the app is opened on ``localhost``.
"""

from __future__ import annotations

from tests.browser.helpers import SCREENSHOTS, api, look_light_and_dark, open_signed_in

SHOTS = SCREENSHOTS / "passkeys"
LONG_NAME = "The work phone I carry on nights on the children's ward, second floor"


def phone_authenticator(context, page):
    """A platform authenticator with a screen lock that always says yes."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_add_a_passkey_lock_with_it_unlock_and_sign_in(live_server, browser_context, page):
    url = live_server.url.replace("127.0.0.1", "localhost")
    cdp, authenticator = phone_authenticator(browser_context, page)
    open_signed_in(page, url, "settings")

    # Settings: add a passkey with a very long name.
    passkeys = page.locator("#passkeys")
    passkeys.get_by_label("Name (optional)").fill(LONG_NAME)
    passkeys.get_by_role("button", name="Add a passkey").click()
    page.locator("#toast", has_text="Passkey added").wait_for()
    passkeys.get_by_text(LONG_NAME).wait_for()
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(held["credentials"]) == 1 and held["credentials"][0]["isResidentCredential"]
    passkeys.scroll_into_view_if_needed()
    look_light_and_dark(page, SHOTS, "settings-passkeys", passkeys)

    # Lock the app with it, hide, and come back through the lock screen.
    page.locator("#privacy").get_by_role("button", name="Lock with your passkey instead").click()
    page.locator("#toast", has_text="opens with your passkey").wait_for()
    page.get_by_role("button", name="Hide").click()
    page.wait_for_function("() => location.hash === '#/hidden'")
    # Hiding locks this sign-in on the server; the neutral screen waits for that.
    page.wait_for_function(
        "async () => (await (await fetch('/api/me')).status) === 423", polling=200
    )
    # Opening Tend again now meets the lock.
    page.goto(url + "/#/today")
    page.reload()
    page.get_by_role("button", name="Unlock with your passkey").wait_for()
    assert api(page, "GET", "/api/me")["status"] == 423
    look_light_and_dark(page, SHOTS, "lock-passkey")
    page.get_by_role("button", name="Unlock with your passkey").click()
    page.wait_for_selector("#screen[data-ready='today']")
    assert api(page, "GET", "/api/me")["status"] == 200

    # Signed out, back in with the passkey alone.
    assert api(page, "POST", "/api/auth/logout")["status"] == 204
    page.goto(url + "/#/welcome")
    page.reload()
    page.get_by_role("button", name="Sign in with a passkey").wait_for()
    look_light_and_dark(page, SHOTS, "welcome-passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_selector("#screen[data-ready='today']")
    me = api(page, "GET", "/api/me")
    assert me["status"] == 200 and me["json"]["user"]["email"] == "robin@example.org"
    assert page.errors == []


def test_opened_by_address_the_card_says_how_to_use_passkeys(live_server, page):
    # `make run` prints http://127.0.0.1:8000, where browsers refuse passkeys.
    open_signed_in(page, live_server.url, "settings")
    passkeys = page.locator("#passkeys")
    assert "opened by its name" in passkeys.inner_text()
    link = passkeys.get_by_role("link", name="Open it at localhost")
    assert link.get_attribute("href").startswith("http://localhost:")
    assert page.get_by_role("button", name="Add a passkey").count() == 0
    passkeys.scroll_into_view_if_needed()
    look_light_and_dark(page, SHOTS, "settings-passkeys-by-address", passkeys)
    assert api(page, "POST", "/api/auth/logout")["status"] == 204
    page.goto(live_server.url + "/#/welcome")
    page.reload()
    page.get_by_role("button", name="Sign in", exact=True).wait_for()
    assert page.get_by_role("button", name="Sign in with a passkey").count() == 0
    assert page.errors == []
