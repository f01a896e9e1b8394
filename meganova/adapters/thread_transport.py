"""An async transport over any sync one, run in worker threads: ``AsyncMegaNova`` on
the base install (no aiohttp, no httpx).

The sync transport does all the work (pooling, proxies, TLS, bounded decoding, the
deadline on every socket read); this module only moves its blocking calls off the
event loop. The worker that sends a call (not a stream) also reads a sized reply of
up to 64 KiB, so such a call crosses between the loop and the workers once. A
cancelled ``send`` shuts the socket its worker waits on (for the built-in sync
transports, whose replies report it), so the worker wakes at once, and closes any
reply the worker still produces; a cancelled read closes the sync reply at once
(closing is safe from another thread: it shuts the socket, which wakes the worker's
read), so no connection is left behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import socket
import threading
from typing import AsyncIterator, Callable, Iterator, Mapping, Tuple, TypeVar, Union

from ..core.errors import InvalidArgumentTypeError
from ..core.http import Request
from ..core.limits import declared_length
from ..core.ports import Response, Transport
from ._reply import unwatch_sockets, watch_sockets
from ._reply_head import WrappedHead

__all__ = ["ThreadResponse", "ThreadTransport"]

T = TypeVar("T")
MAX_THREADS = 64  # a blocked stream read holds a worker: more than the loop's default
# A sized reply to a call that is not a stream, up to this size, is read by the worker
# that sent the request: one hand-off between the loop and a worker per call, not two.
READ_AHEAD = 64 * 1024


def _close_quietly(response: Response) -> None:
    with contextlib.suppress(Exception):
        response.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _InFlight:
    """The socket a worker's ``send`` waits on, so a cancelled send can shut it
    rather than leave it open until the read timeout (600 s by default)."""

    __slots__ = ("_aborted", "_lock", "_sock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._aborted = False

    def send(self, transport: Transport, request: Request) -> _Sent:
        token = watch_sockets(self._seen)
        try:
            response = transport.send(request)
        finally:
            unwatch_sockets(token)
        if request.stream or not _small(response.headers):
            return response, None
        return response, _read_ahead(response)

    def _seen(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            aborted = self._aborted
        if aborted:
            _shut(sock)

    @property
    def sock(self) -> socket.socket | None:
        with self._lock:
            return self._sock

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            sock = self._sock
        if sock is not None:
            _shut(sock)


_Sent = Tuple[Response, Union[bytes, Exception, None]]


def _small(headers: Mapping[str, str]) -> bool:
    """A body announced at most ``READ_AHEAD`` bytes long, not compressed."""
    size = declared_length(headers)
    if size is None or size > READ_AHEAD:
        return False
    coding = headers.get("content-encoding")
    return coding is None or coding.strip().lower() in ("", "identity")


def _read_ahead(response: Response) -> bytes | Exception:
    """The whole body, or the error reading it (raised where the body is read, as it
    would have been; its traceback starts here, away from the request's headers)."""
    try:
        return response.read()
    except Exception as exc:
        return exc


def _close_when_done(future: concurrent.futures.Future[_Sent]) -> None:
    """A reply a cancelled ``send`` no longer waits for: closed as soon as it exists."""
    if future.cancelled() or future.exception() is not None:
        return
    _close_quietly(future.result()[0])


class ThreadResponse(WrappedHead):
    """A sync reply read in worker threads."""

    __slots__ = ("_ahead", "_chunks", "_closed", "_response", "_sock", "_transport")

    def __init__(
        self,
        response: Response,
        transport: ThreadTransport,
        sock: socket.socket | None = None,
        ahead: bytes | Exception | None = None,
    ) -> None:
        self._response: Response = response
        self._transport = transport
        self._sock = sock  # the socket its body comes from, when the transport reported it
        self._chunks: Iterator[bytes] | None = None
        self._closed = False
        # The body (or the error reading it) its worker already read, until taken.
        self._ahead = ahead

    def _take_ahead(self) -> bytes:
        ahead, self._ahead = self._ahead, b""
        if isinstance(ahead, Exception):
            try:
                raise ahead
            finally:
                del ahead  # no cycle through this frame
        assert ahead is not None
        return ahead

    async def _run(self, call: Callable[[], T]) -> T:
        future = self._transport._submit(call)
        try:
            return await asyncio.wrap_future(future)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                # Cancelled while the worker may still be reading. Shutting the socket
                # wakes it; the reply is closed (its connection discarded) only once the
                # worker is out of it, so no cleanup of the worker's can reach a
                # connection the pool has handed to another request meanwhile.
                self._closed = True
                response = self._response
                if self._sock is None:
                    _close_quietly(response)  # a reply that did not report its socket
                else:
                    _shut(self._sock)
                    future.add_done_callback(lambda _: _close_quietly(response))
            raise

    async def aread(self) -> bytes:
        if self._ahead is not None:
            return self._take_ahead()
        return await self._run(self._response.read)

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return _ThreadChunks(self)

    async def _next(self) -> bytes:
        if self._ahead is not None:
            return self._take_ahead()
        if self._chunks is None:
            self._chunks = iter(self._response.iter_bytes())
        return await self._run(self._next_chunk)

    def _next_chunk(self) -> bytes:
        assert self._chunks is not None
        return next(self._chunks, b"")

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Fast and thread-safe on the built-in transports (it may take a pool lock).
        self._response.close()

    async def adrain(self, max_bytes: int, timeout: float) -> bool:
        """The sync reply's ``drain`` in a worker (the rest of the body read if it ends
        within the bounds, so the connection is reused), else ``aclose``."""
        if self._ahead is not None:
            # Read to its end already (the connection went back), or failed.
            read = not isinstance(self._ahead, Exception)
            await self.aclose()
            return read
        drain = getattr(self._response, "drain", None)
        if drain is None or self._closed:
            await self.aclose()
            return False
        self._closed = True
        return bool(await self._run(lambda: drain(max_bytes, timeout)))

    def __repr__(self) -> str:
        return f"ThreadResponse({self._response!r})"


class _ThreadChunks:
    __slots__ = ("_reply",)

    def __init__(self, reply: ThreadResponse) -> None:
        self._reply = reply

    def __aiter__(self) -> _ThreadChunks:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._reply._next()
        if not chunk:
            raise StopAsyncIteration
        return chunk


class ThreadTransport:
    """Runs a sync ``Transport`` (``send``, and every read of its replies) in worker
    threads of its own (at most ``max_threads`` at once; each open stream's pending
    read holds one). ``aclose`` closes the sync transport."""

    def __init__(self, transport: Transport, *, max_threads: int = MAX_THREADS) -> None:
        if not callable(getattr(transport, "send", None)):
            raise InvalidArgumentTypeError(
                "ThreadTransport needs a sync transport (with a send(request) method)",
                argument="transport",
            )
        if isinstance(max_threads, bool) or not isinstance(max_threads, int) or max_threads < 1:
            raise InvalidArgumentTypeError(
                "max_threads must be an int >= 1", argument="max_threads"
            )
        self._transport = transport
        self._max_threads = max_threads
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def transport(self) -> Transport:
        """The sync transport it runs."""
        return self._transport

    def _pool(self) -> concurrent.futures.ThreadPoolExecutor:
        executor = self._executor
        if executor is None:
            with self._lock:
                executor = self._executor
                if executor is None:
                    executor = self._executor = concurrent.futures.ThreadPoolExecutor(
                        self._max_threads, thread_name_prefix="meganova-io"
                    )
        return executor

    def _submit(self, call: Callable[[], T]) -> concurrent.futures.Future[T]:
        try:
            return self._pool().submit(call)
        except RuntimeError:  # shut down by aclose(): a transport stays usable, as sync
            with self._lock:
                self._executor = None
            return self._pool().submit(call)

    async def _run(self, call: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self._submit(call))

    async def send(self, request: Request) -> ThreadResponse:
        inflight = _InFlight()
        future = self._submit(lambda: inflight.send(self._transport, request))
        try:
            response, ahead = await asyncio.wrap_future(future)
        except BaseException as exc:
            if not isinstance(exc, Exception):
                inflight.abort()
                future.add_done_callback(_close_when_done)
            raise
        return ThreadResponse(response, self, inflight.sock, ahead)

    async def aclose(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        self._transport.close()
        if executor is not None:
            executor.shutdown(wait=False)

    def __repr__(self) -> str:
        return f"ThreadTransport({self._transport!r})"
