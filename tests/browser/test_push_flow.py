"""Push in the real service worker: notifications with actions, and answers from them.

Pushes are handed to the worker with CDP ``ServiceWorker.deliverPushMessage``;
the answers go to the real server, whose database is then read back.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import Session, select

from server.accounts.models import User
from server.checkins.bank import load_bank
from server.checkins.models import CheckIn, CheckInAnswer
from server.db import utcnow
from server.deliveries.tokens import issue_token
from server.push.payload import build_payload
from server.reminders.models import Delivery, Reminder
from tests.browser.helpers import (
    push_and_wait_for_notifications,
    register,
    service_worker,
    wait_for_worker,
)


def checkin_delivery(app, email: str) -> tuple[int, str, str]:
    """A sent check-in delivery for the user with a fresh answer token: (id, token, question)."""
    question = load_bank().questions[0]
    now = utcnow()
    with Session(app.extensions["tend.engine"], expire_on_commit=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        reminder = Reminder(
            user_id=user.id,
            kind="checkin",
            title="Check-in",
            schedule={"type": "daily", "time": "18:00", "days": [0]},
        )
        session.add(reminder)
        session.flush()
        delivery = Delivery(
            reminder_id=reminder.id,
            user_id=user.id,
            kind="checkin",
            due_at=now - timedelta(minutes=1),
            status="sent",
            sent_at=now,
            question_id=question.id,
        )
        session.add(delivery)
        session.flush()
        token = issue_token(delivery, now, app.secret_key)
        session.commit()
        return delivery.id, token, question.id


def checkin_payload(url: str, token: str, delivery_id: int) -> str:
    """A check-in notification as the server builds it: two quick answers and the token."""
    actions = [
        {"action": "answer:2", "title": "A little", "navigate": f"{url}/#/checkin"},
        {"action": "answer:4", "title": "Quite a bit", "navigate": f"{url}/#/checkin"},
        {"action": "answer:5", "title": "A lot", "navigate": f"{url}/#/checkin"},
    ]
    return build_payload(
        title="A quick check-in",
        body="How much did work follow you home today?",
        navigate=f"{url}/#/checkin",
        tag="checkin-1",
        actions=actions,
        extra={"answer_token": token, "delivery_id": delivery_id},
    ).decode()


def recorded_answers(app, delivery_id: int) -> list[tuple[str, int, str]]:
    """(question, value, source) of the answers recorded for a delivery."""
    with Session(app.extensions["tend.engine"]) as session:
        rows = session.exec(
            select(CheckInAnswer.question_id, CheckInAnswer.value, CheckIn.source)
            .join(CheckIn, CheckIn.id == CheckInAnswer.checkin_id)
            .where(CheckIn.delivery_id == delivery_id)
        ).all()
        return [tuple(row) for row in rows]


def signed_in_page(live_server, browser_context, page, email):
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, email)
    page.reload()
    page.wait_for_selector("h1:has-text('Good'), h1:has-text('Hello')")
    return page


def test_push_shows_a_notification_with_its_answer_actions(live_server, browser_context, page):
    signed_in_page(live_server, browser_context, page, "ada@example.org")
    delivery_id, token, _ = checkin_delivery(live_server.app, "ada@example.org")

    [shown] = push_and_wait_for_notifications(
        browser_context, page, live_server.url, checkin_payload(live_server.url, token, delivery_id)
    )
    assert shown["title"] == "A quick check-in"
    assert shown["body"] == "How much did work follow you home today?"
    assert shown["tag"] == "checkin-1"
    assert shown["icon"].endswith("/icons/icon-192.png")
    assert shown["badge"].endswith("/icons/badge-96.png")
    max_actions = page.evaluate("() => Notification.maxActions")
    assert [a["action"] for a in shown["actions"]] == ["answer:2", "answer:4", "answer:5"][
        :max_actions
    ]
    assert shown["data"]["answer_token"] == token
    assert shown["data"]["navigate"] == f"{live_server.url}/#/checkin"
    assert page.errors == []


def test_answer_button_records_the_answer_without_a_window(live_server, browser_context, page):
    signed_in_page(live_server, browser_context, page, "bea@example.org")
    delivery_id, token, question_id = checkin_delivery(live_server.app, "bea@example.org")
    # A notification answer needs no session: sign out to prove the token alone is enough.
    page.evaluate(
        "() => fetch('/api/csrf').then(r => r.json()).then(c => fetch("
        "'/api/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': c.csrf_token}}))"
    )

    result = service_worker(browser_context).evaluate(
        "([token, action]) => postAnswer(token, action)", [token, "answer:4"]
    )

    assert result == {"status": "sent", "code": 200}
    assert recorded_answers(live_server.app, delivery_id) == [(question_id, 4, "notification")]
    again = service_worker(browser_context).evaluate(
        "([token, action]) => postAnswer(token, action)", [token, "answer:2"]
    )
    assert again == {"status": "rejected", "code": 404}


def test_an_answer_made_offline_waits_and_is_sent_when_back_online(
    live_server, browser_context, page
):
    signed_in_page(live_server, browser_context, page, "cai@example.org")
    delivery_id, token, question_id = checkin_delivery(live_server.app, "cai@example.org")
    worker = service_worker(browser_context)

    browser_context.set_offline(True)
    try:
        result = worker.evaluate(
            "([token, action]) => postAnswer(token, action)", [token, "answer:2"]
        )
        assert result["status"] == "queued"
        queued = worker.evaluate("() => queuedAnswers()")
        assert [(q["token"], q["body"]) for q in queued] == [(token, {"value": 2})]
        assert recorded_answers(live_server.app, delivery_id) == []
    finally:
        browser_context.set_offline(False)

    # Back online the page asks the worker to flush (Background Sync may beat it to it).
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => true")
    worker.evaluate("() => flushOutbox().catch(() => 0)")
    assert recorded_answers(live_server.app, delivery_id) == [(question_id, 2, "notification")]
    assert worker.evaluate("() => queuedAnswers()") == []


def test_tapping_the_notification_opens_the_app_where_it_points(live_server, browser_context, page):
    signed_in_page(live_server, browser_context, page, "dee@example.org")
    payload = build_payload(
        title="Time to stop",
        body="Work can wait until tomorrow.",
        navigate=f"{live_server.url}/#/reminders",
        tag="boundary",
    ).decode()
    [shown] = push_and_wait_for_notifications(browser_context, page, live_server.url, payload)
    assert shown["actions"] == []
    # What the click handler does for a plain tap: focus this window and go to `navigate`.
    service_worker(browser_context).evaluate(
        "(url) => openOrFocus(url)", f"{live_server.url}/#/reminders"
    )
    page.wait_for_url(f"{live_server.url}/#/reminders")
    page.wait_for_selector("h1:has-text('Reminders')")
    assert json.loads(payload)["notification"]["navigate"].endswith("#/reminders")
