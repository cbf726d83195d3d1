"""The WebAuthn ceremonies, with the ``webauthn`` library doing the verification.

Every ceremony starts with options carrying a fresh challenge, which is kept
(hashed) in the database for five minutes and can be used once: a replayed
answer finds no challenge. The relying party is this server's host name, and
the expected origin the one the browser used (both can be pinned by the
operator with ``TEND_WEBAUTHN_RP_ID`` and ``TEND_WEBAUTHN_ORIGIN``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete, select
from sqlmodel import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.accounts.models import User
from server.api import ApiError
from server.passkeys.models import Passkey, PasskeyChallenge

CHALLENGE_LIFETIME = timedelta(minutes=5)
MAX_PASSKEYS = 10
PURPOSES = ("register", "login", "unlock")


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the host name, and the origin the browser is on."""

    rp_id: str
    origin: str


def relying_party() -> RelyingParty:
    """This request's relying party, unless the operator pinned one."""
    origin = current_app.config.get("TEND_WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")
    rp_id = current_app.config.get("TEND_WEBAUTHN_RP_ID") or (request.host.split(":")[0])
    return RelyingParty(rp_id, origin)


def b64url(raw: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def user_handle(user: User) -> bytes:
    """The opaque id an authenticator keeps for the person: not their email, not guessable."""
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, f"tend-passkey-user:{user.id}".encode(), hashlib.sha256).digest()


def bad_passkey(message: str = "That passkey could not be used. Try again.") -> ApiError:
    """The one answer for every failed ceremony, so a failure teaches an attacker nothing."""
    return ApiError(400, "passkey_failed", message)


# --- challenges ---------------------------------------------------------------------------


def new_challenge(session: Session, purpose: str, user_id: int | None, now: datetime) -> bytes:
    """A fresh challenge for ``purpose``, remembered until used or five minutes pass."""
    session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now))
    challenge = secrets.token_bytes(32)
    session.add(
        PasskeyChallenge(
            challenge_hash=hashlib.sha256(challenge).hexdigest(),
            purpose=purpose,
            user_id=user_id,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    return challenge


def challenge_of(credential: dict) -> bytes:
    """The challenge the browser signed, read from the credential's client data."""
    try:
        client_data = json.loads(unb64url(credential["response"]["clientDataJSON"]))
        return unb64url(client_data["challenge"])
    except (KeyError, TypeError, ValueError) as error:
        raise bad_passkey() from error


def use_challenge(
    session: Session, challenge: bytes, purpose: str, user_id: int | None, now: datetime
) -> None:
    """Consume the challenge: it must exist, be for this purpose and person, and be fresh."""
    found = session.execute(
        delete(PasskeyChallenge).where(
            PasskeyChallenge.challenge_hash == hashlib.sha256(challenge).hexdigest(),
            PasskeyChallenge.purpose == purpose,
            PasskeyChallenge.expires_at > now,
            PasskeyChallenge.user_id.is_(None)
            if user_id is None
            else PasskeyChallenge.user_id == user_id,
        )
    )
    if found.rowcount != 1:
        raise bad_passkey("That request has expired or was already used. Try again.")


# --- the ceremonies -----------------------------------------------------------------------


def passkeys_of(session: Session, user_id: int) -> list[Passkey]:
    """The person's passkeys, oldest first."""
    return list(
        session.execute(
            select(Passkey)
            .where(Passkey.user_id == user_id)
            .order_by(Passkey.created_at, Passkey.id)
        ).scalars()
    )


def registration_options(session: Session, user: User, now: datetime) -> str:
    """Creation options for a new passkey of ``user`` (JSON for the browser)."""
    existing = passkeys_of(session, user.id)
    if len(existing) >= MAX_PASSKEYS:
        raise ApiError(
            409, "passkey_limit", f"You have {MAX_PASSKEYS} passkeys. Remove one to add another."
        )
    party = relying_party()
    options = generate_registration_options(
        rp_id=party.rp_id,
        rp_name="Tend",
        user_name=user.email,
        user_id=user_handle(user),
        challenge=new_challenge(session, "register", user.id, now),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=unb64url(key.credential_id)) for key in existing
        ],
    )
    return options_to_json(options)


def register(
    session: Session, user: User, credential: dict, name: str | None, now: datetime
) -> Passkey:
    """Verify the browser's new credential and keep its public key."""
    challenge = challenge_of(credential)
    use_challenge(session, challenge, "register", user.id, now)
    party = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError) as error:
        raise bad_passkey() from error
    credential_id = b64url(verified.credential_id)
    if session.execute(select(Passkey.id).where(Passkey.credential_id == credential_id)).first():
        raise ApiError(409, "passkey_exists", "This passkey is already added.")
    transports = (credential.get("response") or {}).get("transports") or []
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[str(item)[:20] for item in transports][:6],
        name=(name or "").strip()[:80] or "Passkey",
        created_at=now,
    )
    session.add(passkey)
    session.flush()
    return passkey


def assertion_options(session: Session, purpose: str, user: User | None, now: datetime) -> str:
    """Request options for signing in (any passkey) or unlocking (the person's own)."""
    allowed = (
        [
            PublicKeyCredentialDescriptor(id=unb64url(k.credential_id))
            for k in passkeys_of(session, user.id)
        ]
        if user is not None
        else None
    )
    options = generate_authentication_options(
        rp_id=relying_party().rp_id,
        challenge=new_challenge(session, purpose, user.id if user else None, now),
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def verify_assertion(
    session: Session, credential: dict, purpose: str, user: User | None, now: datetime
) -> Passkey:
    """The passkey that signed ``credential`` (and, when ``user`` is given, theirs)."""
    challenge = challenge_of(credential)
    use_challenge(session, challenge, purpose, user.id if user else None, now)
    credential_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    passkey = (
        session.execute(select(Passkey).where(Passkey.credential_id == credential_id)).scalar()
        if credential_id
        else None
    )
    if passkey is None or (user is not None and passkey.user_id != user.id):
        raise bad_passkey()
    party = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.rp_id,
            expected_origin=party.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, KeyError, TypeError, ValueError) as error:
        raise bad_passkey() from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    return passkey
