"""A sans-I/O de-framer for ``Transfer-Encoding: chunked`` (RFC 9112, 7.1): bytes in,
body data out, malformed framing raised. It never reads a socket: the socket
transports feed it what arrived (``adapters._chunked_reader``), as they feed the SSE
decoder (``core.sse``)."""

from __future__ import annotations

import re

__all__ = ["MAX_LINE", "ChunkedDecoder", "ChunkedFramingError"]

MAX_LINE = 65536  # as http.client: a size or trailer line longer than this is hostile
_HEX = b"0123456789abcdefABCDEF"
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)
# End of a chunk's data and the next size line; anything unusual takes the slow path.
_NEXT_SIZE = re.compile(rb"\r?\n([0-9a-fA-F]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n").match


class ChunkedFramingError(Exception):
    """The chunked transfer coding of a body is malformed (the transports report it
    as a connection that broke while the reply was read)."""


class ChunkedDecoder:
    """Sans-I/O de-framer for ``Transfer-Encoding: chunked``: ``feed`` takes whatever
    bytes arrived and returns the body data among them at once (never waits for a whole
    chunk). ``done`` turns true after the last chunk and its trailers; bytes fed after
    that are kept in ``excess`` (the connection must then not be reused). Malformed
    framing raises ``ChunkedFramingError``. Line ends may be CRLF or a bare LF, as
    http.client accepts."""

    __slots__ = ("_buf", "_left", "_state", "excess")

    def __init__(self) -> None:
        self._buf = b""
        self._left = 0
        self._state = _SIZE
        self.excess = b""

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, data: bytes) -> bytes:
        if self._state == _DONE:
            self.excess += data
            return b""
        buf = self._buf + data if self._buf else data
        end = len(buf)
        pos = 0
        out: list[bytes] = []
        state = self._state
        left = self._left
        append = out.append
        while pos < end:
            if state == _DATA:
                stop = pos + left
                if stop <= end:
                    append(buf[pos:stop])
                    pos = stop
                    left = 0
                    state = _DATA_END
                    # Tight loop over whole chunks: data, then CRLF + next size line.
                    while (m := _NEXT_SIZE(buf, pos)) is not None:
                        pos = m.end()
                        left = int(m[1], 16)
                        if not left:
                            state = _TRAILER
                            break
                        stop = pos + left
                        if stop > end:
                            state = _DATA
                            break
                        append(buf[pos:stop])
                        pos = stop
                        left = 0
                else:
                    append(buf[pos:])
                    left -= end - pos
                    pos = end
            elif state == _DATA_END and (m := _NEXT_SIZE(buf, pos)) is not None:
                # The common case in one regex match: CRLF, then the next size line.
                pos = m.end()
                left = int(m[1], 16)
                state = _DATA if left else _TRAILER
            elif state == _SIZE:
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    if end - pos > MAX_LINE:
                        raise ChunkedFramingError("chunk size line too long")
                    break
                size = _chunk_size(buf[pos:nl])
                pos = nl + 1
                if size:
                    left = size
                    state = _DATA
                else:
                    state = _TRAILER
            elif state == _DATA_END:
                if buf[pos] == 10:  # b"\n"
                    pos += 1
                elif buf.startswith(b"\r\n", pos):
                    pos += 2
                elif end - pos == 1 and buf[pos] == 13:  # b"\r", its b"\n" still to come
                    break
                else:
                    raise ChunkedFramingError("chunk data not followed by CRLF")
                state = _SIZE
            else:  # _TRAILER: header lines until an empty one
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    if end - pos > MAX_LINE:
                        raise ChunkedFramingError("trailer line too long")
                    break
                line = buf[pos:nl]
                pos = nl + 1
                if line in (b"", b"\r"):
                    state = _DONE
                    self.excess = buf[pos:]
                    pos = end
        self._buf = buf[pos:] if pos < end else b""
        self._state = state
        self._left = left
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)


def _chunk_size(line: bytes) -> int:
    """The size of a chunk-size line (without its LF): hex digits, optional
    ``;extensions``, optional CR and surrounding blanks."""
    semi = line.find(b";")
    if semi >= 0:
        line = line[:semi]
    digits = line.strip(b" \t\r")
    if not digits or len(digits) > 16 or digits.strip(_HEX):
        raise ChunkedFramingError(f"invalid chunk size line {line[:40]!r}")
    return int(digits, 16)
