"""Nothing personal in the browser's caches: after a whole journey (sign up, check-in, a
hard moment, trends, settings, Learn) the Cache Storage holds the shell, neutral Learn
cards and the worker's own bookkeeping, and no API answer with personal data."""

from __future__ import annotations

from tests.browser.helpers import api, wait_for_worker

NOTE = "the call about the child on Elm Street"
EMAIL = "robin.privacy@example.org"
# What the worker may keep: Learn is fetched without the session, in neutral words.
ALLOWED_API = ("/api/learn",)

LIST_CACHES = """async () => {
    const out = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            out.push({cache: name, url: new URL(request.url).pathname,
                      body: await response.clone().text()});
        }
    }
    return out;
}"""


def visit(page, origin: str, screen: str) -> None:
    """Open a screen through the app and wait until it has rendered."""
    page.goto(f"{origin}/#/{screen}")
    page.wait_for_function(
        f"() => document.getElementById('screen').dataset.ready === {screen!r}"
        f" || document.body.dataset.screen !== {screen!r}"
    )
    assert page.evaluate("() => document.body.dataset.screen") == screen
    page.wait_for_load_state("networkidle")


def test_caches_hold_nothing_personal_after_a_journey(live_server, page):
    origin = live_server.url
    page.goto(origin + "/")
    wait_for_worker(page)
    body = {"email": EMAIL, "password": "night shifts and strong tea", "timezone": "Europe/Berlin"}
    assert api(page, "POST", "/api/auth/register", body)["status"] == 201
    assert api(page, "PATCH", "/api/me", {"role": "nurse"})["status"] == 200
    moment = {"kind": "critical_incident", "intensity": 4, "note": NOTE}
    assert api(page, "POST", "/api/moments", moment)["status"] == 201
    page.reload()
    wait_for_worker(page)
    visit(page, origin, "checkin")
    question = api(page, "GET", "/api/checkins/questions")["json"]
    first = question["questions"][0]["id"]
    answer = {"answers": [{"question_id": first, "value": 3}], "note": NOTE}
    assert api(page, "POST", "/api/checkins", answer)["status"] == 201
    for screen in ("today", "moments", "trends", "settings", "learn", "now"):
        visit(page, origin, screen)
    page.reload()
    wait_for_worker(page)
    visit(page, origin, "learn")
    page.wait_for_timeout(1000)  # the worker keeps the Learn cards in the background

    entries = page.evaluate(LIST_CACHES)
    assert entries, "the shell is precached"
    api_entries = [e for e in entries if e["url"].startswith("/api/")]
    assert all(e["url"].startswith(ALLOWED_API) for e in api_entries), api_entries
    for entry in entries:
        assert NOTE not in entry["body"], entry["url"]
        assert EMAIL not in entry["body"], entry["url"]
    # Learn is kept in neutral words, not in the nurse's.
    assert not any("patient" in e["body"] for e in api_entries)
