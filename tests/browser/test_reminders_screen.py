"""The Reminders screen: a compact list, switches named after their reminders, the edit sheet,
remove with undo, and snooze only while something is due."""

from __future__ import annotations

import pytest

from tests.browser.helpers import api, axe_findings, open_signed_in, screenshot
from tests.browser.test_screens import open_screen


def add(page, title: str, time: str, kind: str = "checkin") -> dict:
    """Create a daily reminder through the API."""
    body = {"kind": kind, "title": title, "schedule": {"type": "daily", "time": time}}
    answer = api(page, "POST", "/api/reminders", body)
    assert answer["status"] == 201, answer
    return answer["json"]["reminder"]


def in_minutes(page, minutes: int) -> str:
    """The device's wall time ``minutes`` from now, as HH:MM."""
    return page.evaluate(
        """(m) => { const d = new Date(Date.now() + m * 60000);
        const pad = (n) => String(n).padStart(2, "0");
        return pad(d.getHours()) + ":" + pad(d.getMinutes()); }""",
        minutes,
    )


def open_reminders(page) -> None:
    open_screen(page, "reminders")


@pytest.fixture
def signed_in(live_server, page):
    open_signed_in(page, live_server.url)
    return page


def test_every_switch_has_its_own_name(signed_in):
    page = signed_in
    add(page, "Drink some water", "10:00")
    add(page, "Drink some water", "15:00")
    add(page, "Evening check-in", "18:30")
    open_reminders(page)
    switches = page.get_by_role("switch")
    names = [
        switches.nth(i).evaluate("el => el.getAttribute('aria-label')")
        for i in range(switches.count())
    ]
    assert len(names) == 3 and len(set(names)) == 3, names
    assert all("Drink some water" in name for name in names[:2])
    assert page.get_by_role("switch", name="Evening check-in", exact=True).is_checked()
    # The switch flips at once; the list is read back only after the server answered.
    with page.expect_response(
        lambda r: "/api/reminders/" in r.url and r.request.method == "PATCH"
    ) as saved:
        page.get_by_role("switch", name="Evening check-in", exact=True).click()
    assert saved.value.ok
    listed = api(page, "GET", "/api/reminders")["json"]["reminders"]
    assert [r["enabled"] for r in listed if r["title"] == "Evening check-in"] == [False]
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        screenshot(page, f"reminders-list-{scheme}")
        assert axe_findings(page) == [], scheme
    assert page.errors == []


def test_edit_sheet_renames_and_moves_and_remove_has_undo(signed_in):
    page = signed_in
    add(page, "Evening check-in", "18:30")
    open_reminders(page)
    page.get_by_role("button", name="Evening check-in").click()
    sheet = page.get_by_role("dialog", name="Evening check-in")
    assert sheet.is_visible()
    assert sheet.get_by_role("button", name="Snooze").count() == 0  # nothing due now
    screenshot(page, "reminders-sheet")
    assert axe_findings(page) == []
    sheet.get_by_label("Name").fill("After the late shift")
    sheet.get_by_label("Time").fill("21:15")
    sheet.get_by_label("Sat").uncheck()
    sheet.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="After the late shift").wait_for()
    (reminder,) = api(page, "GET", "/api/reminders")["json"]["reminders"]
    assert reminder["title"] == "After the late shift"
    assert reminder["schedule"] == {"type": "daily", "time": "21:15", "days": [0, 1, 2, 3, 4, 6]}

    page.get_by_role("button", name="After the late shift").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    toast = page.locator("#toast")
    toast.get_by_role("button", name="Undo").wait_for()
    assert toast.inner_text().startswith("Removed")
    assert api(page, "GET", "/api/reminders")["json"]["reminders"] == []
    toast.get_by_role("button", name="Undo").click()
    page.get_by_role("button", name="After the late shift").wait_for()
    (back,) = api(page, "GET", "/api/reminders")["json"]["reminders"]
    assert (back["title"], back["schedule"]) == (reminder["title"], reminder["schedule"])
    assert page.errors == []


def test_snooze_is_offered_only_while_due(signed_in):
    page = signed_in
    soon = add(page, "Stretch your back", in_minutes(page, 20))
    add(page, "Much later", in_minutes(page, 180))
    open_reminders(page)
    page.get_by_role("button", name="Much later").click()
    assert page.get_by_role("dialog").get_by_role("button", name="Snooze").count() == 0
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Stretch your back").click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_label("Snooze for").select_option("30")
    sheet.get_by_role("button", name="Snooze").click()
    page.locator("#toast", has_text="Snoozed until").wait_for()
    listed = api(page, "GET", "/api/reminders")["json"]["reminders"]
    (after,) = [r for r in listed if r["id"] == soon["id"]]
    assert after["snoozed_until"] is not None
    assert (
        page.evaluate(
            "([a, b]) => new Date(a) - new Date(b)", [after["snoozed_until"], soon["next_due_at"]]
        )
        == 30 * 60 * 1000
    )
    assert page.errors == []


def test_add_your_own_reminder_with_its_own_title(signed_in):
    page = signed_in
    open_reminders(page)
    own = page.locator("form:has(input[name=title])").first
    own.get_by_role("button", name="Add reminder").click()
    note = own.locator(".field-error")
    note.wait_for()
    assert note.inner_text() == "Give it a name, so you know what it is for."
    assert own.get_by_label("What it says").get_attribute("aria-invalid") == "true"
    own.get_by_label("What it says").fill("Drink some water")
    own.get_by_label("Time").fill("11:00")
    own.get_by_role("button", name="Add reminder").click()
    page.get_by_role("switch", name="Drink some water").wait_for()
    (reminder,) = api(page, "GET", "/api/reminders")["json"]["reminders"]
    assert (reminder["kind"], reminder["title"]) == ("custom", "Drink some water")
    assert reminder["schedule"]["time"] == "11:00"
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert axe_findings(page) == [], scheme
    assert page.errors == []
