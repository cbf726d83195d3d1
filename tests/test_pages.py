"""Serving the PWA: the shell, the service worker's headers, compression, and the API untouched."""

from __future__ import annotations

import gzip
import json

import pytest


def test_root_serves_the_shell_with_strict_csp(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert b'<script type="module" src="/js/app.js">' in response.data
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-cache"


def test_service_worker_headers(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.content_type.startswith("text/javascript")


def test_manifest_is_served_as_a_manifest_and_names_existing_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.content_type == "application/manifest+json"
    manifest = json.loads(response.data)
    required = ("id", "name", "short_name", "start_url", "scope", "theme_color", "background_color")
    for key in required:
        assert manifest[key]
    assert manifest["display"] == "standalone"
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}
    for image in manifest["icons"] + manifest["screenshots"]:
        png = client.get(image["src"])
        assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
        width, height = (int(n) for n in image["sizes"].split("x"))
        assert int.from_bytes(png.data[16:20], "big") == width
        assert int.from_bytes(png.data[20:24], "big") == height


def test_text_is_gzipped_for_clients_that_accept_it(client):
    plain = client.get("/js/app.js")
    packed = client.get("/js/app.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] != plain.headers["ETag"]


def test_etag_revalidation_answers_304(client):
    first = client.get("/css/app.css")
    again = client.get("/css/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api", "/api/push/../../sw.js"])
def test_api_paths_are_never_shadowed(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_method_stays_a_json_404(client):
    response = client.post("/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_healthz_is_still_the_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    "path", ["/tools/make_images.py", "/../pyproject.toml", "/.hidden", "/js/missing.js"]
)
def test_private_or_missing_files_are_404(client, path):
    assert client.get(path).status_code == 404


def test_pwa_dir_can_be_configured(app_config, tmp_path):
    from server import create_app

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>other</title>")
    app = create_app({**app_config, "TEND_PWA_DIR": str(site)})
    try:
        assert b"other" in app.test_client().get("/").data
    finally:
        app.extensions["tend.engine"].dispose()


def test_service_worker_precaches_what_works_offline():
    """The precache holds the offline screens and everything they import, nothing missing.

    Other screens need the network anyway; the worker keeps them the first time they
    load, so the first visit stays small.
    """
    import re
    from pathlib import Path

    pwa = Path(__file__).resolve().parent.parent / "pwa"
    source = (pwa / "sw.js").read_text()
    shell = source[
        source.index("const SHELL = [") : source.index("];", source.index("const SHELL"))
    ]
    listed = set(re.findall(r'"(/[^"]*)"', shell))
    needed, todo = (
        set(),
        [
            "/js/app.js",
            "/js/screens/now.js",
            "/js/screens/learn.js",
            "/js/screens/welcome.js",
            "/css/app.css",
        ],
    )
    while todo:
        path = todo.pop()
        if path in needed:
            continue
        needed.add(path)
        text = (pwa / path.lstrip("/")).read_text()
        for module in re.findall(r'^import .* from "([^"]+)"', text, flags=re.MULTILINE):
            todo.append(
                "/" + str(((pwa / path.lstrip("/")).parent / module).resolve().relative_to(pwa))
            )
    assert needed <= listed, f"add to SHELL in sw.js: {sorted(needed - listed)}"
    assert all((pwa / path.lstrip("/")).is_file() for path in listed - {"/"})


def test_worker_version_follows_the_shell_files(app_config, tmp_path):
    import shutil
    from pathlib import Path

    from server import create_app

    site = tmp_path / "site"
    shutil.copytree(Path(__file__).resolve().parent.parent / "pwa", site)
    app = create_app({**app_config, "TEND_PWA_DIR": str(site)})
    try:
        client = app.test_client()
        before = client.get("/sw.js").data
        assert b'const VERSION = "' in before and b'const VERSION = "1"' not in before
        (site / "css" / "app.css").write_text("body { color: black; }")
        after = client.get("/sw.js").data
        assert after != before
    finally:
        app.extensions["tend.engine"].dispose()
