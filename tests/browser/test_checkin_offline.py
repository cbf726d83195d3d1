"""A check-in answered offline waits in the outbox and is stored once when back online;
Today then says calmly that today's check-in is done."""

from __future__ import annotations

from tests.browser.helpers import api, axe_findings, open_signed_in, screenshot


def test_offline_check_in_is_sent_once_and_today_is_calm(live_server, browser_context, page):
    open_signed_in(page, live_server.url, "checkin")
    browser_context.set_offline(True)
    while page.locator(".scale button").count():
        page.locator(".scale button").first.click()
        page.wait_for_timeout(100)
        if page.locator("h1", has_text="Thank you").count():
            break
    page.get_by_text("your answers are kept on this phone").wait_for()
    queued = page.evaluate(
        "async () => (await import('/js/outbox.js')).pending().then(items => items.length)"
    )
    assert queued == 1
    browser_context.set_offline(False)
    page.wait_for_function(
        "async () => (await (await import('/js/outbox.js')).pending()).length === 0",
        polling=250,
    )
    # A second flush (another start of the app) must not store it again.
    page.evaluate("async () => (await import('/js/outbox.js')).flush()")
    checkins = api(page, "GET", "/api/checkins")["json"]["checkins"]
    assert len(checkins) == 1
    page.goto(live_server.url + "/#/today")
    page.wait_for_selector("#screen[data-ready=today]")
    calm = page.locator("#checked-in")
    assert "You checked in at" in calm.inner_text()
    assert page.get_by_role("link", name="Check in now").count() == 0
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page, f"today-checked-in-{scheme}")
        assert axe_findings(page) == [], scheme
    assert page.errors == []
