"""The pieces behind ``max_response_bytes`` and bounded decompression: the incremental
content decoder (any split of any compressed body decodes exactly, in bounded pieces),
the Content-Length reader, the capped body reader, and the framing headers a caller
may not set."""

from __future__ import annotations

import gzip
import zlib
from typing import Any, Iterator, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova import MegaNova
from meganova.adapters.drivers import read_body
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.config import DEFAULT_MAX_RESPONSE_BYTES
from meganova.core.decompress import DECODED_PIECE, ContentDecoder
from meganova.core.http import Headers
from meganova.core.limits import BodyLimit, declared_length
from meganova.errors import InvalidArgumentError, ResponseTooLargeError
from tests.helpers import USER


def read_capped(response: Any, limit: Any, **where: Any) -> bytes:
    """What a driver does with a ReadBody effect."""
    return read_body(response, BodyLimit(limit, **where))


# -- the content decoder -------------------------------------------------------------------


def compress(data: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "gzip-two-members":
        return gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2 :])
    wbits = zlib.MAX_WBITS if kind == "zlib" else -zlib.MAX_WBITS
    obj = zlib.compressobj(wbits=wbits)
    return obj.compress(data) + obj.flush()


def decode_all(decoder: ContentDecoder, pieces: List[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from decoder.pieces(piece)
    assert not decoder.pending
    yield decoder.finish()


def split(data: bytes, cuts: List[int]) -> List[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


@given(
    body=st.binary(max_size=3000) | st.builds(lambda n: b"a" * n, st.integers(0, 700_000)),
    kind=st.sampled_from(["gzip", "gzip-two-members", "zlib", "raw"]),
    cuts=st.lists(st.integers(min_value=0), max_size=6),
)
def test_any_split_of_any_compressed_body_decodes_exactly_in_bounded_pieces(
    body: bytes, kind: str, cuts: List[int]
) -> None:
    decoder = ContentDecoder(gzip=kind.startswith("gzip"))
    out = list(decode_all(decoder, split(compress(body, kind), cuts)))
    assert b"".join(out) == body
    assert all(len(piece) <= DECODED_PIECE for piece in out)


def test_one_small_block_inflates_one_bounded_piece_at_a_time() -> None:
    block = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 KB that inflate to 64 MiB
    decoder = ContentDecoder(gzip=True)
    first = decoder.decode(block)
    assert len(first) == DECODED_PIECE and decoder.pending  # the rest waits, compressed
    total = len(first)
    while decoder.pending:
        piece = decoder.decode(b"")
        assert len(piece) <= DECODED_PIECE
        total += len(piece)
    assert total == 64 * 1024 * 1024 and decoder.finish() == b""


@pytest.mark.parametrize(
    "body", [b"not gzip", gzip.compress(b"x" * 100)[:-4]], ids=["garbage", "cut"]
)
def test_a_corrupt_body_still_raises_zlib_error(body: bytes) -> None:
    decoder = ContentDecoder(gzip=True)
    with pytest.raises(zlib.error):
        list(decode_all(decoder, [body]))


# -- reading a whole body under a cap ------------------------------------------------------


@given(st.text(max_size=30))
def test_declared_length_never_raises(raw: str) -> None:
    value = declared_length(Headers({"Content-Length": raw}))
    assert value is None or (value >= 0 and str(value) in raw.replace(" ", ""))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10", 10),
        ("10, 10", 10),
        ("10,11", None),
        ("-1", None),
        ("1e3", None),
        ("9" * 30, None),
        ("\u00b2", None),  # a digit to str.isdigit(), not to int()
        ("1, \u00b2", None),
    ],
)
def test_declared_length(raw: str, expected: Any) -> None:
    assert declared_length(Headers({"Content-Length": raw})) == expected


def test_read_capped_counts_what_arrives_and_closes() -> None:
    response = FakeResponse(200, iter([b"x" * 10] * 1000))
    with pytest.raises(ResponseTooLargeError) as info:
        read_capped(response, 25)
    assert info.value.size == 30 and response.closed
    assert next(response._wire(), None) is None  # not read any further


def test_read_capped_refuses_an_announced_size_without_reading() -> None:
    def never() -> Iterator[bytes]:
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    response = FakeResponse(200, never(), {"Content-Length": "26"})
    with pytest.raises(ResponseTooLargeError) as info:
        read_capped(response, 25, request_id="req_1")
    assert (info.value.size, info.value.request_id, response.closed) == (26, "req_1", True)


def test_a_head_or_204_reply_announcing_a_big_body_is_not_refused() -> None:
    assert read_capped(FakeResponse(200, b"", {"Content-Length": "999"}), 1, method="HEAD") == b""
    assert read_capped(FakeResponse(204, b"", {"Content-Length": "999"}), 1) == b""


def test_the_default_cap() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 256 * 1024 * 1024
    assert MegaNova(api_key="sk-x").config.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    assert MegaNova(api_key="sk-x", max_response_bytes=None).config.max_response_bytes is None


def test_a_redirect_body_is_not_drained_past_a_small_bound() -> None:
    pulled = [0]

    def body() -> Iterator[bytes]:  # 64 MiB, as good as endless for a redirect
        for _ in range(16384):
            pulled[0] += 1
            yield b"x" * 4096

    redirect = FakeResponse(307, body(), {"Location": "/v1/other"})
    transport = FakeTransport(replies=[redirect, FakeResponse.json({"ok": True})])
    client = MegaNova(api_key="sk-x", base_url="http://h.test/v1", transport=transport)
    assert client.engine.request("GET", "/x", cast_to=dict) == {"ok": True}
    assert redirect.closed and pulled[0] <= 17  # 64 KiB and the read that passed it


# -- framing headers -----------------------------------------------------------------------

FRAMING = ["Content-Length", "transfer-encoding", "HOST", "Connection", "Keep-Alive", "Upgrade"]


@pytest.mark.parametrize("name", FRAMING)
def test_a_caller_may_not_set_framing_headers(name: str) -> None:
    transport = FakeTransport()
    with pytest.raises(InvalidArgumentError) as info:
        MegaNova(api_key="sk-x", transport=transport, default_headers={name: "1"})
    assert info.value.argument == "default_headers" and repr(name) in str(info.value)
    client = MegaNova(api_key="sk-x", transport=transport, default_headers={"X-Team": "a"})
    with pytest.raises(InvalidArgumentError) as info:
        client.with_options(default_headers={name: "1"})
    assert info.value.argument == "default_headers"
    with pytest.raises(InvalidArgumentError) as info:
        client.chat.create(messages=USER, model="m", extra_headers={name: "1"})
    assert info.value.argument == "extra_headers"
    with pytest.raises(InvalidArgumentError) as info:
        client.models.list(extra_headers={name: "1"})
    assert info.value.argument == "extra_headers"
    assert transport.requests == []  # refused before anything was sent


def test_other_headers_and_removals_still_pass() -> None:
    transport = FakeTransport(replies=[FakeResponse.json({"data": []})])
    client = MegaNova(api_key="sk-x", transport=transport, default_headers={"X-Team": "a"})
    client.with_options(default_headers={"Connection": None})  # removing is not setting
    client.models.list(extra_headers={"X-Content-Length-Hint": "1", "X-Team": None})
    assert "X-Team" not in transport.requests[0].headers


def test_a_too_large_reply_is_marked_not_retryable() -> None:
    from meganova.core.retry import RetrySettings, decide

    error = ResponseTooLargeError("big", limit=1, size=2, status=503)
    assert error.retryable is False
    assert decide(error, 1, RetrySettings(), rand=lambda: 0.0).retry is False


def test_every_per_call_option_set_takes_the_cap_and_never_sends_it() -> None:
    def big(request: Any) -> FakeResponse:
        return FakeResponse.json({"status": "completed", "pad": "x" * 100})

    transport = FakeTransport(handler=big)
    client = MegaNova(api_key="sk-x", transport=transport)
    calls = [
        lambda: client.chat.create(messages=USER, model="m", max_response_bytes=50),
        lambda: client.chat.completions.create(messages=USER, model="m", max_response_bytes=50),
        lambda: client.videos.generate_native("m", "p", max_response_bytes=50),
    ]
    for call in calls:
        with pytest.raises(ResponseTooLargeError):
            call()
    for request in transport.requests:
        assert b"max_response_bytes" not in (request.body or b"")
    assert len(transport.requests) == len(calls)  # one attempt each


@pytest.mark.parametrize("cap", [None, 10**9])
def test_a_body_that_does_not_fit_in_memory_is_a_typed_error(cap: Any) -> None:
    def reply(request: Any) -> FakeResponse:
        return FakeResponse(200, [b'{"id": ', MemoryError()])

    transport = FakeTransport(handler=reply)
    client = MegaNova(api_key="sk-x", transport=transport, max_response_bytes=cap)
    with pytest.raises(ResponseTooLargeError) as info:
        client.chat.create(messages=USER, model="m")
    error = info.value
    assert (error.size, error.limit, error.retryable) == (None, cap, False)
    assert error.__context__ is None  # the frames that held the partial body are gone
    assert len(transport.requests) == 1


def test_the_cap_survives_pickling_and_with_options() -> None:
    import pickle

    client = MegaNova(api_key="sk-x", max_response_bytes=5000, transport="stdlib")
    assert pickle.loads(pickle.dumps(client)).config.max_response_bytes == 5000
    assert client.with_options(max_retries=0).config.max_response_bytes == 5000
    assert client.with_options(max_response_bytes=None).config.max_response_bytes is None
