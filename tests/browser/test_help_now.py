"""Need a moment? in Chromium: offline and signed out, breathing to its end, the shortcut,
the screen after a hard moment, the moment history, and axe on every new screen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from server.checkins.models import CheckIn, CheckInAnswer, Moment
from server.exercises.models import Exercise
from tests.browser.helpers import (
    SCREENSHOTS,
    api,
    axe_findings,
    register,
    screenshot,
    wait_for_worker,
)

LONG_NAME = "Dr Maria-Magdalena Alexandrovna Featherstonehaugh-Cholmondeley"
LONG_EMAIL = "a.very.long.name.for.a.night.shift.nurse.on.ward.seven@hospital-trust.example.org"


@pytest.fixture(autouse=True)
def operator_resources(app_config):
    """A workplace resource with a long name, as an operator might configure."""
    app_config["TEND_SUPPORT_RESOURCES"] = json.dumps(
        [
            {
                "name": "Staff Wellbeing and Psychological Support Service (24 hours)",
                "phone": "0800 123 4567",
                "note": "Confidential; your manager is not told.",
                # A long address must wrap, never push the phone screen sideways.
                "url": "https://staff-wellbeing.example-hospital-trust.example.org/"
                "psychological-support/self-referral-for-every-member-of-staff",
            }
        ]
    )
    return app_config


def open_screen(page, route: str, ready: str | None = None) -> None:
    page.goto(f"{page.url.split('#')[0]}#/{route}")
    page.wait_for_selector(f"#screen[data-ready='{ready or route.split('/')[0]}']")


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"scrolls sideways by {overflow}px"


@pytest.fixture
def signed_in(live_server, browser_context, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, LONG_EMAIL)
    answer = api(page, "POST", "/api/support/people", {"name": LONG_NAME, "contact": "+1 555 0100"})
    assert answer["status"] == 201, answer
    api(page, "POST", "/api/support/people", {"name": "Sam", "contact": "sam@example.org"})
    page.reload()
    page.wait_for_selector("#screen h1")
    return page


def test_now_opens_offline_and_signed_out_with_the_chosen_countrys_line(
    live_server, browser_context, page
):
    page.goto(live_server.url + "/#/now")
    wait_for_worker(page)
    page.wait_for_selector("#screen[data-ready='now']")
    page.select_option("#now-country", "DE")
    assert "TelefonSeelsorge" in page.locator("#now-line").inner_text()
    browser_context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("#screen[data-ready='now']")
        assert page.locator("h1").inner_text() == "Need a moment?"
        assert page.locator("a.choice").count() == 4
        line = page.locator("#now-line").inner_text()
        assert "TelefonSeelsorge" in line and "0800 111 0 111" in line
        # One line shown; the others wait behind the disclosure.
        others = page.locator("details:has-text('Lines in other countries')")
        assert not others.locator("text=Samaritans").first.is_visible()
        # Signed out: no "your people" here.
        assert page.locator("text=Your people").count() == 0
        screenshot(page, "now-offline-signed-out")
        page.locator("a.choice", has_text="5-4-3-2-1").click()
        page.wait_for_selector("h1:has-text('5 things you can see')")
        # Started offline on another screen, the header button still opens it.
        page.goto(live_server.url + "/#/today")
        page.wait_for_selector("h1:has-text('Waiting for a connection')")
        page.locator("header").get_by_role("link", name="Need a moment?").click()
        page.wait_for_selector("#screen[data-ready='now'] #now-line:has-text('TelefonSeelsorge')")
    finally:
        browser_context.set_offline(False)
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_welcome_and_signed_out_now_have_no_serious_accessibility_finding(
    live_server, page, scheme
):
    page.emulate_media(color_scheme=scheme)
    for route in ("welcome", "now"):
        page.goto(f"{live_server.url}/#/{route}")
        page.wait_for_selector(f"#screen[data-ready='{route}']")
        screenshot(page, f"{route}-signed-out-{scheme}")
        assert axe_findings(page) == [], f"{route} ({scheme})"
        no_sideways_scroll(page)


def test_header_and_welcome_lead_to_now_without_signing_in(live_server, page):
    page.goto(live_server.url + "/")
    page.wait_for_selector("#screen[data-ready='welcome']")
    page.locator("main").get_by_role("link", name="Need a moment now?").click()
    page.wait_for_selector("#screen[data-ready='now']")
    page.goto(live_server.url + "/#/start")
    page.wait_for_selector("#screen[data-ready='start']")
    page.locator("header").get_by_role("link", name="Need a moment?").click()
    page.wait_for_selector("#screen[data-ready='now']")


def test_breathing_runs_to_its_end_on_a_controlled_clock(live_server, browser_context, page):
    page.clock.install()
    page.goto(live_server.url + "/#/now/breathe")
    page.wait_for_selector("#screen[data-ready='now']")
    page.get_by_role("button", name="Start").click()
    phase = page.locator(".phase")
    assert phase.get_attribute("aria-live") == "polite"
    assert phase.inner_text() == "Breathe in"
    assert page.locator(".breath").get_attribute("class") == "breath in"
    page.clock.run_for(3000)
    assert phase.inner_text() == "Breathe in"  # said once per phase, not every second
    page.clock.run_for(1000)
    assert phase.inner_text() == "Breathe out"
    assert page.locator(".progress").inner_text() == "Breath 1 of 9"
    page.clock.run_for(6000)
    assert phase.inner_text() == "Breathe in"
    assert page.locator(".progress").inner_text() == "Breath 2 of 9"
    page.clock.run_for(80_000)  # 9 breaths of 10 seconds
    page.wait_for_selector('h1:has-text("That\'s the end")')
    assert page.get_by_role("group", name="How do you feel now?").is_visible()
    assert page.errors == []


def test_breathing_counts_in_text_when_motion_is_reduced(live_server, page):
    page.emulate_media(reduced_motion="reduce")
    page.clock.install()
    page.goto(live_server.url + "/#/now/breathe")
    page.wait_for_selector("#screen[data-ready='now']")
    page.get_by_role("button", name="Start").click()
    assert not page.locator(".breath").is_visible()
    assert page.locator(".count").inner_text() == "4"
    page.clock.run_for(1000)
    assert page.locator(".count").inner_text() == "3"
    screenshot(page, "now-breathe-reduced-motion")


def test_the_manifest_has_the_now_shortcut_with_its_icon(live_server, page):
    page.goto(live_server.url + "/")
    manifest = page.evaluate("async () => (await fetch('/manifest.webmanifest')).json()")
    [shortcut] = [item for item in manifest["shortcuts"] if item["url"] == "/#/now"]
    [icon] = shortcut["icons"]
    assert icon["sizes"] == "96x96"
    size = page.evaluate(
        """async (src) => { const b = await createImageBitmap(await (await fetch(src)).blob());
        return [b.width, b.height]; }""",
        icon["src"],
    )
    assert size == [96, 96]


def test_reach_someone_lists_resources_people_and_one_line(signed_in):
    page = signed_in
    open_screen(page, "now/reach", "now")
    reach = page.locator("#reach")
    text = reach.inner_text()
    # In order: the operator's resources, your people, then crisis lines.
    work = text.index("Staff Wellbeing")
    people = text.index(LONG_NAME)
    lines = text.index("Talk to someone now")
    assert work < people < lines
    assert reach.locator("a[href='tel:+15550100']").count() == 1
    assert reach.locator("a[href='sms:+15550100']").count() == 1
    assert "sam@example.org" in text  # not a phone number: shown, not linked
    # Registered in America/Chicago: the US line first, alone.
    assert "988 Suicide" in page.locator("#now-line").inner_text()
    no_sideways_scroll(page)
    # Kept for offline use, and forgotten on sign-out.
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('tend.now.people'))")
    assert [person["name"] for person in kept] == [LONG_NAME, "Sam"]
    open_screen(page, "settings")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#screen[data-ready='welcome']")
    assert page.evaluate("() => localStorage.getItem('tend.now.people')") is None


def test_country_setting_changes_whose_line_comes_first(signed_in):
    page = signed_in
    open_screen(page, "settings")
    page.locator("#country select").select_option("GB")
    page.wait_for_selector("#toast:has-text('Saved.')")
    assert api(page, "GET", "/api/me")["json"]["user"]["country"] == "GB"
    open_screen(page, "now")
    assert "Samaritans" in page.locator("#now-line").inner_text()


def finish_kindness(page) -> None:
    open_screen(page, "today")
    page.locator("header").get_by_role("link", name="Need a moment?").click()
    page.locator("a.choice", has_text="A kind pause").click()
    for _ in range(2):
        page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    page.wait_for_selector('h1:has-text("That\'s the end")')


def stored_exercises(live_server) -> list[tuple[str, str | None]]:
    with Session(live_server.app.extensions["tend.engine"]) as session:
        rows = session.exec(select(Exercise).order_by(Exercise.id)).all()
        return [(row.exercise, row.feeling_after) for row in rows]


def wait_for_exercises(live_server, page, count: int) -> list[tuple[str, str | None]]:
    """The stored exercises once there are ``count`` (sending is not awaited by the screen)."""
    for _ in range(50):
        stored = stored_exercises(live_server)
        if len(stored) >= count:
            return stored
        page.wait_for_timeout(100)
    return stored_exercises(live_server)


def test_how_do_you_feel_is_stored_and_waits_in_the_outbox_offline(
    live_server, browser_context, signed_in
):
    page = signed_in
    finish_kindness(page)
    page.get_by_role("button", name="Better").click()
    page.wait_for_selector("text=Thank you. Noted.")
    assert wait_for_exercises(live_server, page, 1) == [("kindness", "better")]

    finish_kindness(page)
    browser_context.set_offline(True)
    page.get_by_role("button", name="Worse").click()
    page.wait_for_selector("text=reach someone")
    waiting = page.evaluate("""async () => (await import('/js/outbox.js')).pending()""")
    assert [(item["path"], item["body"]["feeling_after"]) for item in waiting] == [
        ("/api/exercises", "worse")
    ]
    browser_context.set_offline(False)  # the "online" event sends what waited
    assert wait_for_exercises(live_server, page, 2) == [
        ("kindness", "better"),
        ("kindness", "worse"),
    ]
    assert page.evaluate("async () => (await import('/js/outbox.js')).pending()") == []


def test_logging_a_hard_moment_leads_to_help_and_the_history_edits_and_deletes(
    live_server, signed_in
):
    page = signed_in
    open_screen(page, "today")
    page.get_by_role("button", name="Log a hard moment").click()
    page.get_by_label("A critical incident").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#screen[data-ready='now'] h1:has-text('Noted. That sounded hard.')")
    assert page.get_by_role("link", name="Take a minute").is_visible()
    assert page.get_by_role("link", name="Reach someone").is_visible()
    assert page.get_by_role("link", name="I'm OK for now").is_visible()
    assert "Tend will check in with you" in page.locator("#screen").inner_text()
    assert axe_findings(page) == []

    page.get_by_role("link", name="Your hard moments").click()
    page.wait_for_selector("#screen[data-ready='moments']")
    page.get_by_role("button", name="Add a note").click()
    page.get_by_label("Note").fill("Resus in bay 3, a long one")
    page.get_by_role("button", name="Save note").click()
    page.wait_for_selector(".moment-note:has-text('Resus in bay 3')")
    with Session(live_server.app.extensions["tend.engine"]) as session:
        assert session.exec(select(Moment.note)).one() == "Resus in bay 3, a long one"
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete").click()
    page.wait_for_selector("text=Nothing logged")
    with Session(live_server.app.extensions["tend.engine"]) as session:
        assert session.exec(select(Moment)).all() == []
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_new_screens_have_no_serious_accessibility_finding(live_server, signed_in, scheme):
    page = signed_in
    page.emulate_media(color_scheme=scheme)
    moment = api(
        page, "POST", "/api/moments", {"kind": "client_loss", "intensity": 3, "note": "x" * 300}
    )
    page.evaluate(
        "(m) => sessionStorage.setItem('tend.now.last-moment', JSON.stringify(m))",
        moment["json"]["moment"],
    )
    checks = [
        ("now/after", "now-after"),
        ("now", "now"),
        ("now/reach", "now-reach"),
        ("now/breathe", "now-breathe"),
        ("now/ground", "now-ground"),
        ("now/transition", "now-transition"),
        ("now/kindness", "now-kindness"),
        ("moments", "moments"),
    ]
    for route, name in checks:
        open_screen(page, route)
        screenshot(page, f"{name}-{scheme}")
        assert axe_findings(page) == [], f"{route} ({scheme})"
        no_sideways_scroll(page)
    open_screen(page, "now/breathe", "now")
    page.get_by_role("button", name="Start").click()
    screenshot(page, f"now-breathe-running-{scheme}")
    assert axe_findings(page) == [], f"breathing ({scheme})"
    finish_kindness(page)
    screenshot(page, f"now-finish-{scheme}")
    assert axe_findings(page) == [], f"finish ({scheme})"
    open_screen(page, "settings")
    page.locator("#country").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#country").screenshot(path=str(SCREENSHOTS / f"settings-country-{scheme}.png"))
    assert axe_findings(page) == [], f"settings ({scheme})"
    assert page.errors == []


def test_new_screens_have_44_px_targets(signed_in):
    page = signed_in
    for route in ("now", "now/ground", "moments"):
        open_screen(page, route)
        small = page.evaluate("""() => [...document.querySelectorAll(
                '#screen button, #screen a.button, #screen a.choice, #screen summary, ' +
                '#screen a.reach, header a')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")
        assert small == [], route


def test_new_screens_fit_at_200_percent_zoom(signed_in):
    page = signed_in
    page.set_viewport_size({"width": 195, "height": 422})  # a 390 px phone at 200 %
    for route in ("now", "now/breathe", "now/transition", "moments"):
        open_screen(page, route)
        no_sideways_scroll(page)
    screenshot(page, "moments-zoom-200")


def test_a_follow_up_check_in_offers_help_first(live_server, signed_in):
    page = signed_in
    moment = api(page, "POST", "/api/moments", {"kind": "safety_threat", "intensity": 5})
    # The address a hard-moment follow-up notification opens (server/checkins/notify.py).
    moment_id = moment["json"]["moment"]["id"]
    open_screen(page, f"checkin?domains=intrusion&moment={moment_id}", "checkin")
    page.get_by_role("link", name="Need a moment first?").click()
    page.wait_for_selector("#screen[data-ready='now'] h1:has-text('Need a moment?')")


def strained_fortnight(live_server, user_id: int) -> None:
    """Eight answers of low enjoyment over the last two weeks, stored as if given then."""
    now = datetime.now(UTC)
    with Session(live_server.app.extensions["tend.engine"]) as session:
        for days in (0, 1, 2, 3, 8, 9, 10, 11):
            at = now - timedelta(days=days)
            checkin = CheckIn(user_id=user_id, created_at=at)
            session.add(checkin)
            session.flush()
            session.add(
                CheckInAnswer(
                    checkin_id=checkin.id,
                    user_id=user_id,
                    question_id="enjoyment.parts",
                    domain="enjoyment",
                    value=1,
                    answered_at=at,
                )
            )
        session.commit()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_trends_offer_one_support_card_with_the_users_line_first(live_server, signed_in, scheme):
    page = signed_in
    page.emulate_media(color_scheme=scheme)
    open_screen(page, "trends")
    assert page.locator("#trends-waiting").count() == 1  # said once while data is thin
    assert page.get_by_role("heading", name="Support", exact=True).count() == 0
    strained_fortnight(live_server, api(page, "GET", "/api/me")["json"]["user"]["id"])
    open_screen(page, "settings")
    open_screen(page, "trends")
    assert "eight answers" not in page.locator("#screen").inner_text()
    assert page.locator("text=a trend needs a few weeks").count() <= 1  # never per topic
    assert page.get_by_role("heading", name="Support", exact=True).count() == 1
    support = page.locator("section.card:has(h2:text-is('Support'))")
    first = support.locator("h3:text-is('Talk to someone now') + ul").inner_text()
    assert "988 Suicide" in first  # registered in America/Chicago
    assert not support.locator("details").get_by_text("Samaritans", exact=True).is_visible()
    screenshot(page, f"trends-support-{scheme}")
    assert axe_findings(page) == [], f"trends ({scheme})"
