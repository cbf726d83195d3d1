"""Upgrades never lose data: a database filled at every revision migrates to head intact.

For each revision R: migrate an empty database to R, fill every table that
exists at R with rows made from the schema as it is at R (reflected, so the
filler never needs to know what a later model looks like), upgrade to head and
check that every row is still there. A revision that transforms data adds a
test of its own with realistic rows (see the tests next to each feature).

On PostgreSQL this uses a database of its own (created and dropped here), never
the shared test database that the other tests keep migrated.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEND_TEST_DATABASE_URL", "").strip()
MIGRATIONS_DATABASE = "tend_migrations_test"
ROWS_PER_TABLE = 3


def alembic_config(url: str) -> Config:
    """Alembic's configuration pointed at ``url``."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_one_head():
    """Parallel work must be rebased: two heads would make ``upgrade head`` ambiguous."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def sample_value(column: sa.Column, index: int, ids: dict[str, list]):
    """A value for ``column`` in row ``index``: a real parent id for foreign keys."""
    for fk in column.foreign_keys:
        parents = ids.get(fk.column.table.name)
        if parents:
            return parents[index % len(parents)]
        return None
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return index % 2 == 0
    if isinstance(kind, sa.Integer):
        return index + 1
    if isinstance(kind, sa.Float | sa.Numeric):
        return float(index) + 0.5
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 3, 1, 12, tzinfo=UTC) + timedelta(hours=index)
    if isinstance(kind, sa.Date):
        return date(2026, 3, 1) + timedelta(days=index)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.String):
        text = f"{column.name[:6]}{index}"
        length = getattr(kind, "length", None)
        return text[-length:] if length else text
    if isinstance(kind, sa.LargeBinary):
        return bytes([index])
    return None


def fill(engine: sa.Engine) -> dict[str, int]:
    """Insert rows into every table (parents first); the row count of each table."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    ids: dict[str, list] = {}
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            for index in range(ROWS_PER_TABLE):
                row = {}
                for column in table.columns:
                    if column.primary_key and isinstance(column.type, sa.Integer):
                        if not column.foreign_keys:
                            continue  # autoincrement
                    value = sample_value(column, index, ids)
                    if value is not None or not column.nullable:
                        row[column.name] = value
                conn.execute(table.insert().values(row))
            key = next(iter(table.primary_key.columns), None)
            if key is not None:
                ids[table.name] = list(conn.execute(sa.select(key)).scalars())
    return counts(engine)


def counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table, ``alembic_version`` left out."""
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
            for name in inspector.get_table_names()
            if name != "alembic_version"
        }


@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def empty_database(request, tmp_path):
    """The URL of an empty database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    admin_url = make_url(PG_URL).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {MIGRATIONS_DATABASE} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {MIGRATIONS_DATABASE}"))
    yield make_url(PG_URL).set(database=MIGRATIONS_DATABASE).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {MIGRATIONS_DATABASE} WITH (FORCE)"))
    admin.dispose()


@pytest.mark.parametrize("revision", revisions())
def test_upgrade_from_a_filled_database_keeps_every_row(empty_database, revision):
    """Filled at ``revision`` and upgraded to head, every table keeps all of its rows."""
    config = alembic_config(empty_database)
    command.upgrade(config, revision)
    engine = sa.create_engine(empty_database)
    try:
        before = fill(engine)
        assert all(count == ROWS_PER_TABLE for count in before.values()), before
        command.upgrade(config, "head")
        after = counts(engine)
    finally:
        engine.dispose()
    lost = {
        name: (count, after.get(name))
        for name, count in before.items()
        if after.get(name, 0) < count
    }
    assert not lost, f"rows lost upgrading from {revision}: {lost}"
