"""Server-side sign-in sessions: signing out (or deleting the account) really ends them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import g
from sqlalchemy import bindparam, delete, inspect, select
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


# Built once: this runs on every signed-in request, and building the statement cost
# about as much as running it.
LIVE_SIGN_IN = (
    select(User, LoginSession)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.disabled_at.is_(None),
        LoginSession.id_hash == bindparam("id_hash"),
        LoginSession.created_at > bindparam("since"),
    )
)


def user_for_session(
    db_session: Session, user_id: int, sid: str | None, now: datetime
) -> tuple[User, LoginSession] | None:
    """The user of a live sign-in and its row, or None when it was ended, is too old or
    never existed.

    The age is checked here, on the server: a signed cookie kept alive by a
    client that ignores its expiry must still end 30 days after signing in. The
    sign-in row comes in the same query: the app lock looks at it on every request.
    """
    if not sid:
        return None
    row = db_session.execute(
        LIVE_SIGN_IN,
        {"user_id": user_id, "id_hash": sid_hash(sid), "since": now - SESSION_LIFETIME},
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


def remember_sign_in(login: LoginSession) -> None:
    """Keep this request's sign-in row, loaded with its user, for the app lock to read."""
    g.tend_sign_in = login


def remembered_sign_in(sid: str) -> LoginSession | None:
    """The sign-in row of ``sid`` loaded with the user in this request, if it was."""
    login = g.get("tend_sign_in")
    # By identity, not by attribute: after a commit the attributes would reload.
    if login is None or inspect(login).identity != (sid_hash(sid),):
        return None
    return login
