"""Passkey routes: list, add, remove, and sign in with one."""

from __future__ import annotations

import json

from flask import Blueprint
from flask_login import current_user

from server.accounts import service as accounts
from server.accounts.models import User
from server.accounts.routes import check_throttle, client_address, refuse_disabled, start_session
from server.accounts.schemas import UserEnvelope
from server.accounts.throttle import address_keys
from server.api import owned_or_404, route, signed_in_user
from server.db import db, utcnow
from server.passkeys import service
from server.passkeys.models import Passkey
from server.passkeys.schemas import (
    CredentialIn,
    PasskeyEnvelope,
    PasskeyList,
    PasskeyOut,
    RegisterPasskeyIn,
    WebAuthnOptions,
)
from server.privacy.models import AppLock

bp = Blueprint("passkeys", __name__)


def passkey_out(passkey: Passkey) -> PasskeyOut:
    """The public view of a passkey (never its key or credential id)."""
    return PasskeyOut(
        id=passkey.id,
        name=passkey.name,
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
    )


@route(bp, "/api/auth/passkeys", response=PasskeyList)
def list_passkeys():
    """The signed-in person's passkeys."""
    return PasskeyList(
        passkeys=[passkey_out(k) for k in service.passkeys_of(db.session, current_user.id)]
    )


@route(bp, "/api/auth/passkeys/<int:passkey_id>", methods=["DELETE"], status=204)
def remove_passkey(passkey_id: int):
    """Remove a passkey; a lock that only a passkey opened goes with the last one."""
    passkey = owned_or_404(db.session, Passkey, current_user.id, passkey_id, "passkey")
    db.session.delete(passkey)
    db.session.flush()
    lock = db.session.get(AppLock, current_user.id)
    if lock is not None and lock.passkey and not service.passkeys_of(db.session, current_user.id):
        if lock.pin_hash:
            lock.passkey = False
        else:
            db.session.delete(lock)
    db.session.commit()
    return None


@route(bp, "/api/auth/passkeys/register/options", methods=["POST"], response=WebAuthnOptions)
def registration_options():
    """Options for adding a passkey on this device."""
    options = service.registration_options(db.session, signed_in_user(), utcnow())
    db.session.commit()
    return json.loads(options)


@route(
    bp,
    "/api/auth/passkeys/register",
    methods=["POST"],
    body=RegisterPasskeyIn,
    response=PasskeyEnvelope,
    status=201,
)
def register_passkey(body: RegisterPasskeyIn):
    """Keep the new passkey the browser made."""
    passkey = service.register(db.session, signed_in_user(), body.credential, body.name, utcnow())
    db.session.commit()
    return PasskeyEnvelope(passkey=passkey_out(passkey))


@route(
    bp,
    "/api/auth/passkeys/login/options",
    methods=["POST"],
    auth=False,
    response=WebAuthnOptions,
)
def login_options():
    """Options for signing in with any passkey of this server."""
    check_throttle(address_keys(client_address()))
    options = service.assertion_options(db.session, "login", None, utcnow())
    db.session.commit()
    return json.loads(options)


@route(
    bp,
    "/api/auth/passkeys/login",
    methods=["POST"],
    auth=False,
    body=CredentialIn,
    response=UserEnvelope,
)
def login_with_passkey(body: CredentialIn):
    """Sign in with a passkey; throttled like signing in with a password."""
    check_throttle(address_keys(client_address()))
    now = utcnow()
    passkey = service.verify_assertion(db.session, body.credential, "login", None, now)
    user = db.session.get(User, passkey.user_id)
    db.session.commit()
    refuse_disabled(user)
    start_session(user)
    return UserEnvelope(user=accounts.user_out(user))
