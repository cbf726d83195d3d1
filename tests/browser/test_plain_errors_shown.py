"""Errors in forms: every field's note at once, in plain words, under its own field."""

from __future__ import annotations

from tests.browser.helpers import axe_findings, open_signed_in, screenshot


def test_every_field_error_is_shown_under_its_field(live_server, page):
    open_signed_in(page, live_server.url, "settings")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_label("Most notifications a day").fill("99")
    form = page.locator("form", has=page.get_by_label("Most notifications a day"))
    form.get_by_role("button", name="Save").click()
    form.locator(".field-error").nth(1).wait_for()
    notes = form.locator(".field-error").all_inner_texts()
    assert "Use 30 or less." in notes
    assert len(notes) == 2, notes
    assert not [note for note in notes if "Input should" in note or "Value error" in note]
    assert page.get_by_label("Most notifications a day").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    budget_note = page.get_by_label("Most notifications a day").get_attribute("aria-describedby")
    assert page.locator(f"#{budget_note}").inner_text() == "Use 30 or less."
    screenshot(page, "settings-errors")
    assert axe_findings(page) == []
    assert page.errors == []
