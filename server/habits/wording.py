"""The words of habit reminders, kept as data in ``wording.json`` and rotated day by day.

Rotation rule: variant ``(day number + occurrence + salt) mod n``, where the salt
comes from the reminder's id and the kind, so two reminders of the same kind do
not say the same thing on the same day. Moving one day on, or one occurrence on
within a day (breaks), moves one variant on, so with two or more variants the
same line is never seen two days running or twice in a row.
"""

from __future__ import annotations

import json
import string
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

WORDING_PATH = Path(__file__).with_name("wording.json")


@dataclass(frozen=True)
class Variant:
    """One way of saying a reminder: a notification title and body."""

    title: str
    body: str

    def render(self, values: Mapping[str, object] | None = None) -> Variant:
        """Fill ``{placeholders}``; a sentence whose value is missing is dropped."""
        values = values or {}
        return Variant(fill(self.title, values), fill(self.body, values))


@dataclass(frozen=True)
class Wording:
    """All the words: reminder variants per kind, action labels and time-off clock lines."""

    kinds: Mapping[str, tuple[Variant, ...]]
    actions: Mapping[str, str]
    clock: Mapping[str, str]

    def variants(self, kind_key: str) -> tuple[Variant, ...]:
        """The variants of ``kind_key`` (KeyError names an unknown kind)."""
        return self.kinds[kind_key]


class WordingError(ValueError):
    """``wording.json`` is not usable; the message says where."""


def placeholders_in(text: str) -> set[str]:
    """The ``{names}`` used in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def fill(text: str, values: Mapping[str, object]) -> str:
    """Fill placeholders; drop any sentence that needs a value we do not have."""
    if not placeholders_in(text):
        return text
    known = {name for name, value in values.items() if value is not None}
    kept = [s for s in split_sentences(text) if placeholders_in(s) <= known]
    return " ".join(s.format_map(values) for s in kept).strip()


def split_sentences(text: str) -> list[str]:
    """Split on sentence ends (". ", "? ", "! "), keeping the punctuation."""
    sentences: list[str] = []
    current = ""
    for index, char in enumerate(text):
        current += char
        at_end = index + 1 == len(text) or text[index + 1] == " "
        if char in ".?!" and at_end:
            sentences.append(current.strip())
            current = ""
    if current.strip():
        sentences.append(current.strip())
    return sentences


def parse_wording(data: object) -> Wording:
    """Validate raw wording data; every kind needs two or more complete variants."""
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        raise WordingError("wording: expected an object with 'kinds'")
    kinds: dict[str, tuple[Variant, ...]] = {}
    for key, entry in data["kinds"].items():
        raw_variants = entry.get("variants") if isinstance(entry, dict) else None
        if not isinstance(raw_variants, list) or len(raw_variants) < 2:
            raise WordingError(f"wording: kind {key!r} needs at least two variants")
        variants = []
        for number, raw in enumerate(raw_variants, start=1):
            if not isinstance(raw, dict) or not raw.get("title") or not raw.get("body"):
                raise WordingError(f"wording: kind {key!r}, variant {number} needs title and body")
            variants.append(Variant(title=str(raw["title"]), body=str(raw["body"])))
        kinds[key] = tuple(variants)
    return Wording(
        kinds=kinds,
        actions=dict(data.get("actions", {})),
        clock=dict(data.get("clock", {})),
    )


@cache
def load_wording(path: str | None = None) -> Wording:
    """The wording file (cached per path); the default sits beside this module."""
    file = Path(path) if path else WORDING_PATH
    return parse_wording(json.loads(file.read_text(encoding="utf-8")))


def rotation_salt(kind_key: str, reminder_id: int | None) -> int:
    """A stable number per reminder and kind (crc32: the same on every run and machine)."""
    return zlib.crc32(f"{kind_key}:{reminder_id or 0}".encode())


def variant_index(
    kind_key: str, reminder_id: int | None, local_date: date, count: int, occurrence: int = 0
) -> int:
    """Which of ``count`` variants to show on ``local_date`` for the ``occurrence``-th time."""
    if count <= 0:
        raise ValueError("there are no variants to choose from")
    return (local_date.toordinal() + occurrence + rotation_salt(kind_key, reminder_id)) % count


def pick_variant(
    kind_key: str,
    reminder_id: int | None,
    local_date: date,
    variants: Sequence[Variant] | None = None,
    *,
    occurrence: int = 0,
) -> Variant:
    """The variant to show today; ``occurrence`` counts earlier notifications today (breaks).

    ``variants`` defaults to the kind's variants in ``wording.json``.
    """
    choices = tuple(variants) if variants is not None else load_wording().variants(kind_key)
    index = variant_index(kind_key, reminder_id, local_date, len(choices), occurrence)
    return choices[index]


def action_title(action: str) -> str:
    """The button label of a notification action ("Done", "Snooze 10 min", ...)."""
    return load_wording().actions.get(action, action.replace("_", " ").capitalize())
