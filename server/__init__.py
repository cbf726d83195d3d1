"""Tend's Flask application: ``create_app()`` builds it from ``TEND_*`` settings."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_login import LoginManager
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from server.api import ApiError, RowIdConverter, error_response
from server.config import ensure_instance_path, load_settings
from server.db import db as database
from server.db import utcnow
from server.ops.logs import configure as configure_log_output
from server.ops.metrics import init_metrics
from server.push import init_app as init_push

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
    trust_proxies(app)
    configure_logging(app)
    configure_sessions(app)

    database.init_app(app)
    login_manager.init_app(app)
    app.extensions["tend.throttle"] = make_login_throttle(app)
    init_push(app)  # the VAPID key pair, loaded or created once

    init_metrics(app)
    register_error_handlers(app)
    app.after_request(add_security_headers)
    for blueprint in feature_blueprints():
        app.register_blueprint(blueprint)
    register_cli(app)
    return app


def feature_blueprints() -> list:
    """Every feature's blueprint, in the order they are registered (the pages last).

    Imported here rather than at the top: the routes import the extensions above.
    """
    from server.accounts.routes import bp as accounts
    from server.checkins.routes import bp as checkins
    from server.deliveries.routes import bp as deliveries
    from server.exercises.routes import bp as exercises
    from server.habits.routes import bp as habits
    from server.insights.routes import bp as insights
    from server.learn.routes import bp as learn
    from server.moments.routes import bp as moments
    from server.openapi import bp as openapi
    from server.ops.routes import bp as ops
    from server.pages.routes import bp as pages
    from server.passkeys.routes import bp as passkeys
    from server.privacy.routes import bp as privacy
    from server.push.routes import bp as push
    from server.reflections.routes import bp as reflections
    from server.reminders.routes import bp as reminders
    from server.shifts.routes import bp as shifts
    from server.support.routes import bp as support
    from server.timeoff.routes import bp as timeoff

    return [
        accounts,
        passkeys,
        push,
        reminders,
        checkins,
        deliveries,
        moments,
        insights,
        timeoff,
        habits,
        shifts,
        support,
        exercises,
        learn,
        reflections,
        privacy,
        ops,
        pages,
        openapi,
    ]


def register_cli(app: Flask) -> None:
    """The operator's ``flask --app server tend …`` commands (features add theirs here)."""
    from server.accounts.cli import invite_command
    from server.admin.cli import tend_cli

    if "invite" not in tend_cli.commands:
        tend_cli.add_command(invite_command)
    app.cli.add_command(tend_cli)


def configure_logging(app: Flask) -> None:
    """Log at TEND_LOG_LEVEL to stderr, as text or JSON lines (TEND_LOG_FORMAT)."""
    configure_log_output(app.config["TEND_LOG_LEVEL"], app.config["TEND_LOG_FORMAT"])
    app.logger.setLevel(getattr(logging, app.config["TEND_LOG_LEVEL"].upper()))


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
        # A sign-in ends 30 days after it began, whatever the cookie says (checked on
        # the server), so re-signing the cookie on every response buys nothing.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=app.config["TEND_MAX_BODY_BYTES"],
        JSON_SORT_KEYS=False,
    )


def make_login_throttle(app: Flask):
    """The login throttle chosen by TEND_LOGIN_THROTTLE."""
    from server.accounts.throttle import make_throttle

    return make_throttle(app.config["TEND_LOGIN_THROTTLE"], app.extensions["tend.engine"])


def trust_proxies(app: Flask) -> None:
    """Behind ``TEND_TRUSTED_PROXIES`` proxies, take the client address, scheme and host
    from their X-Forwarded-* headers. With 0 (the default) the headers are ignored, so
    nobody can pose as another address by sending one."""
    count = app.config["TEND_TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


@login_manager.user_loader
def load_user(user_id: str):
    """Load the signed-in user on the request's database session."""
    from server.accounts.sessions import remember_sign_in, user_for_session

    if not user_id.isdigit() or len(user_id) > 18:
        return None
    found = user_for_session(database.session, int(user_id), session.get("sid"), utcnow())
    if found is None:
        return None
    user, login = found
    remember_sign_in(login)
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """API callers get 401 JSON, never a redirect to a login page."""
    return error_response(401, "unauthorized", "Please sign in first.")


def wants_json() -> bool:
    """Errors under /api and of the operator endpoints are always JSON."""
    return request.path.startswith("/api") or request.path in ("/healthz", "/readyz", "/metrics")


def register_error_handlers(app: Flask) -> None:
    """Every error under /api has the documented JSON error shape; 500s are logged, never shown."""

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
        db_session = g.get("db_session")
        if db_session is not None:
            db_session.rollback()
        if database_unavailable(exc):
            app.logger.error("database unavailable on %s %s: %s", request.method, request.path, exc)
            return error_response(
                503,
                "database_unavailable",
                "Tend cannot reach its storage right now. Please try again in a minute.",
                headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
            )
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(
            500, "internal_error", "Something went wrong on our side. Please try again."
        )


RETRY_AFTER_UNAVAILABLE = 30
# PostgreSQL's "read-only transaction" and "server is shutting down / in recovery" states.
UNAVAILABLE_SQLSTATES = {"25006", "57P01", "57P02", "57P03"}


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be used now (down, locked, read-only).

    Such a failure is not a bug in the request, and it passes: 503 with Retry-After.
    """
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        return getattr(exc.orig, "sqlstate", None) in UNAVAILABLE_SQLSTATES
    return False


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
