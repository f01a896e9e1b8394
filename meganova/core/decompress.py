"""``Content-Encoding`` undone in bounded steps (sans-I/O: compressed bytes in,
decoded pieces out), so every transport and the fake decode a reply the same way and
a decompression bomb never inflates whole."""

from __future__ import annotations

import zlib
from typing import Iterator, Mapping

from .limits import NO_BODY_STATUSES

__all__ = ["DECODED_PIECE", "ContentDecoder", "content_decoder"]

DECODED_PIECE = 262144  # most decompressed bytes one step returns (a bomb's bound per read)
_MAX_HEADER = 65536  # deflate: bytes kept to retry as raw deflate before giving up


class ContentDecoder:
    """Undoes ``Content-Encoding: gzip`` (or ``x-gzip``) and ``deflate`` (zlib-wrapped,
    or raw as some servers send it) incrementally, in bounded steps: ``decode`` returns
    at most ``DECODED_PIECE`` bytes, keeping the compressed rest; while ``pending``,
    call it again with ``b""`` before feeding more. So a small compressed block never
    becomes a huge one in memory (a gzip bomb is cut off by whoever counts the pieces:
    ``max_response_bytes`` for a whole body, the event cap for a stream). ``finish``
    checks the compressed stream ended. Both transports and the fake decode here, so a
    reply reads the same on each. Corrupt data raises ``zlib.error``."""

    __slots__ = ("_fed", "_gzip", "_more", "_obj", "_seen", "_tail")

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._fed = False
        self._tail = b""  # compressed input not decoded yet
        self._more = False  # the last step filled its piece: zlib may hold more output
        # deflate: what was fed before the first output, to decode again as raw deflate
        # if the zlib header turns out wrong (it may arrive a byte at a time)
        self._seen: bytes | None = None if gzip else b""

    @property
    def pending(self) -> bool:
        """Whether ``decode(b"")`` may return more without new input."""
        return self._more or bool(self._tail)

    def decode(self, data: bytes) -> bytes:
        tail = self._tail
        if tail:
            data = tail + data if data else tail
        elif not data and not self._more:
            return b""
        obj = self._obj
        seen = self._seen
        try:
            out = obj.decompress(data, DECODED_PIECE)
        except zlib.error:
            if seen is None:
                raise
            # deflate without the zlib wrapper (RFC 1951 alone): what some servers send
            self._seen = None
            obj = self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = obj.decompress(seen + data, DECODED_PIECE)
        else:
            if seen is not None:
                seen += data
                self._seen = None if out or len(seen) > _MAX_HEADER else seen
        if data:
            self._fed = True
        self._tail = obj.unconsumed_tail
        self._more = len(out) == DECODED_PIECE
        if self._gzip and obj.eof and obj.unused_data:  # another gzip member follows
            self._tail = obj.unused_data
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return out

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """Everything ``data`` decodes to, one bounded piece at a time."""
        out = self.decode(data)
        while True:
            if out:
                yield out
            if not self.pending:
                return
            out = self.decode(b"")

    def finish(self) -> bytes:
        """The body ended (call when not ``pending``): raises if the compressed
        stream did not."""
        if not self._fed:
            return b""  # an empty body: nothing was compressed
        out = self._obj.flush()
        if not self._obj.eof:
            raise zlib.error("the compressed body ended early")
        return out


def content_decoder(method: str, status: int, headers: Mapping[str, str]) -> ContentDecoder | None:
    """The decoder a reply's ``Content-Encoding`` needs; ``None`` for identity, for a
    reply without a body, and for codings we do not decode (never asked for: the body
    is then passed on as it came)."""
    coding = headers.get("content-encoding")
    if coding is None or method == "HEAD" or status in NO_BODY_STATUSES:
        return None
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return ContentDecoder(gzip=True)
    if coding == "deflate":
        return ContentDecoder(gzip=False)
    return None
