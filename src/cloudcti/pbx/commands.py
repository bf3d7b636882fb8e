"""The bodies of ``cloudcti pbx test`` and ``cloudcti pbx watch`` (CONTRACT.md §1): they
return the exit code and print through ``echo``; ``cli.py`` only declares the options."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

from cloudcti.pbx.connection_test import ConnectionSettings, run_connection_test
from cloudcti.pbx.errors import XsiTransportError
from cloudcti.pbx.transport import ProxyConfig
from cloudcti.pbx.watch import WatchOptions, run_watch
from cloudcti.xsi import RemoteProtocolError

Echo = Callable[..., object]


def pbx_test(
    xsi_urls: list[str], username: str, password: str, proxy: str | None, echo: Echo
) -> int:
    """Run the connection test; one line per check, exit 0 only if all passed."""
    settings = ConnectionSettings(
        xsi_urls, username, password, proxy=ProxyConfig.from_url(proxy) if proxy else None
    )
    checks = asyncio.run(run_connection_test(settings))
    for check in checks:
        mark = "✓" if check.ok else ("-" if check.skipped else "✗")
        echo(f"{mark} {check.name}: {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def pbx_watch(options: WatchOptions, echo: Echo) -> int:
    """Watch until Ctrl-C (SIGINT/SIGTERM); exit 1 with a reason if the login fails."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await run_watch(options, lambda line: echo(line), stop)

    try:
        asyncio.run(main())
    except (XsiTransportError, RemoteProtocolError) as error:
        echo(f"cloudcti pbx watch: {error}", err=True)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


__all__ = ["pbx_test", "pbx_watch"]
