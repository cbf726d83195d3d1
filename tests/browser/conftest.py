"""Browser test fixtures: the real app served by waitress, and Debian's Chromium via Playwright.

The tests skip with a message when ``/usr/bin/chromium`` is missing, unless
``TEND_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
Helpers for screenshots and axe-core live in ``tests/browser/helpers.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from waitress import wasyncore
from waitress.server import create_server

from server import create_app
from tests.push_receiver import PushReceiver

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    """Every test in this folder drives the browser."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium, or a skip (a failure when TEND_REQUIRE_BROWSER=1)."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("TEND_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_driver(chromium_path):
    """One Playwright driver for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@dataclass
class LiveServer:
    """The real app on 127.0.0.1:<port>."""

    url: str
    app: object
    push: PushReceiver

    @property
    def origin(self) -> str:
        """The origin, e.g. ``http://127.0.0.1:41234``."""
        return self.url


class _LateApp:
    """A WSGI callable whose app is set after the socket is bound (to learn the port)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def live_server(app_config) -> Iterator[LiveServer]:
    """Serve ``create_app`` with waitress in a thread, with a local push service beside it."""
    receiver = PushReceiver().start()
    late = _LateApp()
    wsgi = create_server(late, host="127.0.0.1", port=0, threads=4, ident="tend-test")
    url = f"http://127.0.0.1:{wsgi.effective_port}"
    app = create_app(
        {**app_config, "TEND_PUBLIC_URL": url, "TEND_PUSH_EXTRA_HOSTS": [receiver.host]}
    )
    late.app = app
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    try:
        yield LiveServer(url, app, receiver)
    finally:
        # Closed from inside waitress's own loop: closing its sockets from this thread
        # races the select() it is blocked in (EBADF in the server thread).
        wsgi.trigger.pull_trigger(lambda: wasyncore.close_all(wsgi._map))
        thread.join(timeout=5)
        receiver.stop()
        app.extensions["tend.engine"].dispose()
        assert not thread.is_alive(), "the test server did not stop"


@pytest.fixture
def make_context(playwright_driver, chromium_path, tmp_path):
    """Open persistent Chromium profiles (service workers need one); all closed afterwards."""
    opened = []

    def open_context(**overrides):
        options = {
            "user_data_dir": str(tmp_path / f"profile-{len(opened)}"),
            "executable_path": chromium_path,
            "headless": True,
            "args": CHROMIUM_ARGS,
            "viewport": PHONE,
            "timezone_id": "America/Chicago",
            "locale": "en-US",
            "service_workers": "allow",
            **overrides,
        }
        context = playwright_driver.chromium.launch_persistent_context(**options)
        context.set_default_timeout(10_000)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def browser_context(make_context):
    """A fresh phone-size Chromium profile."""
    return make_context()


@pytest.fixture
def page(browser_context):
    """The context's first tab; uncaught script errors are collected on ``page.errors``."""
    page = browser_context.pages[0] if browser_context.pages else browser_context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page
