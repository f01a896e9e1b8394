"""In-memory transports: a function from request to response, or a scripted queue.

Every request is recorded. A body may be a list of byte chunks in which an exception
instance stands for a failure at that point of the stream (a dropped connection).
``AsyncFakeTransport`` is the async twin: its handler may be a plain or an ``async``
function, and a body may also be an async iterable of chunks.
"""

from __future__ import annotations

import inspect
import json
import threading
import zlib
from collections import deque
from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Union,
)

from ..core.decompress import content_decoder
from ..core.errors import APIConnectionError, APIResponseValidationError
from ..core.http import Headers, Request
from ._reply_head import OwnHead

Chunk = Union[bytes, BaseException]
Reply = Union["FakeResponse", BaseException]
Handler = Callable[[Request], Reply]
AsyncHandler = Callable[[Request], Union[Reply, Awaitable[Reply]]]


class FakeResponse(OwnHead):
    """A scripted reply. ``body`` is bytes, or an iterable of chunks (bytes or an
    exception to raise when the reader gets that far); for ``AsyncFakeTransport`` also
    an async iterable. It serves both ports: ``read``/``iter_bytes``/``close`` and
    ``aread``/``aiter_bytes``/``aclose``."""

    def __init__(
        self,
        status: int = 200,
        body: bytes | Iterable[Chunk] | AsyncIterable[Chunk] = b"",
        headers: Mapping[str, str] | None = None,
        reason: str = "",
    ) -> None:
        self._status = status
        self._headers = Headers(headers or {})
        self._reason = reason
        # A generator stays lazy, so a test can script a slow stream.
        self._chunks: Iterable[Chunk] | AsyncIterable[Chunk] = (
            [body]
            if isinstance(body, bytes)
            else body
            if isinstance(body, (Iterator, AsyncIterable))
            else list(body)
        )
        self.closed = False
        self._consumed = False

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> FakeResponse:
        merged = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(data).encode(), merged)

    @classmethod
    def sse(
        cls,
        events: Iterable[Any],
        *,
        done: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> FakeResponse:
        """A 200 event stream: one chunk per event; dicts are JSON-encoded, bytes and
        exceptions are passed through as they are."""
        chunks: list[Chunk] = []
        for event in events:
            if isinstance(event, (bytes, BaseException)):
                chunks.append(event)
            else:
                chunks.append(b"data: " + json.dumps(event).encode() + b"\n\n")
        if done:
            chunks.append(b"data: [DONE]\n\n")
        merged = {"Content-Type": "text/event-stream", **(headers or {})}
        return cls(200, chunks, merged)

    def iter_bytes(self) -> Iterator[bytes]:
        decoder = content_decoder("GET", self._status, self._headers)
        if decoder is None:
            yield from self._wire()
            return
        # Content-Encoding is undone as the socket transports do.
        try:
            for chunk in self._wire():
                yield from decoder.pieces(chunk)  # bounded pieces: a bomb never inflates whole
            tail = decoder.finish()
        except zlib.error as exc:
            raise self._corrupt(exc) from exc
        if tail:
            yield tail

    def _corrupt(self, exc: zlib.error) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"The {self._headers.get('content-encoding')} body of the reply does not "
            f"decompress ({exc})",
            status=self._status,
        )

    def _wire(self) -> Iterator[bytes]:
        if self._consumed:
            return
        self._consumed = True
        chunks = self._chunks
        if not isinstance(chunks, Iterable):
            raise TypeError("this FakeResponse has an async body: read it with aiter_bytes()")
        for chunk in chunks:
            if self.closed:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            if chunk:
                yield chunk

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        self.closed = True

    # -- the async port ---------------------------------------------------------------

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        decoder = content_decoder("GET", self._status, self._headers)
        try:
            async for chunk in self._awire():
                if decoder is None:
                    yield chunk
                else:
                    for piece in decoder.pieces(chunk):
                        yield piece
            tail = decoder.finish() if decoder is not None else b""
        except zlib.error as exc:
            raise self._corrupt(exc) from exc
        if tail:
            yield tail

    async def _awire(self) -> AsyncIterator[bytes]:
        if self._consumed:
            return
        self._consumed = True
        chunks = self._chunks
        source: Any = chunks.__aiter__() if isinstance(chunks, AsyncIterable) else iter(chunks)
        is_async = isinstance(chunks, AsyncIterable)
        while not self.closed:
            if is_async:
                try:
                    chunk = await source.__anext__()
                except StopAsyncIteration:
                    return
            else:
                chunk = next(source, None)
                if chunk is None:
                    return
            if self.closed:
                return
            if isinstance(chunk, BaseException):
                raise chunk
            if chunk:
                yield chunk

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in self.aiter_bytes()])

    async def aclose(self) -> None:
        self.closed = True


class FakeTransport:
    """Answers from ``handler`` or, failing that, from a queue of replies (``add``).
    Raises ``APIConnectionError`` when it has nothing to answer with."""

    def __init__(
        self,
        handler: Handler | None = None,
        replies: Iterable[Reply] = (),
    ) -> None:
        self._handler = handler
        self._queue: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.responses: list[FakeResponse] = []
        self.closed = False

    def add(self, *replies: Reply) -> FakeTransport:
        with self._lock:
            self._queue.extend(replies)
        return self

    def send(self, request: Request) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
            reply: Reply | None = self._queue.popleft() if self._queue else None
        if reply is None and self._handler is not None:
            reply = self._handler(request)
        if reply is None:
            raise APIConnectionError(
                f"FakeTransport has no reply for {request!r}",
                request_sent=False,
            )
        if isinstance(reply, BaseException):
            raise reply
        with self._lock:
            self.responses.append(reply)
        return reply

    def close(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return f"FakeTransport(requests={len(self.requests)}, queued={len(self._queue)})"


class AsyncFakeTransport:
    """The async twin of ``FakeTransport`` (as httpx's ``MockTransport``): answers from
    ``handler``, a plain or ``async`` function of the request returning a
    ``FakeResponse`` (or an exception to raise), or from a queue of replies (``add``).
    Raises ``APIConnectionError`` when it has nothing to answer with."""

    def __init__(
        self,
        handler: AsyncHandler | None = None,
        replies: Iterable[Reply] = (),
    ) -> None:
        self._handler = handler
        self._queue: deque[Reply] = deque(replies)
        self.requests: list[Request] = []
        self.responses: list[FakeResponse] = []
        self.closed = False

    def add(self, *replies: Reply) -> AsyncFakeTransport:
        self._queue.extend(replies)
        return self

    async def send(self, request: Request) -> FakeResponse:
        self.requests.append(request)
        reply: Any = self._queue.popleft() if self._queue else None
        if reply is None and self._handler is not None:
            reply = self._handler(request)
            if inspect.isawaitable(reply):
                reply = await reply
        if reply is None:
            raise APIConnectionError(
                f"AsyncFakeTransport has no reply for {request!r}",
                request_sent=False,
            )
        if isinstance(reply, BaseException):
            raise reply
        self.responses.append(reply)
        return reply  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        self.closed = True

    def __repr__(self) -> str:
        return f"AsyncFakeTransport(requests={len(self.requests)}, queued={len(self._queue)})"
