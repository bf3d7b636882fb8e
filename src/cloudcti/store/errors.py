"""Errors of the store.

StoreError
├── NotFoundError       a row the caller named does not exist
├── ConflictError       a unique name or a reference is violated
└── VaultError          the credential vault cannot do what was asked
    ├── KeyFileError    the key is missing, malformed or readable by others
    └── SecretUnreadableError  a secret does not decrypt under the loaded keys (never garbage)
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "DatabaseBusyError",
    "KeyFileError",
    "NotFoundError",
    "SecretUnreadableError",
    "StoreError",
    "VaultError",
]


class StoreError(Exception):
    """Base of every error the store raises."""


class NotFoundError(StoreError):
    """A row the caller named does not exist."""


class ConflictError(StoreError):
    """A unique name or a reference is violated."""


class DatabaseBusyError(StoreError):
    """Another process held the database's write lock for longer than the busy timeout."""


class VaultError(StoreError):
    """The credential vault cannot do what was asked."""


class KeyFileError(VaultError):
    """The secret key is missing, malformed or readable by others."""


class SecretUnreadableError(VaultError):
    """A stored secret does not decrypt under the loaded keys."""
