"""The benchmarks' simulated company: a monitoring user and ``lines`` line users, set up
through the simulator's control API (CONTRACT.md §4), and the small helpers the benchmarks
share. Imported by the bench scripts, which run as ``python bench/<script>.py`` (so this
directory is on ``sys.path``)."""

from __future__ import annotations

import os
import socket
from typing import Any

import httpx

MONITOR = "bench.monitor@example.net"
PASSWORD = "Bench-Pw-1"  # noqa: S105 - a throwaway account of the throwaway simulator


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def line_user(k: int) -> str:
    """The PBX user id of line ``k``."""
    return f"line{k}@example.net"


async def set_up_sim(url: str, lines: int) -> None:
    """Reset the simulator at ``url`` to an empty PBX with generous limits, then add the
    monitoring user and line users 0…``lines``-1 (extensions 1000 onwards)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as control:
        await control.post("/sim/v1/reset", json={"scenario": "empty"})
        await control.patch("/sim/v1/config", json={"unacked_limit": 5000, "no_answer_s": 600.0})
        users: list[dict[str, Any]] = [
            {
                "user_id": MONITOR,
                "password": PASSWORD,
                "first_name": "B",
                "last_name": "M",
                "number": "+4989887766999",
                "extension": "999",
                "monitoring": True,
            }
        ]
        users += [
            {
                "user_id": line_user(k),
                "password": PASSWORD,
                "first_name": "L",
                "last_name": str(k),
                "number": f"+498988776{1000 + k}",
                "extension": str(1000 + k),
            }
            for k in range(lines)
        ]
        for body in users:
            (await control.post("/sim/v1/users", json=body)).raise_for_status()
