"""Chat streams that never lie.

``ChatCompletionStream`` yields the wire chunks (OpenAI paths); ``ChatStream`` yields
the guideline's ``ChatStreamChunk`` and ends with one ``done=True`` item. Both are
iterable, context managers and closable; leaving a ``for`` loop early closes them.

Every way a stream can go wrong ends in a typed error carrying what arrived so far:
no ``[DONE]`` and no finish reason, a corrupt event, an error reported inside the
stream, a dropped connection, and a silence between data events longer than the read
timeout (keep-alive comments do not count as data).
"""

from __future__ import annotations

import contextlib
from typing import (
    Any,
    Generator,
    Generic,
    Iterator,
    List,
    Optional,
    TypeVar,
    cast,
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

__all__ = ["ChatCompletionStream", "ChatStream", "Stream"]

T = TypeVar("T")
S = TypeVar("S", bound="Stream[Any]")

# Named events that carry no chat data (keep-alives some gateways send).
CONTROL_EVENTS = frozenset({"ping", "keepalive", "keep-alive", "heartbeat"})
# After [DONE], read at most this much more to hand the connection back to the pool.
DRAIN_LIMIT = 1024 * 1024

_OPEN, _DONE, _CLOSED, _FAILED = "open", "done", "closed", "failed"


class Stream(Generic[T]):
    """Iteration shared by both stream kinds: one underlying generator, so ``next()``
    and several ``for`` loops continue where the last stopped; a ``for`` loop left
    early (``break``, exception) closes the stream and releases its connection."""

    _gen: Optional[Generator[T, None, None]] = None

    def _run(self) -> Generator[T, None, None]:
        raise NotImplementedError

    def _close_gen(self) -> None:
        gen = self._gen
        if gen is not None:
            with contextlib.suppress(ValueError):  # being iterated right now, elsewhere
                gen.close()

    def _iterator(self) -> Generator[T, None, None]:
        gen = self._gen
        if gen is None:
            gen = self._gen = self._run()
        return gen

    def __iter__(self) -> Iterator[T]:
        # ``yield from`` closes the shared generator when this loop is abandoned.
        yield from self._iterator()

    def __next__(self) -> T:
        return next(self._iterator())

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


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
        self.response = response
        self._redactor = redactor or Redactor()
        self.request_id = request_id
        # The payloads handed out, as bytes: keeping thousands of decoded objects alive
        # would double the cost of decoding; the slow paths decode these again.
        self._payloads: List[bytes] = []
        self._codec = codec
        self._clock = clock
        self._read_timeout = read_timeout
        self._budget = budget  # the call's deadline bounds the whole stream
        self._decoder = SSEDecoder(max_event_size=max_event_size)
        self._acc = ChatAccumulator()
        self._state = _OPEN
        self._failure: Optional[BaseException] = None
        self._response_closed = False

    def __repr__(self) -> str:
        return (
            f"ChatCompletionStream(state={self._state}, chunks={len(self._payloads)}, "
            f"request_id={self.request_id!r})"
        )

    # -- reading ------------------------------------------------------------------

    def _run(self) -> Generator[ChatCompletionChunk, None, None]:
        return self._read(guideline=False)

    def _read(self, *, guideline: bool) -> Generator[Any, None, None]:
        """The one reading loop. ``guideline``: yield ``ChatStreamChunk`` items (and the
        final ``done`` item) here rather than through a second generator per chunk."""
        if self._state != _OPEN:
            return  # closed before it was read
        body = iter(self.response.iter_bytes())
        feed = self._decoder.feed_data
        # bound once, not per chunk
        decode, decode_errors = decoder_for(self._codec, ChatCompletionChunk)
        payloads = self._payloads
        append = payloads.append
        monotonic = self._clock.monotonic
        limit = self._read_timeout
        budget = self._budget
        request_id = self.request_id
        last = monotonic()
        try:
            try:
                for data in body:
                    events = feed(data)
                    before = len(payloads)
                    for event in events:
                        # Plain message events come as bytes; named ones as events.
                        raw = event if isinstance(event, bytes) else event.raw
                        if raw.startswith(b"[DONE]"):
                            self._state = _DONE
                            if guideline:
                                yield from self._done_item(body)
                            return
                        if not isinstance(event, bytes):
                            kind = event.event
                            if kind == "error":
                                raise self._api_error(raw)
                            if kind in CONTROL_EVENTS:
                                continue
                        try:
                            chunk = decode(raw)
                        except decode_errors as exc:
                            raise self._decode_error(raw, exc) from None
                        if chunk.error:
                            raise self._api_error(raw)
                        if request_id is not None:
                            chunk.request_id = request_id
                        append(raw)
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
                    if len(payloads) != before:
                        last = monotonic()
                    elif limit is not None and monotonic() - last > limit:
                        raise self._with_partial(
                            StreamTimeoutError,
                            f"No data event for more than {limit:g}s (read timeout); "
                            "keep-alives do not count",
                        )
                    if budget is not None and budget.expired():
                        # Checked between reads too: the transport bounds each wait by
                        # what is left (min(read timeout, time left)), this the total.
                        raise self._with_partial(
                            StreamTimeoutError, f"The stream did not finish: {budget.message()}"
                        )
            except StreamError:
                raise
            except APIConnectionError as exc:
                if self._state == _CLOSED:
                    return  # close() in another thread cut the read: the loop just ends
                if isinstance(exc, APITimeoutError):
                    raise self._with_partial(
                        StreamTimeoutError, f"The stream stalled: {exc.message}"
                    ) from exc
                raise self._with_partial(
                    StreamConnectionError, f"The connection broke mid-stream: {exc.message}"
                ) from exc
            except APIResponseValidationError as exc:  # e.g. a corrupt compressed body
                raise StreamDecodeError(
                    f"The stream's body cannot be read: {exc.message}", **self._partial()
                ) from exc
            if self._state == _CLOSED:
                return
            self._decoder.close()
            if self._accumulated().finished:
                self._state = _DONE  # no [DONE], but the server said it had finished
                if guideline:
                    yield from self._done_item(body)
                return
            raise self._with_partial(
                IncompleteStreamError,
                "The stream ended without [DONE] and without a finish reason "
                f"after {len(payloads)} chunks",
            )
        except BaseException as exc:
            if isinstance(exc, MeganovaError):
                self._redactor.error(exc)  # a key the server echoed: body, headers, text
            if isinstance(exc, Exception):
                self._state = _FAILED
                self._failure = exc
            elif self._state == _OPEN:
                self._state = _CLOSED  # GeneratorExit: the caller left early
            raise
        finally:
            if self._state == _DONE:
                self._drain(body)
            self._close_response()

    def _done_item(self, body: Iterator[bytes]) -> Iterator[ChatStreamChunk]:
        # The connection goes back to the pool before the caller sees the last item.
        self._drain(body)
        self._close_response()
        yield ChatStreamChunk("", 0, self.request_id, True, None)

    def _drain(self, body: Iterator[bytes]) -> None:
        # Reading the body to its end is what lets the transport reuse the connection.
        left = DRAIN_LIMIT
        try:
            for data in body:
                left -= len(data)
                if left < 0:
                    break
        except Exception:  # the answer is complete; a failing tail changes nothing
            pass

    def _close_response(self) -> None:
        if not self._response_closed:
            self._response_closed = True
            self.response.close()

    # -- errors -------------------------------------------------------------------

    def _decoded(self, raw: bytes) -> ChatCompletionChunk:
        chunk = self._codec.decode(raw, ChatCompletionChunk)  # it decoded once already
        chunk.request_id = self.request_id
        return chunk

    def _accumulated(self) -> ChatAccumulator:
        acc = self._acc
        payloads = self._payloads
        for index in range(acc.count, len(payloads)):
            acc.add(self._decoded(payloads[index]))
        return acc

    @property
    def chunks(self) -> List[ChatCompletionChunk]:
        """The chunks handed out so far (decoded again on each call)."""
        return [self._decoded(raw) for raw in self._payloads]

    def _partial(self) -> dict[str, Any]:
        acc = self._accumulated()
        return {
            "request_id": self.request_id,
            "partial_text": acc.text(),
            "chunks": self.chunks,
            "partial": acc.response(request_id=self.request_id),
        }

    def _with_partial(self, cls: type[StreamError], message: str) -> StreamError:
        return cls(message, **self._partial())

    def _decode_error(self, raw: bytes, exc: Exception) -> StreamError:
        raw = self._redactor.bytes(raw)  # before the preview cuts an echoed key in two
        preview = raw[:200].decode("utf-8", "replace")
        error = StreamDecodeError(
            f"A stream event is not a valid chat chunk ({exc}): {preview!r}",
            data=raw,
            **self._partial(),
        )
        return error

    def _api_error(self, raw: bytes) -> APIError:
        error = error_from_payload(
            raw,
            headers=self.response.headers,
            request_id=self.request_id,
            default_message="The server reported an error inside the stream",
        )
        for name, value in self._partial().items():
            if name != "request_id":
                setattr(error, name, value)
        return error

    # -- public -------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The first choice's text received so far."""
        return self._accumulated().text()

    def get_final_response(self) -> ChatResponse:
        """Read what is left and return the whole response (text joined, tool-call
        fragments joined, usage kept). Raises the stream's error if it failed."""
        for _ in self._iterator():
            pass
        if self._state == _FAILED and self._failure is not None:
            raise self._failure
        if self._state != _DONE:
            raise self._with_partial(
                IncompleteStreamError, "The stream was closed before it finished"
            )
        return self._accumulated().response(request_id=self.request_id)

    def close(self) -> None:
        """Stop reading and release the connection (an unfinished one is discarded, never
        pooled). Safe to call twice, and from another thread while one iterates: a read
        blocked there is interrupted at once, and that thread's loop simply ends (no
        error, no more chunks); ``get_final_response()`` then raises
        ``IncompleteStreamError`` (the stream was closed before it finished)."""
        self._close_gen()
        if self._state == _OPEN:
            self._state = _CLOSED
        self._close_response()


class ChatStream(Stream[ChatStreamChunk]):
    """The guideline's stream: ``ChatStreamChunk(delta, index, request_id, done)``, one
    per choice per wire chunk (a usage-only chunk gives one item with ``delta=""``),
    then a last item with ``done=True``. ``item.chunk`` is the wire chunk."""

    def __init__(self, inner: ChatCompletionStream) -> None:
        self.completion_stream = inner

    def __repr__(self) -> str:
        return f"ChatStream({self.completion_stream!r})"

    def _run(self) -> Generator[ChatStreamChunk, None, None]:
        inner = self.completion_stream
        if inner._gen is None:
            # One generator reads for both: the inner stream's own methods (text,
            # get_final_response) continue this one, so no event is read twice or lost.
            gen: Generator[ChatStreamChunk, None, None] = inner._read(guideline=True)
            inner._gen = cast(Generator[ChatCompletionChunk, None, None], gen)
            return gen
        return self._wrap(inner)

    def _wrap(self, inner: ChatCompletionStream) -> Generator[ChatStreamChunk, None, None]:
        """The inner stream was iterated first: continue it, one item per choice."""
        request_id = inner.request_id
        try:
            for chunk in inner._iterator():
                choices = chunk.choices
                if not choices:
                    yield ChatStreamChunk("", 0, request_id, False, chunk)
                    continue
                for choice in choices:
                    content = choice.delta.content
                    yield ChatStreamChunk(
                        "" if content is None else content, choice.index, request_id, False, chunk
                    )
            if inner._state == _DONE:
                yield ChatStreamChunk("", 0, request_id, True, None)
        finally:
            inner.close()

    @property
    def response(self) -> Response:
        return self.completion_stream.response

    @property
    def request_id(self) -> Optional[str]:
        return self.completion_stream.request_id

    @property
    def chunks(self) -> List[ChatCompletionChunk]:
        """The wire chunks received so far."""
        return self.completion_stream.chunks

    @property
    def text(self) -> str:
        return self.completion_stream.text

    def get_final_response(self) -> ChatResponse:
        return self.completion_stream.get_final_response()

    def close(self) -> None:
        """As ``ChatCompletionStream.close``: also safe from another thread, where the
        iterating loop simply ends."""
        self._close_gen()
        self.completion_stream.close()
