"""Run real grpc.aio servers on loopback from synchronous tests.

Each server gets its own event loop in a background thread; tests talk to it through real
gRPC channels, exactly as a document system would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class Stoppable(Protocol):
    async def stop(self, grace: float | None) -> Any: ...


class ServerThread:
    def __init__(self, factory: Callable[[], Awaitable[tuple[Stoppable, int]]]) -> None:
        self._factory = factory
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.server: Stoppable | None = None
        self.port = 0

    def start(self) -> ServerThread:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._factory(), self._loop)
        self.server, self.port = fut.result(timeout=120)
        return self

    def run(self, coro: Awaitable[Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)  # type: ignore[arg-type]

    def stop(self, grace: float | None = 5.0) -> None:
        if self.server is not None:
            self.run(self.server.stop(grace))
            self.server = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"
