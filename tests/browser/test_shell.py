"""The app shell in Chromium: installable, small on first load, working offline."""

from __future__ import annotations

from tests.browser.helpers import screenshot, service_worker, wait_for_worker

FIRST_LOAD_BUDGET = 100 * 1024


def test_chromium_finds_no_installability_error(live_server, browser_context, page):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    cdp = browser_context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert not manifest.get("errors")
    assert page.errors == []


def test_first_load_of_root_is_at_most_100_kb(live_server, browser_context, page):
    cdp = browser_context.new_cdp_session(page)
    transferred: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    cdp.send("Network.enable")
    page.goto(live_server.url + "/", wait_until="networkidle")
    page.wait_for_selector("h1")
    wait_for_worker(page)
    page.wait_for_load_state("networkidle")
    page_bytes = sum(transferred.values())
    # The worker's precache requests are not the page's; the worker's own timeline has them.
    worker_bytes = service_worker(browser_context).evaluate(
        "() => performance.getEntriesByType('resource').reduce((sum, e) => sum + e.transferSize, 0)"
    )
    total = page_bytes + worker_bytes
    print(
        f"\nfirst load of /: page {len(transferred)} requests {page_bytes / 1024:.1f} KB, "
        f"worker precache {worker_bytes / 1024:.1f} KB, total {total / 1024:.1f} KB"
    )
    for request_id, size in sorted(transferred.items(), key=lambda item: -item[1]):
        print(f"  {size / 1024:6.1f} KB  {urls.get(request_id, '?')}")
    assert worker_bytes > 0
    assert total <= FIRST_LOAD_BUDGET


def test_second_visit_is_served_by_the_worker_and_offline_reload_renders_the_shell(
    live_server, browser_context, page
):
    page.goto(live_server.url + "/")
    wait_for_worker(page)
    page.reload()
    from_worker = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].workerStart > 0"
    )
    assert from_worker

    browser_context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector("h1")
        assert page.locator("header .brand").is_visible()
        assert page.locator("#net").is_visible()
        assert "connection" in page.locator("h1").inner_text().lower()
        screenshot(page, "offline")
    finally:
        browser_context.set_offline(False)
    assert page.errors == []
