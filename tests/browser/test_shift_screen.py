"""The Shifts screen in a phone browser: mode, week, quick night, pattern, roster import, Today."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser.helpers import (
    SCREENSHOTS,
    api,
    axe_findings,
    register,
    screenshot,
    wait_for_worker,
)

ROTA = Path(__file__).resolve().parents[1] / "fixtures" / "rota_autumn.ics"
SHOTS = SCREENSHOTS / "shifts"
LONG_LABEL = "Night shift on the acute medical admissions unit, ward 7 north (bank cover)"
LONG_EMAIL = "a.very.long.name.for.a.night.nurse.on.the.admissions.unit@example-hospital.org"


def shot(page, name: str) -> None:
    """A phone screenshot into ``screenshots/shifts``, for looking at."""
    screenshot(page, name, SHOTS)


def open_screen(page, name: str) -> None:
    page.goto(f"{page.url.split('#')[0]}#/{name}")
    page.wait_for_selector(f"#screen[data-ready='{name}']")


def sideways(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.fixture
def nurse(live_server, browser_context, page):
    """A nurse in shifts mode with last night's shift, tonight's, and the sleep program."""
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, LONG_EMAIL)
    assert api(page, "PATCH", "/api/me", {"schedule_mode": "shifts"})["status"] == 200
    today = date.today()
    yesterday = today - timedelta(days=1)
    for start, end, label in [
        (f"{yesterday}T19:00", f"{today}T07:30", LONG_LABEL),
        (f"{today}T19:00", f"{today + timedelta(days=1)}T07:30", None),
    ]:
        body = {"start": start, "end": end, **({"label": label} if label else {})}
        answer = api(page, "POST", "/api/shifts", body)
        assert answer["status"] == 201, answer
    assert api(page, "POST", "/api/habits/presets/sleep", {})["status"] == 201
    page.reload()
    page.wait_for_selector("#screen h1")
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_shift_screens_read_well_on_a_phone(nurse, scheme):
    page = nurse
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    for name in ("shifts", "today", "reminders", "settings"):
        open_screen(page, name)
        assert "didn't load" not in page.locator("h1").inner_text(), name
        shot(page, f"{name}-{scheme}")
        assert sideways(page) <= 0, name
        assert axe_findings(page) == [], f"{name} ({scheme})"
    assert page.errors == []


def test_today_shows_the_shift_and_reminders_say_what_they_hold(nurse):
    page = nurse
    open_screen(page, "today")
    text = page.locator("#screen").inner_text()
    assert "shift" in text.lower()
    open_screen(page, "reminders")
    assert "Held " in page.locator("#screen").inner_text()


def test_adding_a_night_a_pattern_and_importing_a_roster(nurse):
    page = nurse
    open_screen(page, "shifts")
    page.get_by_label("Night of").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Add this shift").click()
    page.wait_for_selector("text=/Shift added: /")

    page.get_by_label("Pattern").select_option("four_four")
    page.get_by_label("First day of the cycle").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_label("Weeks ahead").fill("2")
    page.get_by_role("button", name="Add the pattern").click()
    page.wait_for_selector("text=/Added \\d+ shifts/")
    page.wait_for_selector("text=/of every 8 days/")

    page.get_by_label("Roster file (.ics)").set_input_files(str(ROTA))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("text=5 shifts imported, 1 left out (all-day or not a shift).")

    # A shift that overlaps shows the server's words in the form.
    page.get_by_label("Night of").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Add this shift").click()
    page.wait_for_selector("text=This shift overlaps another one")
    shot(page, "shifts-after-adding")
    assert sideways(page) <= 0
    assert page.errors == []


def test_tap_targets_are_at_least_44_px(nurse):
    page = nurse
    open_screen(page, "shifts")
    small = page.evaluate("""() => [...document.querySelectorAll(
            '#screen button, #screen a.button, #screen summary, #screen input, #screen select')]
        .filter(el => el.offsetParent !== null && el.type !== 'radio' && el.type !== 'checkbox')
        .map(el => [el.name || el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44)
        .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []


def test_the_nap_before_nights_is_a_choice_in_the_sleep_program(nurse):
    page = nurse
    assert api(page, "DELETE", "/api/habits/presets/sleep")["status"] == 204
    open_screen(page, "reminders")
    sleep_card = page.locator("form.card", has=page.get_by_role("heading", name="Sleep"))
    sleep_card.locator("summary").click()
    sleep_card.get_by_label("a nap reminder before the first night", exact=False).check()
    shot(page, "reminders-sleep-adjust")
    sleep_card.get_by_role("button", name="Switch on sleep").click()
    sleep_card.get_by_text("only before the first night of a run").wait_for()
    reminders = api(page, "GET", "/api/reminders")["json"]["reminders"]
    assert "A nap before your night shift" in [r["title"] for r in reminders]


def test_shifts_fit_at_200_percent_zoom(nurse):
    page = nurse
    page.set_viewport_size({"width": 195, "height": 422})  # a 390 px phone at 200 %
    for name in ("shifts", "today"):
        open_screen(page, name)
        assert sideways(page) <= 0, name
    shot(page, "today-zoom-200")
