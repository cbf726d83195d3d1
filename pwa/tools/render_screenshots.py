"""Render the install-sheet screenshots from the real app, in Chromium.

Run ``.venv/bin/python pwa/tools/render_screenshots.py`` (needs ``/usr/bin/chromium``
and the dev dependencies) after a visible change to Today, Check-in, Reminders or
Trends. It starts Tend on a throwaway SQLite database, signs up a made-up person
with six weeks of answers, and photographs each screen at 390 x 844 (and Trends
beside Today at 1280 x 800 for wide screens). The PNGs under ``pwa/install/`` are
committed; the manifest and the README show them.
"""

from __future__ import annotations

import base64
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import sync_playwright
from sqlmodel import Session
from waitress.server import create_server

from server import create_app
from server.checkins.models import CheckIn, CheckInAnswer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "pwa" / "install"
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
ZONE = "Europe/London"
NARROW_SHOTS = ("today", "checkin", "reminders", "trends")
# Question, domain and the answer given, drifting a little easier week by week.
ANSWERS = (
    ("meaning.worthwhile", "meaning", (3, 4, 4, 4, 5, 4)),
    ("dread.bracing", "dread", (4, 4, 3, 3, 2, 2)),
    ("sleep.rested", "sleep", (2, 2, 3, 3, 3, 4)),
)


def vapid_key() -> str:
    """A throwaway VAPID private key (nothing is pushed while rendering)."""
    raw = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(raw.to_bytes(32, "big")).rstrip(b"=").decode()


def migrated_sqlite(folder: Path) -> str:
    """A fresh SQLite database with every migration applied."""
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    return url


def api(page, method: str, path: str, body: dict | None = None) -> dict:
    """Call the API from inside the page, with its cookies and CSRF token."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const headers = {"Content-Type": "application/json"};
            if (method !== "GET") {
                headers["X-CSRF-Token"] = (await (await fetch("/api/csrf")).json()).csrf_token;
            }
            const r = await fetch(path, {method, headers,
                body: body === null ? undefined : JSON.stringify(body)});
            const text = await r.text();
            return text ? JSON.parse(text) : null;
        }""",
        [method, path, body],
    )


def seed(page, app) -> None:
    """A nurse's account: reminders, time off, and six weeks of short check-ins."""
    user = api(
        page,
        "POST",
        "/api/auth/register",
        {"email": "robin@example.org", "password": "a long enough passphrase 42", "timezone": ZONE},
    )["user"]
    api(page, "PATCH", "/api/me", {"role": "nurse"})
    for body in (
        {
            "kind": "checkin",
            "title": "Evening check-in",
            "schedule": {"type": "daily", "time": "19:30"},
        },
        {
            "kind": "custom",
            "title": "Drink some water",
            "schedule": {"type": "daily", "time": "11:00"},
        },
        {"kind": "sleep", "schedule": {"type": "daily", "time": "21:30"}},
        {"kind": "break", "schedule": {"type": "interval", "every_minutes": 120}},
    ):
        api(page, "POST", "/api/reminders", body)
    today = datetime.now(UTC).date()
    start = (today - timedelta(days=51)).isoformat()
    end = (today - timedelta(days=45)).isoformat()
    api(page, "POST", "/api/timeoff", {"start": start, "end": end, "kind": "taken"})
    api(page, "POST", "/api/support/people", {"name": "Sam", "contact": "+44 20 7946 0000"})
    store_answers(app, user["id"])


def store_answers(app, user_id: int) -> None:
    """Six weeks of answers, three every other day, as if given then."""
    now = datetime.now(UTC)
    with Session(app.extensions["tend.engine"]) as session:
        for days in range(41, 0, -2):
            at = now - timedelta(days=days, hours=3)
            week = min(5, (41 - days) // 7)
            checkin = CheckIn(user_id=user_id, created_at=at)
            session.add(checkin)
            session.flush()
            for question, domain, values in ANSWERS:
                session.add(
                    CheckInAnswer(
                        checkin_id=checkin.id,
                        user_id=user_id,
                        question_id=question,
                        domain=domain,
                        value=values[week],
                        answered_at=at,
                    )
                )
        session.commit()


def show(page, url: str, name: str) -> None:
    """Open a screen and wait until it has drawn."""
    page.goto(f"{url}/#/{name}")
    page.wait_for_selector(f"#screen[data-ready='{name}']")
    page.wait_for_timeout(300)


def main() -> None:
    """Serve the app, seed it, and write the PNGs."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "instance").mkdir()
        url_holder: dict = {}
        server = create_server(
            lambda environ, start: url_holder["app"](environ, start), host="127.0.0.1", port=0
        )
        url = f"http://127.0.0.1:{server.effective_port}"
        app = create_app(
            {
                "SECRET_KEY": "render-screenshots",
                "INSTANCE_PATH": str(base / "instance"),
                "TEND_DATABASE_URL": migrated_sqlite(base),
                "TEND_PUBLIC_URL": url,
                "TEND_VAPID_PRIVATE_KEY": vapid_key(),
                "TEND_VAPID_SUBJECT": "mailto:screenshots@example.org",
                "TEND_SCHEDULER": "off",
            }
        )
        url_holder["app"] = app
        threading.Thread(target=server.run, daemon=True).start()
        try:
            with sync_playwright() as driver:
                context = driver.chromium.launch_persistent_context(
                    str(base / "profile"),
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu"],
                    viewport=PHONE,
                    timezone_id=ZONE,
                    locale="en-GB",
                    color_scheme="light",
                )
                page = context.pages[0]
                page.goto(url + "/")
                seed(page, app)
                page.reload()
                for name in NARROW_SHOTS:
                    show(page, url, name)
                    page.screenshot(path=str(OUT / f"{name}.png"))
                page.set_viewport_size(WIDE)
                show(page, url, "trends")
                page.screenshot(path=str(OUT / "wide.png"))
                context.close()
        finally:
            server.close()
            app.extensions["tend.engine"].dispose()


if __name__ == "__main__":
    main()
