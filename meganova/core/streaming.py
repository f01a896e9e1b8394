"""Chat streams that never lie.

``ChatCompletionStream`` yields the wire chunks (OpenAI paths); ``ChatStream`` yields
the guideline's ``ChatStreamChunk`` and ends with one ``done=True`` item. Both are
their own iterators (``iter(stream) is stream``: ``next()``, ``islice`` and later
loops continue where the last stopped), context managers and closable.

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
from collections import deque
from operator import attrgetter
from typing import (
    TYPE_CHECKING,
    Any,
    Deque,
    Generator,
    Generic,
    List,
    Optional,
    TypeVar,
)

from .accumulate import ChatAccumulator
from .budget import TimeBudget
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    IncompleteStreamError,
    MeganovaError,
    StreamConnectionError,
    StreamDecodeError,
    StreamError,
    StreamTimeoutError,
    error_from_payload,
)
from .models.chat import ChatCompletionChunk, ChatResponse, ChatStreamChunk
from .ports import Codec, Response, decoder_for
from .redact import Redactor
from .sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder

__all__ = ["RECENT_CHUNKS", "ChatCompletionStream", "ChatStream", "Stream"]

T = TypeVar("T")
S = TypeVar("S", bound="Stream[Any]")

# Named events that carry no chat data (keep-alives some gateways send).
CONTROL_EVENTS = frozenset({"ping", "keepalive", "keep-alive", "heartbeat"})
# After [DONE], the rest of the body is read (so the connection can be reused) only if
# it ends within these bounds; a server that keeps the stream open or keeps pinging
# loses the connection instead of holding the caller.
DRAIN_LIMIT = 64 * 1024
DRAIN_WAIT = 0.25  # seconds: a terminator sent apart may wait 40 ms for an ACK (Nagle)
# Stream errors and ``stream.chunks`` keep this many of the last chunks; everything
# received is in ``partial_text`` / ``partial``, folded in as it arrived.
RECENT_CHUNKS = 64

_OPEN, _DONE, _CLOSED, _FAILED = "open", "done", "closed", "failed"


class _Reading:
    """One stream's reading state, shared by its shells and its reading generator.
    It references neither: the generator and the shells reference it, so no cycle
    keeps a dropped stream (and its socket) alive until a garbage collection."""

    __slots__ = (
        "acc",
        "budget",
        "clock",
        "codec",
        "decoder",
        "failure",
        "read_timeout",
        "recent",
        "redactor",
        "request_id",
        "response",
        "response_closed",
        "state",
    )

    def __init__(
        self,
        response: Response,
        codec: Codec,
        clock: Any,
        read_timeout: Optional[float],
        request_id: Optional[str],
        max_event_size: Optional[int],
        redactor: Redactor,
        budget: Optional[TimeBudget],
    ) -> None:
        self.response = response
        self.codec = codec
        self.clock = clock
        self.read_timeout = read_timeout
        self.request_id = request_id
        self.redactor = redactor
        self.budget = budget  # the call's deadline bounds the whole stream
        self.decoder = SSEDecoder(max_event_size=max_event_size)
        self.acc = ChatAccumulator()
        self.recent: Deque[ChatCompletionChunk] = deque(maxlen=RECENT_CHUNKS)
        self.state = _OPEN
        self.failure: Optional[BaseException] = None
        self.response_closed = False

    # -- the connection -----------------------------------------------------------

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

    # -- errors -------------------------------------------------------------------

    def partial(self) -> dict[str, Any]:
        acc = self.acc
        return {
            "request_id": self.request_id,
            "partial_text": acc.text(),
            "chunks": list(self.recent),
            "partial": acc.response(request_id=self.request_id),
        }

    def with_partial(self, cls: type[StreamError], message: str) -> StreamError:
        return cls(message, **self.partial())

    def decode_error(self, raw: bytes, exc: Exception) -> StreamError:
        raw = self.redactor.bytes(raw)  # before the preview cuts an echoed key in two
        preview = raw[:200].decode("utf-8", "replace")
        return StreamDecodeError(
            f"A stream event is not a valid chat chunk ({exc}): {preview!r}",
            data=raw,
            **self.partial(),
        )

    def api_error(self, raw: bytes) -> APIError:
        error = error_from_payload(
            raw,
            headers=self.response.headers,
            request_id=self.request_id,
            default_message="The server reported an error inside the stream",
        )
        for name, value in self.partial().items():
            if name != "request_id":
                setattr(error, name, value)
        return error


def _read(reading: _Reading, guideline: bool) -> Generator[Any, None, None]:
    """The one reading loop: wire chunks, or (``guideline``) ``ChatStreamChunk`` items
    and the final ``done`` item. A module function over the shared state, not a
    method: a generator holding its stream would make a cycle."""
    if reading.state != _OPEN:
        return  # closed before it was read
    body = iter(reading.response.iter_bytes())
    feed = reading.decoder.feed_data
    decode, decode_errors = decoder_for(reading.codec, ChatCompletionChunk)
    acc = reading.acc
    add = acc.add
    text = acc.plain_text()
    fingerprint = acc.system_fingerprint is not None
    remember = reading.recent.append
    monotonic = reading.clock.monotonic
    limit = reading.read_timeout
    budget = reading.budget
    request_id = reading.request_id
    last = monotonic()
    fast = 0  # plain chunks appended here, not yet in acc.count
    try:
        try:
            for data in body:
                before = acc.count
                for event in feed(data):
                    # Plain message events come as bytes; named ones as events.
                    if isinstance(event, bytes):
                        raw = event
                    else:
                        raw = event.raw
                        if not raw.startswith(b"[DONE]"):
                            kind = event.event
                            if kind == "error":
                                raise reading.api_error(raw)
                            if kind in CONTROL_EVENTS:
                                continue
                    if raw.startswith(b"[DONE]"):
                        acc.count += fast
                        fast = 0
                        reading.state = _DONE
                        reading.finish()  # before the caller sees the last item
                        if guideline:
                            yield ChatStreamChunk("", 0, request_id, True, None)
                        return
                    try:
                        chunk = decode(raw)
                    except decode_errors as exc:
                        raise reading.decode_error(raw, exc) from None
                    if chunk.error:
                        raise reading.api_error(raw)
                    if request_id is not None:
                        chunk.request_id = request_id
                    remember(chunk)
                    choices = chunk.choices
                    if text is not None and len(choices) == 1 and chunk.usage is None:
                        # The plain chunk (ChatAccumulator.add's short way, inlined: one
                        # of these per token, so every attribute read counts).
                        choice = choices[0]
                        delta = choice.delta
                        content = delta.content
                        if (
                            content is not None
                            and choice.index == 0
                            and choice.finish_reason is None
                            and choice.logprobs is None
                            and delta.role is None
                            and delta.tool_calls is None
                            and delta.reasoning_content is None
                            and delta.reasoning is None
                            and (fingerprint or not chunk.system_fingerprint)
                        ):
                            text.append(content)
                            fast += 1
                            if guideline:
                                yield ChatStreamChunk(content, 0, request_id, False, chunk)
                            else:
                                yield chunk
                            continue
                    add(chunk)
                    text = acc.plain_text()
                    fingerprint = acc.system_fingerprint is not None
                    if not guideline:
                        yield chunk
                        continue
                    choices = chunk.choices
                    if not choices:  # a usage-only chunk
                        yield ChatStreamChunk("", 0, request_id, False, chunk)
                        continue
                    for choice in choices:
                        content = choice.delta.content
                        yield ChatStreamChunk(
                            "" if content is None else content,
                            choice.index,
                            request_id,
                            False,
                            chunk,
                        )
                if fast:
                    acc.count += fast
                    fast = 0
                    acc.settle_text()
                if acc.count != before:
                    last = monotonic()
                elif limit is not None and monotonic() - last > limit:
                    raise reading.with_partial(
                        StreamTimeoutError,
                        f"No data event for more than {limit:g}s (read timeout); "
                        "keep-alives do not count",
                    )
                if budget is not None and budget.expired():
                    # Checked between reads too: the transport bounds each wait by
                    # what is left (min(read timeout, time left)), this the total.
                    raise reading.with_partial(
                        StreamTimeoutError, f"The stream did not finish: {budget.message()}"
                    )
        except StreamError:
            raise
        except APIConnectionError as exc:
            if reading.state == _CLOSED:
                return  # close() in another thread cut the read: the loop just ends
            if isinstance(exc, APITimeoutError):
                raise reading.with_partial(
                    StreamTimeoutError, f"The stream stalled: {exc.message}"
                ) from exc
            raise reading.with_partial(
                StreamConnectionError, f"The connection broke mid-stream: {exc.message}"
            ) from exc
        except APIResponseValidationError as exc:  # e.g. a corrupt compressed body
            raise StreamDecodeError(
                f"The stream's body cannot be read: {exc.message}", **reading.partial()
            ) from exc
        if reading.state == _CLOSED:
            return
        reading.decoder.close()
        if acc.finished:
            reading.state = _DONE  # no [DONE], but the server said it had finished
            reading.finish()
            if guideline:
                yield ChatStreamChunk("", 0, request_id, True, None)
            return
        raise reading.with_partial(
            IncompleteStreamError,
            f"The stream ended without [DONE] and without a finish reason after {acc.count} chunks",
        )
    except GeneratorExit:
        # close() (which releases the response itself), or this generator being
        # finalized, possibly by the garbage collector inside a pool operation:
        # nothing here may touch the connection (the response's finalizer shuts it).
        if reading.state == _OPEN:
            reading.state = _CLOSED
        raise
    except BaseException as exc:
        acc.count += fast
        if isinstance(exc, MeganovaError):
            reading.redactor.error(exc)  # a key the server echoed: body, headers, text
        if isinstance(exc, Exception):
            reading.state = _FAILED
            reading.failure = exc
        elif reading.state == _OPEN:
            reading.state = _CLOSED  # KeyboardInterrupt and the like
        reading.close_response()
        raise


class Stream(Generic[T]):
    """What both stream kinds share: each is its own iterator over one reading
    generator, so ``next()``, ``islice`` and several ``for`` loops continue where
    the last stopped; leaving a loop early leaves the rest readable (``close()`` or
    a ``with`` block releases it; a dropped stream shuts its socket at once)."""

    _gen: Optional[Generator[Any, None, None]] = None
    _reading: _Reading

    def _start(self) -> Generator[Any, None, None]:
        raise NotImplementedError

    def _use(self, gen: Generator[Any, None, None]) -> None:
        self._gen = gen
        # Shadows the method below: from now on next() goes straight to the generator.
        self._next = gen.__next__  # type: ignore[method-assign]

    def _next(self) -> Any:
        """The first ``next()``: the generator is chosen only now, so whichever of a
        ``ChatStream`` and the stream under it is read first decides what it yields."""
        self._use(self._start())
        return self._next()

    def __iter__(self: S) -> S:
        return self

    if TYPE_CHECKING:

        def __next__(self) -> T: ...

    else:
        # ``next(stream)`` goes straight into the generator: attrgetter and the
        # generator's __next__ are C, so no Python frame is added per item.
        __next__ = property(attrgetter("_next"))

    def _close_gen(self) -> None:
        gen = self._gen
        if gen is not None:
            with contextlib.suppress(ValueError):  # being iterated right now, elsewhere
                gen.close()

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
        if reading.state == _OPEN:
            reading.state = _CLOSED
        reading.close_response()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- what arrived -------------------------------------------------------------

    @property
    def response(self) -> Response:
        """The underlying HTTP response (for advanced use)."""
        return self._reading.response

    @property
    def request_id(self) -> Optional[str]:
        """The server's request id (quote it when asking for support)."""
        return self._reading.request_id

    @property
    def chunks(self) -> List[ChatCompletionChunk]:
        """The last wire chunks received (at most ``RECENT_CHUNKS``; ``text`` and
        ``get_final_response()`` hold everything)."""
        return list(self._reading.recent)

    @property
    def text(self) -> str:
        """The first choice's text received so far."""
        return self._reading.acc.text()

    def get_final_response(self) -> ChatResponse:
        """Read what is left and return the whole response (text joined, tool-call
        fragments joined, usage kept). Raises the stream's error if it failed."""
        self._drain_items()
        reading = self._reading
        if reading.state == _FAILED and reading.failure is not None:
            raise reading.failure
        if reading.state != _DONE:
            raise reading.with_partial(
                IncompleteStreamError, "The stream was closed before it finished"
            )
        return reading.acc.response(request_id=reading.request_id)


class ChatCompletionStream(Stream[ChatCompletionChunk]):
    """A stream of ``ChatCompletionChunk`` (``chunk.choices[0].delta.content``)."""

    def __init__(
        self,
        response: Response,
        *,
        codec: Codec,
        clock: Any,
        read_timeout: Optional[float],
        request_id: Optional[str] = None,
        max_event_size: Optional[int] = DEFAULT_MAX_EVENT_SIZE,
        redactor: Optional[Redactor] = None,
        budget: Optional[TimeBudget] = None,
    ) -> None:
        self._reading = _Reading(
            response,
            codec,
            clock,
            read_timeout,
            request_id,
            max_event_size,
            redactor or Redactor(),
            budget,
        )

    def _start(self) -> Generator[ChatCompletionChunk, None, None]:
        return _read(self._reading, False)

    def __repr__(self) -> str:
        reading = self._reading
        return (
            f"ChatCompletionStream(state={reading.state}, chunks={reading.acc.count}, "
            f"request_id={reading.request_id!r})"
        )


class ChatStream(Stream[ChatStreamChunk]):
    """The guideline's stream: ``ChatStreamChunk(delta, index, request_id, done)``, one
    per choice per wire chunk (a usage-only chunk gives one item with ``delta=""``),
    then a last item with ``done=True``. ``item.chunk`` is the wire chunk."""

    def __init__(self, inner: ChatCompletionStream) -> None:
        self.completion_stream = inner
        self._reading = inner._reading

    def _start(self) -> Generator[ChatStreamChunk, None, None]:
        inner = self.completion_stream
        if inner._gen is None:
            # One generator reads for both: the inner stream's own methods (text,
            # get_final_response) continue this one, so no event is read twice or lost.
            gen = _read(self._reading, True)
            inner._use(gen)
            return gen
        return _items(inner, self._reading)  # the inner stream was read first

    def __repr__(self) -> str:
        return f"ChatStream({self.completion_stream!r})"

    def close(self) -> None:
        """As ``ChatCompletionStream.close``: also safe from another thread, where the
        iterating loop simply ends."""
        self._close_gen()
        self.completion_stream.close()


def _items(
    inner: ChatCompletionStream, reading: _Reading
) -> Generator[ChatStreamChunk, None, None]:
    """The inner stream was iterated first: continue it, one item per choice."""
    request_id = reading.request_id
    for chunk in inner:
        choices = chunk.choices
        if not choices:
            yield ChatStreamChunk("", 0, request_id, False, chunk)
            continue
        for choice in choices:
            content = choice.delta.content
            yield ChatStreamChunk(
                "" if content is None else content, choice.index, request_id, False, chunk
            )
    if reading.state == _DONE:
        yield ChatStreamChunk("", 0, request_id, True, None)
