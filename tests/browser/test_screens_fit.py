"""Every tab fits a small phone: nothing scrolls sideways at 320 and 390 px, with long text.

Long names, emails and links (the longest the API allows) are the usual way a
page grows wider than the phone. With ``TEND_SHOTS_DIR`` set, each tab is also
saved at 390 px in light and dark, for people to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.helpers import check_in_once, open_signed_in, post_all
from tests.browser.test_screens import open_screen

TABS = ["today", "checkin", "reminders", "trends", "settings"]
LONG_EMAIL = "a" * 60 + "@" + "b" * 50 + ".example.org"
LONG_NAME = "Samantha " + "Longname-" * 12
LONG_URL = "https://support.example.org/" + "very-long-path-segment/" * 4


def seed_long_text(page) -> None:
    """Reminders, support and answers with the longest text people can type."""
    items = [
        (
            "/api/reminders",
            {
                "kind": "checkin",
                "title": ("Evening check-in after the late shift on the ward " * 3)[:120],
                "schedule": {"type": "daily", "time": "18:30", "days": [0, 1, 2, 3, 4]},
            },
        ),
        (
            "/api/reminders",
            {"kind": "break", "schedule": {"type": "interval", "every_minutes": 90}},
        ),
        ("/api/support/people", {"name": LONG_NAME[:80], "contact": LONG_URL[:120]}),
        ("/api/support/activities", {"text": ("A long walk by the river " * 6)[:120]}),
        ("/api/habits/presets/boundaries", {}),
    ]
    post_all(page, items)
    check_in_once(page)


def sideways(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def save_in_parts(page, stem: Path, part: int = 1400) -> None:
    """The whole page as PNGs of at most ``part`` px tall each (readable one by one)."""
    height = page.evaluate("() => document.documentElement.scrollHeight")
    for index, top in enumerate(range(0, height, part)):
        clip = {"x": 0, "y": top, "width": 390, "height": min(part, height - top)}
        page.screenshot(path=f"{stem}-{index}.png", full_page=True, clip=clip)


@pytest.fixture
def long_texts(live_server, page):
    """Signed in with a very long email, names and links everywhere."""
    body = {
        "email": LONG_EMAIL,
        "password": "a long enough passphrase 42",
        "timezone": "America/Chicago",
    }
    open_signed_in(page, live_server.url, **body)
    seed_long_text(page)
    page.reload()
    page.wait_for_selector("#screen h1")
    return page


def test_every_tab_fits_320_and_390_px_with_long_text(long_texts):
    page = long_texts
    shots = os.environ.get("TEND_SHOTS_DIR")
    if shots:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for name in TABS:
                open_screen(page, name)
                page.wait_for_timeout(200)
                save_in_parts(page, Path(shots) / f"{name}-{scheme}")
        page.emulate_media(color_scheme="light")
    too_wide = []
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        for name in TABS:
            open_screen(page, name)
            if (extra := sideways(page)) > 0:
                too_wide.append(f"{name} at {width} px: {extra} px sideways")
    assert too_wide == []
    assert page.errors == []
