"""Password hashing with argon2id, OWASP's recommended parameters (m=19 MiB, t=2, p=1).

argon2-cffi's default (RFC 9106's low-memory option, m=64 MiB, t=3, p=4) costs ~220 ms of CPU
per log-in on this hardware, 8x OWASP's ~27 ms: 200 collectors logging in at the start of a
shift took 44 CPU-seconds, and everybody's sync waited behind it (D-argon2-owasp). A hash made
with other parameters still verifies (argon2 reads them from the hash) and is re-made with these
on the next successful log-in (`needs_rehash`)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TIME_COST, MEMORY_KIB, PARALLELISM = 2, 19 * 1024, 1
_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)
# Verifying against a hash made by the hasher in use keeps the work of "no such user" equal
# to "wrong password" (argon2 verifies with the parameters stored in the hash).
_dummy: dict[PasswordHasher, str] = {}

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; spends the same work when there is no stored hash."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when a stored hash was made with other parameters than the ones in use."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def rehashed(password: str) -> str:
    """A verified password's new hash (no length rule: it was accepted when it was set)."""
    return _hasher.hash(password)


def _dummy_hash() -> str:
    found = _dummy.get(_hasher)
    if found is None:
        found = _dummy[_hasher] = _hasher.hash("doorstep-dummy-password")
    return found
