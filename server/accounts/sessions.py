"""Server-side sign-in sessions: signing out (or deleting the account) really ends them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from server.accounts.models import LoginSession, User

# Matches PERMANENT_SESSION_LIFETIME: a cookie older than this is refused by Flask anyway.
SESSION_LIFETIME = timedelta(days=30)


def sid_hash(sid: str) -> str:
    """The stored form of a session id (a leaked database does not leak live sessions)."""
    return hashlib.sha256(sid.encode()).hexdigest()


def open_login_session(db_session: Session, user: User, now: datetime) -> str:
    """Record a new sign-in for ``user``, forget their expired ones, return the new id."""
    db_session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at < now - SESSION_LIFETIME
        )
    )
    sid = secrets.token_urlsafe(32)
    db_session.add(LoginSession(id_hash=sid_hash(sid), user_id=user.id, created_at=now))
    db_session.commit()
    return sid


def close_login_session(db_session: Session, sid: str | None) -> None:
    """End one sign-in (signing out on this browser)."""
    if sid:
        db_session.execute(delete(LoginSession).where(LoginSession.id_hash == sid_hash(sid)))
        db_session.commit()


def user_for_session(db_session: Session, user_id: int, sid: str | None) -> User | None:
    """The user of a live sign-in, or None when it was ended or never existed."""
    if not sid:
        return None
    return db_session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, LoginSession.id_hash == sid_hash(sid))
    ).scalar_one_or_none()
