"""The PBX log of one gateway (R4): what went out, what came in, state changes and errors.

Entries go to a bounded in-memory ring (live viewing) and, if a directory is given, to a
rotating JSON-lines file. Every text passes ``redact`` first: Authorization headers, password
and passcode elements, and every secret registered with ``add_secret`` never reach either.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

REDACTED = "***"

_AUTH_HEADER = re.compile(r"(?i)((?:proxy-)?authorization\s*[:=]\s*)(\S+(?:\s+\S+)?)")
_SECRET_ELEMENT = re.compile(
    r"(?is)(<(?:\w+:)?(password|passcode|newPassword|oldPassword)\b[^>]*>)(.*?)(</(?:\w+:)?\2>)"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)")


class Direction(StrEnum):
    """Where an entry comes from: a request we sent, something the PBX sent, a state change."""

    OUT = "out"
    IN = "in"
    STATE = "state"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One PBX log entry (CONTRACT.md §2.2 ``GET …/log``) plus what it can be filtered by."""

    seq: int
    at: str
    direction: Direction
    summary: str
    detail: str = ""
    line: str | None = None
    """The PBX user id (line) the entry concerns, if any."""
    call_id: str | None = None


class PbxLog:
    """Ring of the newest ``capacity`` entries; with ``directory`` also a rotating file there."""

    def __init__(
        self,
        gateway: str,
        *,
        capacity: int = 5000,
        directory: Path | None = None,
        max_file_bytes: int = 5_000_000,
        backups: int = 5,
    ) -> None:
        self.gateway = gateway
        self._ring: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = 0
        self._secrets: set[str] = set()
        self._file: logging.handlers.RotatingFileHandler | None = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", gateway)
            self._file = logging.handlers.RotatingFileHandler(
                directory / f"pbx-{safe}.log",
                maxBytes=max_file_bytes,
                backupCount=backups,
                encoding="utf-8",
            )

    @property
    def path(self) -> Path | None:
        """The current log file, if there is one."""
        return Path(self._file.baseFilename) if self._file is not None else None

    def add_secret(self, secret: str | None) -> None:
        """Never write ``secret`` (a password in use): it is replaced wherever it appears."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` without Authorization values, password elements, URL passwords, secrets."""
        text = _AUTH_HEADER.sub(rf"\1{REDACTED}", text)
        text = _SECRET_ELEMENT.sub(rf"\1{REDACTED}\4", text)
        text = _URL_USERINFO.sub(rf"\1{REDACTED}\3", text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def add(
        self,
        direction: Direction,
        summary: str,
        detail: str = "",
        *,
        line: str | None = None,
        call_id: str | None = None,
    ) -> LogEntry:
        """Append an entry (redacted); returns it as stored."""
        self._seq += 1
        at = datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")
        entry = LogEntry(
            self._seq,
            at.replace("+00:00", "Z"),
            direction,
            self.redact(summary),
            self.redact(detail),
            line,
            call_id,
        )
        self._ring.append(entry)
        if self._file is not None:
            record = logging.LogRecord(
                "cloudcti.pbx", logging.INFO, "", 0, json.dumps(asdict(entry)), None, None
            )
            self._file.emit(record)
        return entry

    def entries(
        self,
        *,
        since: int | None = None,
        limit: int | None = None,
        line: str | None = None,
        call_id: str | None = None,
        direction: Direction | str | None = None,
    ) -> list[LogEntry]:
        """Entries after ``since`` matching every filter given, oldest first, at most ``limit``
        (the newest ones)."""
        wanted_line = line.lower() if line else None
        found: Iterable[LogEntry] = (
            e
            for e in self._ring
            if (since is None or e.seq > since)
            and (wanted_line is None or (e.line or "").lower() == wanted_line)
            and (call_id is None or e.call_id == call_id)
            and (direction is None or e.direction == direction)
        )
        result = list(found)
        return result[-limit:] if limit else result

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


__all__ = ["REDACTED", "Direction", "LogEntry", "PbxLog"]
