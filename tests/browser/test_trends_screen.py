"""Trends: the overall line first, topics drawn the way their titles read, no bare numbers,
and topics without a trend yet collapsed into one line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from server.checkins.models import CheckIn, CheckInAnswer
from tests.browser.helpers import api, axe_findings, register, screenshot, wait_for_worker


def five_weeks(live_server, user_id: int) -> None:
    """Daily answers for 35 days: a lot of making a difference, a little bracing."""
    now = datetime.now(UTC)
    with Session(live_server.app.extensions["tend.engine"]) as session:
        for days in range(35):
            at = now - timedelta(days=days, minutes=5)
            checkin = CheckIn(user_id=user_id, created_at=at)
            session.add(checkin)
            session.flush()
            for question, domain, value in (
                ("meaning.worthwhile", "meaning", 5),
                ("dread.bracing", "dread", 2),
            ):
                session.add(
                    CheckInAnswer(
                        checkin_id=checkin.id,
                        user_id=user_id,
                        question_id=question,
                        domain=domain,
                        value=value,
                        answered_at=at,
                    )
                )
        session.commit()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_topics_read_in_their_own_direction(live_server, page, scheme):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    user = register(page)
    five_weeks(live_server, user["id"])
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + "/#/trends")
    page.reload()
    page.wait_for_selector("#screen[data-ready=trends]")
    headings = page.locator("#screen h2").all_inner_texts()
    assert headings[0] == "Overall"
    topic = page.locator("li:has(h3:text-is('Making a difference'))")
    assert "Higher is better" in topic.inner_text()
    # "A lot" every day: strain 0, drawn at the top of its chart (y = 8 of 56).
    tops = topic.locator("circle").evaluate_all("els => els.map(e => Number(e.getAttribute('cy')))")
    assert tops and max(tops) < 12, tops
    bracing = page.locator("li:has(h3:text-is('Bracing for the next case'))")
    assert "Higher is harder" in bracing.inner_text()
    lows = bracing.locator("circle").evaluate_all(
        "els => els.map(e => Number(e.getAttribute('cy')))"
    )
    assert lows and min(lows) > 30, lows
    # Topics nobody answered share one line instead of twelve empty charts.
    assert page.locator("#screen li:has(h3)").count() == 2
    waiting = page.locator("#topics-waiting").inner_text()
    assert "Sleep" in waiting and "Focus" in waiting
    text = page.locator("#screen").inner_text()
    assert not re.search(r"\([+-]?\d+\)", text), "a bare number in brackets"
    screenshot(page, f"trends-topics-{scheme}")
    assert axe_findings(page) == []
    assert page.errors == []
    assert api(page, "GET", "/api/insights")["json"]["domains"]["meaning"]["higher_is_better"]
