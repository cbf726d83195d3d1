"""Invite codes for ``TEND_REGISTRATION=invite``: made by an operator, used once at sign-up."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session

from server.accounts.models import InviteCode

# Letters and digits that cannot be mistaken for one another when read aloud or typed.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_LENGTH = 4, 4


def readable_code() -> str:
    """A random code like ``K7QM-2XHD-P9RT-W4NA`` (about 79 bits)."""
    chars = [secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH)]
    groups = ["".join(chars[i : i + GROUP_LENGTH]) for i in range(0, len(chars), GROUP_LENGTH)]
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """What a person typed, without spaces or dashes, upper-cased."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """The stored form of a random code: SHA-256 of its normalised text."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def create_invites(
    session: Session, count: int, now: datetime, valid_for: timedelta | None = None
) -> list[str]:
    """Make ``count`` invite codes; returns them in clear (the only time they exist so)."""
    expires = now + valid_for if valid_for else None
    codes = [readable_code() for _ in range(count)]
    for code in codes:
        session.add(InviteCode(code_hash=code_hash(code), created_at=now, expires_at=expires))
    session.flush()
    return codes


def redeem_invite(session: Session, code: str | None, now: datetime) -> bool:
    """Mark a live invite as used, in one atomic UPDATE; False when none matches.

    Runs in the sign-up's transaction: if the account cannot be created, the
    rollback gives the code back.
    """
    if not code or not normalise_code(code):
        return False
    table = InviteCode.__table__
    used = session.execute(
        update(table)
        .where(
            table.c.code_hash == code_hash(code),
            table.c.used_at.is_(None),
            or_(table.c.expires_at.is_(None), table.c.expires_at > now),
        )
        .values(used_at=now)
    ).rowcount
    return used == 1
