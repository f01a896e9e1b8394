"""The async chat streams: ``AsyncChatCompletionStream`` and ``AsyncChatStream``, the
twins of ``ChatCompletionStream`` and ``ChatStream`` over an ``AsyncResponse``.

Thin shells over the same ``ChatStreamParser``: they await the body's pieces and feed
them; what the bytes mean, when the stream ends and which error it raises are the
parser's, so both flavours behave alike (the same items, errors and partial answers).

No async generator and no asyncio call here: an abandoned stream leaves nothing for
an event loop to finalize (nothing warns at interpreter exit); dropping it drops the
response, whose own finalizer discards the connection. Cancelling the task that
reads (``asyncio.timeout``, ``task.cancel()``) closes the response before the
cancellation goes on.
"""

from __future__ import annotations

import contextlib
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Generic,
    Iterator,
    Optional,
    TypeVar,
)

from .core.errors import APIConnectionError, APIResponseValidationError
from .core.models.chat import (
    ChatCompletionChunk,
    ChatResponse,
    ChatStreamChunk,
    ParsedChatResponse,
)
from .core.observe import StreamWatch
from .core.ports import AsyncResponse
from .core.stream_parser import DONE, ChatStreamParser, guideline_items
from .core.structured import as_parsed
from .streaming import (
    DRAIN_LIMIT,
    DRAIN_WAIT,
    StreamFacts,
    WireStream,
    final_response,
    with_info,
)

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatStream",
    "AsyncParsedChatCompletionStream",
    "AsyncStream",
]

T = TypeVar("T")
S = TypeVar("S", bound="AsyncStream[Any]")
P = TypeVar("P")
APS = TypeVar("APS", bound="AsyncParsedChatCompletionStream[Any]")
_NOTHING: Iterator[Any] = iter(())


async def _exhausted() -> Any:
    raise StopAsyncIteration


class _AsyncReading:
    """One async stream's reading, shared by its two shells: the parser, the response
    and the piece being handed out. It references neither shell (no cycle)."""

    __slots__ = (
        "__weakref__",
        "body",
        "clock",
        "emit",
        "ended",
        "guideline",
        "items",
        "parser",
        "response",
        "response_closed",
        "untimed",
        "watch",
    )

    def __init__(self, response: AsyncResponse, parser: ChatStreamParser, clock: Any) -> None:
        self.response = response
        self.parser = parser
        self.clock = clock
        self.body: Optional[AsyncIterator[bytes]] = None
        self.items = _NOTHING  # what the parser makes of the last piece, taken one by one
        self.guideline: Optional[bool] = None  # what is handed out: chosen at the first read
        self.ended = False
        self.response_closed = False
        self.watch: Optional[StreamWatch] = None  # timing, and the hooks' stream events
        self.emit: Any = None  # awaits the hooks with an event (an observed call only)
        self.untimed = True  # no chunk yet: reads are timed until the first

    async def first_chunk(self, read_at: float) -> None:
        self.untimed = False
        watch = self.watch
        if watch is not None:
            event = watch.first_chunk(read_at, self.parser.request_id)
            if event is not None and self.emit is not None:
                await self.emit(event)

    async def finished(self) -> None:
        """The stream ended (done, failed or closed): its end time, and its events."""
        watch = self.watch
        if watch is not None and not watch.ended:
            stream_end, call_end = watch.end(self.clock.monotonic(), self.parser)
            emit = self.emit
            if emit is not None:
                if stream_end is not None:
                    await emit(stream_end)
                if call_end is not None:
                    await emit(call_end)

    async def next(self) -> Any:
        item = next(self.items, None)
        if item is None:
            item = await self._read()
        return item

    async def _read(self) -> Any:
        """The first item of the next piece that has one; at the end, the last item
        or the failure, once."""
        if self.ended:
            raise StopAsyncIteration
        parser = self.parser
        now = self.clock.monotonic
        try:
            if self.body is None:
                go = parser.begin(now())
                self.body = self.response.aiter_bytes()
            else:
                go = parser.after_read(now())  # the last piece was handed out
            while go:
                try:
                    data = await self.body.__anext__()
                except StopAsyncIteration:
                    parser.end()
                    break
                if self.untimed:
                    read_at = now()
                    items = parser.iter_feed(data, bool(self.guideline))
                    item = next(items, None)
                    if item is not None:
                        await self.first_chunk(read_at)
                else:
                    items = parser.iter_feed(data, bool(self.guideline))
                    item = next(items, None)
                if item is not None:
                    self.items = items
                    return item
                go = parser.after_read(now())
        except (APIConnectionError, APIResponseValidationError) as exc:
            parser.body_failed(exc)
        except BaseException as exc:  # cancelled, or the transport failed its own way
            parser.fail(exc)
            self.ended = True
            await self.close_response()
            if self.watch is not None:
                with contextlib.suppress(BaseException):  # the first error goes on
                    await self.finished()
            raise
        return await self._end()

    async def _end(self) -> Any:
        self.ended = True
        parser = self.parser
        if parser.state is DONE:
            await self.finish()  # before the caller sees the last item
            await self.finished()
            if self.guideline:
                return parser.done_item()
            raise StopAsyncIteration
        await self.close_response()
        await self.finished()
        failure = parser.failure
        if failure is not None:
            raise failure
        raise StopAsyncIteration  # closed

    def stop(self) -> None:
        self.parser.close()
        self.ended = True
        self.items = _NOTHING

    async def close_response(self) -> None:
        if not self.response_closed:
            self.response_closed = True
            await self.response.aclose()

    async def finish(self) -> None:
        """The answer is complete: hand the connection back when the rest of the body
        follows at once (a response with ``adrain``), else discard it."""
        if self.response_closed:
            return
        drain = getattr(self.response, "adrain", None)
        if drain is not None:
            with contextlib.suppress(Exception):  # the answer is complete either way
                await drain(DRAIN_LIMIT, DRAIN_WAIT)
        await self.close_response()


class AsyncStream(StreamFacts, Generic[T]):
    """What both async stream kinds share: each is its own async iterator, so
    several ``async for`` loops continue where the last stopped; ``aclose()`` or an
    ``async with`` block releases the connection."""

    _reading: _AsyncReading

    @property
    def response(self) -> AsyncResponse:
        """The underlying HTTP response (for advanced use)."""
        return self._reading.response

    def _start(self) -> None:
        raise NotImplementedError

    def _anext(self) -> Awaitable[Any]:
        """The first ``__anext__``: what is handed out is chosen only now, so whichever
        of an ``AsyncChatStream`` and the stream under it is read first decides."""
        self._start()
        return self._anext()

    def __aiter__(self: S) -> S:
        return self

    if TYPE_CHECKING:

        async def __anext__(self) -> T: ...

    else:
        # Straight to the reading's coroutine: no extra Python frame per item.
        __anext__ = property(attrgetter("_anext"))

    async def aclose(self) -> None:
        """Stop reading and release the connection (an unfinished one is discarded,
        never pooled). Safe to await twice, and while another task reads: that task's
        loop simply ends; ``get_final_response()`` then raises
        ``IncompleteStreamError`` (the stream was closed before it finished)."""
        self._anext = _exhausted  # type: ignore[method-assign]
        reading = self._reading
        reading.stop()
        await reading.close_response()
        await reading.finished()

    async def __aenter__(self: S) -> S:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def get_final_response(self) -> ChatResponse:
        """Read what is left and return the whole response (text joined, tool-call
        fragments joined, usage kept). Raises the stream's error if it failed."""
        async for _ in self:
            pass
        return final_response(self)


class AsyncChatCompletionStream(WireStream[AsyncResponse], AsyncStream[ChatCompletionChunk]):
    """An async stream of ``ChatCompletionChunk`` (``chunk.choices[0].delta.content``);
    built with the arguments of ``ChatCompletionStream``, over an ``AsyncResponse``."""

    _reading: _AsyncReading
    _new_reading = _AsyncReading

    def _start(self) -> None:
        reading = self._reading
        if reading.guideline is None:
            reading.guideline = False
        self._anext = reading.next  # type: ignore[method-assign]


class AsyncParsedChatCompletionStream(AsyncChatCompletionStream, Generic[P]):
    """The async stream of ``chat.completions.stream``: as ``ParsedChatCompletionStream``,
    with ``async for``, ``async with`` and an awaited ``get_final_response()``.

    Built with the arguments of ``AsyncChatCompletionStream``.
    """

    _parse: Callable[[ChatResponse], Any] = staticmethod(as_parsed)  # type: ignore[assignment]

    async def get_final_response(self) -> ParsedChatResponse[P]:
        """Read what is left and return the whole response, parsed (raises the
        stream's error if it failed, or a structured-output error)."""
        parsed: ParsedChatResponse[P] = self._parse(await super().get_final_response())
        return with_info(parsed, self)

    async def get_final_completion(self) -> ParsedChatResponse[P]:
        """``get_final_response()`` under openai-python's name."""
        return await self.get_final_response()

    async def until_done(self: APS) -> APS:
        """Read the stream to its end (``get_final_response()`` then returns at once)."""
        async for _ in self:
            pass
        return self


class AsyncChatStream(AsyncStream[ChatStreamChunk]):
    """The guideline's async stream: ``ChatStreamChunk(delta, index, request_id,
    done)``, one per choice per wire chunk, then a last item with ``done=True``."""

    def __init__(self, inner: AsyncChatCompletionStream) -> None:
        self.completion_stream = inner
        self._reading = inner._reading

    def _start(self) -> None:
        reading = self._reading
        if reading.guideline is False:  # the inner stream was read first: continue it
            self._anext = _FanOut(self.completion_stream).next  # type: ignore[method-assign]
            return
        # One reading for both: the inner stream's own methods continue this one.
        reading.guideline = True
        self._anext = reading.next  # type: ignore[method-assign]

    def __repr__(self) -> str:
        return f"AsyncChatStream({self.completion_stream!r})"

    async def aclose(self) -> None:
        """As ``AsyncChatCompletionStream.aclose``."""
        self._anext = _exhausted  # type: ignore[method-assign]
        await self.completion_stream.aclose()


class _FanOut:
    """An ``AsyncChatStream`` whose inner stream was read first: the inner stream's
    chunks, one item per choice, then the ``done`` item. Holds the inner stream, not
    the outer one (no cycle)."""

    __slots__ = ("done", "inner", "items")

    def __init__(self, inner: AsyncChatCompletionStream) -> None:
        self.inner = inner
        self.items = _NOTHING
        self.done = False

    async def next(self) -> ChatStreamChunk:
        item: Optional[ChatStreamChunk] = next(self.items, None)
        while item is None:
            try:
                chunk = await self.inner.__anext__()
            except StopAsyncIteration:
                parser = self.inner._reading.parser
                if parser.state is DONE and not self.done:
                    self.done = True
                    return parser.done_item()
                raise
            self.items = iter(guideline_items(chunk, self.inner.request_id))
            item = next(self.items, None)
        return item
