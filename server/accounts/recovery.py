"""Getting back into an account: the recovery code and reset links sent by email."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from server.accounts.invites import code_hash, readable_code
from server.accounts.models import LoginSession, PasswordReset, User
from server.accounts.passwords import hash_password

RESET_LIFETIME = timedelta(hours=1)
# Compared against when the email is unknown, so both answers take the same path.
_NO_CODE = code_hash("no-such-code")


def new_recovery_code(user: User) -> str:
    """Give ``user`` a fresh recovery code (the old one stops working); returns it in clear."""
    code = readable_code() + "-" + readable_code()
    user.recovery_code_hash = code_hash(code)
    return code


def recovery_code_matches(user: User | None, code: str) -> bool:
    """Whether ``code`` is ``user``'s recovery code, in constant time."""
    stored = (user.recovery_code_hash if user else None) or _NO_CODE
    return hmac.compare_digest(stored, code_hash(code)) and user is not None


def set_password(session: Session, user: User, password: str, keep_sid_hash: str | None) -> None:
    """Change the password and end every sign-in except ``keep_sid_hash`` (None: end all)."""
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session, user.id, keep_sid_hash)


def end_sessions(session: Session, user_id: int, keep_sid_hash: str | None = None) -> None:
    """Delete the user's sign-ins, except the one kept."""
    query = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_sid_hash:
        query = query.where(LoginSession.id_hash != keep_sid_hash)
    session.execute(query)


def token_hash(token: str) -> str:
    """The stored form of a reset token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_reset_token(session: Session, user: User, now: datetime) -> str:
    """A single-use reset token for ``user``, valid for an hour; returns it in clear."""
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + RESET_LIFETIME,
        )
    )
    session.flush()
    return token


def use_reset_token(session: Session, token: str, now: datetime) -> User | None:
    """Spend a live reset token atomically; the user it was for, or None."""
    table = PasswordReset.__table__
    hashed = token_hash(token)
    used = session.execute(
        update(table)
        .where(table.c.token_hash == hashed, table.c.used_at.is_(None), table.c.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if used != 1:
        return None
    user_id = session.execute(
        select(table.c.user_id).where(table.c.token_hash == hashed)
    ).scalar_one()
    # Any other link sent to this person stops working too.
    session.execute(delete(table).where(table.c.user_id == user_id, table.c.token_hash != hashed))
    return session.get(User, user_id)
