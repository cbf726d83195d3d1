"""Alembic environment: migrates the database Tend is configured for.

The URL is, in order: a connection handed over by the caller (tests), the
``sqlalchemy.url`` option, ``TEND_DATABASE_URL``, or the default SQLite file in
``instance/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import context
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers every table on the metadata)
from server.config import ensure_instance_path
from server.db import default_sqlite_url, make_engine

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    """The URL to migrate."""
    configured = config.get_main_option("sqlalchemy.url") or os.environ.get("TEND_DATABASE_URL")
    if configured:
        return configured
    default = Path(__file__).resolve().parent.parent / "instance"
    instance = Path(os.environ.get("TEND_INSTANCE_PATH", "").strip() or default)
    ensure_instance_path(instance)
    return default_sqlite_url(str(instance))


def run_migrations(connection) -> None:
    """Run the migrations on an open connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through a live connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = make_engine(database_url())
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
