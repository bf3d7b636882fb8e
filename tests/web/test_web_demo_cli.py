"""``cloudcti demo`` as a process: prints working logins within a minute, Ctrl-C ends it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx


def _reader(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))


def test_the_demo_prints_logins_that_work_and_stops_cleanly_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CLOUDCTI_DATA_DIR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cloudcti", "demo", "--port", "0", "--sim-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_reader, args=(process.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("Ready: users open the web client") for line in seen):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no logins within 60 s: {seen}"
            try:
                seen.append(lines.get(timeout=remaining))
            except queue.Empty:
                continue
        text = "\n".join(seen)
        api = re.search(r"^API base:\s+(\S+)", text, re.M)
        admin = re.search(r"^\s+admin\s+(\S+) / (\S+)", text, re.M)
        data_dir = re.search(r"data dir (\S+)", text)
        assert api, text
        assert admin, text
        assert data_dir, text
        assert re.search(r"^\s+user\s+anna\.schmidt / \S+\s+line 771", text, re.M), text
        with httpx.Client(base_url=api[1], timeout=10) as client:
            token = client.post("/auth/token", json={"username": admin[1], "password": admin[2]})
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            (gateway,) = client.get("/admin/gateways", headers=headers).json()
            assert gateway["state"] == "connected", gateway
            assert len(client.get("/admin/lines", headers=headers).json()) == 5
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None
        errors = process.stderr.read()
        assert "Traceback" not in errors, errors
        assert not Path(data_dir[1]).exists()  # the temporary data dir is gone
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(5)  # EOF once the process ended; closing the pipe earlier would race it
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
