"""A chunked body read straight off http.client's buffered socket file, de-framed by
core's ``ChunkedDecoder`` (the fast paths hand the socket file over)."""

from __future__ import annotations

import http.client
from typing import Any

from ..core.chunked import ChunkedDecoder

READ_SIZE = 65536  # the most one socket read asks for


class DechunkedBody:
    """Reads a chunked body straight off http.client's buffered socket file, one
    ``read1`` at a time: whatever arrived, de-framed, in as few blocks as possible."""

    __slots__ = ("_read1", "decoder")

    def __init__(self, fp: Any) -> None:
        self._read1 = fp.read1
        self.decoder = ChunkedDecoder()

    def read(self) -> bytes:
        """The body data that has arrived (waits for at least one byte of it); ``b""``
        once the body ended. A body cut short raises ``http.client.IncompleteRead``."""
        decoder = self.decoder
        if decoder.done:
            return b""
        read1 = self._read1
        feed = decoder.feed
        while True:
            block = read1(READ_SIZE)
            if not block:
                raise http.client.IncompleteRead(b"")
            data = feed(block)
            if data or decoder.done:
                return data
