"""Errors without a use-case meaning still become problem+json: the database busy (another
process holding SQLite's write lock past the busy timeout) is a 503 to retry, not a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from cloudcti.app.errors import DatabaseBusyError
from cloudcti.web.problems import install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/busy")
    def busy() -> None:
        raise DatabaseBusyError("the database is busy: another program is writing to it")

    @app.get("/bug")
    def bug() -> None:
        raise RuntimeError("a secret detail")

    return app


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_a_busy_database_is_503_with_retry_after() -> None:
    response = await _get("/busy")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("database-busy")
    assert "another program" in body["detail"]


async def test_an_unexpected_error_is_500_without_its_detail() -> None:
    response = await _get("/bug")
    assert response.status_code == 500
    assert "secret" not in response.text
