"""The app lock and "Hide" in the browser: set a PIN in Settings, hide at once, the lock
screen, help now still open while locked without the person's own people, unlock with the
PIN. Screenshots at 390 px, light and dark, with a very long email."""

from __future__ import annotations

import pytest

from server.config import load_settings
from tests.browser.helpers import SCREENSHOTS, api, look_light_and_dark, wait_for_worker

SHOTS = SCREENSHOTS / "privacy"
PASSWORD = "night shifts and strong tea"
LONG_EMAIL = (
    "florence.nightingale-seacole.communitymental-health"
    + "@"
    + "north-eastern-regional-trauma-and-crisis-support-service.example.org"
)
PEOPLE_KEY = "tend.now.people"


def look(page, name: str, part=None) -> None:
    """Screenshots under /tmp/shots/privacy, checked for width and axe."""
    look_light_and_dark(page, SHOTS, name, part)


def kept_people(page):
    """What help-now keeps of the person's people on this device."""
    return page.evaluate(f"() => localStorage.getItem({PEOPLE_KEY!r})")


def test_pin_lock_hide_and_unlock(live_server, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    body = {"email": LONG_EMAIL, "password": PASSWORD, "timezone": "Europe/Berlin"}
    assert api(page, "POST", "/api/auth/register", body)["status"] == 201
    person = {"name": "Sam from the team", "contact": "+49 30 1234567"}
    assert api(page, "POST", "/api/support/people", person)["status"] == 201
    page.goto(live_server.url + "/#/settings/privacy")
    page.reload()
    page.wait_for_selector("#privacy")
    page.wait_for_function(f"() => localStorage.getItem({PEOPLE_KEY!r}) !== null")
    assert "Sam from the team" in kept_people(page)

    page.get_by_label("New PIN (4 to 8 digits)").fill("2468")
    page.get_by_role("button", name="Set PIN").click()
    page.wait_for_selector("button:has-text('Remove the lock')")
    page.locator("#privacy").scroll_into_view_if_needed()
    look(page, "1-settings-privacy", page.locator("#privacy"))

    page.get_by_role("button", name="Hide").click()
    page.wait_for_selector("h1:has-text('Tend')")
    page.wait_for_function("() => location.hash === '#/hidden'")
    assert kept_people(page) is None
    assert "Sam" not in page.content()
    look(page, "2-hidden")
    page.wait_for_function(
        "async () => (await (await fetch('/api/me')).status) === 423", polling=200
    )

    page.get_by_role("button", name="Back").click()
    page.wait_for_selector("h1:has-text('Tend is locked')")
    top = page.locator("header.top").bounding_box()
    assert top["height"] < 80, "the header keeps Hide on one line at 390 px"
    look(page, "3-lock")
    page.goto(live_server.url + "/#/today")
    page.wait_for_selector("h1:has-text('Tend is locked')")

    # Help now stays open, without the person's own people.
    page.goto(live_server.url + "/#/now")
    page.wait_for_selector("h1")
    page.wait_for_timeout(500)
    assert "Sam from the team" not in page.content()
    assert kept_people(page) is None

    page.goto(live_server.url + "/#/lock")
    page.wait_for_selector("h1:has-text('Tend is locked')")
    page.get_by_label("Your PIN").fill("1111")
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_selector("text=That PIN is not right.")
    page.get_by_label("Your PIN").fill("2468")
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_function("() => location.hash === '#/today'")
    assert api(page, "GET", "/api/me")["status"] == 200
    page.wait_for_function(f"() => (localStorage.getItem({PEOPLE_KEY!r}) || '').includes('Sam')")


NOTICE = (
    "We run Tend for the staff of St Example's on our own server in Leipzig.\n\n"
    "Only you see your answers. Write to dataprotection@st-example.example.org with questions."
)


@pytest.fixture
def notice_config(app_config, tmp_path):
    """The app with a privacy notice and 180 days' retention."""
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, encoding="utf-8")
    app_config["TEND_PRIVACY_NOTICE"] = load_settings({"TEND_PRIVACY_NOTICE": str(path)})[
        "TEND_PRIVACY_NOTICE"
    ]
    app_config["TEND_RETENTION_DAYS"] = 180
    return app_config


def test_privacy_notice_at_sign_up(notice_config, live_server, page):
    page.goto(live_server.url + "/#/start")
    page.get_by_text("How this server treats your data").click()
    page.wait_for_selector("text=our own server in Leipzig")
    page.wait_for_selector("text=deleted after 180 days")
    look(page, "4-sign-up-notice", page.locator("details.notice"))
