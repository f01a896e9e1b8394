"""What a user subclasses: ``TransportContract`` and ``AsyncTransportContract`` set
up a server and a transport per case, run the shared cases, and add the ones only
one flavour has (threads sharing a sync transport; cancelling async tasks)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

from ...core.ports import Transport
from .cases import SLACK, Cases, check, equal, request
from .drivers import AsyncDriver, SyncDriver
from .server import WAIT_LIMIT, ContractServer, Gate, Reply

__all__ = ["AsyncTransportContract", "TransportContract"]


class TransportContract(Cases):
    """The contract of a sync transport (``meganova.types.Transport``). Subclass it
    in a test module, name the subclass ``Test...`` and return a fresh transport from
    ``make_transport``; pytest runs every case against a local server.
    """

    def make_transport(self) -> Transport:
        """A fresh transport for one case (closed after it)."""
        raise NotImplementedError("return your transport from make_transport()")

    def setup_method(self, method: Any = None) -> None:
        """Start the server and the transport for one case (pytest calls it).

        Args:
            method: The case about to run.
        """
        self.server = ContractServer()
        self.driver = SyncDriver(self.make_transport())

    def teardown_method(self, method: Any = None) -> None:
        """Close what the case left open, the transport, then the server.

        Args:
            method: The case that ran.
        """
        try:
            self.driver.finish()
        finally:
            self.server.stop()

    def test_threads_share_one_transport(self) -> None:
        """Threads sending at once through one transport each get their own reply."""
        urls = [self.server.serve(Reply(body=b"%d" % n * 100)) for n in range(8)]
        with ThreadPoolExecutor(8) as pool:
            bodies = list(pool.map(lambda url: self._fetch(url)[1], urls * 3))
        equal(bodies, [b"%d" % n * 100 for n in range(8)] * 3, "each thread's reply")


class AsyncTransportContract(Cases):
    """The contract of an async transport (``meganova.types.AsyncTransport``), the
    same cases as ``TransportContract`` plus cancellation. ``make_transport`` may be
    a coroutine; it runs on the case's own event loop, as does every step of a case
    (no async pytest plugin is needed).
    """

    driver: AsyncDriver

    def make_transport(self) -> Any:
        """A fresh async transport for one case, or an awaitable of one."""
        raise NotImplementedError("return your async transport from make_transport()")

    def setup_method(self, method: Any = None) -> None:
        """Start the server, an event loop and the transport for one case.

        Args:
            method: The case about to run.
        """
        self.server = ContractServer()
        self.driver = AsyncDriver(self.make_transport)

    def teardown_method(self, method: Any = None) -> None:
        """Close what the case left open, the transport, the loop, then the server.

        Args:
            method: The case that ran.
        """
        try:
            self.driver.finish()
        finally:
            self.server.stop()

    def _cancelled(self, step: Callable[[], Any], started: Callable[[], bool]) -> None:
        """Run ``step`` as a task, cancel it once ``started()``; it must end cancelled."""

        async def scenario() -> None:
            task = asyncio.ensure_future(step())
            for _ in range(500):
                if started() or task.done():
                    break
                await asyncio.sleep(0.01)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                return
            raise AssertionError("the task was not cancelled")

        self.driver.run(scenario())

    def test_concurrent_requests_each_get_their_own_reply(self) -> None:
        """Tasks sending at once through one transport each get their own reply."""
        urls = [self.server.serve(Reply(chunks=[b"%d" % n * 50] * 2)) for n in range(8)]

        async def fetch(url: str) -> bytes:
            response = await self.driver.transport.send(request(url))
            try:
                return await response.aread()
            finally:
                await response.aclose()

        async def all_at_once() -> List[bytes]:
            return list(await asyncio.gather(*(fetch(url) for url in urls * 3)))

        bodies = self.driver.run(all_at_once())
        equal(bodies, [b"%d" % n * 100 for n in range(8)] * 3, "each task's reply")

    def test_cancelling_a_read_mid_body_discards_the_connection(self) -> None:
        """A task cancelled while it waits for more of a body: the connection is
        closed (never pooled half-read) and the transport keeps working."""
        gate = Gate()
        url = self.server.serve(Reply(chunks=[b"first", gate, b"second"]))
        pieces: List[bytes] = []

        async def read() -> None:
            response = await self.driver.transport.send(request(url))
            try:
                async for piece in response.aiter_bytes():
                    pieces.append(piece)
            finally:
                await response.aclose()

        try:
            self._cancelled(read, lambda: bool(pieces))
            equal(b"".join(pieces), b"first", "what was read before the cancel")
            closed = self.server.wait_closed(1, timeout=SLACK)
            check(closed, "the cancelled reply's connection stayed open")
        finally:
            gate.open()
        self._works()
        equal(self.server.received[-1].connection, 2, "the next request's connection")

    def test_cancelling_a_send_leaves_no_connection(self) -> None:
        """A task cancelled while it waits for the reply's head: the connection is
        closed and the transport keeps working."""
        url = self.server.serve(Reply(stall=True))

        async def send() -> None:
            # A read timeout longer than the wait below: only the cancel may close it.
            response = await self.driver.transport.send(request(url, read=WAIT_LIMIT - 2))
            await response.aclose()

        self._cancelled(send, lambda: bool(self.server.received))
        closed = self.server.wait_closed(1, timeout=SLACK)
        check(closed, "the cancelled request's connection stayed open")
        self._works()
