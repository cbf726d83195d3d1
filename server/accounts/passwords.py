"""Password rules and hashing: a slow KDF, a minimum length, no well-known passwords."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# A fixed hash to compare against when the email is unknown, so a login for a
# missing account costs as much time as one for a real account.
_DUMMY_HASH = generate_password_hash("tend-dummy-password", method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """The list of passwords too common to allow, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why ``password`` cannot be used, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 4:
        return "This password is very common. Please choose another."
    if email and lowered == email.lower():
        return "Please don't use your email address as the password."
    return None


def hash_password(password: str) -> str:
    """Hash with scrypt (werkzeug's parameters: n=2**15, r=8, p=1)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, still spend the time of one check."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
