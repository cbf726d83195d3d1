"""Regenerate ``migrations/versions/0001_initial.py`` from the models.

Until the first release there is nothing to upgrade from, so the whole schema
lives in one initial migration that is rebuilt whenever a model changes. After
the first release, add a new migration instead (``alembic revision --autogenerate``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INITIAL = ROOT / "migrations" / "versions" / "0001_initial.py"


def main() -> int:
    """Autogenerate against an empty SQLite database and keep the result as 0001."""
    INITIAL.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/empty.sqlite3"
        cmd = [
            sys.executable, "-m", "alembic", "-x", "unused=1", "-c", str(ROOT / "alembic.ini"),
            "revision", "--autogenerate", "--rev-id", "0001", "-m", "initial schema",
        ]
        env = {"TEND_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
        subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    generated = next((ROOT / "migrations" / "versions").glob("0001_*.py"))
    generated.rename(INITIAL)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(INITIAL)], cwd=ROOT)
    subprocess.run([sys.executable, "-m", "ruff", "check", "-q", "--fix", str(INITIAL)], cwd=ROOT)
    print(f"wrote {INITIAL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
