"""Opaque bearer tokens: 256 random bits to the client, only their SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store for it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The stored form of a token (a fast hash is right for 256-bit random secrets)."""
    return hashlib.sha256(token.encode()).hexdigest()
