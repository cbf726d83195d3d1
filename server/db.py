"""The database: one engine per app, a session per request, UTC-only datetimes.

SQLite is the default (a file in ``instance/``); PostgreSQL is used when
``TEND_DATABASE_URL`` says so. Schema changes go through Alembic migrations in
``migrations/``; nothing here creates tables.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session, create_engine

log = logging.getLogger("tend.db")


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


def create_private_sqlite_file(url: str) -> None:
    """Create a missing SQLite database file readable by its owner only (0600).

    SQLite gives its ``-wal`` and ``-shm`` files the main file's permissions, so
    these stay private too. An existing file keeps the mode its operator gave it.
    """
    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _configure_sqlite_connection)
        WriterQueue().attach(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


# Statements that take SQLite's write lock: the writes themselves, and a BEGIN that
# takes the lock up front (the scheduler's claims begin with BEGIN IMMEDIATE).
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")


def takes_write_lock(statement: str) -> bool:
    """Whether ``statement`` takes SQLite's write lock when it runs."""
    return " ".join(statement[:40].split()).upper().startswith(WRITES)


class WriterQueue:
    """SQLite writers of one process wait their turn on a lock, not in SQLite's busy handler.

    SQLite lets one connection write at a time; the others retry after sleeps that
    grow to 100 ms, so under many concurrent writes a few requests wait far longer
    than the queue in front of them (POST /api/checkins had a p99 near one second at
    50 clients). Here a connection takes this process's lock at its first write and
    gives it back when its transaction ends, so the next writer starts the moment the
    last one commits. The turn is always taken before SQLite's lock, never while holding
    it: a ``BEGIN IMMEDIATE`` takes the turn too, or it could hold SQLite's lock while
    waiting for the turn that a deferred writer holds while waiting for SQLite's lock
    (each stalled until ``patience`` ran out).

    The lock is only a fairer queue: after ``patience`` seconds a writer goes on
    without it and SQLite's own locking (and busy timeout) still rules, so a lock
    somehow never given back costs speed, never correctness.
    """

    KEY = "tend_writer"

    def __init__(self, patience: float = 30.0) -> None:
        self.lock = threading.Lock()
        self.patience = patience

    def attach(self, engine: Engine) -> None:
        """Queue ``engine``'s writes; give the turn back when a transaction or checkout ends."""
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._transaction_ended)
        event.listen(engine, "rollback", self._transaction_ended)
        event.listen(engine.pool, "reset", self._reset)
        event.listen(engine.pool, "checkin", self._checked_in)
        event.listen(engine.pool, "invalidate", self._invalidated)

    def _before_execute(self, conn, _cursor, statement, *_args) -> None:
        if conn.info.get(self.KEY) is None and takes_write_lock(statement):
            got_turn = self.lock.acquire(timeout=self.patience)
            if not got_turn:
                # Should never happen; if it does, say so rather than slow down silently.
                log.warning("waited %.0fs for the write turn; writing without it", self.patience)
            conn.info[self.KEY] = got_turn

    def _transaction_ended(self, conn) -> None:
        self._give_back(conn.info)

    # The pool's events, with the argument names SQLAlchemy 2 expects.
    def _reset(self, dbapi_connection, connection_record, reset_state) -> None:
        self._give_back(connection_record.info)

    def _checked_in(self, dbapi_connection, connection_record) -> None:
        if connection_record is not None:
            self._give_back(connection_record.info)

    def _invalidated(self, dbapi_connection, connection_record, exception) -> None:
        self._give_back(connection_record.info)

    def _give_back(self, info: dict) -> None:
        if info.pop(self.KEY, None):
            self.lock.release()


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows are overwritten with zeros, so a deleted account's words do not
    # linger in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def wipe_deleted_text(session: Session) -> None:
    """After a deletion on SQLite, copy the WAL into the file and empty it.

    The WAL still holds the pages as they were before the delete; a TRUNCATE
    checkpoint writes the zeroed pages back and cuts the WAL to nothing. If a
    reader holds an old snapshot the checkpoint is partial; the next one finishes.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


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
