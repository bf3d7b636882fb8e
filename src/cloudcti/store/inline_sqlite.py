"""SQLite for SQLAlchemy's asyncio engine without a thread hop per call.

SQLAlchemy's ``sqlite+aiosqlite`` driver runs every DBAPI call (cursor, execute, fetch,
close, commit) in aiosqlite's worker thread: about eight thread round trips for a one-row
transaction. Under load each round trip waits for the event loop and the GIL, so a
transaction that SQLite does in 0.1 ms held the write lock for 5-10 ms
(``bench/e2e_latency.py``). These classes give the aiosqlite connection interface that
SQLAlchemy's adapter calls (``async_creator``), but run each call on the event loop's thread
at once: a SQLite call on a WAL database takes microseconds, and the store lets one task
write at a time, so nothing in this process waits on SQLite's lock.

What it costs: a call blocks the event loop while SQLite runs it. Reads never wait in WAL
mode; a write waits (up to the busy timeout) only while another *process* writes the same
file (e.g. ``cloudcti admin`` commands against a running server), and checkpoints of the
WAL file run inline. Both are short and rare; long purges go in bounded slices."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

__all__ = ["InlineConnection", "InlineCursor", "connect"]


class InlineCursor:
    """An aiosqlite-style cursor whose coroutines run the sqlite3 call directly."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """As ``sqlite3.Cursor.description``."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """As ``sqlite3.Cursor.rowcount``."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """As ``sqlite3.Cursor.lastrowid``."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """As ``sqlite3.Cursor.arraysize``."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement."""
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        """Run one statement for each parameter set."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or ``None``."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` rows (``arraysize`` by default)."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()


class InlineConnection:
    """An aiosqlite-style connection over one ``sqlite3`` connection, used on one thread."""

    inline = True
    """Marks this driver for ``engine``'s connect hook (no aiosqlite thread to set things)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # SQLAlchemy checks this

    def cursor(self) -> InlineCursor:
        """A new cursor (SQLAlchemy enters it with ``async with``)."""
        return InlineCursor(self._raw().cursor())

    @property
    def isolation_level(self) -> str | None:
        """As ``sqlite3.Connection.isolation_level`` (``None``: SQLAlchemy issues BEGIN)."""
        return self._raw().isolation_level

    async def commit(self) -> None:
        """Commit the open transaction."""
        self._raw().commit()

    async def rollback(self) -> None:
        """Roll the open transaction back."""
        self._raw().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """As ``sqlite3.Connection.create_function``."""
        self._raw().create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection (again: nothing)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _raw(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection


def connect(path: str, *, timeout_s: float) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for ``create_async_engine``: connections to the file ``path``,
    waiting at most ``timeout_s`` for another process's write lock."""

    async def create() -> InlineConnection:
        connection = sqlite3.connect(
            path, timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
        return InlineConnection(connection)

    return create
