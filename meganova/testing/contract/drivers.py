"""One blocking face over a sync or an async transport, so each contract case is
written once: a case calls ``send``/``read``/``piece``/``close``; the async driver
runs each of them to completion on its own event loop (no pytest plugin needed)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator, List, Optional, TypeVar

from ...core.http import Headers, Request
from ...core.ports import AsyncResponse, AsyncTransport, Response, Transport

T = TypeVar("T")

OP_LIMIT = 30.0  # no single operation of a case may take longer: a stuck transport fails


class Exchange:
    """One reply, whatever the flavour of the transport that returned it."""

    status: int
    headers: Headers
    reason: str

    def read(self) -> bytes:
        raise NotImplementedError

    def piece(self) -> Optional[bytes]:
        """The next non-empty piece of the body; ``None`` at its end."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _take(self, response: Any) -> None:
        self.status = response.status
        self.headers = response.headers
        self.reason = response.reason


class Driver:
    """Sends requests through a transport; closes every reply it handed out."""

    def __init__(self) -> None:
        self.opened: List[Exchange] = []

    def send(self, request: Request) -> Exchange:
        raise NotImplementedError

    def close_transport(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Close what a case left open (a failed case must not leak), then the
        transport."""
        for exchange in self.opened:
            with contextlib.suppress(Exception):
                exchange.close()
        self.close_transport()


class _SyncExchange(Exchange):
    def __init__(self, response: Response) -> None:
        self._take(response)
        self._response = response
        self._chunks: Optional[Iterator[bytes]] = None

    def read(self) -> bytes:
        return bytes(self._response.read())

    def piece(self) -> Optional[bytes]:
        if self._chunks is None:
            self._chunks = iter(self._response.iter_bytes())
        for chunk in self._chunks:
            if chunk:
                return bytes(chunk)
        return None

    def close(self) -> None:
        self._response.close()


class SyncDriver(Driver):
    def __init__(self, transport: Transport) -> None:
        super().__init__()
        self.transport = transport

    def send(self, request: Request) -> Exchange:
        exchange = _SyncExchange(self.transport.send(request))
        self.opened.append(exchange)
        return exchange

    def close_transport(self) -> None:
        self.transport.close()


class _AsyncExchange(Exchange):
    def __init__(self, response: AsyncResponse, driver: AsyncDriver) -> None:
        self._take(response)
        self._response = response
        self._driver = driver
        self._chunks: Optional[AsyncIterator[bytes]] = None

    def read(self) -> bytes:
        return bytes(self._driver.run(self._response.aread()))

    def piece(self) -> Optional[bytes]:
        return self._driver.run(self.apiece())

    async def apiece(self) -> Optional[bytes]:
        if self._chunks is None:
            self._chunks = self._response.aiter_bytes().__aiter__()
        while True:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                return None
            if chunk:
                return bytes(chunk)

    def close(self) -> None:
        self._driver.run(self._response.aclose())


class AsyncDriver(Driver):
    """Owns an event loop for one case; the transport is built inside it."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        try:
            self.transport: AsyncTransport = self.run(_build(factory))
        except BaseException:
            self.loop.close()
            raise

    def run(self, operation: Awaitable[T]) -> T:
        """Run one operation to its end on the driver's loop (at most ``OP_LIMIT``)."""
        return self.loop.run_until_complete(asyncio.wait_for(operation, OP_LIMIT))

    def send(self, request: Request) -> Exchange:
        exchange = _AsyncExchange(self.run(self.transport.send(request)), self)
        self.opened.append(exchange)
        return exchange

    def close_transport(self) -> None:
        self.run(self.transport.aclose())

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            loop = self.loop
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()


async def _build(factory: Callable[[], Any]) -> AsyncTransport:
    # Inside the loop: some libraries bind their session to the running loop.
    made = factory()
    if inspect.isawaitable(made):
        made = await made
    return made  # type: ignore[no-any-return]
