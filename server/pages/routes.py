"""Serve the PWA in ``pwa/`` at ``/``: the shell, its modules, icons and the service worker.

Every file is sent with ``Cache-Control: no-cache`` and an ETag, so browsers
revalidate cheaply and a new release is never hidden behind a stale copy; the
service worker's precache is what makes the second visit instant. Text files
are gzip-compressed for clients that accept it, which keeps the first load
small without a build step. Paths under ``/api`` and ``/healthz`` are never
matched here, so the API's own 404/405 answers stay JSON.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

import server

bp = Blueprint("pages", __name__)

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = {".html", ".js", ".css", ".webmanifest", ".json", ".svg", ".txt"}
# Source files for developers, not for browsers.
PRIVATE_PARTS = {"tools"}
VERSION_MARKER = b'const VERSION = "'
SHELL_SUFFIXES = {".html", ".js", ".css", ".webmanifest", ".png"}


class PwaPath(PathConverter):
    """A path that is never the API's: not ``api``, ``api/…`` or ``healthz``."""

    regex = r"(?!api(?:/|$)|healthz$)[^/].*?"


@bp.record_once
def register_converter(state) -> None:
    """Make ``<pwa_path:...>`` known to the app before the rule below is bound."""
    state.app.url_map.converters["pwa_path"] = PwaPath


@dataclass(frozen=True)
class Asset:
    """One file's bytes, its gzip form (when worth it) and an ETag."""

    body: bytes
    gzipped: bytes | None
    etag: str
    mimetype: str


_assets: dict[tuple[str, int, int], Asset] = {}


def pwa_dir() -> Path:
    """The folder served at ``/``: ``TEND_PWA_DIR`` when set, else ``pwa/`` in the checkout."""
    configured = current_app.config.get("TEND_PWA_DIR")
    return Path(configured) if configured else Path(server.__file__).parent.parent / "pwa"


def load_asset(path: Path) -> Asset:
    """Read (and cache until the file changes) one file of the PWA."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    asset = _assets.get(key)
    if asset is None:
        body = path.read_bytes()
        gzipped = None
        if path.suffix in COMPRESSIBLE and len(body) > 512:
            gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        mimetype = TYPES.get(path.suffix, "application/octet-stream")
        asset = Asset(body, gzipped, hashlib.sha256(body).hexdigest()[:20], mimetype)
        _assets[key] = asset
    return asset


def shell_digest(root: Path) -> str:
    """A short digest of every shell file, so the worker changes whenever one does."""
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in SHELL_SUFFIXES
        and p.name != "sw.js"
        and not set(p.relative_to(root).parts) & PRIVATE_PARTS
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(load_asset(path).etag.encode())
    return digest.hexdigest()[:12]


def versioned_worker(path: Path) -> bytes:
    """The service worker's source with the shell digest added to its VERSION."""
    body = load_asset(path).body
    stamp = VERSION_MARKER + shell_digest(path.parent).encode() + b"-"
    return body.replace(VERSION_MARKER, stamp, 1)


def resolve(relative: str) -> Path:
    """The file for a URL path inside the PWA folder, or 404."""
    parts = relative.split("/")
    if any(part.startswith(".") for part in parts) or parts[0] in PRIVATE_PARTS:
        abort(404)
    joined = safe_join(str(pwa_dir()), relative)
    if joined is None or not Path(joined).is_file():
        abort(404)
    return Path(joined)


def accepts_gzip() -> bool:
    """The client said it can read gzip."""
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def send_asset(path: Path) -> Response:
    """Answer with the file: compressed when possible, revalidated by ETag."""
    asset = worker_asset(path) if path.name == "sw.js" else load_asset(path)
    use_gzip = asset.gzipped is not None and accepts_gzip()
    response = Response(asset.gzipped if use_gzip else asset.body, content_type=asset.mimetype)
    response.headers["Cache-Control"] = "no-cache"
    if asset.gzipped is not None:
        response.headers["Vary"] = "Accept-Encoding"
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(asset.etag + ("-gz" if use_gzip else ""))
    if path.name == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/"
    return response.make_conditional(request)


def worker_asset(path: Path) -> Asset:
    """The service worker as an Asset, its VERSION carrying the shell digest."""
    body = versioned_worker(path)
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return Asset(body, gzipped, hashlib.sha256(body).hexdigest()[:20], TYPES[".js"])


@bp.get("/")
def index() -> Response:
    """The app shell."""
    return send_asset(resolve("index.html"))


@bp.get("/<pwa_path:relative>")
def asset(relative: str) -> Response:
    """Any other file of the PWA (the service worker, modules, styles, icons)."""
    return send_asset(resolve(relative))
