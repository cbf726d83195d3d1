"""Data files an operator can replace (the question bank, the Learn cards).

Both are JSON read once and validated with pydantic; these helpers read the file
and turn a validation error into words that name the item at fault
(``question 12 ('sleep.quality'): text: ...``), so a typo stops start-up clearly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def read_json(path: str, label: str, error: type[ValueError]) -> Any:
    """The parsed JSON of ``path``; ``error`` with ``label`` when unreadable or not JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{label} {path}: cannot be read ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{label} {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None


def item_location(loc: tuple, raw_items: list, collection: str, noun: str, whole: str) -> str:
    """A pydantic error location in words: ``card 3 ('sleep'): title`` or the field path."""
    parts = [str(part) for part in loc]
    if len(loc) >= 2 and loc[0] == collection and isinstance(loc[1], int):
        index = loc[1]
        raw = raw_items[index] if index < len(raw_items) else None
        name = raw.get("id") if isinstance(raw, dict) else None
        where = f"{noun} {index + 1}" + (f" ({name!r})" if name else "")
        rest = ".".join(parts[2:])
        return f"{where}: {rest}" if rest else where
    return ".".join(parts) or whole


def validation_message(
    exc: ValidationError, raw_items: list, collection: str, noun: str, whole: str
) -> str:
    """Every problem of ``exc``, each naming its item, joined with semicolons."""
    errors = exc.errors(include_url=False)
    return "; ".join(
        f"{item_location(err['loc'], raw_items, collection, noun, whole)}: "
        f"{err['msg'].removeprefix('Value error, ')}"
        for err in errors
        if not follows_from_another(err, errors)
    )


def follows_from_another(error: dict, errors: list[dict]) -> bool:
    """A list "too short" only because one of its items failed says nothing new."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )
