"""``Store``: the engine, the key ring and a transaction that hands out every repository."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloudcti.store.engine import READ_ONLY, create_engine, sqlite_url
from cloudcti.store.errors import DatabaseBusyError, StoreError
from cloudcti.store.migrate import upgrade
from cloudcti.store.passwords import PasswordHashing
from cloudcti.store.repositories import (
    CarriedCallsRepository,
    DialingParametersRepository,
    FramesRepository,
    GatewaysRepository,
    IdempotencyRepository,
    InstallationRepository,
    JournalRepository,
    LinesRepository,
    LocationsRepository,
    ProcessedEventsRepository,
    RightsRepository,
    SecretsRepository,
    TokensRepository,
    UsersRepository,
    VoicePortalsRepository,
)
from cloudcti.store.vault import KeyRing

__all__ = ["WRITER_WAIT_S", "Store", "Transaction"]

WRITER_WAIT_S = 60.0
"""How long a write transaction queues for the SQLite writer before ``StoreError``: a bound
on a deadlock (a writer awaiting another task that writes), far beyond any real queue."""


class Transaction:
    """Every repository over one connection; all of it commits or none of it does."""

    def __init__(self, conn: AsyncConnection, keyring: KeyRing, hashing: PasswordHashing) -> None:
        self.connection = conn
        self.secrets = SecretsRepository(conn, keyring)
        self.dialing_parameters = DialingParametersRepository(conn)
        self.lines = LinesRepository(conn, self.secrets)
        self.gateways = GatewaysRepository(conn, self.secrets, self.lines)
        self.users = UsersRepository(conn, self.secrets, hashing)
        self.locations = LocationsRepository(conn)
        self.rights = RightsRepository(conn)
        self.tokens = TokensRepository(conn)
        self.idempotency = IdempotencyRepository(conn)
        self.processed_events = ProcessedEventsRepository(conn)
        self.installation = InstallationRepository(conn)
        self.journal = JournalRepository(conn)
        self.frames = FramesRepository(conn)
        self.carried_calls = CarriedCallsRepository(conn)
        self.voice_portals = VoicePortalsRepository(conn)


class Store:
    """The database of one installation.

    On SQLite one writer at a time holds the database's write lock, so the write
    transactions of this process queue on an asyncio lock first instead of spinning on
    SQLite's busy timeout ("database is locked" under load); reads (``read``) take no lock
    (WAL: they see the last commit). Another process (a CLI command next to the server)
    still meets the busy timeout. PostgreSQL needs neither."""

    def __init__(
        self, engine: AsyncEngine, keyring: KeyRing, hashing: PasswordHashing | None = None
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self._hashing = hashing or PasswordHashing()
        self._writer: asyncio.Lock | None = (
            asyncio.Lock() if engine.dialect.name == "sqlite" else None
        )
        self._writing: asyncio.Task[object] | None = None
        self.lines_version = 0
        """Counts committed transactions of this process that changed lines (or users, whose
        location a line's configuration depends on): caches of lines compare it."""
        self.config_version = 0
        """Counts committed transactions of this process that changed lines, users (their
        PBX credentials too) or gateways: what a line's state depends on in the database."""

    @classmethod
    async def open(
        cls,
        keyring: KeyRing,
        *,
        data_dir: Path | None = None,
        database_url: str | URL | None = None,
        hashing: PasswordHashing | None = None,
    ) -> Store:
        """Connect (``database_url``, else SQLite in ``data_dir``), migrate to head and check
        the key against the vault's canary; raises ``SecretUnreadableError`` on a wrong key."""
        if database_url is None:
            if data_dir is None:
                raise ValueError("give a data dir or a database URL")
            data_dir.mkdir(parents=True, exist_ok=True)
            database_url = sqlite_url(data_dir)
        engine = create_engine(database_url)
        store = cls(engine, keyring, hashing)
        try:
            await upgrade(engine)
            async with store.transaction() as tx:
                await tx.secrets.verify_key()
        except BaseException:
            await engine.dispose()
            raise
        return store

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction: committed when the block ends, rolled back if it raises. A task
        must not open a second one inside it (``RuntimeError`` on SQLite)."""
        if self._writer is None:
            async with _busy_as_error(), self.engine.begin() as conn:
                tx = Transaction(conn, self.keyring, self._hashing)
                yield tx
        else:
            task = asyncio.current_task()
            if task is not None and self._writing is task:
                raise RuntimeError("a write transaction inside another of the same task")
            try:
                async with asyncio.timeout(WRITER_WAIT_S):
                    await self._writer.acquire()
            except TimeoutError:
                raise StoreError(
                    f"waited {WRITER_WAIT_S:g} s for the database's write lock"
                ) from None
            self._writing = task
            try:
                async with _busy_as_error(), self.engine.begin() as conn:
                    tx = Transaction(conn, self.keyring, self._hashing)
                    yield tx
            finally:
                self._writing = None
                self._writer.release()
        if tx.lines.changed or tx.users.changed:
            self.lines_version += 1
        if tx.lines.changed or tx.users.changed or tx.users.pbx_changed or tx.gateways.changed:
            self.config_version += 1

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        """A transaction for reading only: it sees one consistent snapshot and never waits
        for writers (SQLite: a deferred transaction beside the writer; WAL). Writing in it
        is a mistake (it may fail with "database is locked")."""
        async with _busy_as_error(), self.engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            if self._writer is None:  # PostgreSQL: READ COMMITTED would see later commits
                await conn.execution_options(isolation_level="REPEATABLE READ")
            async with conn.begin():
                yield Transaction(conn, self.keyring, self._hashing)

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


@asynccontextmanager
async def _busy_as_error() -> AsyncIterator[None]:
    """SQLite's "database is locked" (another process writing past the busy timeout) as
    ``DatabaseBusyError``; every other error as it is."""
    try:
        yield
    except OperationalError as error:
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            raise DatabaseBusyError(
                "the database is busy: another program is writing to it; try again"
            ) from error
        raise
