"""Account routes: register, sign in and out, password and recovery, settings, export, deletion."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from server.accounts import mail, recovery, service
from server.accounts.invites import redeem_invite
from server.accounts.models import User
from server.accounts.passwords import hash_password, password_problem, verify_password
from server.accounts.schemas import (
    AuthOptionsOut,
    CsrfOut,
    DeleteMeIn,
    ExportQuery,
    HealthOut,
    LoginIn,
    MePatch,
    PasswordChangeIn,
    PasswordIn,
    RecoverIn,
    RecoveryCodeOut,
    RegisterIn,
    RegisterOut,
    ResetIn,
    ResetRequestIn,
    UserEnvelope,
)
from server.accounts.sessions import close_login_session, open_login_session, sid_hash
from server.accounts.throttle import (
    address_keys,
    reset_mail_keys,
    sign_in_keys,
    signup_keys,
)
from server.api import ApiError, csrf_token, route, signed_in_user
from server.db import db, utcnow, wipe_deleted_text
from server.privacy.discreet import DISCREET_FOR_NEW_ACCOUNTS

bp = Blueprint("accounts", __name__)


def start_session(user: User) -> None:
    """Log ``user`` in on a brand-new session (never reuse a pre-login session)."""
    session.clear()
    session.permanent = True
    session["sid"] = open_login_session(db.session, user, utcnow())
    login_user(user)
    csrf_token()


def client_address() -> str:
    """The client's address: the peer's, or with ``TEND_TRUSTED_PROXIES`` the one the
    proxies forwarded (ProxyFix has already put it here; a forged header without a
    configured proxy is ignored)."""
    return request.remote_addr or "unknown"


def throttle():
    """The app's sign-in throttle."""
    return current_app.extensions["tend.throttle"]


TOO_MANY = "Too many attempts. Please wait a little and try again."


def check_throttle(keys, message: str = TOO_MANY) -> None:
    """Count this attempt before any password work; 429 with Retry-After when over."""
    wait = throttle().admit(keys, utcnow())
    if wait:
        raise ApiError(429, "too_many_attempts", message, headers={"Retry-After": str(wait)})


def require_good_password(password: str, email: str, field: str) -> None:
    """400 naming ``field`` when the new password is too short, too common or the email."""
    problem = password_problem(password, email)
    if problem:
        raise ApiError(400, "validation_error", problem, fields={field: problem})


def wrong_password(field: str = "password") -> ApiError:
    """403 for a password that does not match the signed-in account."""
    message = "That password is not right."
    return ApiError(403, "wrong_password", message, fields={field: message})


def current_sid_hash() -> str | None:
    """The stored form of this browser's sign-in id."""
    sid = session.get("sid")
    return sid_hash(sid) if sid else None


def email_reset_available() -> bool:
    """Whether the operator configured SMTP for reset links."""
    return mail.smtp_settings(current_app.config) is not None


@bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check failed")
        raise ApiError(
            503,
            "database_unavailable",
            "The database is not answering.",
            headers={"Retry-After": "30"},
        ) from None
    return HealthOut(status="ok").model_dump()


@route(bp, "/api/csrf", auth=False, response=CsrfOut)
def get_csrf():
    """The CSRF token to send as X-CSRF-Token on every change."""
    return CsrfOut(csrf_token=csrf_token())


def email_taken() -> ApiError:
    """409 for an email that already has an account."""
    return ApiError(
        409,
        "email_taken",
        "An account with this email already exists.",
        fields={"email": "already registered"},
    )


def invite_required(given: bool = False) -> ApiError:
    """403 when sign-up needs a valid invite code (``given``: one was sent, and it failed)."""
    if given:
        message = "That invite code doesn't work. It may be used already or out of date."
        return ApiError(403, "invite_required", message, fields={"invite_code": message})
    return ApiError(
        403,
        "invite_required",
        "This Tend server needs an invite code to sign up. Ask the people who run it.",
        fields={"invite_code": "Enter the code you were given."},
    )


def check_registration_open(body: RegisterIn) -> None:
    """403 when ``TEND_REGISTRATION`` is ``closed``, or ``invite`` and no code was sent."""
    mode = current_app.config["TEND_REGISTRATION"]
    if mode == "closed":
        raise ApiError(
            403,
            "registration_closed",
            "This Tend server is not taking new sign-ups. Ask the people who run it.",
        )
    if mode == "invite" and not (body.invite_code or "").strip():
        raise invite_required()


@route(bp, "/api/auth/options", response=AuthOptionsOut, auth=False)
def auth_options():
    """How people get in here: the sign-up mode and whether reset by email is set up."""
    return AuthOptionsOut(
        registration=current_app.config["TEND_REGISTRATION"],
        email_reset=email_reset_available(),
    )


@route(
    bp,
    "/api/auth/register",
    methods=["POST"],
    body=RegisterIn,
    response=RegisterOut,
    status=201,
    auth=False,
)
def register(body: RegisterIn):
    """Create an account and sign in; the answer carries the recovery code, this once."""
    check_registration_open(body)
    require_good_password(body.password, body.email, "password")
    per_hour = current_app.config["TEND_SIGNUP_LIMIT"]
    if per_hour:
        check_throttle(
            signup_keys(client_address(), per_hour),
            "Too many new accounts from this network. Please wait a while and try again.",
        )
    exists = db.session.execute(select(User.id).where(User.email == body.email)).first()
    if exists:
        raise email_taken()
    if current_app.config["TEND_REGISTRATION"] == "invite":
        if not redeem_invite(db.session, body.invite_code, utcnow()):
            db.session.rollback()
            raise invite_required(given=True)
    user = User(
        email=body.email,
        password_hash=hash_password(body.password),
        timezone=body.timezone,
        discreet_notifications=DISCREET_FOR_NEW_ACCOUNTS,
    )
    code = recovery.new_recovery_code(user)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # A second tap on "create account" got in first, during the slow password hash;
        # the rollback also gives an invite code back.
        db.session.rollback()
        raise email_taken() from None
    start_session(user)
    return RegisterOut(user=service.user_out(user), recovery_code=code)


@route(bp, "/api/auth/login", methods=["POST"], body=LoginIn, response=UserEnvelope, auth=False)
def login(body: LoginIn):
    """Sign in with email and password."""
    email = body.email.strip().lower()
    keys = sign_in_keys(client_address(), email)
    check_throttle(keys, "Too many sign-in attempts. Please wait a little and try again.")
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if not verify_password(user.password_hash if user else None, body.password):
        raise ApiError(401, "invalid_credentials", "That email and password don't match.")
    throttle().succeeded(keys)
    refuse_disabled(user)
    start_session(user)
    return UserEnvelope(user=service.user_out(user))


def refuse_disabled(user: User) -> None:
    """403 for an account the operator switched off, whichever way it signs in."""
    if user.disabled_at is not None:
        raise ApiError(
            403,
            "account_disabled",
            "This account is switched off by the people who run this Tend. "
            "Ask them to switch it back on.",
        )


@route(bp, "/api/auth/password", methods=["POST"], body=PasswordChangeIn, status=204)
def change_password(body: PasswordChangeIn):
    """Change the password; every other sign-in of this account ends."""
    user = signed_in_user()
    require_good_password(body.new_password, user.email, "new_password")
    keys = sign_in_keys(client_address(), user.email)
    check_throttle(keys)
    if not verify_password(user.password_hash, body.current_password):
        raise wrong_password("current_password")
    recovery.set_password(db.session, user, body.new_password, keep_sid_hash=current_sid_hash())
    db.session.commit()
    throttle().succeeded(keys)
    return None


@route(bp, "/api/auth/logout-all", methods=["POST"], status=204)
def logout_all():
    """Sign out everywhere: every sign-in of this account ends, this one too."""
    recovery.end_sessions(db.session, current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    return None


@route(
    bp,
    "/api/auth/recovery-code",
    methods=["POST"],
    body=PasswordIn,
    response=RecoveryCodeOut,
    status=201,
)
def regenerate_recovery_code(body: PasswordIn):
    """A new recovery code, shown once; the old one stops working."""
    user = signed_in_user()
    keys = sign_in_keys(client_address(), user.email)
    check_throttle(keys)
    if not verify_password(user.password_hash, body.password):
        raise wrong_password()
    code = recovery.new_recovery_code(user)
    db.session.add(user)
    db.session.commit()
    throttle().succeeded(keys)
    return RecoveryCodeOut(recovery_code=code)


@route(bp, "/api/auth/recover", methods=["POST"], body=RecoverIn, status=204, auth=False)
def recover(body: RecoverIn):
    """Back in with the recovery code: a new password, every other sign-in ends."""
    email = body.email.strip().lower()
    require_good_password(body.new_password, email, "new_password")
    keys = sign_in_keys(client_address(), email)
    check_throttle(keys)
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if not recovery.recovery_code_matches(user, body.recovery_code):
        # The same answer whether or not the email has an account.
        raise ApiError(
            400,
            "invalid_recovery",
            "That email and recovery code don't match.",
            fields={"recovery_code": "That email and recovery code don't match."},
        )
    recovery.set_password(db.session, user, body.new_password, keep_sid_hash=None)
    db.session.commit()
    throttle().succeeded(keys)
    start_session(user)
    return None


def require_email_reset() -> None:
    """404 when no SMTP server is configured, saying what to use instead."""
    if not email_reset_available():
        raise ApiError(
            404,
            "email_reset_unavailable",
            "Reset by email is not set up on this server. Use your recovery code instead.",
        )


@route(
    bp,
    "/api/auth/reset-request",
    methods=["POST"],
    body=ResetRequestIn,
    status=202,
    auth=False,
)
def reset_request(body: ResetRequestIn):
    """Email a reset link; the answer is the same whether or not the email has an account."""
    require_email_reset()
    email = body.email.strip().lower()
    check_throttle(reset_mail_keys(client_address(), email))
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None:
        token = recovery.create_reset_token(db.session, user, utcnow())
        db.session.commit()
        link = f"{current_app.config['TEND_PUBLIC_URL']}/#/reset/{token}"
        message = mail.reset_message(current_app.config["TEND_SMTP_FROM"], user.email, link)
        mail.send_in_background(mail.smtp_settings(current_app.config), message)
    return None, 202


@route(bp, "/api/auth/reset", methods=["POST"], body=ResetIn, status=204, auth=False)
def reset_password(body: ResetIn):
    """Set a new password with an emailed link's token (once, within the hour)."""
    require_email_reset()
    check_throttle(address_keys(client_address()))
    user = recovery.use_reset_token(db.session, body.token, utcnow())
    if user is None:
        db.session.rollback()
        raise ApiError(
            400,
            "invalid_token",
            "This link has expired or was already used. Please ask for a new one.",
        )
    require_good_password(body.new_password, user.email, "new_password")
    recovery.set_password(db.session, user, body.new_password, keep_sid_hash=None)
    db.session.commit()
    throttle().succeeded(sign_in_keys(client_address(), user.email))
    start_session(user)
    return None


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
    """Change settings: time zone, work hours, quiet hours, budget, pause, role."""
    user = signed_in_user()
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
    user = signed_in_user()
    # Counted like a sign-in: a borrowed session must not become a way to guess.
    check_throttle(sign_in_keys(client_address(), user.email))
    if not verify_password(user.password_hash, body.password):
        raise wrong_password()
    email = user.email
    service.delete_user(db.session, user)
    throttle().forget_account(email)
    wipe_deleted_text(db.session)
    logout_user()
    session.clear()
    return None


@route(bp, "/api/export", query=ExportQuery)
def export(query: ExportQuery):
    """Everything the user has, as JSON; ``?format=csv`` gives check-ins as CSV."""
    user = signed_in_user()
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
