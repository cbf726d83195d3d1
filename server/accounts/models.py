"""Account tables: the user with their settings, sessions, throttling, invites and resets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from server.db import UTCDateTime, utcnow

WEEKDAYS = [0, 1, 2, 3, 4]


class User(SQLModel, table=True):
    """A person using Tend, with the settings that shape when Tend may speak."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    work_days: list[int] = Field(default_factory=lambda: list(WEEKDAYS), sa_type=JSON)
    work_start: str = Field(default="09:00", max_length=5)
    work_end: str = Field(default="17:00", max_length=5)
    quiet_start: str = Field(default="22:00", max_length=5)
    quiet_end: str = Field(default="07:00", max_length=5)
    daily_push_budget: int = Field(default=6)
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    timeoff_nudge_days: int = Field(default=60)
    timeoff_strong_days: int = Field(default=120)
    # ISO 3166-1 alpha-2; None means "the country of the time zone".
    country: str | None = Field(default=None, max_length=2)
    # Fills {person}, {encounter}, ... in questions and cards; see server/accounts/roles.py.
    role: str | None = Field(default=None, max_length=32)
    # Set by an operator (`flask --app server tend disable`): no sign-in, no pushes.
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "weekly": work hours above; "shifts": work hours follow the user's shifts.
    schedule_mode: str = Field(
        default="weekly", max_length=8, sa_column_kwargs={"server_default": "weekly"}
    )
    # Neutral notification words on the lock screen; sign-up turns it on (server/privacy).
    discreet_notifications: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Minutes away after which a session with an app lock locks; None never locks.
    lock_after_minutes: int | None = Field(default=5, sa_column_kwargs={"server_default": "5"})
    # SHA-256 of the recovery code shown once at sign-up (a random code, so no slow KDF).
    recovery_code_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    # flask-login protocol, written out (not UserMixin) so no attribute becomes a column.
    @property
    def is_active(self) -> bool:
        """Accounts are active until deleted."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """A loaded user is never anonymous."""
        return False

    @property
    def is_authenticated(self) -> bool:
        """Every loaded user is authenticated; anonymous visitors are not Users."""
        return True

    def get_id(self) -> str:
        """The id flask-login keeps in the session."""
        return str(self.id)

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone as a ZoneInfo."""
        return ZoneInfo(self.timezone)


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random id; only its hash is stored.

    Flask's session lives in a signed cookie, so without this row a copied cookie
    would stay valid after signing out; deleting the row ends it everywhere.
    """

    __tablename__ = "login_sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The app lock (server/privacy): the last request of this sign-in, and whether it is locked.
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class LoginThrottle(SQLModel, table=True):
    """Failed-login counters shared by several web workers (``TEND_LOGIN_THROTTLE=database``)."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=300)
    failures: int = Field(default=0)
    window_started_at: datetime = Field(sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class InviteCode(SQLModel, table=True):
    """A single-use code that lets someone sign up when ``TEND_REGISTRATION=invite``.

    Only the code's SHA-256 is stored; the code itself is printed once when made.
    """

    __tablename__ = "invite_codes"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordReset(SQLModel, table=True):
    """A reset link sent by email: single-use, short-lived, stored as its SHA-256."""

    __tablename__ = "password_resets"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
