"""A card whose data does not load says so in plain words, with a way to try again.

The server is made to fail (500) for what feeds each card, never for the screen
itself; everything else on the screen keeps working.
"""

from __future__ import annotations

import json

from tests.browser.helpers import SCREENSHOTS, look_light_and_dark, open_signed_in

DID_NOT_LOAD = "It didn't load just now. Your data is safe."


def fail(context, *paths: str) -> None:
    """Answer 500 (the documented error shape) for every request to ``paths``."""
    body = json.dumps({"error": {"code": "internal_error", "message": "Something went wrong."}})
    for path in paths:
        context.route(
            f"**{path}*",
            lambda route: route.fulfill(status=500, content_type="application/json", body=body),
        )


def failed_titles(page) -> list[str]:
    """The titles of the cards that say they did not load."""
    cards = page.locator("section.card[role=status]", has_text=DID_NOT_LOAD)
    return cards.locator("h2").all_inner_texts()


def test_settings_cards_that_fail_say_so_and_the_rest_still_works(
    live_server, page, browser_context
):
    # A very long address, so the screenshots show the failed cards beside it.
    open_signed_in(
        page,
        live_server.url,
        "today",
        email="alexandra.konstantinopoulou-wiśniewska.night-shift@children-hospital.example.org",
        password="a long enough passphrase 42",
        timezone="America/Chicago",
    )
    fail(
        browser_context,
        "/api/push/subscriptions",
        "/api/timeoff",
        "/api/support/people",
        "/api/lock",
        "/api/support/crisis-lines",
    )
    page.goto(f"{live_server.url}/#/settings")
    page.wait_for_selector("#screen[data-ready='settings']")
    page.wait_for_function(
        "text => [...document.querySelectorAll('section.card[role=status]')]"
        ".filter(card => card.textContent.includes(text)).length >= 4",
        arg=DID_NOT_LOAD,
    )
    titles = failed_titles(page)
    assert sorted(titles) == ["Privacy", "Support", "Time off", "Your devices"]
    # The crisis lines were kept from the first screen: the country still works from them.
    assert page.get_by_label("Country").is_visible()
    # Every failed card offers to try again; the working ones are still there.
    assert page.get_by_role("button", name="Try again").count() == len(titles)
    assert page.get_by_label("Most notifications a day").is_visible()
    look_light_and_dark(page, SCREENSHOTS / "failed", "settings-failed")
    assert page.errors == []


def test_programs_and_todays_cards_that_fail_say_so(live_server, page, browser_context):
    open_signed_in(page, live_server.url, "today")
    fail(browser_context, "/api/habits/presets", "/api/timeoff")
    page.goto(f"{live_server.url}/#/reminders")
    page.wait_for_selector("#screen[data-ready='reminders']")
    page.get_by_role("heading", name="Programs").wait_for()
    assert failed_titles(page) == ["Programs"]
    assert page.get_by_role("heading", name="Your reminders").is_visible()
    look_light_and_dark(page, SCREENSHOTS / "failed", "reminders-failed")
    page.goto(f"{live_server.url}/#/today")
    page.wait_for_selector("#screen[data-ready='today']")
    page.get_by_role("heading", name="Time off").wait_for()
    assert "Time off" in failed_titles(page)
    look_light_and_dark(page, SCREENSHOTS / "failed", "today-failed")
    assert page.errors == []
