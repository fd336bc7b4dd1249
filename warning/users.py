"""Review-desk users: roles and password hashing (argon2id via argon2-cffi). Pure."""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()  # argon2id with the library's current recommended costs
MIN_PASSWORD = 10


@cache
def _nobody() -> str:
    """A hash of no one's password: verifying against it when the name is unknown costs the
    same as a real check, so the time taken does not tell whether a name exists. Made at
    the first sign-in, not at import (it costs about 0.1 s)."""
    return HASHER.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    viewer = "viewer"  # reads
    analyst = "analyst"  # also acknowledges, judges, notes, silences, backtests
    admin = "admin"  # everything

    def may(self, needed: Role) -> bool:
        order = list(Role)
        return order.index(self) >= order.index(needed)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash or _nobody(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A session token for the cookie and the SHA-256 the store keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
