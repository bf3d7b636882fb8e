"""The token in a WebSocket URL never reaches the server's log (CONTRACT.md §3)."""

from __future__ import annotations

import logging

import pytest

from cloudcti.web.log_redaction import UVICORN_LOGGERS, redact_uvicorn_logs

TOKEN = "s3cr3t-t0ken-value"
CLIENT = "127.0.0.1:5000"


@pytest.mark.parametrize(
    ("name", "message", "args"),
    [
        # How uvicorn's WebSocket protocol and its access log write a request line.
        (
            "uvicorn.error",
            '%s - "WebSocket %s" [accepted]',
            ("127.0.0.1:5000", f"/api/v1/events?token={TOKEN}"),
        ),
        (
            "uvicorn.access",
            '%s - "%s %s HTTP/%s" %d',
            ("127.0.0.1:5000", "GET", f"/x?token={TOKEN}&a=1", "1.1", 200),
        ),
    ],
)
def test_query_strings_are_redacted(
    name: str, message: str, args: tuple[object, ...], caplog: pytest.LogCaptureFixture
) -> None:
    redact_uvicorn_logs()
    redact_uvicorn_logs()  # installing twice adds one filter
    logger = logging.getLogger(name)
    assert sum(type(f).__name__ == "QueryStringRedactor" for f in logger.filters) == 1
    with caplog.at_level(logging.INFO, logger=name):
        logger.info(message, *args)
    (record,) = [r for r in caplog.records if r.name == name]
    assert TOKEN not in record.getMessage()
    assert "?…" in record.getMessage()


def test_the_redactor_sits_on_every_uvicorn_logger_that_writes_paths() -> None:
    redact_uvicorn_logs()
    for name in UVICORN_LOGGERS:
        assert logging.getLogger(name).filters
