"""A person's passkeys, and the one-time challenges of the ceremonies in flight."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow


class Passkey(SQLModel, table=True):
    """A credential registered by one of the person's authenticators (public key only)."""

    __tablename__ = "passkeys"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    # base64url of the credential id the authenticator chose; how a sign-in finds the key.
    credential_id: str = Field(max_length=1024, unique=True)
    public_key: bytes = Field(sa_type=LargeBinary)
    sign_count: int = Field(default=0)
    transports: list[str] = Field(default_factory=list, sa_type=JSON)
    name: str = Field(max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasskeyChallenge(SQLModel, table=True):
    """A challenge handed to a browser, kept (hashed) until it is used once or expires."""

    __tablename__ = "passkey_challenges"

    challenge_hash: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=12)  # register, login or unlock
    # Whose ceremony it is; None for signing in, where nobody is known yet.
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
