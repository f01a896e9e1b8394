"""The chunked body reader over a socket file (adapters/_chunked_reader.py), and how a
framing error is reported."""

from __future__ import annotations

import http.client
import io
from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.adapters._chunked_reader import DechunkedBody
from meganova.adapters._errors import translate_socket_error
from meganova.core.chunked import ChunkedFramingError
from meganova.core.errors import APIConnectionError, APITimeoutError
from meganova.core.http import Request
from tests.helpers import chunked_body as frame

parts_st = st.lists(st.binary(max_size=300), max_size=12)


def test_a_framing_error_is_a_connection_that_broke_while_reading() -> None:
    request = Request("GET", "http://127.0.0.1:9/v1/x", {})
    error = translate_socket_error(
        ChunkedFramingError("chunk data not followed by CRLF"), request, "read"
    )
    assert type(error) is APIConnectionError and not isinstance(error, APITimeoutError)
    assert error.request_sent is True
    assert "broke while reading the reply" in str(error)
    assert "ChunkedFramingError: chunk data not followed by CRLF" in str(error)


class Trickle(io.RawIOBase):
    """A socket that delivers a few bytes per recv."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step = data, step

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        piece, self.data = self.data[: self.step], self.data[self.step :]
        buf[: len(piece)] = piece
        return len(piece)


@given(parts_st, st.integers(min_value=1, max_value=64))
def test_dechunked_body_over_a_socket_file(parts: List[bytes], step: int) -> None:
    body = DechunkedBody(io.BufferedReader(Trickle(frame(parts), step)))
    got = []
    while True:
        data = body.read()
        if not data:
            break
        got.append(data)
    assert b"".join(got) == b"".join(parts)
    assert body.read() == b""


def test_dechunked_body_cut_short_raises_incomplete_read() -> None:
    body = DechunkedBody(io.BufferedReader(Trickle(b"5\r\nabc", 100)))
    assert body.read() == b"abc"
    with pytest.raises(http.client.IncompleteRead):
        body.read()
