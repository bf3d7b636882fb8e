"""Local account passwords: argon2id hashes (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["PasswordHashing"]


class PasswordHashing:
    """Hash and verify passwords; a lighter ``PasswordHasher`` may be passed for tests."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._nobody: str | None = None

    def hash(self, password: str) -> str:
        """A PHC-format argon2id hash of ``password`` (salted)."""
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``; a malformed hash never matches."""
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's."""
        return self._hasher.check_needs_rehash(stored_hash)

    def verify_nobody(self, password: str) -> bool:
        """Spend the time of one verification on an unknown username; always ``False``."""
        if self._nobody is None:
            self._nobody = self._hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._nobody, password)
        return False
