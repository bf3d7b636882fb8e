"""Serving one simulator on several loopback ports (each port one Xsi host) with uvicorn.

``SimServer`` runs its own event loop in a background thread, so tests and the CLI share it:
``start()`` returns once every port listens, ``stop()`` closes streams and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence

import uvicorn

from cloudcti.sim.app import create_app
from cloudcti.sim.state import Sim


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (as uvicorn picks it for the server), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


TICK_S = 0.02


class SimServer:
    """A simulator served on ``host`` at ``ports`` (0 = pick a free port)."""

    def __init__(
        self, host: str = "127.0.0.1", ports: Sequence[int] = (8090,), scenario: str = "empty"
    ) -> None:
        self.host = host
        self.sim = Sim(scenario)
        self._requested = list(ports) or [8090]
        self._servers: list[uvicorn.Server] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.ports: list[int] = []

    @property
    def urls(self) -> list[str]:
        """The root URL of each Xsi host, e.g. ``http://127.0.0.1:8090``."""
        return [f"http://{self.host}:{port}" for port in self.ports]

    def start(self, timeout: float = 10.0) -> None:
        """Start serving in a background thread; raise if a port cannot be bound."""
        self._thread = threading.Thread(target=self._run, name="cloudcti-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RuntimeError("the simulator did not start in time")
        if self._error is not None:
            self.join()
            raise RuntimeError(f"the simulator could not start: {self._error}")

    def stop(self, timeout: float = 10.0) -> None:
        """Close every stream, stop the servers and join the thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._shutdown)
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the serving thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def is_alive(self) -> bool:
        """True while the serving thread runs."""
        return self._thread is not None and self._thread.is_alive()

    # ---- inside the loop ---------------------------------------------------------------

    def _shutdown(self) -> None:
        self.sim.hub.close_all()
        for server in self._servers:
            server.should_exit = True

    def _run(self) -> None:
        try:
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(self._main())
        except BaseException as error:  # reported to start(); the thread must not die silently
            self._error = error
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        app = create_app(self.sim)
        for port in self._requested:
            config = uvicorn.Config(
                app,
                host=self.host,
                port=port,
                lifespan="off",
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=2,
                timeout_keep_alive=4,
            )
            self._servers.append(uvicorn.Server(config))
        serving = [asyncio.create_task(s.serve()) for s in self._servers]
        ticker = asyncio.create_task(self._tick())
        try:
            while not all(s.started for s in self._servers):
                done = [t for t in serving if t.done()]
                if done:
                    for server in self._servers:
                        server.should_exit = True
                    await asyncio.gather(*serving, return_exceptions=True)
                    raise RuntimeError(f"cannot listen on {self.host}:{self._requested}")
                await asyncio.sleep(0.01)
            self.ports = [s.servers[0].sockets[0].getsockname()[1] for s in self._servers]
            self.sim.hosts = [f"{self.host}:{port}" for port in self.ports]
            self.sim.host_switch = self._switch_host
            self._ready.set()
            await asyncio.gather(*serving)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    def _switch_host(self, host: str, down: bool) -> None:
        """Stop listening on ``host`` and cut its connections (down), or listen again."""
        index = self.sim.hosts.index(host)
        server = self._servers[index]
        if down:
            for listener in server.servers:
                listener.close()
            for connection in list(server.server_state.connections):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
        else:
            asyncio.get_running_loop().create_task(self._listen_again(server, self.ports[index]))

    async def _listen_again(self, server: uvicorn.Server, port: int) -> None:
        config = server.config
        loop = asyncio.get_running_loop()

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config,
                server_state=server.server_state,
                app_state=server.lifespan.state,
                _loop=loop,
            )

        listener = await loop.create_server(protocol, host=self.host, port=port)
        server.servers = [listener]

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.sim.tick()
