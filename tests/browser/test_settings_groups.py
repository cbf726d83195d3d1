"""Settings: five groups, the scroll stays put after adding or removing, and an offer to
switch when the device's time zone is not the saved one."""

from __future__ import annotations

from tests.browser.helpers import api, axe_findings, open_signed_in, screenshot

GROUPS = ["You", "Your hours", "Notifications", "Support", "Privacy"]


def sign_up_in(page, url: str, zone: str) -> None:
    """Register with ``zone`` as the saved time zone and open Settings."""
    body = {"email": "sam@example.org", "password": "a long enough passphrase 42", "timezone": zone}
    open_signed_in(page, url, "settings", **body)


def test_groups_and_one_account_card(live_server, page):
    sign_up_in(page, live_server.url, "America/Chicago")
    titles = page.locator(".group-title").all_inner_texts()
    assert [t.strip().lower() for t in titles] == [g.lower() for g in GROUPS]
    assert page.locator("h2", has_text="Account").all_inner_texts() == ["Your account"]
    assert page.locator("#zone").count() == 0  # the device agrees with the saved zone
    page.get_by_role("link", name="Privacy").click()
    page.wait_for_function("() => window.scrollY > 0")
    assert page.errors == []


def test_scroll_stays_after_adding_and_removing(live_server, page):
    sign_up_in(page, live_server.url, "America/Chicago")
    support = page.locator("section.card:has(h2:text-is('Support'))")
    support.get_by_label("Name").scroll_into_view_if_needed()
    before = page.evaluate("() => window.scrollY")
    assert before > 500
    support.get_by_label("Name").fill("Sam")
    support.get_by_role("button", name="Add person").click()
    page.get_by_role("button", name="Remove Sam").wait_for()
    after = page.evaluate("() => window.scrollY")
    assert abs(after - before) < 80, (before, after)
    page.get_by_role("button", name="Remove Sam").click()
    page.get_by_role("button", name="Remove Sam").wait_for(state="detached")
    assert abs(page.evaluate("() => window.scrollY") - before) < 80


def test_offers_to_switch_to_the_device_time_zone(live_server, page):
    # The browser runs in America/Chicago (conftest); the account was saved in Berlin.
    sign_up_in(page, live_server.url, "Europe/Berlin")
    offer = page.locator("#zone")
    assert "America/Chicago" in offer.inner_text() and "Europe/Berlin" in offer.inner_text()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page, f"settings-zone-{scheme}")
        assert axe_findings(page) == [], scheme
    offer.get_by_role("button", name="Use America/Chicago").click()
    page.locator("#toast", has_text="America/Chicago").wait_for()
    assert api(page, "GET", "/api/me")["json"]["user"]["timezone"] == "America/Chicago"
    # Settings is drawn again after the change; then the offer is gone.
    page.locator("#zone").wait_for(state="detached")
    assert page.errors == []


def test_keeping_the_saved_zone_hides_the_offer(live_server, page):
    sign_up_in(page, live_server.url, "Europe/Berlin")
    page.locator("#zone").get_by_role("button", name="Keep Europe/Berlin").click()
    page.locator("#zone").wait_for(state="detached")
    page.reload()
    page.wait_for_selector("#screen[data-ready=settings]")
    assert page.locator("#zone").count() == 0
    assert api(page, "GET", "/api/me")["json"]["user"]["timezone"] == "Europe/Berlin"
