"""Sampling profiles of a running process with py-spy, summarised by where in Tend.

py-spy reads the stacks of every thread from outside the process, so the
dispatcher's tick thread and the push sender's event-loop thread are both seen,
which cProfile (main thread only) would miss. Idle threads are not sampled.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

OWN_PACKAGES = ("server/", "scheduler/")


def py_spy() -> str:
    """The py-spy executable next to this Python (a dev dependency), or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is missing: make .venv/.installed-dev installs it")
    return found


def attach(pid: int, output: Path, rate: int = 200) -> subprocess.Popen:
    """Start sampling ``pid`` into ``output`` (collapsed stacks) until the process ends."""
    return subprocess.Popen(
        [
            *(py_spy(), "record", "--pid", str(pid), "--format", "raw"),
            *("--rate", str(rate), "--output", str(output), "--nonblocking"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def read_samples(path: Path) -> list[tuple[list[str], int]]:
    """(frames outermost first, count) per line of py-spy's raw (collapsed) output."""
    samples = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            samples.append((stack.split(";"), int(count)))
    return samples


def own_location(frame: str) -> str | None:
    """``package/module.py:function`` for a frame in Tend's code, else None.

    A frame reads ``function (path/to/file.py:line)``.
    """
    function, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    for package in OWN_PACKAGES:
        at = path.rfind("/" + package)
        if at >= 0 or path.startswith(package):
            relative = path[at + 1 :] if at >= 0 else path
            return f"{relative}:{function}"
    return None


def library_of(frame: str) -> str:
    """The package (or standard-library module) a frame outside Tend belongs to."""
    path = frame.partition(" (")[2].rsplit(":", 1)[0]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    parts = path.split("/")
    return parts[-2] if len(parts) > 1 and not parts[-2].startswith("python3") else parts[-1]


def summarise(samples: list[tuple[list[str], int]]) -> tuple[int, Counter, Counter]:
    """(total samples, inclusive share by Tend file, samples by innermost Tend function).

    Inclusive: a sample counts once for every Tend file on its stack. Innermost: the
    deepest Tend frame, with all library work below it (SQLAlchemy, aiohttp, http_ece)
    counted to it; samples with no Tend frame at all (the push sender's event loop
    between requests, for one) count to the library they were in.
    """
    total = 0
    by_file: Counter = Counter()
    innermost: Counter = Counter()
    for frames, count in samples:
        total += count
        own = [location for location in map(own_location, frames) if location]
        for file in {location.split(":", 1)[0] for location in own}:
            by_file[file] += count
        innermost[own[-1] if own else f"(outside Tend: {library_of(frames[-1])})"] += count
    return total, by_file, innermost


def report(path: Path, top: int = 12) -> str:
    """The summary of one profile as printable lines."""
    total, by_file, innermost = summarise(read_samples(path))
    if not total:
        return "profile: no samples"
    lines = [f"profile: {total} samples of busy threads ({path})", "  by Tend file, inclusive:"]
    lines += [f"    {n / total:6.1%}  {file}" for file, n in by_file.most_common(top)]
    lines.append("  by innermost Tend function (with the libraries it called):")
    lines += [f"    {n / total:6.1%}  {where}" for where, n in innermost.most_common(top)]
    return "\n".join(lines)
