"""A sans-I/O decoder for ``text/event-stream`` (WHATWG HTML, "Server-sent events").

Feed it bytes as they arrive; it returns the events completed by those bytes. It never
reads a socket, so every transport (and a future async one) drives the same code.

Linear time: each chunk is split once with ``bytes.splitlines`` (C speed; it splits on
CR, LF and CRLF only) and an unfinished line is kept as a list of pieces that is joined
once, when the line ends, so a long line arriving in many small chunks is never
re-scanned or re-copied. Lines are split as bytes, so a UTF-8 character cut in two by
a chunk boundary is whole again before anything is decoded.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Union

from .errors import StreamEventTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_CR = 13
_LF = 10
_COLON = 58


class ServerSentEvent:
    """One dispatched event. ``raw`` is its data as bytes (data lines joined by LF);
    ``data`` is the same decoded as UTF-8 (invalid bytes become U+FFFD). ``retry`` is
    the reconnection time given inside this event, if any."""

    __slots__ = ("event", "id", "raw", "retry")

    def __init__(
        self,
        raw: bytes,
        event: str = "message",
        id: Optional[str] = None,
        retry: Optional[int] = None,
    ) -> None:
        self.raw = raw
        self.event = event
        self.id = id
        self.retry = retry

    @property
    def data(self) -> str:
        return self.raw.decode("utf-8", "replace")

    def _key(self) -> tuple[bytes, str, Optional[str], Optional[int]]:
        return (self.raw, self.event, self.id, self.retry)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, "
            f"retry={self.retry!r})"
        )


class SSEDecoder:
    """Incremental event-stream decoder.

    ``feed(chunk)`` returns the events that chunk completed. ``close()`` ends the
    stream: an event not yet closed by a blank line is dropped, as the spec says
    (``pending`` tells whether there was one). Events without any ``data`` line are
    never dispatched; the fields they carry still update ``last_event_id`` and
    ``retry``. ``comments`` counts comment lines (keep-alives). An event (or line)
    longer than ``max_event_size`` bytes raises ``StreamEventTooLargeError``.
    """

    __slots__ = (
        "_bom_head",
        "_data",
        "_event",
        "_event_retry",
        "_pending_cr",
        "_size",
        "_started",
        "_tail",
        "_tail_size",
        "comments",
        "last_event_id",
        "max_event_size",
        "retry",
    )

    def __init__(self, *, max_event_size: Optional[int] = DEFAULT_MAX_EVENT_SIZE) -> None:
        if max_event_size is not None and max_event_size <= 0:
            raise ValueError("max_event_size must be positive or None")
        self.max_event_size = max_event_size
        self.last_event_id: Optional[str] = None
        self.retry: Optional[int] = None
        self.comments = 0
        self._data: List[bytes] = []
        self._event: Optional[str] = None
        self._event_retry: Optional[int] = None
        self._tail: List[bytes] = []  # pieces of the line not yet ended
        self._tail_size = 0
        self._size = 0  # data bytes held for the current event
        self._pending_cr = False  # the last chunk ended in CR: a leading LF is its pair
        self._started = False  # the optional leading BOM has been dealt with
        self._bom_head = b""

    @property
    def pending(self) -> bool:
        """Whether an unfinished line or event is held."""
        return bool(self._tail or self._data or self._event is not None)

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        payloads = self._fast(chunk)
        if payloads is None:
            return self._feed_general(chunk)
        last_id = self.last_event_id
        return [ServerSentEvent(raw, "message", last_id, None) for raw in payloads]

    def feed_data(self, chunk: bytes) -> Sequence[Union[bytes, ServerSentEvent]]:
        """Like ``feed``, for hot loops: a plain ``message`` event may come as its data
        bytes alone (no event object built; its ``id`` is ``last_event_id``)."""
        payloads = self._fast(chunk)
        return self._feed_general(chunk) if payloads is None else payloads

    def _fast(self, chunk: bytes) -> Optional[List[bytes]]:
        """The data of blocks made of whole one-line ``data: ...\n\n`` events (what chat
        servers send) plus at most the start of the next one, when nothing but a line
        tail is held; ``None`` (nothing consumed) for anything else."""
        if (
            not self._started
            or self._data
            or self._pending_cr
            or self._event is not None
            or self._event_retry is not None
        ):
            return None
        end = chunk.rfind(b"\n\n")  # a held tail never has a line end
        if end < 0 or b"\r" in chunk:
            return None
        if self._tail:  # joined only when an event ends: linear in the stream
            head = b"".join(self._tail)
            block = head + chunk
            end += len(head)
        else:
            block = chunk
        payloads = self._simple_payloads(block[: end + 2])
        if payloads is None:
            return None
        self._tail = []
        self._tail_size = 0
        rest = block[end + 2 :]
        if rest:
            # No blank line in rest (the last "\n\n" ended the block), so this only
            # holds lines: it never completes an event.
            self._feed_general(rest)
        return payloads

    def _feed_general(self, chunk: bytes) -> List[ServerSentEvent]:
        if not self._started:
            chunk = self._strip_bom(chunk)
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[0] == _LF:
                chunk = chunk[1:]
                if not chunk:
                    return []
        lines = chunk.splitlines()
        last = chunk[-1]
        rest = None
        if last == _CR:
            self._pending_cr = True
        elif last != _LF:
            rest = lines.pop()  # no line end yet
        tail = self._tail
        if tail:
            if not lines:
                assert rest is not None
                self._hold(rest)
                return []
            tail.append(lines[0])
            lines[0] = b"".join(tail)
            self._tail = []
            self._tail_size = 0
        events = self._process(lines) if lines else []
        if rest is not None:
            self._hold(rest)
        return events

    def _simple_payloads(self, block: bytes) -> Optional[List[bytes]]:
        """The data of a block made only of one-line ``data: ...`` events, or ``None``
        (then the general path decodes it; nothing was changed here)."""
        parts = block.split(b"\n\n")
        if parts.pop():  # "\n\n\n": an empty line too many for this path
            return None
        limit = self.max_event_size
        for part in parts:
            if part[:6] != b"data: " or b"\n" in part:
                return None
            if limit is not None and len(part) - 6 > limit:
                return None  # the general path raises with the right sizes
        return [part[6:] for part in parts]

    def close(self) -> List[ServerSentEvent]:
        """End of stream: whatever is unfinished is discarded (never dispatched)."""
        self._tail = []
        self._tail_size = 0
        self._data = []
        self._event = None
        self._event_retry = None
        self._size = 0
        self._pending_cr = False
        return []

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = self._bom_head + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._bom_head = head  # could still become a BOM
            return b""
        self._started = True
        self._bom_head = b""
        return head[len(_BOM) :] if head.startswith(_BOM) else head

    def _hold(self, piece: bytes) -> None:
        self._tail.append(piece)
        self._tail_size += len(piece)
        limit = self.max_event_size
        if limit is not None and self._size + self._tail_size > limit:
            self._too_large()

    def _too_large(self) -> None:
        size = self._size + self._tail_size
        self.close()
        raise StreamEventTooLargeError(
            f"A server-sent event is larger than max_event_size ({self.max_event_size} bytes; "
            f"{size} bytes held)",
            code="stream_event_too_large",
        )

    def _process(self, lines: List[bytes]) -> List[ServerSentEvent]:
        events: List[ServerSentEvent] = []
        data = self._data
        limit = self.max_event_size
        size = self._size
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            data[0] if len(data) == 1 else b"\n".join(data),
                            self._event or "message",
                            self.last_event_id,
                            self._event_retry,
                        )
                    )
                    data = self._data = []
                self._event = None
                self._event_retry = None
                size = 0
                continue
            if line.startswith(b"data:"):  # the hot path
                value = line[6:] if line[5:6] == b" " else line[5:]
            elif line[0] == _COLON:
                self.comments += 1
                continue
            else:
                colon = line.find(b":")
                if colon < 0:
                    name, value = line, b""
                else:
                    name = line[:colon]
                    value = (
                        line[colon + 2 :]
                        if line[colon + 1 : colon + 2] == b" "
                        else line[colon + 1 :]
                    )
                if name != b"data":
                    self._field(name, value)
                    continue
            data.append(value)
            if limit is not None:
                size += len(value) + 1
                if size > limit:
                    self._size = size
                    self._too_large()
        self._size = size
        return events

    def _field(self, name: bytes, value: bytes) -> None:
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # ASCII digits only, per the spec
            self.retry = self._event_retry = int(value)
        # any other field is ignored
