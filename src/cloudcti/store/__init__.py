"""Storage: SQLAlchemy 2 (async) tables, repositories and Alembic migrations, and the
credential vault. SQLite (WAL) by default, PostgreSQL by URL. Imports no other cloudcti
package: the app layer maps domain values to these records."""

from __future__ import annotations

from cloudcti.store.engine import create_engine, sqlite_url
from cloudcti.store.errors import (
    ConflictError,
    DatabaseBusyError,
    KeyFileError,
    NotFoundError,
    SecretUnreadableError,
    StoreError,
    VaultError,
)
from cloudcti.store.migrate import upgrade
from cloudcti.store.records import (
    DialingParametersRecord,
    FrameRecord,
    GatewayRecord,
    IdempotencyRecord,
    JournalRecord,
    LineRecord,
    LocationRecord,
    TeamRecord,
    TokenRecord,
    UserRecord,
)
from cloudcti.store.rotation import RotationResult, rotate_key
from cloudcti.store.store import Store, Transaction
from cloudcti.store.vault import KeyRing, Secret, SecretKey, load_keyring

__all__ = [
    "ConflictError",
    "DatabaseBusyError",
    "DialingParametersRecord",
    "FrameRecord",
    "GatewayRecord",
    "IdempotencyRecord",
    "JournalRecord",
    "KeyFileError",
    "KeyRing",
    "LineRecord",
    "LocationRecord",
    "NotFoundError",
    "RotationResult",
    "Secret",
    "SecretKey",
    "SecretUnreadableError",
    "Store",
    "StoreError",
    "TeamRecord",
    "TokenRecord",
    "Transaction",
    "UserRecord",
    "VaultError",
    "create_engine",
    "load_keyring",
    "rotate_key",
    "sqlite_url",
    "upgrade",
]
