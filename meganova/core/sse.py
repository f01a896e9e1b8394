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

from typing import List, Optional, Sequence, Tuple, Union

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
    never dispatched. ``last_event_id`` is the spec's "last event ID string": an ``id``
    field fills a buffer that only a blank line (the end of an event) commits, so the
    ``id`` of an event cut off by the end of the stream is never committed. ``retry``
    takes effect at once. ``comments`` counts comment lines (keep-alives). An event
    holding more than ``max_event_size`` bytes of memory (its data joined so far plus
    an unfinished line) raises ``StreamEventTooLargeError``.
    """

    __slots__ = (
        "_bom_head",
        "_data",
        "_event",
        "_event_retry",
        "_id",
        "_pending_cr",
        "_started",
        "_tail",
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
        self._id: Optional[str] = None  # the last event ID buffer (committed on dispatch)
        # The event's data, joined as lines arrive (one copy, no list of small objects
        # whose overhead would dwarf one-byte lines); None: no data line yet.
        self._data: Optional[Union[bytes, bytearray]] = None
        self._event: Optional[str] = None
        self._event_retry: Optional[int] = None
        self._tail = bytearray()  # the line not yet ended
        self._pending_cr = False  # the last chunk ended in CR: a leading LF is its pair
        self._started = False  # the optional leading BOM has been dealt with
        self._bom_head = b""

    @property
    def pending(self) -> bool:
        """Whether an unfinished line or event is held."""
        return bool(self._tail or self._data is not None or self._event is not None)

    def feed(self, chunk: bytes) -> List[ServerSentEvent]:
        if not self._started:
            chunk = self._strip_bom(chunk)
        fast = self._fast(chunk)
        if fast is None:
            return self._feed_general(chunk)
        payloads, last_id = fast
        return [ServerSentEvent(raw, "message", last_id, None) for raw in payloads]

    def feed_data(self, chunk: bytes) -> Sequence[Union[bytes, ServerSentEvent]]:
        """Like ``feed``, for hot loops: a plain ``message`` event may come as its data
        bytes alone (no event object built; its ``id`` is ``last_event_id`` as it
        stands when this call returns)."""
        if not self._started:
            # The BOM first, so the first piece (often a large burst) takes the fast path.
            chunk = self._strip_bom(chunk)
        fast = self._fast(chunk)
        return self._feed_general(chunk) if fast is None else fast[0]

    def _fast(self, chunk: bytes) -> Optional[Tuple[List[bytes], Optional[str]]]:
        """The data of blocks made of whole one-line ``data: ...\n\n`` events (what chat
        servers send) plus at most the start of the next one, when nothing but a line
        tail is held, and the id they were dispatched with; ``None`` (nothing
        consumed) for anything else."""
        if (
            not self._started
            or self._data is not None
            or self._pending_cr
            or self._event is not None
            or self._event_retry is not None
        ):
            return None
        end = chunk.rfind(b"\n\n")  # a held tail never has a line end
        if end < 0 or b"\r" in chunk:
            return None
        tail = self._tail
        if tail:  # joined only when an event ends: linear in the stream
            block = bytes(tail) + chunk
            end += len(tail)
        else:
            block = chunk
        payloads = self._simple_payloads(block[: end + 2])
        if payloads is None:
            return None
        # Each of these events ended with a blank line: the id buffer is committed.
        last_id = self.last_event_id = self._id
        self._tail = bytearray()
        rest = block[end + 2 :]
        if rest:
            # No blank line in rest (the last "\n\n" ended the block), so this only
            # holds lines (an id there fills the buffer): it never completes an event.
            self._feed_general(rest)
        return payloads, last_id

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
            tail += lines[0]
            lines[0] = bytes(tail)
            self._tail = bytearray()
        events = self._process(lines) if lines else []
        if rest is not None:
            self._hold(rest)
        return events

    def _simple_payloads(self, block: bytes) -> Optional[List[bytes]]:
        """The data of a block (ending in a blank line) made only of one-line
        ``data: ...`` events, or ``None`` (then the general path decodes it; nothing
        was changed here). Checked with a few C-level scans, not per event: the block
        starts with ``data: ``, and splitting at every blank line followed by ``data: ``
        gives no piece holding a line end."""
        if block[:6] != b"data: ":
            return None
        payloads = block[6:-2].split(b"\n\ndata: ")
        # Joined, one memchr scan: ``block.count`` would walk it byte by byte.
        if b"\n" in b"".join(payloads):
            return None
        limit = self.max_event_size
        # A block within the limit holds no payload over it (no scan per payload).
        if limit is not None and len(block) > limit and max(map(len, payloads)) > limit:
            return None  # the general path raises with the right sizes
        return payloads

    def close(self) -> List[ServerSentEvent]:
        """End of stream: whatever is unfinished is discarded (never dispatched, and its
        ``id`` never committed)."""
        # Emptied in place: a frame in an error's traceback may still name them.
        self._tail.clear()
        if isinstance(self._data, bytearray):
            self._data.clear()
        self._data = None
        self._event = None
        self._event_retry = None
        self._id = self.last_event_id
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
        self._tail += piece
        limit = self.max_event_size
        if limit is not None and self._held() > limit:
            self._too_large()

    def _held(self) -> int:
        data = self._data
        return len(self._tail) + (0 if data is None else len(data))

    def _too_large(self) -> None:
        size = self._held()
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
        for line in lines:
            if not line:
                # Dispatch: the id buffer is committed even when no event is built.
                self.last_event_id = self._id
                if data is not None:
                    events.append(
                        ServerSentEvent(
                            data if type(data) is bytes else bytes(data),
                            self._event or "message",
                            self._id,
                            self._event_retry,
                        )
                    )
                    data = self._data = None
                self._event = None
                self._event_retry = None
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
            if data is None:
                data = value
            else:
                if type(data) is bytes:
                    data = bytearray(data)
                data += b"\n"
                data += value
            self._data = data
            if limit is not None and len(data) > limit:
                self._too_large()
        return events

    def _field(self, name: bytes, value: bytes) -> None:
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:
                self._id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # ASCII digits only, per the spec
            self.retry = self._event_retry = int(value)
        # any other field is ignored
