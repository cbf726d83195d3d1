"""The lock files pin every declared dependency, at a version the declaration allows.

`make run` and `make test` install from the lock files, so a dependency added to
pyproject.toml without `make lock` would be missing at run time; this says so
before anyone gets that far.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(lock: Path) -> dict[str, str]:
    """``name == version`` lines of a pip-compile lock file, by canonical name."""
    found = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            found[canonicalize_name(name.split("[")[0])] = version.strip()
    return found


def declared(extra: str | None) -> list[Requirement]:
    """The requirements of the project (and of one extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = list(project["dependencies"])
    if extra:
        names += project["optional-dependencies"][extra]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_lock_pins_every_declared_dependency(lock, extra):
    """Each requirement is pinned, and the pinned version satisfies it."""
    pinned = pins(ROOT / lock)
    problems = []
    for requirement in declared(extra):
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy {requirement}")
    assert not problems, "; ".join(problems) + " — run `make lock`"
