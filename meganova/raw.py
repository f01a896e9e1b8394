"""Raw replies, openai-style: ``client.with_raw_response.<resource>.<method>(...)``
returns a ``RawResponse`` (status, headers, request id, timing, the body's bytes, and
``parse()`` for what the method returns); ``client.with_streaming_response`` returns a
context manager whose ``StreamingResponse`` (``AsyncStreamingResponse`` on
``AsyncMegaNova``) hands out the body as it arrives (``iter_bytes``, ``iter_lines``,
``iter_text``) before anything is decoded.

A raw call is the plain call, run by the client's driver (``meganova.core.raw_flows``
only keeps what the reply needs): arguments are checked first, errors are typed (a
non-2xx reply raises, after the retries), the deadline bounds every read,
``max_response_bytes`` caps what is read, and hooks, log lines and OpenTelemetry spans
see it. A streaming reply is a stream to them: it ends (``on_stream_end``, then
``on_call_end``) when its block ends, however it ends.
"""

from __future__ import annotations

import codecs
import functools
import json as jsonlib
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Generic,
    Iterator,
    List,
    Optional,
    Tuple,
    TypeVar,
)

from .core.effects import Flow
from .core.errors import InvalidArgumentError
from .core.http import Headers
from .core.limits import BodyLimit, join
from .core.observe import StreamWatch
from .core.raw_flows import Capture, keeping, opening, resuming
from .core.resources._facade import flow_of
from .core.response_info import ResponseInfo, attach_info

if TYPE_CHECKING:
    from .adapters.drivers import AsyncDriver, SyncDriver
    from .core.effects import OpenStream

__all__ = [
    "AsyncStreamingResponse",
    "AsyncStreamingResponseManager",
    "RawResponse",
    "StreamingResponse",
    "StreamingResponseManager",
]

T = TypeVar("T")


def _charset(headers: Headers) -> str:
    content_type = headers.get("content-type", "")
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            value = value.strip('"')
            try:
                codecs.lookup(value)
            except LookupError:
                break
            return str(value)
    return "utf-8"


class _Reply:
    """What both raw kinds tell: the reply's facts (``info``)."""

    _info: ResponseInfo

    @property
    def info(self) -> ResponseInfo:
        """The reply's ``ResponseInfo`` (what ``meganova.response_info`` gives)."""
        return self._info

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self._info.status or 0

    @property
    def status_code(self) -> int:
        """Alias of ``status`` (the OpenAI SDK's name)."""
        return self.status

    @property
    def headers(self) -> Headers:
        """The reply's headers: case-insensitive, credentials shown as ``<redacted>``."""
        return self._info.headers

    @property
    def request_id(self) -> Optional[str]:
        """The server's request id."""
        return self._info.request_id

    @property
    def elapsed(self) -> Optional[float]:
        """Seconds from the call's start to the final attempt's reply headers."""
        return self._info.elapsed

    @property
    def attempts(self) -> int:
        """How many attempts the call took."""
        return self._info.attempts

    @property
    def retries_taken(self) -> int:
        """Attempts beyond the first (the OpenAI SDK's name)."""
        return max(self._info.attempts - 1, 0)


class RawResponse(_Reply, Generic[T]):
    """A whole reply, undecoded: ``content``, ``text``, ``json()``; ``parse()`` is
    what the plain method returns. A streamed call's ``parse()`` is its stream (read
    the bytes of a stream with ``with_streaming_response``)."""

    def __init__(self, parsed: T, info: ResponseInfo, content: Optional[bytes]) -> None:
        self._parsed = parsed
        self._info = info
        self._content = content

    @property
    def content(self) -> bytes:
        """The body's bytes (after decompression).

        Raises:
            InvalidArgumentError: The call was streamed (its body is the stream's).
        """
        if self._content is None:
            raise InvalidArgumentError(
                "a streamed reply's body is read by its stream: use parse(), or "
                "client.with_streaming_response for the bytes",
                argument="stream",
            )
        return self._content

    @property
    def text(self) -> str:
        """The body as text (its ``charset``, else UTF-8; undecodable bytes replaced)."""
        return self.content.decode(_charset(self.headers), "replace")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return jsonlib.loads(self.content)

    def parse(self) -> T:
        """What the method returns without ``with_raw_response`` (decoded already)."""
        return self._parsed

    def __repr__(self) -> str:
        return f"<RawResponse status={self.status} request_id={self.request_id!r}>"


def _raw(result: Any, capture: Capture) -> RawResponse[Any]:
    return RawResponse(result, capture.info(result), capture.body)


class _Text:
    """Body pieces in, text out (the reply's ``charset``, else UTF-8), a character
    split between pieces kept whole."""

    __slots__ = ("decoder",)

    def __init__(self, headers: Headers) -> None:
        self.decoder = codecs.getincrementaldecoder(_charset(headers))("replace")

    def feed(self, piece: bytes) -> List[str]:
        text = self.decoder.decode(piece)
        return [text] if text else []

    def end(self) -> List[str]:
        text = self.decoder.decode(b"", final=True)
        return [text] if text else []


class _Lines:
    """Text pieces in, whole lines out (without their line ends)."""

    __slots__ = ("pending",)

    def __init__(self) -> None:
        self.pending = ""

    def feed(self, piece: str) -> List[str]:
        pending = self.pending + piece
        lines = pending.splitlines(keepends=True)
        pending = ""
        # An unfinished last line waits, as does a last "\r" (maybe half of "\r\n").
        if lines and (not lines[-1].endswith(("\n", "\r")) or lines[-1].endswith("\r")):
            pending = lines.pop()
        self.pending = pending
        return [line.rstrip("\r\n") for line in lines]

    def end(self) -> List[str]:
        pending, self.pending = self.pending, ""
        return [pending.rstrip("\r\n")] if pending else []


class _Streaming(_Reply, Generic[T]):
    """What both streaming kinds share: the unread response, the call behind it (the
    rest of its flow waits in ``capture`` for ``parse``), the body's cap, and the
    stream's end (``watch``: its timing and, when the call is observed, its events,
    which ``emit`` delivers). The subclasses are the I/O shells around it."""

    def __init__(
        self, response: Any, capture: Capture, watch: StreamWatch, emit: Any, info: Any
    ) -> None:
        self._response = response
        self._capture = capture
        self._watch = watch
        self._emit = emit
        self._info = info
        self._driver: Any = None  # set by the manager: ``parse`` resumes the call on it
        self._consumed = False
        self._handed = False  # ``parse`` took the call over: its end is the driver's
        self._chunks = 0
        self._parsed: Any = None
        self._has_parsed = False

    @classmethod
    def _opened(cls, effect: OpenStream, call: Any, watch: Any, emit: Any) -> Any:
        """The reply of a raw ``OpenStream`` (the drivers' ``open_stream``)."""
        info = call.response_info()
        timing = StreamWatch(info, watch, call.started, call)
        reply = cls(effect.response, effect.raw, timing, emit, info)
        attach_info(reply, info)
        return reply

    def _take(self) -> BodyLimit:
        """The body's cap (checked against the headers by ``start``); the body can be
        read once."""
        if self._consumed:
            raise InvalidArgumentError(
                "the body was read already (each reply can be read once)", argument="body"
            )
        self._consumed = True
        capture = self._capture
        call = capture.call
        return BodyLimit(call.limit, method=capture.method, request_id=call.request_id)

    def _piece(self, piece: bytes, limit: BodyLimit) -> Any:
        """A piece of the body arrived: within the cap (else ``ResponseTooLargeError``);
        the first one's event, if any."""
        if not limit.take(piece):
            raise limit.over()
        self._chunks += 1
        if self._chunks == 1:
            now = self._capture.call.engine.clock.monotonic()
            return self._watch.first_chunk(now, self.request_id)
        return None

    def _end(self, error: Optional[BaseException] = None, state: str = "done") -> Tuple[Any, ...]:
        """The stream ended (once, unless ``parse`` took the call over): its events.
        An ``Exception`` failed it; ``KeyboardInterrupt`` or a cancellation closed it."""
        if self._handed:
            return ()
        if error is not None:
            state = "failed" if isinstance(error, Exception) else "closed"
            if state == "closed":
                error = None
        watch = self._watch
        call = self._capture.call
        return watch.finish(
            call.engine.clock.monotonic(), state, self._chunks, error, self.request_id
        )

    def _resuming(self) -> Flow[Any]:
        """The rest of the call, for ``parse``: the body must be unread."""
        if self._consumed or self._capture.flow is None:
            raise InvalidArgumentError(
                "parse() needs the unread body: call it before reading the bytes",
                argument="body",
            )
        self._consumed = self._handed = True
        return resuming(self._capture)

    def _parsed_as(self, result: Any) -> Any:
        self._capture.flow = None
        self._parsed = result
        self._has_parsed = True
        return result


class StreamingResponse(_Streaming[T]):
    """A reply whose body is read as it arrives. Use it in ``with`` (or ``close()``)."""

    def _emitting(self, events: Tuple[Any, ...]) -> None:
        emit = self._emit
        if emit is not None:
            for event in events:
                if event is not None:
                    emit(event)

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (after decompression), within the call's
        ``max_response_bytes`` and deadline."""
        limit = self._take()
        response = self._response
        try:
            limit.start(response.status, response.headers)  # a too large body fails here
            for piece in response.iter_bytes():
                first = self._piece(piece, limit)
                if first is not None:
                    self._emitting((first,))
                yield piece
        except BaseException as exc:
            self._emitting(self._end(exc))
            raise
        else:
            self._emitting(self._end())
        finally:
            response.close()

    def iter_text(self) -> Iterator[str]:
        """The body as text, piece by piece (its ``charset``, else UTF-8)."""
        text = _Text(self.headers)
        for piece in self.iter_bytes():
            yield from text.feed(piece)
        yield from text.end()

    def iter_lines(self) -> Iterator[str]:
        """The body's lines as they arrive, without their line ends."""
        lines = _Lines()
        for piece in self.iter_text():
            yield from lines.feed(piece)
        yield from lines.end()

    def read(self) -> bytes:
        """The whole body (within the call's ``max_response_bytes``)."""
        return join(list(self.iter_bytes()))

    def text(self) -> str:
        """The whole body as text."""
        return self.read().decode(_charset(self.headers), "replace")

    def json(self) -> Any:
        """The whole body parsed as JSON."""
        return jsonlib.loads(self.read())

    def parse(self) -> T:
        """What the method returns without ``with_streaming_response``: the body is
        read (a streamed call's becomes its stream) and the call's flow goes on."""
        if self._has_parsed:
            return self._parsed  # type: ignore[no-any-return]
        flow = self._resuming()
        result = self._driver.resume(flow, self._capture.call, self._watch.watch)
        return self._parsed_as(result)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Release the connection (an unread body's is discarded, never pooled); the
        stream ends here if it had not (a stream ``parse()`` gave is closed too)."""
        stream = self._capture.stream
        if stream is not None:
            stream.close()
        self._response.close()
        flow = self._capture.flow
        if flow is not None and not self._handed:
            self._capture.flow = None
            flow.close()
        self._emitting(self._end(state="closed"))

    def __enter__(self) -> StreamingResponse[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StreamingResponse status={self.status} request_id={self.request_id!r}>"


class AsyncStreamingResponse(_Streaming[T]):
    """``StreamingResponse`` for ``AsyncMegaNova``: ``async for`` over ``iter_bytes()``,
    ``iter_text()``, ``iter_lines()``; ``await`` ``read()``, ``text()``, ``json()``,
    ``parse()``, ``close()``."""

    async def _emitting(self, events: Tuple[Any, ...]) -> None:
        emit = self._emit
        if emit is not None:
            for event in events:
                if event is not None:
                    await emit(event)

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive, within ``max_response_bytes`` and the deadline."""
        limit = self._take()
        response = self._response
        try:
            limit.start(response.status, response.headers)
            async for piece in response.aiter_bytes():
                first = self._piece(piece, limit)
                if first is not None:
                    await self._emitting((first,))
                yield piece
        except BaseException as exc:
            await self._emitting(self._end(exc))
            raise
        else:
            await self._emitting(self._end())
        finally:
            await response.aclose()

    async def iter_text(self) -> AsyncIterator[str]:
        """The body as text, piece by piece (its ``charset``, else UTF-8)."""
        text = _Text(self.headers)
        async for piece in self.iter_bytes():
            for decoded in text.feed(piece):
                yield decoded
        for decoded in text.end():
            yield decoded

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body's lines as they arrive, without their line ends."""
        lines = _Lines()
        async for piece in self.iter_text():
            for line in lines.feed(piece):
                yield line
        for line in lines.end():
            yield line

    async def read(self) -> bytes:
        """The whole body (within the call's ``max_response_bytes``)."""
        return join([piece async for piece in self.iter_bytes()])

    async def text(self) -> str:
        """The whole body as text."""
        return (await self.read()).decode(_charset(self.headers), "replace")

    async def json(self) -> Any:
        """The whole body parsed as JSON."""
        return jsonlib.loads(await self.read())

    async def parse(self) -> T:
        """As ``StreamingResponse.parse``, awaited."""
        if self._has_parsed:
            return self._parsed  # type: ignore[no-any-return]
        flow = self._resuming()
        result = await self._driver.resume(flow, self._capture.call, self._watch.watch)
        return self._parsed_as(result)  # type: ignore[no-any-return]

    async def close(self) -> None:
        """Release the connection (an unread body's is discarded, never pooled); the
        stream ends here if it had not (a stream ``parse()`` gave is closed too)."""
        stream = self._capture.stream
        if stream is not None:
            await stream.aclose()
        await self._response.aclose()
        flow = self._capture.flow
        if flow is not None and not self._handed:
            self._capture.flow = None
            flow.close()
        await self._emitting(self._end(state="closed"))

    async def __aenter__(self) -> AsyncStreamingResponse[T]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncStreamingResponse status={self.status} request_id={self.request_id!r}>"


class _Manager(Generic[T]):
    """The call of a streaming reply, sent when its block starts."""

    def __init__(self, driver: Any, flow: Flow[Any]) -> None:
        self._driver = driver
        self._flow = flow
        self._capture = Capture()

    def _opening(self) -> Flow[Any]:
        return opening(self._flow, self._capture)


class StreamingResponseManager(_Manager[T]):
    """What ``with_streaming_response.<method>(...)`` returns: ``with`` it to send the
    call (retries and all) and get its ``StreamingResponse``, closed at the end."""

    _response: Optional[StreamingResponse[T]] = None

    def __enter__(self) -> StreamingResponse[T]:
        reply: StreamingResponse[T] = self._driver.run(self._opening())
        reply._driver = self._driver
        self._response = reply
        return reply

    def __exit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()
        else:
            self._flow.close()


class AsyncStreamingResponseManager(_Manager[T]):
    """``StreamingResponseManager`` for ``AsyncMegaNova``: ``async with`` it."""

    _response: Optional[AsyncStreamingResponse[T]] = None

    async def __aenter__(self) -> AsyncStreamingResponse[T]:
        reply: AsyncStreamingResponse[T] = await self._driver.run(self._opening())
        reply._driver = self._driver
        self._response = reply
        return reply

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.close()
        else:
            self._flow.close()


# -- running a method's flow for a raw reply ----------------------------------------------


def run_raw(driver: SyncDriver, flow: Flow[Any]) -> RawResponse[Any]:
    """Run ``flow`` on ``driver`` (as the plain method does), keeping the reply's body."""
    capture = Capture()
    return _raw(driver.run(keeping(flow, capture)), capture)


async def arun_raw(driver: AsyncDriver, flow: Flow[Any]) -> RawResponse[Any]:
    """``run_raw`` for ``AsyncMegaNova``."""
    capture = Capture()
    return _raw(await driver.run(keeping(flow, capture)), capture)


class ClientView:
    """A client's ``with_raw_response`` or ``with_streaming_response``: its resources,
    each method handing its flow to ``run`` (the generated classes of
    ``meganova._raw_views`` say which methods there are)."""

    def __init__(self, client: Any, run: Callable[[Flow[Any]], Any]) -> None:
        self._client = client
        self._run = run

    def __repr__(self) -> str:
        kind = "raw" if "Raw" in type(self).__name__ else "streaming"
        return f"<{type(self._client).__name__}.with_{kind}_response>"


class Rerun:
    """Makes a raw view's methods: a resource's bound method whose flow goes to
    ``run`` instead of its resource's driver."""

    __slots__ = ("run",)

    def __init__(self, run: Callable[[Flow[Any]], Any]) -> None:
        self.run = run

    def __call__(self, method: Callable[..., Any]) -> Any:
        run = self.run
        flow = flow_of(method)
        owner = method.__self__  # type: ignore[attr-defined]

        @functools.wraps(method)
        def raw_method(*args: Any, **kwargs: Any) -> Any:
            return run(flow(owner, *args, **kwargs))

        return raw_method
