"""The credential vault: nothing readable at rest, a wrong key fails loudly, rotation keeps
every secret readable, the key file is created 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update

from cloudcti.store import (
    KeyFileError,
    KeyRing,
    SecretKey,
    SecretUnreadableError,
    Store,
    load_keyring,
    rotate_key,
)
from cloudcti.store.tables import secrets
from cloudcti.store.vault import KEY_FILE_NAME, Secret, pending_key_path
from tests.store.store_fixtures import (
    ANNA_PBX_PASSWORD,
    FAST_HASHING,
    MONITORING_PASSWORD,
    PROXY_PASSWORD,
    seed_company,
)

PASSWORDS = (MONITORING_PASSWORD, PROXY_PASSWORD, ANNA_PBX_PASSWORD)


async def _all_table_text(store: Store) -> bytes:
    """Every row of every table as PostgreSQL prints it (bytea as hex and as text)."""
    async with store.transaction() as tx:
        names = await tx.connection.run_sync(lambda c: inspect(c).get_table_names())
        dump: list[str] = []
        for name in names:
            query = f'SELECT t::text FROM "{name}" t'  # noqa: S608 - names from the catalogue
            rows = await tx.connection.execute(text(query))
            dump.extend(r[0] for r in rows)
        sealed = (await tx.connection.scalars(select(secrets.c.sealed))).all()
    return "\n".join(dump).encode() + b"".join(sealed)


async def test_stored_passwords_are_nowhere_in_the_database(
    store: Store, backend: str, database_url: str
) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    if backend == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"cti-monitor@deutschland-lan.de" in raw  # the check can see clear text
    else:
        raw = await _all_table_text(store)
        assert b"cti-monitor@deutschland-lan.de" in raw
    for password in PASSWORDS:
        for encoding in ("utf-8", "utf-16-le"):
            assert password.encode(encoding) not in raw, password


async def test_a_wrong_key_fails_loudly_at_start_and_on_read(
    store: Store, database_url: str
) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    with pytest.raises(SecretUnreadableError, match="not loaded"):
        await Store.open(KeyRing(SecretKey.generate()), database_url=database_url)
    wrong = Store(store.engine, KeyRing(SecretKey.generate()), FAST_HASHING)
    async with wrong.transaction() as tx:
        with pytest.raises(SecretUnreadableError, match="gateway/gw-1/monitoring"):
            await tx.gateways.monitoring_password("gw-1")


async def test_a_secret_moved_to_another_row_or_altered_does_not_open(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        anna = await tx.connection.scalar(
            select(secrets.c.sealed).where(secrets.c.name == "user/u-anna/pbx")
        )
        assert anna is not None
        await tx.connection.execute(
            update(secrets).where(secrets.c.name == "gateway/gw-1/proxy").values(sealed=anna)
        )
        with pytest.raises(SecretUnreadableError, match="moved from another row"):
            await tx.gateways.proxy_password("gw-1")
        flipped = bytes(anna[:-1]) + bytes([anna[-1] ^ 1])
        await tx.connection.execute(
            update(secrets).where(secrets.c.name == "user/u-anna/pbx").values(sealed=flipped)
        )
        with pytest.raises(SecretUnreadableError):
            await tx.users.pbx_password("u-anna")


def test_secret_and_key_never_show_in_repr(keyring: KeyRing) -> None:
    secret = Secret(ANNA_PBX_PASSWORD)
    shown = f"{secret!r} {secret} {keyring!r} {keyring.current!r}"
    assert ANNA_PBX_PASSWORD not in shown
    assert keyring.current.to_text() not in shown
    assert keyring.open("n", keyring.seal("n", "x")).reveal() == "x"


@pytest.mark.usefixtures("no_secret_key_env")
def test_the_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old_umask = os.umask(0)
    try:
        first = load_keyring(data_dir)
    finally:
        os.umask(old_umask)
    key_file = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_keyring(data_dir).current.key_id == first.current.key_id
    key_file.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_keyring(data_dir)


@pytest.mark.usefixtures("no_secret_key_env")
def test_key_from_the_environment_and_malformed_keys(tmp_path: Path) -> None:
    key = SecretKey.generate()
    ring = load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": key.to_text().rstrip("=")})
    assert ring.current.key_id == key.key_id
    assert not (tmp_path / KEY_FILE_NAME).exists()
    for bad in ("not base64 !!", "c2hvcnQ="):
        with pytest.raises(KeyFileError):
            load_keyring(tmp_path, {"CLOUDCTI_SECRET_KEY": bad})
    with pytest.raises(KeyFileError, match="no secret key"):
        load_keyring(tmp_path / "empty", {}, create=False)


@pytest.mark.usefixtures("no_secret_key_env")
async def test_rotation_with_a_key_file_keeps_every_secret_readable(
    tmp_path: Path, database_url: str
) -> None:
    old = load_keyring(tmp_path)
    store = await Store.open(old, database_url=database_url, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        await seed_company(tx)
    await store.close()

    result = await rotate_key(tmp_path, database_url=database_url)

    assert result.secrets == 4  # three passwords and the canary
    new = load_keyring(tmp_path, create=False)
    assert new.current.key_id.hex() == result.key_id != old.current.key_id.hex()
    assert not pending_key_path(tmp_path).exists()
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600
    store = await Store.open(new, database_url=database_url, hashing=FAST_HASHING)
    try:
        async with store.transaction() as tx:
            assert (await tx.users.pbx_password("u-anna")).reveal() == ANNA_PBX_PASSWORD  # type: ignore[union-attr]
            assert (await tx.gateways.proxy_password("gw-1")).reveal() == PROXY_PASSWORD  # type: ignore[union-attr]
    finally:
        await store.close()
    with pytest.raises(SecretUnreadableError):
        await Store.open(old, database_url=database_url)


@pytest.mark.usefixtures("no_secret_key_env")
async def test_an_interrupted_rotation_is_finished_by_running_it_again(
    tmp_path: Path, database_url: str
) -> None:
    store = await Store.open(
        load_keyring(tmp_path), database_url=database_url, hashing=FAST_HASHING
    )
    async with store.transaction() as tx:
        await seed_company(tx)
    # As if a rotation died after writing the new key and re-encrypting: both keys on disk.
    pending_key = SecretKey.generate()
    pending_key_path(tmp_path).write_text(pending_key.to_text())
    pending_key_path(tmp_path).chmod(0o600)
    both = load_keyring(tmp_path)
    async with store.transaction() as tx:
        await tx.secrets.reseal_all(KeyRing(pending_key))
    await store.close()

    store = await Store.open(both, database_url=database_url, hashing=FAST_HASHING)
    await store.close()  # still readable mid-rotation
    result = await rotate_key(tmp_path, database_url=database_url)
    assert result.key_id == pending_key.key_id.hex()
    assert load_keyring(tmp_path, create=False).current.key_id == pending_key.key_id


async def test_rotation_with_an_environment_key(tmp_path: Path, database_url: str) -> None:
    old, new = SecretKey.generate(), SecretKey.generate()
    store = await Store.open(KeyRing(old), database_url=database_url, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        await seed_company(tx)
    await store.close()
    env = {"CLOUDCTI_SECRET_KEY": old.to_text()}
    with pytest.raises(KeyFileError, match="CLOUDCTI_NEW_SECRET_KEY"):
        await rotate_key(tmp_path, database_url=database_url, environ=env)
    env["CLOUDCTI_NEW_SECRET_KEY"] = new.to_text()
    result = await rotate_key(tmp_path, database_url=database_url, environ=env)
    assert result.key_in_environment
    assert not (tmp_path / KEY_FILE_NAME).exists()
    store = await Store.open(KeyRing(new), database_url=database_url, hashing=FAST_HASHING)
    try:
        async with store.transaction() as tx:
            assert (await tx.gateways.monitoring_password("gw-1")).reveal() == MONITORING_PASSWORD  # type: ignore[union-attr]
    finally:
        await store.close()
