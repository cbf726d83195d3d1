"""Helpers for the browser tests: phone screenshots, axe-core, and waiting for the worker."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def screenshot(page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """Save a phone-size screenshot of the whole screen as ``folder/<name>.png``
    (``screenshots/`` at the top of the repository unless told otherwise)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_findings(page) -> list[dict]:
    """Serious and critical axe-core findings on the current page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (package.json devDependencies)")
    if not page.evaluate("() => Boolean(window.axe)"):
        # Evaluated as a script in the page; CSP does not apply to DevTools evaluation.
        page.evaluate(AXE.read_text())
    # A toast fading in or out is half transparent for 0.2 s; axe would measure the
    # contrast of that passing frame, so wait for transitions to settle first.
    result = page.evaluate("""async () => {
        const settling = document.getAnimations()
            .filter(a => a.effect?.getTiming().iterations !== Infinity);
        await Promise.all(settling.map(a => a.finished.catch(() => null)));
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


API_CALL = """async ([method, path, body]) => {
    const headers = {"Content-Type": "application/json"};
    if (method !== "GET") {
        const csrf = await (await fetch("/api/csrf")).json();
        headers["X-CSRF-Token"] = csrf.csrf_token;
    }
    const response = await fetch(path, {method, headers,
        body: body === null ? undefined : JSON.stringify(body)});
    const text = await response.text();
    return {status: response.status, json: text ? JSON.parse(text) : null};
}"""


def api(page, method: str, path: str, body: dict | None = None) -> dict:
    """Call the API from inside the page (same cookies and CSRF as the app)."""
    return page.evaluate(API_CALL, [method, path, body])


def register(page, email: str = "robin@example.org") -> dict:
    """Create an account through the API from the page; returns the user."""
    answer = api(
        page,
        "POST",
        "/api/auth/register",
        {"email": email, "password": "a long enough passphrase 42", "timezone": "America/Chicago"},
    )
    assert answer["status"] == 201, answer
    return answer["json"]["user"]


def wait_for_worker(page) -> None:
    """Wait until the service worker is active and controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => Boolean(navigator.serviceWorker.controller)")


def deliver_push(context, page, origin: str, payload: str) -> None:
    """Hand a push message to the page's service worker, as the push service would.

    CDP needs the worker's registration id, reported by ``ServiceWorker.enable`` on the
    same session that then delivers the message.
    """
    cdp = context.new_cdp_session(page)
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(
            r["registrationId"] for r in event["registrations"] if not r.get("isDeleted")
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if found:
            break
        page.wait_for_timeout(50)
    assert found, "no service worker registration reported over CDP"
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": found[-1], "data": payload},
    )
    # No detach here: closing the session while the push event runs can stop the worker.


NOTIFICATIONS = """async () => {
    const registration = await navigator.serviceWorker.ready;
    const shown = await registration.getNotifications();
    return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon,
        badge: n.badge, actions: n.actions.map(a => ({action: a.action, title: a.title})),
        data: n.data}));
}"""


def notifications(page, count: int = 1) -> list[dict]:
    """The notifications the service worker shows, once at least ``count`` are there."""
    shown: list[dict] = []
    for _ in range(200):
        shown = page.evaluate(NOTIFICATIONS)
        if len(shown) >= count:
            break
        page.wait_for_timeout(50)
    return shown


def push_and_wait_for_notifications(
    context, page, origin: str, payload: str, count: int = 1
) -> list[dict]:
    """Deliver a push and return the notifications once ``count`` are shown.

    Chromium drops a CDP-delivered message now and then when the worker is being
    started under load (a real push service would redeliver), so the message is
    handed over again, up to three times, before the test gives up.
    """
    shown: list[dict] = []
    for _ in range(3):
        deliver_push(context, page, origin, payload)
        shown = notifications(page, count)
        if len(shown) >= count:
            break
    return shown


def service_worker(context):
    """Playwright's handle on the app's service worker."""
    if not context.service_workers:
        context.wait_for_event("serviceworker")
    return context.service_workers[0]


def look_light_and_dark(page, folder: Path, name: str, part=None) -> None:
    """Screenshot into ``folder`` light and dark (``part`` alone too), and require no
    sideways scrolling at 390 px and no axe finding in either scheme."""
    folder.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(folder / f"{name}-{scheme}.png"), full_page=True)
        if part is not None:
            part.screenshot(path=str(folder / f"{name}-{scheme}-part.png"))
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (name, scheme, width)
        assert axe_findings(page) == [], (name, scheme)
    page.emulate_media(color_scheme="light")


def post_all(page, items: list[tuple[str, dict]]) -> None:
    """POST each ``(path, body)`` from the page; every one must be created (201)."""
    for path, body in items:
        answer = api(page, "POST", path, body)
        assert answer["status"] == 201, (path, answer)


def check_in_once(page) -> None:
    """Answer the next check-in's questions (one above each scale's lowest point)."""
    questions = api(page, "GET", "/api/checkins/next")["json"]["questions"]
    answers = [{"question_id": q["id"], "value": q["scale"]["min"] + 1} for q in questions]
    assert api(page, "POST", "/api/checkins", {"answers": answers})["status"] == 201


def open_signed_in(page, url: str, screen: str = "today", **account) -> dict:
    """Register (as ``register`` does, or with ``account`` as the body) and open ``screen``."""
    page.goto(url + "/")
    wait_for_worker(page)
    if account:
        answer = api(page, "POST", "/api/auth/register", account)
        assert answer["status"] == 201, answer
        user = answer["json"]["user"]
    else:
        user = register(page)
    page.goto(f"{url}/#/{screen}")
    page.reload()
    page.wait_for_selector(f"#screen[data-ready='{screen}']")
    return user
