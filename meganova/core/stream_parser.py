"""A chat stream's parser, sans-I/O: bytes in; chunks, the terminal state, errors and
the partial answer out.

The sync and async streams (``streaming``, ``streaming_async``) read a body and hand
every piece to ``feed``; what the bytes mean, when the stream is over, whether a
silence is too long and which error to raise are all decided here. The parser never
touches a response, a socket, a clock or a sleep: the shells pass the time in.

Failures are recorded, not raised: ``feed`` returns the chunks completed before the
failure and sets ``state`` to ``"failed"`` and ``failure`` to the typed error (carrying
``partial_text``, ``partial`` and the last ``RECENT_CHUNKS`` chunks), which a shell
raises once it has handed those chunks out. So any split of the same bytes gives the
same chunks, then the same error.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Iterator, List, Mapping, Optional, Union, overload

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
from .ports import Codec, decoder_for
from .redact import Redactor
from .sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder

__all__ = [
    "CLOSED",
    "CONTROL_EVENTS",
    "DONE",
    "FAILED",
    "OPEN",
    "RECENT_CHUNKS",
    "ChatStreamParser",
    "guideline_items",
]

OPEN, DONE, CLOSED, FAILED = "open", "done", "closed", "failed"
# Named events that carry no chat data (keep-alives some gateways send).
CONTROL_EVENTS = frozenset({"ping", "keepalive", "keep-alive", "heartbeat"})
# Stream errors and ``chunks`` keep this many of the last chunks; everything received
# is in ``partial_text`` / ``partial``, folded in as it arrived.
RECENT_CHUNKS = 64
_NO_HEADERS: Mapping[str, str] = {}


def guideline_items(chunk: ChatCompletionChunk, request_id: Optional[str]) -> List[ChatStreamChunk]:
    """The guideline's items for one wire chunk: one per choice (``delta`` its text,
    ``""`` when it has none); a chunk without choices (usage only) gives one item."""
    choices = chunk.choices
    if not choices:
        return [ChatStreamChunk("", 0, request_id, False, chunk)]
    return [
        ChatStreamChunk(
            "" if choice.delta.content is None else choice.delta.content,
            choice.index,
            request_id,
            False,
            chunk,
        )
        for choice in choices
    ]


class ChatStreamParser:
    """One chat stream's meaning. Feed it the body's bytes (``feed``), tell it when a
    read returned (``after_read``, with the time), when the body ended (``end``) or a
    read failed (``body_failed``); read ``state``, ``failure`` and the answer so far.

    ``state`` is ``"open"``, then ``"done"`` (``[DONE]``, or the body ended after a
    finish reason), ``"failed"`` (``failure`` is the error to raise) or ``"closed"``
    (the reader stopped before the end)."""

    __slots__ = (
        "_budget",
        "_decode",
        "_decode_errors",
        "_events",
        "_fingerprint",
        "_headers",
        "_last",
        "_read_timeout",
        "_redactor",
        "_remember",
        "_seen",
        "_text",
        "acc",
        "decoder",
        "failure",
        "recent",
        "request_id",
        "state",
    )

    def __init__(
        self,
        codec: Codec,
        *,
        request_id: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        read_timeout: Optional[float] = None,
        budget: Optional[TimeBudget] = None,
        max_event_size: Optional[int] = DEFAULT_MAX_EVENT_SIZE,
        redactor: Optional[Redactor] = None,
    ) -> None:
        self.request_id = request_id
        self._headers = _NO_HEADERS if headers is None else headers
        self._read_timeout = read_timeout
        self._budget = budget  # only its end is read: the shell passes the time in
        self._redactor = redactor or Redactor()
        self.decoder = SSEDecoder(max_event_size=max_event_size)
        self._events = self.decoder.feed_data
        self._decode, self._decode_errors = decoder_for(codec, ChatCompletionChunk)
        self.acc = ChatAccumulator()
        self.recent: Deque[ChatCompletionChunk] = deque(maxlen=RECENT_CHUNKS)
        self._remember = self.recent.append
        self.state = OPEN
        self.failure: Optional[Exception] = None
        self._text = self.acc.plain_text()
        self._fingerprint = False
        self._last = 0.0
        self._seen = 0

    # -- bytes in, chunks out ---------------------------------------------------------

    @overload
    def feed(self, data: bytes) -> List[ChatCompletionChunk]: ...

    @overload
    def feed(self, data: bytes, guideline: bool) -> List[Any]: ...

    def feed(
        self, data: bytes, guideline: bool = False
    ) -> Union[List[ChatCompletionChunk], List[ChatStreamChunk]]:
        """The chunks ``data`` completed (``guideline``: their ``ChatStreamChunk``
        items, as ``guideline_items`` gives). A failure in ``data`` ends the list: the
        chunks before it are returned, ``state`` becomes ``"failed"``. Bytes fed after
        the stream ended are ignored."""
        return list(self.iter_feed(data, guideline))

    @overload
    def iter_feed(self, data: bytes) -> Iterator[ChatCompletionChunk]: ...

    @overload
    def iter_feed(self, data: bytes, guideline: bool) -> Iterator[Any]: ...

    def iter_feed(
        self, data: bytes, guideline: bool = False
    ) -> Union[Iterator[ChatCompletionChunk], Iterator[ChatStreamChunk]]:
        """As ``feed``, one chunk at a time: each is decoded when it is taken, so no
        batch of them is held (a stream hands each out before the next is decoded).
        Take them all before feeding more: what is not taken is not parsed."""
        if self.state is not OPEN:
            return
        acc = self.acc
        text = self._text
        fingerprint = self._fingerprint
        request_id = self.request_id
        remember = self._remember
        decode = self._decode
        fast = 0  # plain chunks appended to the text here, not yet in acc.count
        try:
            for event in self._events(data):
                # Plain message events come as bytes; named ones as events.
                if event.__class__ is bytes:
                    raw: bytes = event
                else:
                    raw = event.raw  # type: ignore[union-attr]
                    if not raw.startswith(b"[DONE]"):
                        kind = event.event  # type: ignore[union-attr]
                        if kind == "error":
                            self._fail(self._api_error(raw))
                            break
                        if kind in CONTROL_EVENTS:
                            continue
                try:
                    chunk = decode(raw)
                except self._decode_errors as exc:
                    # ``[DONE]`` is not JSON: looked for only here, not in every event.
                    if raw.startswith(b"[DONE]"):
                        self.state = DONE
                    else:
                        self._fail(self._decode_error(raw, exc))
                    break
                if chunk.error:
                    self._fail(self._api_error(raw))
                    break
                if request_id is not None:
                    chunk.request_id = request_id
                remember(chunk)
                choices = chunk.choices
                if text is not None and len(choices) == 1 and chunk.usage is None:
                    # The plain chunk (ChatAccumulator.add's short way, inlined: one of
                    # these per token, so every attribute read counts).
                    choice = choices[0]
                    delta = choice.delta
                    content = delta.content
                    # ``content`` alone in the delta's instance dict: every other field
                    # is its class default (None). One read instead of five: on a decoded
                    # object each attribute read is a generic lookup (~350 instructions on
                    # CPython 3.11, whose attribute caches miss on the decoder's dicts).
                    # A delta built any other way takes the long way (same result).
                    if (
                        content is not None
                        and len(delta.__dict__) == 1
                        and choice.index == 0
                        and choice.finish_reason is None
                        and choice.logprobs is None
                        and (fingerprint or not chunk.system_fingerprint)
                    ):
                        text.append(content)
                        fast += 1
                        if guideline:
                            yield ChatStreamChunk(content, 0, request_id, False, chunk)
                        else:
                            yield chunk
                        continue
                acc.add(chunk)
                text = self._text = acc.plain_text()
                fingerprint = self._fingerprint = acc.system_fingerprint is not None
                if guideline:
                    yield from guideline_items(chunk, request_id)
                else:
                    yield chunk
        except StreamError as exc:  # an event over max_event_size
            if exc.request_id is None:
                exc.request_id = self.request_id
            exc._attach(**self._partial_parts())
            self._fail(exc)
        except GeneratorExit:
            raise  # the reader stopped taking chunks
        except BaseException as exc:  # interrupted (KeyboardInterrupt) or a bug
            self.fail(exc)
            raise
        finally:
            if fast:
                acc.count += fast
                acc.settle_text()

    def done_item(self) -> ChatStreamChunk:
        """The guideline stream's last item (``done=True``)."""
        return ChatStreamChunk("", 0, self.request_id, True, None)

    # -- what the shell reports ------------------------------------------------------

    def begin(self, now: float) -> bool:
        """Reading starts at ``now``; ``False`` when the stream was closed before."""
        self._last = now
        self._seen = self.acc.count
        return self.state is OPEN

    def after_read(self, now: float) -> bool:
        """A read was handled (its chunks handed out) at ``now``: whether to read on.
        ``False`` once the stream ended, or when a silence between data events passed
        the read timeout (keep-alives do not count) or the call's deadline passed."""
        if self.state is not OPEN:
            return False
        count = self.acc.count
        if count != self._seen:
            self._seen = count
            self._last = now
        else:
            limit = self._read_timeout
            if limit is not None and now - self._last > limit:
                self._fail(
                    self._with_partial(
                        StreamTimeoutError,
                        f"No data event for more than {limit:g}s (read timeout); "
                        "keep-alives do not count",
                    )
                )
                return False
        budget = self._budget
        if budget is not None and now >= budget.ends_at:
            # Checked between reads too: the transport bounds each wait by what is
            # left (min(read timeout, time left)), this the total.
            self._fail(
                self._with_partial(
                    StreamTimeoutError, f"The stream did not finish: {budget.message()}"
                )
            )
            return False
        return True

    def end(self) -> None:
        """The body ended: done if the server said it had finished (``[DONE]`` or a
        finish reason), else ``IncompleteStreamError``."""
        if self.state is not OPEN:
            return
        self.decoder.close()
        acc = self.acc
        if acc.finished:
            self.state = DONE
            return
        self._fail(
            self._with_partial(
                IncompleteStreamError,
                "The stream ended without [DONE] and without a finish reason "
                f"after {acc.count} chunks",
            )
        )

    def body_failed(self, exc: Union[APIConnectionError, APIResponseValidationError]) -> None:
        """Reading the body failed: the typed stream error, caused by ``exc``. Nothing
        when the stream was closed (closing cut the read: the loop just ends)."""
        if self.state is CLOSED:
            return
        if isinstance(exc, StreamError):
            self._fail(exc)
            return
        if isinstance(exc, APITimeoutError):
            error = self._with_partial(StreamTimeoutError, f"The stream stalled: {exc.message}")
        elif isinstance(exc, APIConnectionError):
            error = self._with_partial(
                StreamConnectionError, f"The connection broke mid-stream: {exc.message}"
            )
        else:  # e.g. a corrupt compressed body
            error = StreamDecodeError(
                f"The stream's body cannot be read: {exc.message}", **self.partial()
            )
        error.__cause__ = exc
        self._fail(error)

    def fail(self, exc: BaseException) -> None:
        """Something else ended the reading: an ``Exception`` is the stream's failure;
        ``KeyboardInterrupt`` and the like (task cancellation too) close it."""
        if exc is self.failure:
            return
        if isinstance(exc, MeganovaError):
            self._redactor.error(exc)  # a key the server echoed: body, headers, text
        if isinstance(exc, Exception):
            self.state = FAILED
            self.failure = exc
        elif self.state is OPEN:
            self.state = CLOSED

    def close(self) -> None:
        """The reader stopped before the end."""
        if self.state is OPEN:
            self.state = CLOSED

    # -- the answer -------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The first choice's text received so far."""
        return self.acc.text()

    @property
    def chunks(self) -> List[ChatCompletionChunk]:
        """The last wire chunks received (at most ``RECENT_CHUNKS``)."""
        return list(self.recent)

    def final_response(self) -> ChatResponse:
        """The whole response of a finished stream; raises the stream's error if it
        failed, ``IncompleteStreamError`` if it was closed before it finished."""
        if self.failure is not None:
            raise self.failure
        if self.state is not DONE:
            raise self._with_partial(
                IncompleteStreamError, "The stream was closed before it finished"
            )
        return self.acc.response(request_id=self.request_id)

    def partial(self) -> dict[str, Any]:
        """What an error carries: the request id and the answer so far."""
        return {"request_id": self.request_id, **self._partial_parts()}

    # -- errors -----------------------------------------------------------------------

    def _partial_parts(self) -> dict[str, Any]:
        acc = self.acc
        return {
            "partial_text": acc.text(),
            "chunks": list(self.recent),
            "partial": acc.response(request_id=self.request_id),
        }

    def _fail(self, error: Exception) -> None:
        if isinstance(error, MeganovaError):
            self._redactor.error(error)
        self.state = FAILED
        self.failure = error

    def _with_partial(self, cls: type[StreamError], message: str) -> StreamError:
        return cls(message, **self.partial())

    def _decode_error(self, raw: bytes, exc: Exception) -> StreamError:
        raw = self._redactor.bytes(raw)  # before the preview cuts an echoed key in two
        preview = raw[:200].decode("utf-8", "replace")
        return StreamDecodeError(
            f"A stream event is not a valid chat chunk ({exc}): {preview!r}",
            data=raw,
            **self.partial(),
        )

    def _api_error(self, raw: bytes) -> APIError:
        error = error_from_payload(
            raw,
            headers=self._headers,
            request_id=self.request_id,
            default_message="The server reported an error inside the stream",
        )
        for name, value in self._partial_parts().items():
            setattr(error, name, value)
        return error
