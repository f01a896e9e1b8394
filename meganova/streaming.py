"""Chat streams that never lie: the sync shells over ``ChatStreamParser``.

``ChatCompletionStream`` yields the wire chunks (OpenAI paths); ``ChatStream`` yields
the guideline's ``ChatStreamChunk`` and ends with one ``done=True`` item. Both are
their own iterators (``iter(stream) is stream``: ``next()``, ``islice`` and later
loops continue where the last stopped), context managers and closable. They read the
response and feed the parser (``stream_parser``), which decides everything else.

Every way a stream can go wrong ends in a typed error carrying what arrived so far:
no ``[DONE]`` and no finish reason, a corrupt event, an error reported inside the
stream, a dropped connection, and a silence between data events longer than the read
timeout (keep-alive comments do not count as data).

Abandoning a stream is safe: a stream holds no reference cycle, so dropping the last
reference frees it at once, and what then runs (the response's finalizer) only shuts
the socket; it never returns a half-read connection to the pool or takes a lock, even
when the garbage collector runs it in the middle of a pool operation.
"""

from __future__ import annotations

import contextlib
import weakref
from itertools import chain
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Generator,
    Generic,
    Iterator,
    List,
    Optional,
    TypeVar,
)

from .core.budget import TimeBudget
from .core.errors import APIConnectionError, APIResponseValidationError, MeganovaError
from .core.models.chat import (
    ChatCompletionChunk,
    ChatResponse,
    ChatStreamChunk,
    ParsedChatResponse,
)
from .core.observe import StreamWatch
from .core.ports import AsyncResponse, Codec, Response
from .core.redact import Redactor
from .core.response_info import attach_info, info_of
from .core.sse import DEFAULT_MAX_EVENT_SIZE
from .core.stream_parser import DONE, RECENT_CHUNKS, ChatStreamParser, guideline_items
from .core.structured import as_parsed

__all__ = [
    "DRAIN_LIMIT",
    "DRAIN_WAIT",
    "RECENT_CHUNKS",
    "ChatCompletionStream",
    "ChatStream",
    "ParsedChatCompletionStream",
    "Stream",
]

T = TypeVar("T")
S = TypeVar("S", bound="Stream[Any]")
R = TypeVar("R", Response, AsyncResponse)
P = TypeVar("P")
PS = TypeVar("PS", bound="ParsedChatCompletionStream[Any]")

# After [DONE], the rest of the body is read (so the connection can be reused) only if
# it ends within these bounds; a server that keeps the stream open or keeps pinging
# loses the connection instead of holding the caller.
DRAIN_LIMIT = 64 * 1024
DRAIN_WAIT = 0.25  # seconds: a terminator sent apart may wait 40 ms for an ACK (Nagle)
_EXHAUSTED = iter(()).__next__


def with_info(result: T, stream: object) -> T:
    """``result`` (a stream's final response) with the stream's ``ResponseInfo``, so
    ``response_info`` reads the same from both."""
    info = info_of(stream)
    if info is not None:
        attach_info(result, info)
    return result


def final_response(stream: Any) -> ChatResponse:
    """``stream``'s whole response, or the error saying why there is none (closed
    early, failed); either tells the stream's ``ResponseInfo``."""
    parser: ChatStreamParser = stream._reading.parser
    try:
        return with_info(parser.final_response(), stream)
    except MeganovaError as exc:
        with_info(exc, stream)
        raise


class _Reading:
    """One stream's connection, shared by its shells and its reading generator, beside
    the parser. It references neither shell: the generator and the shells reference
    it, so no cycle keeps a dropped stream (and its socket) alive until a collection."""

    __slots__ = ("__weakref__", "clock", "emit", "parser", "response", "response_closed", "watch")

    def __init__(self, response: Response, parser: ChatStreamParser, clock: Any) -> None:
        self.response = response
        self.parser = parser
        self.clock = clock
        self.response_closed = False
        self.watch: Optional[StreamWatch] = None  # timing, and the hooks' stream events
        self.emit: Any = None  # calls the hooks with an event (an observed call only)

    def first_chunk(self, read_at: float) -> None:
        """The first chunk came in the read that returned at ``read_at``."""
        watch = self.watch
        if watch is not None:
            event = watch.first_chunk(read_at, self.parser.request_id)
            if event is not None and self.emit is not None:
                self.emit(event)

    def ended(self) -> None:
        """The stream ended (done, failed or closed): its end time, and its events."""
        watch = self.watch
        if watch is not None and not watch.ended:
            stream_end, call_end = watch.end(self.clock.monotonic(), self.parser)
            emit = self.emit
            if emit is not None:
                if stream_end is not None:
                    emit(stream_end)
                if call_end is not None:
                    emit(call_end)

    def close_response(self) -> None:
        if not self.response_closed:
            self.response_closed = True
            self.response.close()

    def finish(self) -> None:
        """The answer is complete: hand the connection back when the rest of the body
        follows at once, else discard it."""
        if self.response_closed:
            return
        drain = getattr(self.response, "drain", None)
        if drain is not None:
            with contextlib.suppress(Exception):  # the answer is complete either way
                drain(DRAIN_LIMIT, DRAIN_WAIT)
        self.close_response()


def _batches(reading: _Reading, guideline: bool) -> Generator[Iterator[Any], None, None]:
    """The reading loop: the body's pieces into the parser, its chunks (or, with
    ``guideline``, its items and the last ``done`` item) out, one iterator per piece,
    each taken to its end before the loop goes on (``chain.from_iterable``). A module
    function over the shared state, not a method: a generator holding its stream
    would make a cycle."""
    parser = reading.parser
    monotonic = reading.clock.monotonic
    if not parser.begin(monotonic()):
        return  # closed before it was read
    body = iter(reading.response.iter_bytes())
    feed = parser.iter_feed
    after_read = parser.after_read
    try:
        try:
            go = True
            for data in body:
                # Until the first chunk: each read timed, its chunks taken at once, so
                # the first chunk's arrival is known before the caller sees it.
                read_at = monotonic()
                first = list(feed(data, guideline))
                if first:
                    reading.first_chunk(read_at)
                    yield iter(first)
                    go = after_read(monotonic())
                    break
                if not after_read(monotonic()):
                    go = False
                    break
            else:
                parser.end()
                go = False
            if go:
                for data in body:
                    yield feed(data, guideline)
                    if not after_read(monotonic()):
                        break
                else:
                    parser.end()
        except (APIConnectionError, APIResponseValidationError) as exc:
            parser.body_failed(exc)
        if parser.state is DONE:
            reading.finish()  # before the caller sees the last item
            reading.ended()
            if guideline:
                yield iter((parser.done_item(),))
            return
        reading.ended()
        failure = parser.failure
        if failure is not None:
            raise failure
        reading.close_response()  # closed: by close(), or interrupted while parsing
    except GeneratorExit:
        # close() (which releases the response itself), or this generator being
        # finalized, possibly by the garbage collector inside a pool operation:
        # nothing here may touch the connection (the response's finalizer shuts it).
        parser.close()
        raise
    except BaseException as exc:
        parser.fail(exc)
        reading.close_response()
        reading.ended()
        raise


class StreamFacts:
    """What a stream of either flavour tells about what arrived (its ``_reading`` has
    the parser and the response)."""

    _reading: Any

    @property
    def request_id(self) -> Optional[str]:
        """The server's request id (quote it when asking for support)."""
        parser: ChatStreamParser = self._reading.parser
        return parser.request_id

    @property
    def chunks(self) -> List[ChatCompletionChunk]:
        """The last wire chunks received (at most ``RECENT_CHUNKS``; ``text`` and
        ``get_final_response()`` hold everything)."""
        parser: ChatStreamParser = self._reading.parser
        return parser.chunks

    @property
    def text(self) -> str:
        """The first choice's text received so far."""
        parser: ChatStreamParser = self._reading.parser
        return parser.text


class Stream(StreamFacts, Generic[T]):
    """What both stream kinds share: each is its own iterator over one reading
    generator, so ``next()``, ``islice`` and several ``for`` loops continue where
    the last stopped; leaving a loop early leaves the rest readable (``close()`` or
    a ``with`` block releases it; a dropped stream shuts its socket at once)."""

    _gen: Optional[Generator[Any, None, None]] = None
    _reading: _Reading

    @property
    def response(self) -> Response:
        """The underlying HTTP response (for advanced use)."""
        return self._reading.response

    def _start(self) -> Iterator[Any]:
        raise NotImplementedError

    def _use(self, items: Iterator[Any], gen: Generator[Any, None, None]) -> None:
        self._gen = gen
        # Shadows the method below: from now on next() goes straight to the items.
        self._next = items.__next__  # type: ignore[method-assign]

    def _next(self) -> Any:
        """The first ``next()``: the generator is chosen only now, so whichever of a
        ``ChatStream`` and the stream under it is read first decides what it yields."""
        self._start()
        return self._next()

    def __iter__(self: S) -> S:
        return self

    if TYPE_CHECKING:

        def __next__(self) -> T: ...

    else:
        # ``next(stream)`` goes straight into C: attrgetter, and a chain over the
        # reading generator's lists, so no Python frame runs per item (one per read).
        __next__ = property(attrgetter("_next"))

    def _close_gen(self) -> None:
        gen = self._gen
        if gen is not None:
            with contextlib.suppress(ValueError):  # being iterated right now, elsewhere
                gen.close()
        self._next = _EXHAUSTED  # type: ignore[method-assign]  # the rest of a list too

    def _drain_items(self) -> None:
        """Read what is left (for ``get_final_response``)."""
        for _ in self:
            pass

    def close(self) -> None:
        """Stop reading and release the connection (an unfinished one is discarded, never
        pooled). Safe to call twice, and from another thread while one iterates: a read
        blocked there is interrupted at once, and that thread's loop simply ends (no
        error, no more chunks); ``get_final_response()`` then raises
        ``IncompleteStreamError`` (the stream was closed before it finished)."""
        self._close_gen()
        reading = self._reading
        reading.parser.close()
        reading.close_response()
        reading.ended()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_final_response(self) -> ChatResponse:
        """Read what is left and return the whole response (text joined, tool-call
        fragments joined, usage kept). Raises the stream's error if it failed."""
        self._drain_items()
        return final_response(self)


class WireStream(Generic[R]):
    """The constructor and repr the wire streams of both flavours share
    (``ChatCompletionStream``, ``AsyncChatCompletionStream``)."""

    _reading: Any
    _new_reading: ClassVar[Any]  # the flavour's reading: (response, parser, clock)

    def __init__(
        self,
        response: R,
        *,
        codec: Codec,
        clock: Any,
        read_timeout: Optional[float],
        request_id: Optional[str] = None,
        max_event_size: Optional[int] = DEFAULT_MAX_EVENT_SIZE,
        redactor: Optional[Redactor] = None,
        budget: Optional[TimeBudget] = None,
    ) -> None:
        parser = ChatStreamParser(
            codec,
            request_id=request_id,
            headers=response.headers,
            read_timeout=read_timeout,
            budget=budget,  # the call's deadline bounds the whole stream
            max_event_size=max_event_size,
            redactor=redactor,
        )
        self._reading = type(self)._new_reading(response, parser, clock)

    def _observe(self, watch: StreamWatch, emit: Any) -> None:
        """Time the stream with ``watch``; ``emit`` (when set) delivers its events, and
        a stream dropped before its end still ends its call when it is freed."""
        reading = self._reading
        reading.watch = watch
        reading.emit = emit
        if emit is not None:
            # The finalizer holds what it needs, never the reading (or it would not be
            # freed); it runs when the last reference goes (streams hold no cycle).
            dropped = weakref.finalize(
                reading, _dropped, watch, reading.parser, reading.clock, emit
            )
            dropped.atexit = False  # type: ignore[misc]  # not at exit: hooks may be gone

    def __repr__(self) -> str:
        parser: ChatStreamParser = self._reading.parser
        return (
            f"{type(self).__name__}(state={parser.state}, chunks={parser.acc.count}, "
            f"request_id={parser.request_id!r})"
        )


def _dropped(watch: StreamWatch, parser: ChatStreamParser, clock: Any, emit: Any) -> None:
    """A stream was freed unfinished: it ended, closed by the reader. Its events reach
    the hooks now; an async hook that would wait for something is closed instead."""
    if watch.ended:
        return
    parser.close()
    for event in watch.end(clock.monotonic(), parser):
        if event is None:
            continue
        outcome = emit(event)
        if hasattr(outcome, "send"):  # the async client's hooks, run to their first wait
            try:
                outcome.send(None)
            except StopIteration:
                continue
            except Exception:
                continue
            outcome.close()


class ChatCompletionStream(WireStream[Response], Stream[ChatCompletionChunk]):
    """A stream of ``ChatCompletionChunk`` (``chunk.choices[0].delta.content``).

    Args:
        response: The reply whose body is the event stream.
        codec: Decodes each event's data into a chunk.
        clock: Has ``monotonic()``: the read timeout and the deadline are measured on it.
        read_timeout: The longest silence between data events, in seconds (``None``:
            no limit); keep-alives do not count.
        request_id: The server's request id, set on every chunk and error.
        max_event_size: The largest event held, in bytes (``None``: no limit).
        redactor: Scrubs secrets from errors.
        budget: The call's deadline, which bounds the whole stream.
    """

    _reading: _Reading
    _new_reading = _Reading

    def _start(self) -> Iterator[ChatCompletionChunk]:
        gen = _batches(self._reading, False)
        items = chain.from_iterable(gen)
        self._use(items, gen)
        return items


class ParsedChatCompletionStream(ChatCompletionStream, Generic[P]):
    """The stream of ``chat.completions.stream``: ``ChatCompletionChunk`` as a
    ``ChatCompletionStream`` (every guarantee the same), and ``get_final_response()``
    gives a ``ParsedChatResponse`` whose ``message.parsed`` is the type asked for in
    ``response_format`` (``None`` without one). A reply that cannot give it raises
    ``OutputValidationError``, ``RefusalError``, ``LengthFinishReasonError`` or
    ``ContentFilterFinishReasonError`` there. Built with the arguments of
    ``ChatCompletionStream``; ``chat.completions.stream`` sets what parses it.
    """

    # What turns the finished stream's response into the parsed one (set per call).
    _parse: Callable[[ChatResponse], Any] = staticmethod(as_parsed)  # type: ignore[assignment]

    def get_final_response(self) -> ParsedChatResponse[P]:
        """Read what is left and return the whole response, parsed (raises the
        stream's error if it failed, or a structured-output error)."""
        parsed: ParsedChatResponse[P] = self._parse(super().get_final_response())
        return with_info(parsed, self)

    def get_final_completion(self) -> ParsedChatResponse[P]:
        """``get_final_response()`` under openai-python's name."""
        return self.get_final_response()

    def until_done(self: PS) -> PS:
        """Read the stream to its end (``get_final_response()`` then returns at once)."""
        self._drain_items()
        return self


class ChatStream(Stream[ChatStreamChunk]):
    """The guideline's stream: ``ChatStreamChunk(delta, index, request_id, done)``, one
    per choice per wire chunk (a usage-only chunk gives one item with ``delta=""``),
    then a last item with ``done=True``. ``item.chunk`` is the wire chunk."""

    def __init__(self, inner: ChatCompletionStream) -> None:
        self.completion_stream = inner
        self._reading = inner._reading

    def _start(self) -> Iterator[ChatStreamChunk]:
        inner = self.completion_stream
        if inner._gen is not None:  # the inner stream was read first: continue it
            gen: Generator[Any, None, None] = _items(inner, self._reading.parser)
            self._use(gen, gen)
            return gen
        # One generator reads for both: the inner stream's own methods (text,
        # get_final_response) continue this one, so no event is read twice or lost.
        gen = _batches(self._reading, True)
        items = chain.from_iterable(gen)
        inner._use(items, gen)
        self._use(items, gen)
        return items

    def __repr__(self) -> str:
        return f"ChatStream({self.completion_stream!r})"

    def close(self) -> None:
        """As ``ChatCompletionStream.close``: also safe from another thread, where the
        iterating loop simply ends."""
        self._close_gen()
        self.completion_stream.close()


def _items(
    inner: ChatCompletionStream, parser: ChatStreamParser
) -> Generator[ChatStreamChunk, None, None]:
    """The inner stream was iterated first: continue it, one item per choice."""
    request_id = parser.request_id
    for chunk in inner:
        yield from guideline_items(chunk, request_id)
    if parser.state is DONE:
        yield parser.done_item()
