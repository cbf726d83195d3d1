"""Learn and the monthly look back in Chromium: offline cards, answering, history, phone fit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from server.accounts.models import User
from server.db import utcnow
from server.reflections.models import Reflection, ReflectionAnswer
from server.reflections.questions import QUESTIONS
from tests.browser.helpers import (
    SCREENSHOTS,
    api,
    axe_findings,
    register,
    screenshot,
    wait_for_worker,
)

SHOTS = SCREENSHOTS / "learn"
LONG_EMAIL = "robin.alexandra.montgomery-fitzgerald.the.third@a-very-long-hospital-name.example.org"


def shot(page, name: str) -> None:
    """A phone screenshot for looking at (not compared)."""
    screenshot(page, name, SHOTS)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}-top.png"))


def open_screen(page, route: str, ready: str) -> None:
    page.goto(f"{page.url.split('#')[0]}#/{route}")
    page.wait_for_selector(f"#screen[data-ready='{ready}']")


def fits_the_phone(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"scrolls sideways by {overflow}px"


def small_targets(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll(
            '#screen button, #screen a.button, #screen .learn-link, #screen .links a')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44)
        .map(([text, r]) => `${text}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")


def test_learn_and_a_card_open_offline(live_server, browser_context, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    kept = "async () => (await (await caches.open('tend-learn')).keys()).length"
    page.wait_for_function(f"({kept})().then(n => n >= 13)", timeout=15000)
    browser_context.set_offline(True)
    try:
        page.goto(live_server.url + "/#/learn")
        page.wait_for_selector("#screen[data-ready='learn']")
        assert page.locator("#net").is_visible()
        assert page.locator("#screen .learn-link").count() >= 10
        page.get_by_role("link", name="Compassion fatigue").first.click()
        page.wait_for_selector("#screen .learn-card h1")
        assert "caring runs low" in page.locator("#screen h1").inner_text()
        body = page.locator("#screen .learn-card").inner_text()
        assert "the people you help" in body and "{" not in body
        assert page.locator("#screen .learn-card ul.bullets li").count() >= 3
    finally:
        browser_context.set_offline(False)
    assert page.errors == []


def seed_history(app, email: str) -> None:
    """Two earlier look backs, a month and two months ago, as if answered then."""
    with Session(app.extensions["tend.engine"]) as session:
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        for months, value in ((2, 2), (1, 3)):
            reflection = Reflection(
                user_id=user.id,
                created_at=utcnow() - timedelta(days=31 * months),
                note="A heavy stretch with several long nights in a row." if months == 1 else None,
            )
            session.add(reflection)
            session.flush()
            session.add_all(
                ReflectionAnswer(
                    reflection_id=reflection.id, user_id=user.id, question_id=q.id, value=value
                )
                for q in QUESTIONS
            )
        session.commit()


@pytest.fixture
def reflecting(live_server, browser_context, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, LONG_EMAIL)
    assert api(page, "PATCH", "/api/me", {"role": "paramedic"})["status"] == 200
    assert (
        api(page, "POST", "/api/support/people", {"name": "Sam", "contact": "+1 555 0100"})[
            "status"
        ]
        == 201
    )
    seed_history(live_server.app, LONG_EMAIL)
    page.reload()
    page.wait_for_selector("#screen h1")
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_look_back_answers_and_shows_history(reflecting, scheme):
    page = reflecting
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    open_screen(page, "reflect", "reflect")
    shot(page, f"reflect-start-{scheme}")
    page.get_by_role("button", name="See earlier months").click()
    page.wait_for_selector("text=Month by month")
    assert page.locator("#screen .months").first.locator("li").count() == 2
    page.get_by_role("button", name="Look back again").click()
    page.get_by_role("button", name="Start").click()
    for index in range(8):
        page.wait_for_selector(f"text=Question {index + 1} of 8")
        if index == 0:
            fits_the_phone(page)
            assert axe_findings(page) == []
            shot(page, f"reflect-question-{scheme}")
        if index == 2:
            assert "for patients" in page.locator("#screen h2").inner_text()
        page.locator("#screen .scale button").nth(index % 5).click()
    page.fill("#look-back-note", "Quieter month, more sleep.")
    assert axe_findings(page) == []
    page.get_by_role("button", name="Save this month").click()
    page.wait_for_selector("text=Month by month")
    history = api(page, "GET", "/api/reflections")["json"]["reflections"]
    assert len(history) == 3
    assert history[0]["note"] == "Quieter month, more sleep."
    assert [a["value"] for a in history[0]["answers"]] == [i % 5 + 1 for i in range(8)]
    first = page.locator("#screen .months").first.locator("li")
    assert first.count() == 3  # three months side by side, oldest first
    assert "Poorly" not in first.nth(2).inner_text() and "Not at all" in first.nth(2).inner_text()
    assert page.locator("#screen a[href^='#/learn/']").count() >= 8
    assert "Sam" in page.locator("#screen .card.warm").inner_text()
    assert "score" not in page.locator("#screen .card").first.inner_text().lower()
    fits_the_phone(page)
    assert small_targets(page) == []
    assert axe_findings(page) == []
    shot(page, f"reflect-history-{scheme}")
    page.locator("#screen .card.warm").screenshot(path=str(SHOTS / f"reflect-support-{scheme}.png"))
    # Coming back the same month shows the history, not the questions again.
    open_screen(page, "learn", "learn")
    open_screen(page, "reflect", "reflect")
    assert page.locator("#screen h1").inner_text() == "Month by month"
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_learn_role_and_onboarding_screens_fit_a_phone(reflecting, scheme):
    page = reflecting
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
    open_screen(page, "learn", "learn")
    fits_the_phone(page)
    assert small_targets(page) == []
    assert axe_findings(page) == []
    shot(page, f"learn-list-{scheme}")
    open_screen(page, "learn/asking-for-support", "learn")
    body = page.locator("#screen .learn-card").inner_text()
    assert "hard call" in body and "{" not in body  # a paramedic's words
    fits_the_phone(page)
    assert axe_findings(page) == []
    shot(page, f"learn-card-{scheme}")
    open_screen(page, "settings/work", "settings")
    assert page.locator("#role").input_value() == "paramedic"
    fits_the_phone(page)
    assert axe_findings(page) == []
    page.locator("#work").screenshot(path=str(SHOTS / f"settings-work-{scheme}.png"))
    page.select_option("#role", "journalist")
    page.wait_for_selector(".toast.show")
    assert api(page, "GET", "/api/me")["json"]["user"]["role"] == "journalist"
    open_screen(page, "start/work", "start")
    fits_the_phone(page)
    assert small_targets(page) == []
    assert axe_findings(page) == []
    shot(page, f"onboarding-work-{scheme}")
    page.get_by_role("button", name="Firefighter").click()
    page.wait_for_selector("text=Starter reminders")
    assert api(page, "GET", "/api/me")["json"]["user"]["role"] == "firefighter"
    assert page.errors == []


def test_a_trends_signal_links_to_its_card(reflecting):
    page = reflecting
    open_screen(page, "trends", "trends")
    link = page.locator("#screen a[href^='#/learn/']").first
    link.wait_for()
    link.click()
    page.wait_for_selector("#screen .learn-card h1")
    assert page.errors == []
