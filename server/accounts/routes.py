"""Account routes: register, sign in and out, settings, export and deletion."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from server.accounts import service
from server.accounts.models import User
from server.accounts.passwords import hash_password, password_problem, verify_password
from server.accounts.schemas import (
    CsrfOut,
    DeleteMeIn,
    ExportQuery,
    HealthOut,
    LoginIn,
    MePatch,
    RegisterIn,
    UserEnvelope,
)
from server.accounts.sessions import close_login_session, open_login_session
from server.api import ApiError, csrf_token, route
from server.db import db, utcnow

bp = Blueprint("accounts", __name__)


def start_session(user: User) -> None:
    """Log ``user`` in on a brand-new session (never reuse a pre-login session)."""
    session.clear()
    session.permanent = True
    session["sid"] = open_login_session(db.session, user, utcnow())
    login_user(user)
    csrf_token()


def client_address() -> str:
    """The client's address as the WSGI server saw it (a proxy must set it right)."""
    return request.remote_addr or "unknown"


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check failed")
        raise ApiError(503, "database_unavailable", "The database is not answering.") from None
    return HealthOut(status="ok").model_dump()


@route(bp, "/api/csrf", auth=False, response=CsrfOut)
def get_csrf():
    """The CSRF token to send as X-CSRF-Token on every change."""
    return CsrfOut(csrf_token=csrf_token())


def email_taken() -> ApiError:
    """409 for an email that already has an account."""
    return ApiError(409, "email_taken", "An account with this email already exists.",
                    fields={"email": "already registered"})


@route(bp, "/api/auth/register", methods=["POST"], body=RegisterIn, response=UserEnvelope,
       status=201, auth=False)
def register(body: RegisterIn):
    """Create an account and sign in."""
    problem = password_problem(body.password, body.email)
    if problem:
        raise ApiError(400, "validation_error", problem, fields={"password": problem})
    exists = db.session.execute(select(User.id).where(User.email == body.email)).first()
    if exists:
        raise email_taken()
    user = User(email=body.email, password_hash=hash_password(body.password),
                timezone=body.timezone)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # A second tap on "create account" got in first, during the slow password hash.
        db.session.rollback()
        raise email_taken() from None
    start_session(user)
    return UserEnvelope(user=service.user_out(user))


@route(bp, "/api/auth/login", methods=["POST"], body=LoginIn, response=UserEnvelope, auth=False)
def login(body: LoginIn):
    """Sign in with email and password."""
    email = body.email.strip().lower()
    keys = [f"email:{email}", f"ip:{client_address()}"]
    throttle = current_app.extensions["tend.throttle"]
    now = utcnow()
    wait = throttle.retry_after(keys, now, db.session)
    if wait:
        raise ApiError(429, "too_many_attempts",
                       "Too many sign-in attempts. Please wait a little and try again.",
                       headers={"Retry-After": str(wait)})
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, body.password):
        throttle.fail(keys, now, db.session)
        raise ApiError(401, "invalid_credentials", "That email and password don't match.")
    throttle.succeed(keys, db.session)
    start_session(user)
    return UserEnvelope(user=service.user_out(user))


@route(bp, "/api/auth/logout", methods=["POST"], status=204, auth=False)
def logout():
    """Sign out and end this sign-in on the server too."""
    close_login_session(db.session, session.get("sid"))
    logout_user()
    session.clear()
    return None


@route(bp, "/api/me", response=UserEnvelope)
def get_me():
    """The signed-in user and their settings."""
    return UserEnvelope(user=service.user_out(current_user))


@route(bp, "/api/me", methods=["PATCH"], body=MePatch, response=UserEnvelope)
def patch_me(body: MePatch):
    """Change settings: time zone, work hours, quiet hours, budget, pause."""
    user = db.session.merge(current_user._get_current_object())
    clock_changed = service.apply_settings(user, body)
    db.session.add(user)
    if clock_changed:
        from server.reminders.service import recompute_user_reminders

        recompute_user_reminders(db.session, user, utcnow())
    db.session.commit()
    return UserEnvelope(user=service.user_out(user))


@route(bp, "/api/me", methods=["DELETE"], body=DeleteMeIn, status=204)
def delete_me(body: DeleteMeIn):
    """Delete the account and every row that belongs to it."""
    user = db.session.merge(current_user._get_current_object())
    if not verify_password(user.password_hash, body.password):
        raise ApiError(403, "wrong_password", "That password is not right.",
                       fields={"password": "does not match"})
    service.delete_user(db.session, user)
    logout_user()
    session.clear()
    return None


@route(bp, "/api/export", query=ExportQuery)
def export(query: ExportQuery):
    """Everything the user has, as JSON; ``?format=csv`` gives check-ins as CSV."""
    user = db.session.merge(current_user._get_current_object())
    if query.format == "csv":
        return Response(
            service.checkins_csv(db.session, user),
            mimetype="text/csv",
            headers={"Content-Disposition": "attachment; filename=tend-checkins.csv"},
        )
    resp = Response(
        json.dumps(service.export_user(db.session, user), indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=tend-export.json"},
    )
    return resp
