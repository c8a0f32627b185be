"""Argon2 password hashes, checked off the event loop, and the rules a new password follows."""

from __future__ import annotations

import secrets
import string

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from daye_kit.errors import InvalidInput

_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(check)


_CLASSES = (str.islower, str.isupper, str.isdigit)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password mixes."""
    found = {i for ch in password for i, test in enumerate(_CLASSES) if test(ch)}
    if any(not any(test(ch) for test in _CLASSES) for ch in password):
        found.add(len(_CLASSES))
    return len(found)


def check_policy(password: str, *, field: str, username: str, min_length: int, classes: int) -> None:
    """422 naming `field` and the rule the password breaks."""
    if len(password) < min_length:
        raise InvalidInput.field(
            field, "password_too_short", f"a password has at least {min_length} characters"
        )
    if character_classes(password) < classes:
        raise InvalidInput.field(
            field,
            "password_too_simple",
            f"a password mixes at least {classes} of: lower case, upper case, digits, other characters",
        )
    if len(username) >= 3 and username.lower() in password.lower():
        raise InvalidInput.field(
            field, "password_contains_username", "a password does not contain the username"
        )


def temporary_password(length: int) -> str:
    """A random password of every character class, at least 16 characters."""
    alphabets = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_.!@#%+=")
    chars = [secrets.choice(alphabet) for alphabet in alphabets]
    every = "".join(alphabets)
    chars += [secrets.choice(every) for _ in range(max(16, length) - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
