"""A discreet notification as the service worker shows it: neutral words, no question, no
note, no answer buttons; the question appears once the person opens the answer screen."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from scheduler.compose import content_for as compose
from scheduler.compose import payload_for
from server.accounts.models import User
from server.checkins.bank import load_bank
from server.checkins.models import Moment
from server.db import utcnow
from server.deliveries.tokens import issue_token
from server.privacy.discreet import NEUTRAL_BODY, NEUTRAL_TITLE
from server.reminders.models import Delivery, Reminder
from tests.browser.helpers import push_and_wait_for_notifications, register, wait_for_worker

NOTE = "the fall on the night shift in bay 3"
EMAIL = "discreet@example.org"


def discreet_checkin_payload(app) -> tuple[str, str]:
    """The payload the dispatcher builds for the new user's check-in, and its token."""
    now = utcnow()
    with app.app_context(), Session(app.extensions["tend.engine"]) as session:
        user = session.exec(select(User).where(User.email == EMAIL)).one()
        session.add(Moment(user_id=user.id, kind="other", intensity=4, note=NOTE))
        schedule = {"type": "daily", "time": "18:00"}
        reminder = Reminder(user_id=user.id, kind="checkin", title="Check-in", schedule=schedule)
        session.add(reminder)
        session.flush()
        delivery = Delivery(
            reminder_id=reminder.id,
            user_id=user.id,
            kind="checkin",
            due_at=now - timedelta(minutes=1),
            status="sent",
            sent_at=now,
        )
        session.add(delivery)
        session.flush()
        content = compose(session, user, reminder, delivery, now)
        token = issue_token(delivery, now, app.secret_key)
        payload = payload_for(app, reminder, delivery, content, token)
        session.commit()
        return payload.decode("utf-8"), token


def test_discreet_notification_shows_nothing_of_the_question(live_server, browser_context, page):
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    assert register(page, EMAIL)["discreet_notifications"] is True
    payload, token = discreet_checkin_payload(live_server.app)

    [shown] = push_and_wait_for_notifications(browser_context, page, live_server.url, payload)
    assert (shown["title"], shown["body"]) == (NEUTRAL_TITLE, NEUTRAL_BODY)
    assert shown["actions"] == []
    everything = str(shown)
    assert NOTE not in everything
    texts = {question.text for question in load_bank().questions}
    assert not any(text in everything for text in texts)

    # Opened, the answer screen shows the question.
    page.goto(shown["data"]["navigate"])
    assert shown["data"]["navigate"].endswith(f"/#/answer/{token}")
    page.wait_for_selector("#screen[data-ready='answer']")
    shown_text = page.locator("#screen").inner_text()
    assert any(text.split("{")[0][:20] in shown_text for text in texts)
