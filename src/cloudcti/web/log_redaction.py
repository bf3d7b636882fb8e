"""Keep query strings out of the server's log: a WebSocket URL carries ``?token=``.

CONTRACT.md §3: the query string of ``/api/v1/events`` is never logged. uvicorn writes the
path with its query into both its access log and its error logger (WebSocket accepts), so a
filter on those loggers replaces every query string by ``?…`` before a line is formatted.
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")


class QueryStringRedactor(logging.Filter):
    """Replace the query string in a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        return True


def _redact(value: object) -> object:
    return _QUERY.sub("?…", value) if isinstance(value, str) else value


def redact_uvicorn_logs() -> None:
    """Install the redactor on uvicorn's loggers (after uvicorn configured logging)."""
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringRedactor) for f in logger.filters):
            logger.addFilter(QueryStringRedactor())
