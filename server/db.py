"""The database: one engine per app, a session per request, UTC-only datetimes.

SQLite is the default (a file in ``instance/``); PostgreSQL is used when
``TEND_DATABASE_URL`` says so. Schema changes go through Alembic migrations in
``migrations/``; nothing here creates tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session, create_engine


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (time-machine freezes this too)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so values would come back naive; normalising here
    means no code ever compares a naive and an aware datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def default_sqlite_url(instance_path: str) -> str:
    """The SQLite file used when no database URL is configured."""
    return f"sqlite:///{instance_path}/tend.sqlite3"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """Flask extension holding the engine; created unbound and bound by ``init_app``."""

    def init_app(self, app: Flask) -> None:
        """Create the app's engine and close the request session on teardown."""
        url = app.config.get("TEND_DATABASE_URL") or default_sqlite_url(app.instance_path)
        app.extensions["tend.engine"] = make_engine(url)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions["tend.engine"]

    @property
    def session(self) -> Session:
        """The session of the current request, opened on first use."""
        if "db_session" not in g:
            g.db_session = Session(self.engine, expire_on_commit=False)
        return g.db_session

    @staticmethod
    def _close_session(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session outside a request (scheduler, CLI): commits on success, rolls back on error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
