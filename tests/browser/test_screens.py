"""Every screen: accessible (axe-core), readable at 200 % zoom, in light and dark, and working."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from server.accounts.models import User
from server.checkins.models import CheckIn, CheckInAnswer, Moment
from tests.browser.helpers import (
    api,
    axe_findings,
    check_in_once,
    post_all,
    register,
    screenshot,
    wait_for_worker,
)

SCREENS = ["today", "checkin", "reminders", "trends", "settings"]
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


def seed(page) -> None:
    """Give the screens something to show: reminders, time off, support, answers."""
    items = [
        (
            "/api/reminders",
            {
                "kind": "checkin",
                "title": "Evening check-in",
                "schedule": {"type": "daily", "time": "18:30", "days": [0, 1, 2, 3, 4]},
            },
        ),
        ("/api/timeoff", {"start": "2026-08-03", "end": "2026-08-14", "kind": "taken"}),
        ("/api/support/people", {"name": "Sam", "contact": "+1 555 0100"}),
        ("/api/support/activities", {"text": "A long walk by the river"}),
        ("/api/habits/presets/boundaries", {}),
    ]
    post_all(page, items)
    check_in_once(page)


def open_screen(page, name: str) -> None:
    page.goto(f"{page.url.split('#')[0]}#/{name}")
    page.wait_for_selector(f"#screen[data-ready='{name}']")


@pytest.fixture
def signed_in(live_server, browser_context, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page)
    seed(page)
    page.reload()
    page.wait_for_selector("#screen h1")
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_screen_has_no_serious_accessibility_finding(signed_in, scheme):
    page = signed_in
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    for name in SCREENS:
        open_screen(page, name)
        assert "didn't load" not in page.locator("h1").inner_text(), name
        screenshot(page, f"{name}-{scheme}")
        assert axe_findings(page) == [], f"{name} ({scheme})"
    assert page.errors == []


def test_screens_fit_at_200_percent_zoom(signed_in):
    page = signed_in
    page.set_viewport_size({"width": 195, "height": 422})  # a 390 px phone at 200 %
    for name in SCREENS:
        open_screen(page, name)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 200 % zoom"
    screenshot(page, "settings-zoom-200")


def test_tap_targets_are_at_least_44_px(signed_in):
    page = signed_in
    for name in SCREENS:
        open_screen(page, name)
        small = page.evaluate("""() => [...document.querySelectorAll(
                '#screen button, #screen a.button, #tabs a, #screen summary')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")
        assert small == [], name


def test_checkin_is_one_tap_per_question_and_is_recorded(live_server, signed_in):
    page = signed_in
    open_screen(page, "checkin")
    count = int(page.locator(".progress").inner_text().split(" of ")[1])
    assert 1 <= count <= 3
    for _ in range(count):
        page.locator(".scale button").nth(3).click()
    page.wait_for_selector("h1:has-text('Thank you')")
    screenshot(page, "checkin-done")
    with Session(live_server.app.extensions["tend.engine"]) as session:
        user = session.exec(select(User).where(User.email == "robin@example.org")).one()
        sources = session.exec(select(CheckIn.source).where(CheckIn.user_id == user.id)).all()
    assert sources == ["app", "app"]  # the seeded one and this one


def test_follow_up_link_asks_about_its_domains_and_links_the_moment(live_server, signed_in):
    page = signed_in
    moment = api(page, "POST", "/api/moments", {"kind": "critical_incident", "intensity": 4})
    assert moment["status"] == 201, moment
    with Session(live_server.app.extensions["tend.engine"]) as session:
        moment_id = session.exec(select(Moment.id)).one()
    # The path a follow-up notification opens (server/checkins/notify.py).
    page.goto(f"{live_server.url}/#/checkin?domains=sleep&moment={moment_id}")
    page.wait_for_selector("#screen[data-ready='checkin']")
    count = int(page.locator(".progress").inner_text().split(" of ")[1])
    for _ in range(count):
        page.locator(".scale button").nth(1).click()
    page.wait_for_selector("h1:has-text('Thank you')")
    with Session(live_server.app.extensions["tend.engine"]) as session:
        latest = session.exec(select(CheckIn).order_by(CheckIn.id.desc())).first()
        domains = set(
            session.exec(
                select(CheckInAnswer.domain).where(CheckInAnswer.checkin_id == latest.id)
            ).all()
        )
    assert latest.moment_id == moment_id
    assert domains == {"sleep"}


def test_logging_a_hard_moment(live_server, signed_in):
    page = signed_in
    open_screen(page, "today")
    page.get_by_role("button", name="Log a hard moment").click()
    page.get_by_label("A critical incident").check()
    page.get_by_label("4").check()
    page.get_by_label("A note, if you like").fill("Long night on the ward")
    screenshot(page, "today-moment-form")
    assert axe_findings(page) == []
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Noted. That sounded hard.")
    with Session(live_server.app.extensions["tend.engine"]) as session:
        moment = session.exec(select(Moment)).one()
    assert (moment.kind, moment.intensity, moment.note) == (
        "critical_incident",
        4,
        "Long night on the ward",
    )


def test_done_for_today_and_switching_a_program_off(signed_in):
    page = signed_in
    open_screen(page, "today")
    page.get_by_role("button", name="Done for today").click()
    page.wait_for_selector("text=Done for today. No more work nudges until tomorrow.")
    open_screen(page, "reminders")
    assert page.locator(".row-title", has_text="Time to stop for today").count() == 1
    page.get_by_role("button", name="Switch off work boundaries").click()
    page.wait_for_selector("text=Switched off.")
    page.wait_for_selector(".row-title:has-text('Time to stop for today')", state="detached")
    kinds = {r["kind"] for r in api(page, "GET", "/api/reminders")["json"]["reminders"]}
    assert "boundary" not in kinds


def test_pause_until_tomorrow_and_resume(live_server, signed_in):
    page = signed_in
    open_screen(page, "settings")
    page.get_by_role("button", name="Pause until tomorrow").click()
    page.wait_for_selector("text=Paused until")
    assert api(page, "GET", "/api/me")["json"]["user"]["paused_until"]
    page.get_by_role("button", name="Resume now").click()
    page.wait_for_selector("text=Need a break from notifications?")
    assert api(page, "GET", "/api/me")["json"]["user"]["paused_until"] is None


def test_ios_safari_in_a_tab_gets_home_screen_steps_not_a_permission_button(
    live_server, make_context
):
    context = make_context(user_agent=IPHONE_SAFARI, is_mobile=True, has_touch=True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live_server.url + "/")
    page.wait_for_selector("#screen h1")
    register(page, "ios@example.org")
    page.goto(live_server.url + "/#/start/notifications")
    page.reload()
    page.wait_for_selector("h1:has-text('Notifications')")
    assert page.get_by_text("Add to Home Screen").is_visible()
    assert page.get_by_role("button", name="Turn on notifications").count() == 0
    screenshot(page, "onboarding-ios")


def test_the_time_off_planner_reads_as_monthly_and_a_one_off_as_once(signed_in):
    page = signed_in
    assert api(page, "POST", "/api/habits/presets/timeoff", {})["status"] == 201
    once = {
        "kind": "timeoff",
        "title": "Ask about leave",
        "schedule": {"type": "once", "at": "2030-05-06T09:00:00+00:00"},
    }
    assert api(page, "POST", "/api/reminders", once)["status"] == 201
    open_screen(page, "reminders")
    planner = page.locator("li", has_text="Plan your next break").last
    assert "The first" in planner.inner_text()
    assert "Monday of each month at" in planner.inner_text()
    assert "while no time off is planned" in planner.inner_text()
    screenshot(page, "reminders-monthly")
    own = page.locator("li", has_text="Ask about leave").last
    assert "Once, " in own.inner_text() and "a month" not in own.inner_text()


def test_a_card_that_fails_to_load_says_so_instead_of_vanishing(signed_in):
    """A 500 from one route is an honest card with a way to try again, not an empty space."""
    page = signed_in

    def fail(route):
        route.fulfill(status=500, content_type="application/json", body='{"error": {}}')

    page.route("**/api/timeoff", fail)
    for name in ("today", "settings"):
        open_screen(page, name)
        card = page.locator("section.card", has_text="Time off").first
        assert "didn't load just now" in card.inner_text(), name
        assert card.get_by_role("button", name="Try again").is_visible()
        screenshot(page, f"{name}-a-card-failed")
    page.unroute("**/api/timeoff")
    open_screen(page, "today")
    assert "didn't load" not in page.locator("#screen").inner_text()
