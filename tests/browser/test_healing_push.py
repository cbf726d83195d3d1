"""Push that keeps working: subscriptions that heal, every push shows something, the
one-screen answer, the badge, and the devices list in Settings.

The browser's push service is the one thing replaced: a ``PushManager`` stand-in hands
out subscriptions of the local push receiver and keeps its state in localStorage, so
"the browser dropped its subscription" survives a reload like the real thing.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from server.db import utcnow
from server.push.models import PushSubscription
from tests.browser.helpers import (
    SCREENSHOTS,
    axe_findings,
    deliver_push,
    notifications,
    push_and_wait_for_notifications,
    register,
    screenshot,
    service_worker,
    wait_for_worker,
)
from tests.browser.test_push_flow import checkin_delivery, checkin_payload, recorded_answers

SHOTS = SCREENSHOTS / "iphone"

# Subscriptions come from the list given, one per subscribe(); the current one is kept in
# localStorage, so it outlives a reload until something unsubscribes it.
STAND_IN_PUSH_MANAGER = """(subscriptions) => {
    const load = () => JSON.parse(localStorage.getItem("standin.current") || "null");
    const wrap = (json) => json && ({endpoint: json.endpoint, toJSON: () => json,
        unsubscribe: async () => { localStorage.removeItem("standin.current"); return true; }});
    PushManager.prototype.subscribe = async function () {
        const used = Number(localStorage.getItem("standin.used") || "0");
        const next = subscriptions[used];
        localStorage.setItem("standin.used", String(used + 1));
        localStorage.setItem("standin.current", JSON.stringify(next));
        return wrap(next);
    };
    PushManager.prototype.getSubscription = async function () { return wrap(load()); };
}"""


def shot(page, name: str) -> None:
    """A phone screenshot into ``screenshots/iphone``, for looking at."""
    screenshot(page, name, SHOTS)


def devices_of(app, email: str) -> list[PushSubscription]:
    from server.accounts.models import User

    with Session(app.extensions["tend.engine"]) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return list(
            session.exec(select(PushSubscription).where(PushSubscription.user_id == user.id))
        )


def start_with_stand_in(live_server, browser_context, page, subscriptions, email):
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(
        f"({STAND_IN_PUSH_MANAGER})({json.dumps([s.to_json() for s in subscriptions])})"
    )
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, email)
    page.goto(live_server.url + "/#/settings")
    page.reload()
    page.wait_for_selector("h1:has-text('Settings')")


def test_a_dropped_subscription_is_replaced_on_the_next_start(live_server, browser_context, page):
    receiver = live_server.push
    first, second = receiver.make_subscription(), receiver.make_subscription()
    start_with_stand_in(live_server, browser_context, page, [first, second], "hal@example.org")
    page.get_by_role("button", name="Turn on notifications here").click()
    page.get_by_text("(this one)").wait_for()
    [old] = devices_of(live_server.app, "hal@example.org")
    assert old.endpoint == first.endpoint

    # The browser drops the subscription without telling anyone; permission stays granted.
    page.evaluate("() => localStorage.removeItem('standin.current')")
    page.reload()
    page.wait_for_function("() => localStorage.getItem('standin.current') !== null", timeout=10_000)
    for _ in range(100):
        endpoints = [d.endpoint for d in devices_of(live_server.app, "hal@example.org")]
        if endpoints == [second.endpoint]:
            break
        page.wait_for_timeout(50)
    assert endpoints == [second.endpoint]  # the new one registered, the old one gone
    # The page remembers the new device once the server's answer is back.
    page.wait_for_function(f"() => localStorage.getItem('tend.device_id') !== '{old.id}'")
    assert page.errors == []


def test_a_subscription_the_server_lacks_is_registered_and_removing_this_one_sticks(
    live_server, browser_context, page
):
    receiver = live_server.push
    first, second = receiver.make_subscription(), receiver.make_subscription()
    start_with_stand_in(live_server, browser_context, page, [first, second], "ida@example.org")
    page.get_by_role("button", name="Turn on notifications here").click()
    page.get_by_text("(this one)").wait_for()
    with Session(live_server.app.extensions["tend.engine"]) as session:
        session.delete(
            session.get(PushSubscription, devices_of(live_server.app, "ida@example.org")[0].id)
        )
        session.commit()
    page.reload()
    page.get_by_text("(this one)").wait_for()
    assert [d.endpoint for d in devices_of(live_server.app, "ida@example.org")] == [first.endpoint]

    # Removing this device here is meant: the next start does not bring it back.
    page.get_by_role("button", name="Remove Chrome on Linux").click()
    page.get_by_role("button", name="Turn on notifications here").wait_for()
    page.reload()
    page.get_by_role("button", name="Turn on notifications here").wait_for()
    page.wait_for_timeout(300)
    assert devices_of(live_server.app, "ida@example.org") == []


@pytest.mark.parametrize("body", ["this is not json {", "[1, 2]", '{"notification": 7}', ""])
def test_every_push_shows_something_even_unreadable(live_server, browser_context, page, body):
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    shown = []
    for _ in range(3):
        deliver_push(browser_context, page, live_server.url, body)
        shown = notifications(page, 1)
        if shown:
            break
    assert [(n["title"], n["body"]) for n in shown] == [
        ("Tend", "Something is waiting for you in Tend, whenever you have a moment.")
    ]
    assert page.errors == []


BADGE_RECORDER = """() => {
    self.badgeCalls = [];
    Object.defineProperty(self.navigator, "setAppBadge", {configurable: true,
        value: async (n) => { self.badgeCalls.push(["set", n]); }});
    Object.defineProperty(self.navigator, "clearAppBadge", {configurable: true,
        value: async () => { self.badgeCalls.push(["clear"]); }});
}"""


def test_a_pending_check_in_sets_the_badge_and_opening_it_clears_it(
    live_server, browser_context, page
):
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, "joy@example.org")
    delivery_id, token, _ = checkin_delivery(live_server.app, "joy@example.org")
    worker = service_worker(browser_context)
    # Headless Chromium draws no icon, so the Badging API calls are recorded instead.
    worker.evaluate(BADGE_RECORDER)
    payload = json.loads(checkin_payload(live_server.url, token, delivery_id))
    payload["app_badge"] = 1
    [shown] = push_and_wait_for_notifications(
        browser_context, page, live_server.url, json.dumps(payload)
    )
    assert worker.evaluate("() => self.badgeCalls")[:1] == [["set", 1]]
    worker.evaluate(
        """async () => {
        const [n] = await self.registration.getNotifications();
        await respondToClick(n, "");
    }"""
    )
    assert worker.evaluate("() => self.badgeCalls")[-1] == ["clear"]
    assert shown["data"]["answer_token"] == token


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_one_screen_answer_takes_one_tap(live_server, browser_context, page, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + "/")
    register(page, f"kai-{scheme}@example.org")
    delivery_id, token, question_id = checkin_delivery(live_server.app, f"kai-{scheme}@example.org")
    # Signed out: the token alone is enough, as on a locked phone's notification.
    page.evaluate(
        "() => fetch('/api/csrf').then(r => r.json()).then(c => fetch("
        "'/api/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': c.csrf_token}}))"
    )
    page.goto(f"{live_server.url}/#/answer/{token}")
    page.reload()
    page.wait_for_selector("#screen[data-ready=answer] .scale button")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    shot(page, f"answer-{scheme}")
    assert axe_findings(page) == []
    buttons = page.locator(".scale button")
    assert all(
        b["height"] >= 44 for b in (buttons.nth(i).bounding_box() for i in range(buttons.count()))
    )
    buttons.nth(2).click()
    page.wait_for_selector("h1:has-text('Thank you')")
    shot(page, f"answer-thanks-{scheme}")
    assert [(q, source) for q, _, source in recorded_answers(live_server.app, delivery_id)] == [
        (question_id, "notification")
    ]
    page.reload()
    page.wait_for_selector("h1:has-text('Already answered')")
    shot(page, f"answer-used-{scheme}")
    assert axe_findings(page) == []
    assert page.errors == []


LONG_LABEL = "Samsung Internet on Android, the work phone in the locker by the staff room door"[:80]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_settings_lists_devices_with_last_reached_and_a_test_each(
    live_server, browser_context, page, scheme
):
    receiver = live_server.push
    mine, other = receiver.make_subscription(), receiver.make_subscription()
    page.emulate_media(color_scheme=scheme)
    start_with_stand_in(live_server, browser_context, page, [mine], f"lee-{scheme}@example.org")
    page.get_by_role("button", name="Turn on notifications here").click()
    page.get_by_text("(this one)").wait_for()
    page.evaluate(
        "(body) => fetch('/api/csrf').then(r => r.json()).then(c => fetch("
        "'/api/push/subscriptions', {method: 'POST', headers: {'X-CSRF-Token': c.csrf_token,"
        "'Content-Type': 'application/json'}, body: JSON.stringify(body)}))",
        other.to_json(),
    )
    with Session(live_server.app.extensions["tend.engine"]) as session:
        row = session.exec(
            select(PushSubscription).where(PushSubscription.endpoint == other.endpoint)
        ).one()
        row.device_label = LONG_LABEL
        session.add(row)
        this_one = session.exec(
            select(PushSubscription).where(PushSubscription.endpoint == mine.endpoint)
        ).one()
        this_one.last_failure_at, this_one.last_failure_reason = utcnow(), "refused"
        session.add(this_one)
        session.commit()
    page.reload()
    page.get_by_text(LONG_LABEL).wait_for()
    page.get_by_role("button", name=f"Send a test to {LONG_LABEL}").click()
    page.get_by_text("Sent. It should appear on that device in a moment.").wait_for()
    assert len(receiver.messages_for(other)) == 1 and receiver.messages_for(mine) == []
    page.reload()
    page.get_by_text("Last reached today").wait_for()
    page.get_by_text("This device is fine; whoever runs Tend has been told.").wait_for()
    devices = page.locator("section.card:has(h2:has-text('Devices'))")
    devices.scroll_into_view_if_needed()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"settings-devices-{scheme}.png"))
    assert axe_findings(page) == []
    assert page.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_today_says_once_that_an_old_device_was_removed(live_server, browser_context, page, scheme):
    from server.accounts.models import User
    from server.push.models import RemovedDevice

    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + "/")
    email = f"mo-{scheme}@example.org"
    register(page, email)
    with Session(live_server.app.extensions["tend.engine"]) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        session.add(RemovedDevice(user_id=user.id, device_label=LONG_LABEL))
        session.commit()
    page.reload()
    note = page.locator("section.card:has(h2:has-text('A small tidy-up'))")
    note.wait_for()
    assert "We stopped sending to an old device" in note.inner_text()
    assert LONG_LABEL in note.inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"today-removed-device-{scheme}.png"))
    assert axe_findings(page) == []
    page.reload()
    page.wait_for_selector("#screen[data-ready=today]")
    assert page.locator("h2:has-text('A small tidy-up')").count() == 0
    assert page.errors == []


def test_the_worker_tells_the_server_at_most_daily_that_the_device_is_alive(
    live_server, browser_context, page
):
    receiver = live_server.push
    device = receiver.make_subscription()
    browser_context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    register(page, "ned@example.org")
    worker = service_worker(browser_context)
    # The worker's own PushManager reaches no push service headless; it hands out this one.
    worker.evaluate(
        """(json) => {
        PushManager.prototype.getSubscription = async () =>
            ({endpoint: json.endpoint, toJSON: () => json});
    }""",
        device.to_json(),
    )
    assert worker.evaluate("() => refreshSubscriptionDaily()") is True
    [row] = devices_of(live_server.app, "ned@example.org")
    assert row.endpoint == device.endpoint and row.last_seen_at is not None
    assert worker.evaluate("() => refreshSubscriptionDaily()") is False  # once a day is enough
    a_day_later = "() => refreshSubscriptionDaily(Date.now() + 24 * 3600 * 1000 + 1000)"
    assert worker.evaluate(a_day_later) is True
    [again] = devices_of(live_server.app, "ned@example.org")
    assert again.last_seen_at > row.last_seen_at
