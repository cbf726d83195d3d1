"""Onboarding end to end against the real server, up to a test notification in the worker.

The browser's push service is the one thing replaced: ``PushManager.subscribe`` answers
with a subscription of the local push receiver, so the server's real encrypted push
lands there, and the decrypted message is handed to the service worker over CDP.
"""

from __future__ import annotations

import json
import time

from sqlmodel import Session, select

from server.accounts.models import User
from server.push.models import PushSubscription
from server.reminders.models import Reminder
from tests.browser.helpers import (
    axe_findings,
    push_and_wait_for_notifications,
    screenshot,
    wait_for_worker,
)

FAKE_PUSH_SERVICE = """(subscription) => {
    let current = null;
    const wrap = (json) => ({endpoint: json.endpoint, toJSON: () => json,
                             unsubscribe: async () => { current = null; return true; }});
    PushManager.prototype.subscribe = async function () {
        current = wrap(subscription);
        return current;
    };
    PushManager.prototype.getSubscription = async function () { return current; };
}"""


def check_screen(page, name: str) -> None:
    """Screenshot the step and require no serious accessibility finding."""
    screenshot(page, f"onboarding-{name}")
    assert axe_findings(page) == [], name


def wait_for_push(receiver, subscription, timeout: float = 10.0):
    """The first verified message the local push service received."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        verified = [m for m in receiver.messages_for(subscription) if m.verified]
        if verified:
            return verified[0]
        time.sleep(0.05)
    raise AssertionError(f"no push arrived: {receiver.messages_for(subscription)}")


def test_onboarding_from_account_to_a_test_notification(live_server, browser_context, page):
    receiver = live_server.push
    subscription = receiver.make_subscription()
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(f"({FAKE_PUSH_SERVICE})({json.dumps(subscription.to_json())})")

    page.goto(live_server.url + "/")
    wait_for_worker(page)
    check_screen(page, "0-welcome")
    page.get_by_role("link", name="Get started").click()

    # 1. Account, with the time zone found from the browser.
    page.wait_for_selector("h1:has-text('set you up')")
    assert page.get_by_label("Time zone").input_value() == "America/Chicago"
    page.get_by_label("Email").fill("nurse.kim@example.org")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    # The server's message, shown kindly under its field and said once.
    page.wait_for_selector(".field-error[role=alert]:has-text('at least 10 characters')")
    assert page.locator(".form-error").count() == 0
    check_screen(page, "1-account-error")
    page.get_by_label("Password").fill("night shifts and strong tea")
    page.get_by_role("button", name="Create account").click()

    # The recovery code, shown once.
    page.wait_for_selector("h1:has-text('Your recovery code')")
    page.get_by_role("button", name="I've saved it").click()

    # 2. Work and quiet hours.
    page.wait_for_selector("h1:has-text('Your days')")
    page.get_by_label("Sat").check()
    page.get_by_label("Work starts").fill("07:00")
    page.get_by_label("Work ends").fill("19:30")
    page.get_by_label("From").fill("21:30")
    page.get_by_label("Until").fill("06:00")
    check_screen(page, "2-hours")
    page.get_by_role("button", name="Next").click()

    # 2b. The work, in one tap (it can be skipped).
    page.wait_for_selector("h1:has-text('What work do you do?')")
    check_screen(page, "2b-work")
    page.get_by_role("button", name="Nurse").click()

    # 3. Starter reminders from the presets.
    page.wait_for_selector("h1:has-text('Starter reminders')")
    check_screen(page, "3-reminders")
    switch_on = page.get_by_role("button", name="Switch on breaks")
    switch_on.click()
    page.get_by_role("button", name="Switch off breaks").wait_for()
    assert "Added" in page.locator("form:has(h2:has-text('Breaks')) [role=status]").inner_text()
    page.get_by_role("link", name="Next").click()

    # 4. Notifications: permission only from this tap, then a test push.
    page.wait_for_selector("h1:has-text('Notifications')")
    check_screen(page, "4-notifications")
    page.get_by_role("button", name="Turn on notifications").click()
    page.wait_for_selector("text=Notifications are on for this device.")
    page.get_by_role("button", name="Send a test notification").click()
    page.wait_for_selector("text=Sent. It should appear in a moment.")
    check_screen(page, "5-notifications-on")

    message = wait_for_push(receiver, subscription)
    assert message.payload["web_push"] == 8030
    [shown] = push_and_wait_for_notifications(
        browser_context, page, live_server.url, json.dumps(message.payload)
    )
    assert shown["title"] == message.payload["notification"]["title"]

    page.get_by_role("link", name="Done").click()
    page.wait_for_selector("h1:has-text('Good'), h1:has-text('Hello')")
    check_screen(page, "6-today")

    with Session(live_server.app.extensions["tend.engine"]) as session:
        user = session.exec(select(User).where(User.email == "nurse.kim@example.org")).one()
        assert user.timezone == "America/Chicago"
        assert user.role == "nurse"
        assert (user.work_days, user.work_start, user.work_end) == (
            [0, 1, 2, 3, 4, 5],
            "07:00",
            "19:30",
        )
        assert (user.quiet_start, user.quiet_end) == ("21:30", "06:00")
        devices = session.exec(
            select(PushSubscription).where(PushSubscription.user_id == user.id)
        ).all()
        assert [d.endpoint for d in devices] == [subscription.endpoint]
        kinds = {
            r.kind for r in session.exec(select(Reminder).where(Reminder.user_id == user.id)).all()
        }
        assert "break" in kinds
    assert page.errors == []
