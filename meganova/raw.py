"""Raw replies, openai-style: ``client.with_raw_response.<resource>.<method>(...)``
returns a ``RawResponse`` (status, headers, request id, timing, the body's bytes, and
``parse()`` for what the method returns); ``client.with_streaming_response`` returns a
context manager whose ``StreamingResponse`` (``AsyncStreamingResponse`` on
``AsyncMegaNova``) hands out the body as it arrives (``iter_bytes``, ``iter_lines``,
``iter_text``) before anything is decoded.

Both keep every guarantee of the plain method: arguments are checked first, errors are
typed (a non-2xx reply raises, after the retries), the deadline bounds every read and
``max_response_bytes`` caps what is read.
"""

from __future__ import annotations

import codecs
import json as jsonlib
from functools import partial
from typing import TYPE_CHECKING, Any, AsyncIterator, Generic, Iterator, Optional, TypeVar

from .core.effects import Attempts, Flow, OpenStream
from .core.errors import InvalidArgumentError, MeganovaError
from .core.http import Headers
from .core.limits import BodyLimit, join
from .core.response_info import ATTRIBUTE, ResponseInfo, attach_info

if TYPE_CHECKING:
    from .adapters.drivers import AsyncDriver, SyncDriver

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
    _headers: Headers

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


def _lines(pieces: Iterator[str]) -> Iterator[str]:
    pending = ""
    for piece in pieces:
        pending += piece
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        if pending.endswith("\r"):  # maybe the first half of "\r\n"
            pending = lines.pop() if lines else pending
        for line in lines:
            yield line.rstrip("\r\n")
    if pending:
        yield pending.rstrip("\r\n")


class _Streaming(_Reply):
    """The state both streaming kinds share: the unread response, its call's flow
    (resumed by ``parse``), the body's cap."""

    def __init__(
        self, response: Any, call: Any, flow: Flow[Any], driver: Any, wants_body: bool
    ) -> None:
        self._response = response
        self._call = call
        self._wants_body = wants_body  # the plain method reads the body (not a stream)
        self._method = "GET"
        self._flow: Optional[Flow[Any]] = flow
        self._driver = driver
        self._info = call.response_info()
        self._headers = self._info.headers
        self._consumed = False
        self._parsed: Any = None
        self._has_parsed = False

    def _limit(self) -> BodyLimit:
        call = self._call
        return BodyLimit(call.limit, method=self._method, request_id=call.request_id)

    def _take(self) -> None:
        if self._consumed:
            raise InvalidArgumentError(
                "the body was read already (each reply can be read once)", argument="body"
            )
        self._consumed = True


class StreamingResponse(_Streaming):
    """A reply whose body is read as it arrives. Use it in ``with`` (or ``close()``)."""

    def iter_bytes(self) -> Iterator[bytes]:
        """The body's bytes as they arrive (after decompression), within the call's
        ``max_response_bytes`` and deadline."""
        self._take()
        limit = self._limit()
        response = self._response
        try:
            limit.start(response.status, response.headers)
            for piece in response.iter_bytes():
                if not limit.take(piece):
                    raise limit.over()
                yield piece
        finally:
            response.close()

    def iter_text(self) -> Iterator[str]:
        """The body as text, piece by piece (its ``charset``, else UTF-8)."""
        decoder = codecs.getincrementaldecoder(_charset(self.headers))("replace")
        for piece in self.iter_bytes():
            text = decoder.decode(piece)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def iter_lines(self) -> Iterator[str]:
        """The body's lines as they arrive, without their line ends."""
        return _lines(self.iter_text())

    def read(self) -> bytes:
        """The whole body (within the call's ``max_response_bytes``)."""
        return join(list(self.iter_bytes()))

    def text(self) -> str:
        """The whole body as text."""
        return self.read().decode(_charset(self.headers), "replace")

    def json(self) -> Any:
        """The whole body parsed as JSON."""
        return jsonlib.loads(self.read())

    def parse(self) -> Any:
        """What the method returns without ``with_streaming_response``: the body is
        read (a streamed call's becomes its stream) and the call's flow goes on."""
        if self._has_parsed:
            return self._parsed
        flow = self._flow
        if flow is None or self._consumed:
            raise InvalidArgumentError(
                "parse() needs the unread body: call it before reading the bytes",
                argument="body",
            )
        self._consumed = True
        body = b""
        if self._wants_body:
            from .adapters.drivers import read_body

            body = read_body(self._response, self._limit())
        self._flow = None
        self._parsed = _finish(self._driver, flow, (self._response, body), self._call)
        self._has_parsed = True
        return self._parsed

    def close(self) -> None:
        """Release the connection (an unread body's is discarded, never pooled)."""
        self._response.close()
        if self._flow is not None:
            self._flow.close()
            self._flow = None

    def __enter__(self) -> StreamingResponse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<StreamingResponse status={self.status} request_id={self.request_id!r}>"


class AsyncStreamingResponse(_Streaming):
    """``StreamingResponse`` for ``AsyncMegaNova``: ``async for`` over ``iter_bytes()``,
    ``iter_text()``, ``iter_lines()``; ``await`` ``read()``, ``text()``, ``json()``,
    ``parse()``, ``close()``."""

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive, within ``max_response_bytes`` and the deadline."""
        self._take()
        limit = self._limit()
        response = self._response
        try:
            limit.start(response.status, response.headers)
            async for piece in response.aiter_bytes():
                if not limit.take(piece):
                    raise limit.over()
                yield piece
        finally:
            await response.aclose()

    async def iter_text(self) -> AsyncIterator[str]:
        """The body as text, piece by piece (its ``charset``, else UTF-8)."""
        decoder = codecs.getincrementaldecoder(_charset(self.headers))("replace")
        async for piece in self.iter_bytes():
            text = decoder.decode(piece)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body's lines as they arrive, without their line ends."""
        pending = ""
        async for piece in self.iter_text():
            pending += piece
            lines = pending.splitlines(keepends=True)
            pending = ""
            if (lines and not lines[-1].endswith(("\n", "\r"))) or (
                lines and lines[-1].endswith("\r")
            ):
                pending = lines.pop()
            for line in lines:
                yield line.rstrip("\r\n")
        if pending:
            yield pending.rstrip("\r\n")

    async def read(self) -> bytes:
        """The whole body (within the call's ``max_response_bytes``)."""
        return join([piece async for piece in self.iter_bytes()])

    async def text(self) -> str:
        """The whole body as text."""
        return (await self.read()).decode(_charset(self.headers), "replace")

    async def json(self) -> Any:
        """The whole body parsed as JSON."""
        return jsonlib.loads(await self.read())

    async def parse(self) -> Any:
        """As ``StreamingResponse.parse``, awaited."""
        if self._has_parsed:
            return self._parsed
        flow = self._flow
        if flow is None or self._consumed:
            raise InvalidArgumentError(
                "parse() needs the unread body: call it before reading the bytes",
                argument="body",
            )
        self._consumed = True
        body = b""
        if self._wants_body:
            from .adapters.drivers import aread_body

            body = await aread_body(self._response, self._limit())
        self._flow = None
        self._parsed = await _afinish(self._driver, flow, (self._response, body), self._call)
        self._has_parsed = True
        return self._parsed

    async def close(self) -> None:
        """Release the connection (an unread body's is discarded, never pooled)."""
        await self._response.aclose()
        if self._flow is not None:
            self._flow.close()
            self._flow = None

    async def __aenter__(self) -> AsyncStreamingResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncStreamingResponse status={self.status} request_id={self.request_id!r}>"


class StreamingResponseManager:
    """What ``with_streaming_response.<method>(...)`` returns: ``with`` it to send the
    call (retries and all) and get its ``StreamingResponse``, closed at the end."""

    def __init__(self, driver: SyncDriver, flow: Flow[Any]) -> None:
        self._driver = driver
        self._flow = flow
        self._response: Optional[StreamingResponse] = None

    def __enter__(self) -> StreamingResponse:
        self._response = _open(self._driver, self._flow)
        return self._response

    def __exit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()
        else:
            self._flow.close()


class AsyncStreamingResponseManager:
    """``StreamingResponseManager`` for ``AsyncMegaNova``: ``async with`` it."""

    def __init__(self, driver: AsyncDriver, flow: Flow[Any]) -> None:
        self._driver = driver
        self._flow = flow
        self._response: Optional[AsyncStreamingResponse] = None

    async def __aenter__(self) -> AsyncStreamingResponse:
        self._response = await _aopen(self._driver, self._flow)
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            await self._response.close()
        else:
            self._flow.close()


# -- running a flow for a raw reply ------------------------------------------------------


def run_raw(driver: SyncDriver, flow: Flow[Any]) -> RawResponse[Any]:
    """Run ``flow`` as ``driver.run`` does, keeping the last reply's body."""
    from .adapters.drivers import open_stream

    value: Any = None
    error: Optional[BaseException] = None
    last: Any = None
    body: Optional[bytes] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            return _raw(stop.value, last, body)
        except MeganovaError as exc:
            _keep(exc, last)
            raise
        error = value = None
        try:
            if isinstance(effect, Attempts):
                last = _next_call(effect.call, last)
                value = driver.retry_policy.run(partial(driver._attempt, last), last.decide)
                body = value[1] if last.read_body else None
            elif isinstance(effect, OpenStream):
                value = open_stream(effect, last)
            else:
                value = driver._perform(effect)
        except BaseException as exc:
            error = exc


async def arun_raw(driver: AsyncDriver, flow: Flow[Any]) -> RawResponse[Any]:
    """``run_raw`` for ``AsyncMegaNova``."""
    from .adapters.drivers import aopen_stream

    value: Any = None
    error: Optional[BaseException] = None
    last: Any = None
    body: Optional[bytes] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            return _raw(stop.value, last, body)
        except MeganovaError as exc:
            _keep(exc, last)
            raise
        error = value = None
        try:
            if isinstance(effect, Attempts):
                last = _next_call(effect.call, last)
                value = await driver.retry_policy.arun(partial(driver._attempt, last), last.decide)
                body = value[1] if last.read_body else None
            elif isinstance(effect, OpenStream):
                value = aopen_stream(effect, last)
            else:
                value = await driver._perform(effect)
        except BaseException as exc:
            error = exc


def _next_call(call: Any, last: Any) -> Any:
    if last is not None:
        call.started = last.started  # elapsed counts from the call's start
    return call


def _keep(exc: MeganovaError, last: Any) -> None:
    if last is not None and last.attempts and ATTRIBUTE not in exc.__dict__:
        attach_info(exc, last.response_info())


def _raw(result: Any, last: Any, body: Optional[bytes]) -> RawResponse[Any]:
    if last is None or not last.attempts:
        raise InvalidArgumentError(  # pragma: no cover - every resource method sends
            "this method sends no request: there is no raw reply", argument="method"
        )
    info = last.response_info()
    attach_info(result, info)
    return RawResponse(result, info, body)


def _open(driver: SyncDriver, flow: Flow[Any]) -> StreamingResponse:
    """Run ``flow`` until its first request's reply arrives, its body unread."""
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration:  # pragma: no cover - every resource method sends
            raise InvalidArgumentError(
                "this method sends no request: there is no reply to stream", argument="method"
            ) from None
        error = value = None
        if isinstance(effect, Attempts):
            call = effect.call
            wants_body, call.read_body = call.read_body, False  # the caller reads it
            method = call.request.method
            response, _ = driver.retry_policy.run(partial(driver._attempt, call), call.decide)
            opened = StreamingResponse(response, call, flow, driver, wants_body)
            opened._method = method
            return opened
        try:
            value = driver._perform(effect)
        except BaseException as exc:
            error = exc


async def _aopen(driver: AsyncDriver, flow: Flow[Any]) -> AsyncStreamingResponse:
    value: Any = None
    error: Optional[BaseException] = None
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration:  # pragma: no cover - every resource method sends
            raise InvalidArgumentError(
                "this method sends no request: there is no reply to stream", argument="method"
            ) from None
        error = value = None
        if isinstance(effect, Attempts):
            call = effect.call
            wants_body, call.read_body = call.read_body, False
            method = call.request.method
            response, _ = await driver.retry_policy.arun(
                partial(driver._attempt, call), call.decide
            )
            opened = AsyncStreamingResponse(response, call, flow, driver, wants_body)
            opened._method = method
            return opened
        try:
            value = await driver._perform(effect)
        except BaseException as exc:
            error = exc


def _finish(driver: SyncDriver, flow: Flow[Any], value: Any, call: Any) -> Any:
    """The rest of ``flow``, from its first request's outcome ``value``."""
    from .adapters.drivers import open_stream

    error: Optional[BaseException] = None
    last = call
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            attach_info(stop.value, last.response_info())
            return stop.value
        error = value = None
        try:
            if isinstance(effect, Attempts):
                last = _next_call(effect.call, last)
                value = driver.retry_policy.run(partial(driver._attempt, last), last.decide)
            elif isinstance(effect, OpenStream):
                value = open_stream(effect, last)
            else:
                value = driver._perform(effect)
        except BaseException as exc:
            error = exc


async def _afinish(driver: AsyncDriver, flow: Flow[Any], value: Any, call: Any) -> Any:
    from .adapters.drivers import aopen_stream

    error: Optional[BaseException] = None
    last = call
    while True:
        try:
            effect = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            attach_info(stop.value, last.response_info())
            return stop.value
        error = value = None
        try:
            if isinstance(effect, Attempts):
                last = _next_call(effect.call, last)
                value = await driver.retry_policy.arun(partial(driver._attempt, last), last.decide)
            elif isinstance(effect, OpenStream):
                value = aopen_stream(effect, last)
            else:
                value = await driver._perform(effect)
        except BaseException as exc:
            error = exc
