"""A real cloudcti server on a loopback port (uvicorn in a thread), and HTTP helpers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from cloudcti.app import Settings
from cloudcti.app.ports import PbxPort
from cloudcti.web import create_app
from tests.store.store_fixtures import FAST_HASHING

ADMIN_PASSWORD = "admin-passwort-1"
USER_PASSWORD = "user-passwort-1"


@dataclass
class Running:
    """A started server: its base URL and the uvicorn server object."""

    url: str
    server: uvicorn.Server


def settings_for(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test installation: a fixed key, fast password hashing."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "environ": {"CLOUDCTI_SECRET_KEY": "A" * 43},
        "hashing": FAST_HASHING,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def serve(settings: Settings, pbx: PbxPort | None = None) -> Iterator[Running]:
    """Serve cloudcti on 127.0.0.1:<free port> until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, pbx=pbx), log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    thread = threading.Thread(target=run, name="cloudcti-test-server", daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started or errors or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not server.started:
            raise RuntimeError(f"the server did not start: {errors}")
        yield Running(f"http://127.0.0.1:{port}", server)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
    if errors:
        raise errors[0]


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    """Log in; the Authorization header to send."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # the tests send the header; the cookie is tested on its own
    return {"Authorization": f"Bearer {response.json()['token']}"}
