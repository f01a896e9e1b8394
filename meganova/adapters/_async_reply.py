"""What every async transport's reply shares: the body decoded in bounded steps, its
length checked, the call's deadline checked between reads, library failures mapped to
core's errors, and the connection discarded whenever a read fails or is cancelled.

The async twin of ``_socket_response.SocketResponse``; subclasses say how their library
reads, releases and discards.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from typing import Any, AsyncIterator, Awaitable, Callable, TypeVar

from ..core.body_length import expected_length
from ..core.decompress import content_decoder
from ..core.errors import APIConnectionError, APITimeoutError
from ..core.http import Headers, Request
from ._errors import closed_while_reading, corrupt_body, origin, truncated
from ._reply_head import OwnHead

T = TypeVar("T")


def deadline_passed(request: Request, what: str = "reading the reply from") -> APITimeoutError:
    budget = request.budget
    detail = f": {budget.message()}" if budget is not None else ""
    return APITimeoutError(f"Timed out {what} {origin(request.url)}{detail}", request_sent=True)


async def within_deadline(request: Request, awaitable: Awaitable[T], what: str) -> T:
    """Await ``awaitable`` for at most what the call's budget allows (the read timeout,
    or what is left of the deadline when that is less). Without a budget, or when the
    read timeout comes first (the library bounds that itself), it is awaited as is."""
    budget = request.budget
    read = request.timeout.read
    if budget is None or (read is not None and budget.remaining() > read):
        return await awaitable
    limit = budget.wait_limit(read)
    if limit <= 0:
        if hasattr(awaitable, "close"):
            awaitable.close()  # a coroutine never awaited would warn
        raise deadline_passed(request, what)
    try:
        return await asyncio.wait_for(awaitable, limit)
    except asyncio.TimeoutError:
        raise deadline_passed(request, what) from None


class AsyncReply(OwnHead):
    """A reply whose body is read lazily over an async library. The connection goes
    back to the pool only when the body was read to its end (and its length checked);
    a failed, cancelled or abandoned read discards it."""

    # Class defaults, so the finalizer of a reply whose __init__ failed does nothing.
    _closed = True
    _complete = False
    # The event loop the library's reply lives on, for replies with a ``_closer``.
    _loop: asyncio.AbstractEventLoop | None = None

    def __init__(self, request: Request, status: int, headers: Headers, reason: str) -> None:
        self._request = request
        self._status = status
        self._headers = headers
        self._reason = reason
        self._received = 0
        self._complete = False
        self._closed = False
        self._decoder = content_decoder(request.method, status, headers)

    # -- what each library does -------------------------------------------------------

    async def _read_raw(self) -> bytes:
        """What has arrived of the body as sent (``b""``: its end); the library's own
        errors propagate."""
        raise NotImplementedError

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        raise NotImplementedError

    def _length_enforced(self) -> bool:
        """Whether the library itself raises on a body shorter than announced."""
        return False

    def _ended(self) -> bool:
        """Whether the library already holds the body's end after a read returned data
        (then no further read is needed). Only where ``_length_enforced``."""
        return False

    async def _recycle(self) -> None:
        """The body was read to its end: hand the connection back."""

    async def _discard(self) -> None:
        """Close the connection; it is not reused. Must not raise."""
        raise NotImplementedError

    def _closer(self) -> Callable[[], object] | None:
        """What lets the connection go when the reply is dropped unclosed, called on
        ``_loop`` (it must not hold this reply). ``None``: nothing to do."""
        return None

    def __del__(self) -> None:
        # Dropped unclosed (by refcounting or the collector, in any thread): the library
        # would keep the connection checked out (for good, or until a read timeout
        # fires). Let it go on its loop now.
        if self._closed or self._complete:
            return
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:  # a bare try: no module globals needed at interpreter exit
            closer = self._closer()
            if closer is not None:
                loop.call_soon_threadsafe(closer)
        except Exception:
            pass

    # -- the shared state machine -----------------------------------------------------

    async def aread(self) -> bytes:
        parts: list[bytes] = []
        # Without a decoder, straight to the wire: one coroutine less per read.
        read = self._read_wire if self._decoder is None else self._read_some
        while True:
            chunk = await read()
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return _Chunks(self)

    async def _read_some(self) -> bytes:
        """What has arrived of the body, decoded (``b""``: its end)."""
        decoder = self._decoder
        if decoder is None:
            return await self._read_wire()
        while True:
            try:
                if decoder.pending:
                    out = decoder.decode(b"")
                else:
                    data = await self._read_wire()
                    if not data:
                        self._decoder = None
                        return decoder.finish()
                    out = decoder.decode(data)
            except zlib.error as exc:
                self._decoder = None
                if not self._complete:
                    await self._discard()
                self._closed = True
                raise corrupt_body(self._request, self._status, self._headers, exc) from exc
            if out:
                return out

    async def _read_wire(self) -> bytes:
        if self._complete or self._closed:
            return b""
        request = self._request
        budget = request.budget
        if budget is not None and budget.expired():
            await self._cut()
            raise deadline_passed(request)
        try:
            chunk = await self._read_raw()
        except APIConnectionError:
            await self._cut()
            raise
        except Exception as exc:
            closed = self._closed
            await self._cut()
            if closed:  # aclose() in another task cut this read short
                raise closed_while_reading(request) from exc
            raise self._read_error(exc) from exc
        except BaseException:
            # Cancelled mid-read: the rest of the body is still on the wire.
            await self._cut()
            raise
        if chunk:
            self._received += len(chunk)
            if self._ended():
                # The whole body is in: the connection goes back now, not a read later.
                self._complete = True
                await self._recycle()
            return chunk
        if self._closed:
            raise closed_while_reading(request)
        if not self._length_enforced():
            expected = expected_length(request.method, self._status, self._headers)
            if expected is not None and self._received < expected:
                await self._cut()
                raise truncated(request, expected, self._received)
        self._complete = True
        await self._recycle()
        return b""

    async def _cut(self) -> None:
        self._closed = True
        await self._discard()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._complete:
            return
        await self._discard()

    async def adrain(self, max_bytes: int, timeout: float) -> bool:
        """Read the rest of the body if it ends within ``max_bytes`` and ``timeout``
        seconds (the connection then goes back to the pool); otherwise discard it, as
        ``aclose`` does. What a stream calls after ``[DONE]``. Returns whether the body
        ended."""

        async def rest() -> None:
            left = max_bytes
            while left >= 0:
                data = await self._read_some()
                if not data:
                    return
                left -= len(data)

        if not (self._closed or self._complete):
            # A read cut by the timeout discards the connection (see _read_wire).
            with contextlib.suppress(Exception):
                await asyncio.wait_for(rest(), timeout)
        complete = self._complete
        await self.aclose()
        return complete

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self._status})"


class _Chunks:
    """``aiter_bytes``: an iterator object, not an async generator, so abandoning it
    leaves nothing for the event loop to finalize."""

    __slots__ = ("_reply",)

    def __init__(self, reply: AsyncReply) -> None:
        self._reply = reply

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._reply._read_some()
        if not chunk:
            raise StopAsyncIteration
        return chunk


def plain_headers(headers: Any) -> dict[str, str]:
    """The request's headers as plain strings for a library that formats values with
    ``str()`` (a ``Sensitive`` one would be sent as ``<redacted>``). Build it inline in
    the call to the library: a named local would keep the key in our frame."""
    return {str(k): str.__str__(v) for k, v in headers.items()}
