"""Words that fit the job: the roles a person can choose and the words each one fills in.

Question and Learn card texts say ``{person}``, ``{people}``, ``{encounter}``
and ``{encounters}``; a paramedic reads "patient" and "call", a journalist
"source" and "story". Without a role (signed out, offline, no role or
``other``) neutral words fill them. A placeholder written with a capital
(``{Person}``) is filled with a capital, for the start of a sentence.
"""

from __future__ import annotations

import re
from typing import Literal

Role = Literal[
    "nurse",
    "physician",
    "therapist",
    "social_worker",
    "paramedic",
    "firefighter",
    "police",
    "dispatcher",
    "journalist",
    "lawyer",
    "interpreter",
    "moderator",
    "other",
]
ROLES: tuple[str, ...] = Role.__args__

PLACEHOLDERS = ("person", "people", "encounter", "encounters")
NEUTRAL = {
    "person": "person you help",
    "people": "people you help",
    "encounter": "case",
    "encounters": "cases",
}


def words(person: str, people: str, encounter: str, encounters: str) -> dict[str, str]:
    """One role's words, keyed by placeholder."""
    return dict(zip(PLACEHOLDERS, (person, people, encounter, encounters), strict=True))


ROLE_WORDS: dict[str, dict[str, str]] = {
    "nurse": words("patient", "patients", "shift", "shifts"),
    "physician": words("patient", "patients", "consultation", "consultations"),
    "therapist": words("client", "clients", "session", "sessions"),
    "social_worker": words("client", "clients", "visit", "visits"),
    "paramedic": words("patient", "patients", "call", "calls"),
    "firefighter": words("person at the scene", "people at the scene", "call", "calls"),
    "police": words("member of the public", "members of the public", "call", "calls"),
    "dispatcher": words("caller", "callers", "call", "calls"),
    "journalist": words("source", "sources", "story", "stories"),
    "lawyer": words("client", "clients", "case", "cases"),
    "interpreter": words(
        "person you interpret for", "people you interpret for", "assignment", "assignments"
    ),
    "moderator": words("user", "users", "shift", "shifts"),
    "other": dict(NEUTRAL),
}

PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def words_for(role: str | None) -> dict[str, str]:
    """The words for ``role``; neutral ones for no role, ``other`` or an unknown role."""
    return ROLE_WORDS.get(role or "", NEUTRAL)


def placeholders_in(text: str) -> list[str]:
    """Every placeholder name in ``text``, lower-cased, in order."""
    return [match.group(1).lower() for match in PLACEHOLDER.finditer(text)]


def unknown_placeholders(text: str) -> list[str]:
    """Placeholder names in ``text`` that no role fills (a typo in a bank or card file)."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def fill(text: str, role: str | None) -> str:
    """``text`` with every known placeholder replaced by ``role``'s words."""
    chosen = words_for(role)

    def replace(match: re.Match) -> str:
        name = match.group(1)
        word = chosen.get(name.lower())
        if word is None:
            return match.group(0)
        return word[0].upper() + word[1:] if name[0].isupper() else word

    return PLACEHOLDER.sub(replace, text)


def every_filling(text: str) -> dict[str | None, str]:
    """``text`` as each role (and no role) reads it; for validating files at start-up."""
    return {role: fill(text, role) for role in (None, *ROLES)}
