"""The app lock: set or remove it, unlock, hide at once; and the check before every request."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request, session
from flask_login import current_user

from server.accounts.models import LoginSession
from server.accounts.passwords import hash_password, verify_password
from server.accounts.routes import check_throttle, client_address, throttle
from server.accounts.sessions import remembered_sign_in, sid_hash
from server.api import ROUTES, ApiError, route
from server.db import db, utcnow
from server.passkeys.schemas import WebAuthnOptions
from server.passkeys.service import assertion_options, passkeys_of, verify_assertion
from server.privacy.lock import (
    away_too_long,
    open_while_locked,
    unlock_keys,
    worth_recording,
)
from server.privacy.models import AppLock
from server.privacy.schemas import LockIn, LockKinds, LockStatusOut, NoticeOut, UnlockIn

bp = Blueprint("privacy", __name__)


def this_login() -> LoginSession | None:
    """This browser's sign-in row (as loaded with the user, or looked up)."""
    sid = session.get("sid")
    if not sid:
        return None
    return remembered_sign_in(sid) or db.session.get(LoginSession, sid_hash(sid))


def lock_of(user_id: int) -> AppLock | None:
    """The user's app lock, if they set one."""
    return db.session.get(AppLock, user_id)


@bp.before_app_request
def enforce_app_lock():
    """Lock a sign-in away too long; a locked one gets 423 except on the open routes."""
    doc = ROUTES.get(request.endpoint or "")
    needs_sign_in = bool(doc and doc.auth)
    if not needs_sign_in or not current_user.is_authenticated:
        return None
    login = this_login()
    if login is None:
        return None
    now = utcnow()
    minutes = current_user.lock_after_minutes
    # The pure check first: most requests are not away long, and need no lock query.
    if (
        not login.locked
        and away_too_long(login.last_seen_at, now, minutes)
        and lock_of(current_user.id) is not None
    ):
        login.locked = True
    if login.locked:
        db.session.commit()
        if open_while_locked(request.endpoint, needs_sign_in):
            return None
        raise ApiError(423, "locked", "Tend is locked. Unlock it to go on.")
    if worth_recording(login.last_seen_at, now):
        login.last_seen_at = now
        db.session.commit()
    return None


@route(bp, "/api/lock", response=LockStatusOut)
def lock_status():
    """How this account unlocks and whether this sign-in is locked (answers while locked)."""
    lock = lock_of(current_user.id)
    login = this_login()
    kinds = LockKinds(pin=bool(lock.pin_hash), passkey=lock.passkey) if lock else None
    return LockStatusOut(
        lock=kinds,
        locked=bool(login and login.locked),
        lock_after_minutes=current_user.lock_after_minutes,
    )


@route(bp, "/api/lock", methods=["PUT"], body=LockIn, status=204)
def set_lock(body: LockIn):
    """Set the app lock: a PIN (kept only as a slow hash) or the device's passkey."""
    if (body.pin is None) == (not body.passkey):
        message = "Send either a PIN of 4 to 8 digits or passkey: true."
        raise ApiError(400, "validation_error", message, fields={"pin": message})
    lock = lock_of(current_user.id) or AppLock(user_id=current_user.id)
    if body.passkey:
        if not passkeys_of(db.session, current_user.id):
            raise ApiError(409, "no_passkey", "Add a passkey in Settings first.")
        lock.pin_hash, lock.passkey = None, True
    else:
        lock.pin_hash, lock.passkey = hash_password(body.pin), False
    db.session.add(lock)
    login = this_login()
    if login is not None:
        login.last_seen_at = utcnow()
    db.session.commit()
    return None


@route(bp, "/api/lock", methods=["DELETE"], status=204)
def remove_lock():
    """Remove the app lock: the app opens without asking again."""
    lock = lock_of(current_user.id)
    if lock is not None:
        db.session.delete(lock)
        db.session.commit()
    return None


@route(bp, "/api/lock/unlock/options", methods=["POST"], response=WebAuthnOptions)
def unlock_options():
    """Options for unlocking with one of this person's passkeys (asks who is holding it)."""
    now = utcnow()
    options = assertion_options(db.session, "unlock", current_user._get_current_object(), now)
    db.session.commit()
    return json.loads(options)


@route(bp, "/api/lock/unlock", methods=["POST"], body=UnlockIn, status=204)
def unlock(body: UnlockIn):
    """Unlock this sign-in with the PIN or a passkey; throttled like signing in."""
    lock = lock_of(current_user.id)
    login = this_login()
    if lock is None or login is None:
        return None
    if (body.pin is None) == (body.passkey is None):
        message = "Send either your PIN or your passkey's answer."
        raise ApiError(400, "validation_error", message, fields={"pin": message})
    keys = unlock_keys(current_user.id, client_address())
    check_throttle(keys)
    if body.passkey is not None:
        if not lock.passkey:
            raise ApiError(400, "no_passkey_lock", "This lock opens with your PIN.")
        user = current_user._get_current_object()
        verify_assertion(db.session, body.passkey, "unlock", user, utcnow())
    else:
        if not lock.pin_hash:
            raise ApiError(400, "no_pin", "This lock opens with your passkey.")
        if not verify_password(lock.pin_hash, body.pin):
            message = "That PIN is not right."
            raise ApiError(403, "wrong_pin", message, fields={"pin": message})
    throttle().succeeded(keys)
    login.locked = False
    login.last_seen_at = utcnow()
    db.session.commit()
    return None


@route(bp, "/api/lock/now", methods=["POST"], status=204)
def lock_now():
    """Hide: lock this sign-in at once when the account has a lock."""
    login = this_login()
    if login is not None and lock_of(current_user.id) is not None:
        login.locked = True
        db.session.commit()
    return None


@route(bp, "/api/privacy-notice", auth=False, response=NoticeOut)
def privacy_notice():
    """The operator's privacy notice (shown at sign-up) and how long entries are kept."""
    days = current_app.config.get("TEND_RETENTION_DAYS") or None
    return NoticeOut(notice=current_app.config.get("TEND_PRIVACY_NOTICE"), retention_days=days)
