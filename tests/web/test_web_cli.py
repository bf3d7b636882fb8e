"""``cloudcti admin create-user`` and ``cloudcti serve`` as processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

CLI = [sys.executable, "-m", "cloudcti"]
CREATE = [*CLI, "admin", "create-user", "--username", "chef", "--password-stdin"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CLOUDCTI_")}


def test_create_user_then_serve_then_log_in(tmp_path: Path) -> None:
    created = subprocess.run(
        [*CREATE, "--data-dir", str(tmp_path)],
        input="chef-passwort-1\n",
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert created.returncode == 0, created.stderr
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    taken = subprocess.run(
        [*CREATE, "--data-dir", str(tmp_path)],
        input="chef-passwort-1\n",
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert taken.returncode == 1
    assert "taken" in taken.stderr

    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        token = httpx.post(
            f"{url}/api/v1/auth/token", json={"username": "chef", "password": "chef-passwort-1"}
        ).json()["token"]
        me = httpx.get(f"{url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["role"] == "admin"
        assert httpx.get(f"{url}/readyz").json()["ready"] is True
        events = f"ws://127.0.0.1:{port}/api/v1/events?token={token}"
        with connect(events, open_timeout=10) as socket_:
            assert json.loads(socket_.recv(timeout=10))["type"] == "hello"
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=15)
    assert server.returncode == 0
    # The server logged the WebSocket request, but never its query string (CONTRACT.md §3).
    assert "/api/v1/events" in out + err
    assert token not in out + err


def test_serve_with_a_wrong_key_says_why_in_one_line(tmp_path: Path) -> None:
    env = {**_env(), "CLOUDCTI_SECRET_KEY": "not-a-key"}
    result = subprocess.run(
        [*CLI, "serve", "--port", str(_free_port()), "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "secret key" in result.stderr
