"""``cloudcti admin rotate-key``: re-encrypt every stored secret under a new key.

Key file: the new key is first written to ``secret.key.new`` (0600, fsynced); the secrets
are re-encrypted in one transaction; then the new file replaces ``secret.key``. A crash in
between leaves both keys on disk, both are loaded, and running the command again finishes.
``CLOUDCTI_SECRET_KEY``: the new key comes from ``CLOUDCTI_NEW_SECRET_KEY``; the operator
swaps the variables afterwards (the database is then readable only with the new one)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from cloudcti.store.engine import create_engine, sqlite_url
from cloudcti.store.errors import KeyFileError
from cloudcti.store.migrate import upgrade
from cloudcti.store.repositories.secrets import SecretsRepository
from cloudcti.store.vault import (
    ENV_VAR,
    KEY_FILE_NAME,
    NEW_ENV_VAR,
    KeyRing,
    SecretKey,
    fsync_dir,
    load_keyring,
    pending_key_path,
    read_key_file,
    write_key_file,
)

__all__ = ["RotationResult", "rotate_key"]


@dataclass(frozen=True, slots=True)
class RotationResult:
    """How many secrets were re-encrypted, under which key id, and where the key lives."""

    secrets: int
    key_id: str
    key_in_environment: bool


async def rotate_key(
    data_dir: Path,
    *,
    database_url: str | URL | None = None,
    environ: Mapping[str, str] | None = None,
) -> RotationResult:
    """Re-encrypt every secret of the database (``database_url``, else SQLite in
    ``data_dir``) under a new key, as the module docstring describes."""
    env = os.environ if environ is None else environ
    ring = load_keyring(data_dir, env, create=False)
    in_env = bool(env.get(ENV_VAR))
    pending = pending_key_path(data_dir)
    if in_env:
        text = env.get(NEW_ENV_VAR)
        if not text:
            raise KeyFileError(
                f"the key comes from {ENV_VAR}: put the new key (32 random bytes, urlsafe "
                f"base64) in {NEW_ENV_VAR}, rotate, then make it {ENV_VAR}"
            )
        new_key = SecretKey.from_text(text)
    elif pending.exists():
        new_key = read_key_file(pending)  # an interrupted rotation: finish it
    else:
        new_key = SecretKey.generate()
        write_key_file(pending, new_key)
    engine = create_engine(database_url or sqlite_url(data_dir))
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            count = await SecretsRepository(conn, ring.with_current(new_key)).reseal_all(
                KeyRing(new_key)
            )
    finally:
        await engine.dispose()
    if not in_env:
        os.replace(pending, data_dir / KEY_FILE_NAME)
        fsync_dir(data_dir)
    return RotationResult(count, new_key.key_id.hex(), in_env)
