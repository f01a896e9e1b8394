"""The sans-I/O chunked de-framer (core/chunked.py): any split of the wire, malformed
framing, bytes after the body."""

from __future__ import annotations

from typing import List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.chunked import ChunkedDecoder, ChunkedFramingError
from tests.helpers import chunked_body as frame


def split(data: bytes, cuts: List[int]) -> List[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return pieces


def run(pieces: List[bytes]) -> tuple[bytes, ChunkedDecoder]:
    decoder = ChunkedDecoder()
    out = b"".join(decoder.feed(p) for p in pieces)
    return out, decoder


parts_st = st.lists(st.binary(max_size=300), max_size=12)
cuts_st = st.lists(st.integers(min_value=0, max_value=10_000), max_size=30)


@given(parts_st, cuts_st, st.booleans(), st.sampled_from([b"", b"X-T: 1\r\n", b"A: b\r\nC: d\r\n"]))
def test_any_split_of_a_valid_body_yields_its_data(
    parts: List[bytes], cuts: List[int], lf_only: bool, trailers: bytes
) -> None:
    wire = frame(parts, trailers=trailers, lf_only=lf_only)
    out, decoder = run(split(wire, cuts))
    assert out == b"".join(parts)
    assert decoder.done and decoder.excess == b""


@given(parts_st, cuts_st)
def test_data_is_handed_out_as_soon_as_it_arrives(parts: List[bytes], cuts: List[int]) -> None:
    """After any prefix of the wire, exactly the data bytes inside that prefix came out:
    nothing waits for the end of its chunk."""
    wire = b""
    data_ends: List[int] = []  # wire offset just after each data byte
    for part in (p for p in parts if p):
        wire += f"{len(part):x}\r\n".encode()
        data_ends.extend(range(len(wire) + 1, len(wire) + len(part) + 1))
        wire += part + b"\r\n"
    wire += b"0\r\n\r\n"
    decoder = ChunkedDecoder()
    got = b""
    fed = 0
    for piece in split(wire, cuts):
        got += decoder.feed(piece)
        fed += len(piece)
        assert len(got) == sum(1 for end in data_ends if end <= fed)
    assert got == b"".join(parts) and decoder.done


@given(parts_st, st.binary(min_size=1, max_size=20))
def test_bytes_after_the_body_are_excess(parts: List[bytes], extra: bytes) -> None:
    out, decoder = run([frame(parts) + extra])
    assert out == b"".join(parts) and decoder.done and decoder.excess == extra


@given(parts_st, cuts_st)
def test_an_unfinished_body_is_not_done(parts: List[bytes], cuts: List[int]) -> None:
    wire = frame(parts)[:-1]  # the final line end is missing
    out, decoder = run(split(wire, cuts))
    assert not decoder.done
    assert b"".join(parts).startswith(out)


MALFORMED = [
    b"zz\r\nabc\r\n0\r\n\r\n",  # not hex
    b"\r\nabc\r\n0\r\n\r\n",  # empty size
    b"-3\r\nabc\r\n0\r\n\r\n",  # sign
    b"0x3\r\nabc\r\n0\r\n\r\n",  # prefix
    b"1_0\r\n" + b"a" * 16 + b"\r\n0\r\n\r\n",  # underscore
    b"3\r\nabcXY0\r\n\r\n",  # data longer than its size
    b"3\r\nab",  # fine so far ...
    b"1" * 17 + b"\r\n",  # absurd size
]


@pytest.mark.parametrize("wire", MALFORMED[:6] + MALFORMED[7:])
@given(cuts=cuts_st)
def test_malformed_framing_raises(wire: bytes, cuts: List[int]) -> None:
    with pytest.raises(ChunkedFramingError):
        run(split(wire, cuts))


def test_a_size_line_without_end_is_bounded() -> None:
    decoder = ChunkedDecoder()
    with pytest.raises(ChunkedFramingError):
        for _ in range(20):
            decoder.feed(b"1" * 5000)


def test_extensions_and_blanks_are_accepted() -> None:
    out, decoder = run([b"3;name=value\r\nabc\r\n2 \r\nde\r\n0;x\r\n\r\n"])
    assert out == b"abcde" and decoder.done
