"""Backups an operator can trust: a consistent copy of a live SQLite database, and a check
that a backup opens, is at a known schema revision and can be read table by table.

SQLite's online backup API copies page by page while the scheduler keeps writing, and
the copy is one consistent snapshot. PostgreSQL has its own tool, ``pg_dump``: we print
the command rather than imitate it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent.parent


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (``file:…?uri=true`` too), or None for another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    database = parsed.database
    if database.startswith("file:"):
        database = database[len("file:") :]
    return database


def backup_sqlite(source: str, target: Path) -> None:
    """Copy the live database at ``source`` into a new file ``target`` (mode 0600)."""
    if target.exists():
        raise FileExistsError(f"{target} exists already; choose a new file")
    # Created private before anything is written: it holds people's check-ins.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    live = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            live.backup(copy)
        finally:
            copy.close()
    finally:
        live.close()


def pg_dump_command(url: str, target: Path) -> str:
    """The ``pg_dump`` command for a PostgreSQL URL, without the password."""
    parsed = make_url(url)
    parts = ["pg_dump", "--format=custom", f"--file={target}"]
    if parsed.host:
        parts.append(f"--host={parsed.host}")
    if parsed.port:
        parts.append(f"--port={parsed.port}")
    if parsed.username:
        parts.append(f"--username={parsed.username}")
    parts.append(parsed.database or "")
    return " ".join(parts)


@dataclass
class RestoreCheck:
    """What ``restore_check`` found."""

    revision: str | None = None
    known: bool = False
    at_head: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Usable: a known revision and every table readable."""
        return self.known and not self.problems


def known_revisions() -> tuple[set[str], set[str]]:
    """Every migration revision, and the head(s)."""
    script = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def restore_check(path: Path) -> RestoreCheck:
    """Open a SQLite backup read-only and check its revision and every table."""
    result = RestoreCheck()
    if not path.is_file():
        result.problems.append(f"{path} is not a file")
        return result
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            result.problems.append(f"integrity check: {integrity}")
        try:
            result.revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            result.problems.append(f"no schema revision ({exc})")
            return result
        known, heads = known_revisions()
        result.known = result.revision in known
        result.at_head = result.revision in heads
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            try:
                result.rows[table] = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            except sqlite3.DatabaseError as exc:
                result.problems.append(f"{table}: {exc}")
    except sqlite3.DatabaseError as exc:
        result.problems.append(f"not a readable SQLite database ({exc})")
    finally:
        conn.close()
    return result
