"""Tend's Flask application: ``create_app()`` builds it from ``TEND_*`` settings."""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_login import LoginManager
from werkzeug.exceptions import HTTPException

from server.api import ApiError, RowIdConverter, error_response
from server.config import ensure_instance_path, load_settings
from server.db import db as database

FEATURES = (
    "accounts",
    "push",
    "reminders",
    "checkins",
    "deliveries",
    "moments",
    "insights",
    "timeoff",
    "habits",
    "support",
    "pages",
)

login_manager = LoginManager()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings, database, login, error handling, headers, every feature."""
    settings = load_settings()
    instance_path = (test_config or {}).get("INSTANCE_PATH") or settings["TEND_INSTANCE_PATH"]
    if instance_path:
        instance_path = os.path.abspath(instance_path)
    app = Flask(__name__, static_folder=None, instance_path=instance_path)
    app.url_map.converters["int"] = RowIdConverter
    app.config.update(settings)
    if test_config:
        app.config.update(test_config)
    ensure_instance_path(app.instance_path)
    configure_logging(app)
    configure_sessions(app)

    database.init_app(app)
    login_manager.init_app(app)
    app.extensions["tend.throttle"] = make_login_throttle(app)
    init_push(app)

    register_error_handlers(app)
    app.after_request(add_security_headers)
    for feature in FEATURES:
        module = importlib.import_module(f"server.{feature}.routes")
        app.register_blueprint(module.bp)
    from server.openapi import bp as openapi_bp

    app.register_blueprint(openapi_bp)
    return app


def configure_logging(app: Flask) -> None:
    """Log at TEND_LOG_LEVEL to stderr."""
    level = getattr(logging, app.config["TEND_LOG_LEVEL"].upper())
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)


def instance_secret(app: Flask, filename: str) -> str:
    """Read a secret from ``instance/``, creating it (mode 0600) on first start."""
    path = Path(app.instance_path) / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def configure_sessions(app: Flask) -> None:
    """Secret key and cookie flags: HttpOnly, SameSite=Lax, Secure behind https."""
    secret = app.config.get("SECRET_KEY") or app.config.get("TEND_SECRET_KEY")
    app.config["SECRET_KEY"] = secret or instance_secret(app, "secret_key")
    https = app.config["TEND_PUBLIC_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="tend_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=timedelta(days=30),
        MAX_CONTENT_LENGTH=app.config["TEND_MAX_BODY_BYTES"],
        JSON_SORT_KEYS=False,
    )


def make_login_throttle(app: Flask):
    """The login throttle chosen by TEND_LOGIN_THROTTLE."""
    from server.accounts.throttle import make_throttle

    return make_throttle(app.config["TEND_LOGIN_THROTTLE"])


def init_push(app: Flask) -> None:
    """Load (or create once) the VAPID key pair."""
    push = importlib.import_module("server.push")
    if hasattr(push, "init_app"):
        push.init_app(app)


@login_manager.user_loader
def load_user(user_id: str):
    """Load the signed-in user on the request's database session."""
    from server.accounts.sessions import user_for_session

    if not user_id.isdigit() or len(user_id) > 18:
        return None
    return user_for_session(database.session, int(user_id), session.get("sid"))


@login_manager.unauthorized_handler
def unauthorized():
    """API callers get 401 JSON, never a redirect to a login page."""
    return error_response(401, "unauthorized", "Please sign in first.")


def wants_json() -> bool:
    """Errors under /api and /healthz are always JSON."""
    return request.path.startswith("/api") or request.path == "/healthz"


def register_error_handlers(app: Flask) -> None:
    """Every error under /api has API.md's JSON shape; 500s are logged, never shown."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return exc.response()

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if not wants_json():
            return exc
        codes = {
            404: ("not_found", "There is nothing here."),
            405: ("method_not_allowed", "This address does not accept that method."),
            413: ("too_large", "The request is too large."),
            415: ("unsupported_media_type", "Send the request body as application/json."),
        }
        fallback = ("bad_request", exc.description or "Bad request.")
        code, message = codes.get(exc.code or 400, fallback)
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(exc.code or 400, code, message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db_session = g.get("db_session")
        if db_session is not None:
            db_session.rollback()
        return error_response(
            500, "internal_error", "Something went wrong on our side. Please try again."
        )


def add_security_headers(response):
    """Strict CSP and friends on every response; HSTS when served over https."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["TEND_PUBLIC_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api"):
        headers.setdefault("Cache-Control", "no-store")
    return response
