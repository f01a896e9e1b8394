"""``max_response_bytes`` and bounded decompression, on every transport: a body over
the cap (announced, counted, or inflated from a gzip bomb) is a typed error raised
before memory grows past the cap, never retried; a gzip bomb in a stream stops at the
event cap. Memory is measured with tracemalloc (Python allocations, which is where a
body is held)."""

from __future__ import annotations

import gzip
import json
import threading
import tracemalloc
import zlib
from typing import Any, Callable, Iterator, List

import pytest

from meganova import MegaNova
from meganova.errors import (
    APIResponseValidationError,
    InvalidArgumentError,
    MeganovaError,
    ResponseTooLargeError,
    StreamEventTooLargeError,
)
from tests.contract.conftest import Server
from tests.contract.rawserver import (
    WAIT_LIMIT,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
    send_json,
)
from tests.helpers import CHAT_PATH, MIB, SSE, USER, gzip_bomb

REPLY = {
    "id": "c",
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "fits"}}],
}
GZIP_JSON = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


BOMB = gzip_bomb(2048 * MIB)  # 2 GiB from about 2 MB


def chat(client: MegaNova, **options: Any) -> Any:
    return client.chat.create(messages=USER, model="m", **options)


def peak_of(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """The exception ``call`` raised and the peak of Python allocations while it ran.
    A caller that keeps the exception (an error reporter) must not keep the body with
    it: what is still allocated while it is held is checked here."""
    tracemalloc.start()
    try:
        try:
            call()
        except Exception as exc:
            held = tracemalloc.get_traced_memory()[0]
            assert held < 4 * MIB, f"{held} bytes still held with {exc!r}"
            return exc, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- the cap on a whole body -------------------------------------------------------------


def test_the_bomb_is_what_it_claims() -> None:
    assert len(BOMB) < 3 * MIB
    head_ = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(BOMB[: len(BOMB) // 64], 4 * MIB)
    assert head_ == b"\0" * (4 * MIB)  # and it goes on: 2 GiB in all


def test_an_announced_body_over_the_cap_is_refused_unread_and_not_retried(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    body = json.dumps({**REPLY, "pad": "x" * 4000}).encode()
    server.reply("POST", CHAT_PATH, body=body, headers={"Content-Type": "application/json"})
    server.reply("POST", CHAT_PATH, json=REPLY)  # what a retry (there must be none) would get
    client = make_client(max_retries=2, max_response_bytes=1000)
    with pytest.raises(ResponseTooLargeError) as info:
        chat(client)
    error = info.value
    assert isinstance(error, APIResponseValidationError)  # the reply could not be accepted
    assert (error.limit, error.status, error.code) == (1000, 200, "response_too_large")
    assert error.size >= 1000 and "max_response_bytes" in str(error)
    assert len(server.received_at(CHAT_PATH)) == 1  # the same request brings the same body
    assert chat(client).choices[0].message.content == "fits"  # the pool is healthy


def test_a_chunked_body_over_the_cap_is_refused_while_it_arrives(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    pieces = [b'{"pad": "'] + [b"x" * 1000] * 50 + [b'"}']
    server.reply("POST", CHAT_PATH, chunks=pieces, headers={"Content-Type": "application/json"})
    server.reply("POST", CHAT_PATH, json=REPLY)
    client = make_client(max_retries=2, max_response_bytes=10_000)
    with pytest.raises(ResponseTooLargeError) as info:
        chat(client)
    assert 10_000 < info.value.size <= 10_000 + 64 * 1024  # stopped at the first read past it
    assert len(server.received_at(CHAT_PATH)) == 1


def test_a_body_of_exactly_the_cap_fits(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    body = json.dumps(REPLY).encode()
    server.reply("POST", CHAT_PATH, body=body, headers={"Content-Type": "application/json"})
    server.reply("POST", CHAT_PATH, chunks=[body[:10], body[10:]])
    client = make_client(max_response_bytes=len(body))
    assert chat(client).choices[0].message.content == "fits"  # sized
    assert chat(client).choices[0].message.content == "fits"  # chunked


def test_an_error_reply_over_the_cap_is_refused_and_not_retried(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    server.reply("POST", CHAT_PATH, 503, body=b"busy " * 1000)
    server.reply("POST", CHAT_PATH, json=REPLY)
    client = make_client(max_retries=2, max_response_bytes=1000)
    with pytest.raises(ResponseTooLargeError) as info:
        chat(client)
    assert info.value.status == 503
    assert len(server.received_at(CHAT_PATH)) == 1


def test_the_cap_per_call_with_options_and_lifted(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    server.reply("POST", CHAT_PATH, json={**REPLY, "pad": "x" * 2000})
    server.reply("GET", "/v1/models", json={"data": [{"id": "m", "pad": "x" * 2000}]})
    roomy = make_client()
    tight = make_client(max_response_bytes=100)
    assert roomy.config.max_response_bytes == 256 * MIB  # the default
    assert chat(roomy).choices[0].message.content == "fits"
    with pytest.raises(ResponseTooLargeError):
        chat(roomy, max_response_bytes=100)  # this call only
    assert chat(roomy).choices[0].message.content == "fits"
    with pytest.raises(ResponseTooLargeError):
        chat(tight)
    assert chat(tight, max_response_bytes=None).choices[0].message.content == "fits"
    assert chat(tight.with_options(max_response_bytes=None)).choices[0].message.content == "fits"
    with pytest.raises(ResponseTooLargeError):
        chat(roomy.with_options(max_response_bytes=100))
    with pytest.raises(ResponseTooLargeError):  # the typed fallback decode keeps it raised
        tight.models.list()


def test_a_json_reply_to_a_stream_is_capped_too(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    server.reply("POST", CHAT_PATH, json={"error": {"message": "x" * 5000}})
    client = make_client(max_response_bytes=1000)
    with pytest.raises(ResponseTooLargeError):
        client.chat.stream(messages=USER, model="m")


@pytest.mark.parametrize("value", [0, -1, 1.5, "1", True])
def test_a_bad_cap_is_refused_naming_it(
    server: Server, make_client: Callable[..., MegaNova], value: object
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        make_client(max_response_bytes=value)
    assert info.value.argument == "max_response_bytes"
    client = make_client()
    with pytest.raises(InvalidArgumentError) as info:
        client.with_options(max_response_bytes=value)
    assert info.value.argument == "max_response_bytes"
    with pytest.raises(InvalidArgumentError) as info:
        chat(client, max_response_bytes=value)
    assert info.value.argument == "max_response_bytes"
    assert server.received == []  # nothing sent


def endless_body(sent: List[int], framing: str) -> Callable[[RawConnection, RawRequest], bool]:
    """A 200 whose body never ends (until the client goes, or 640 MiB / 10 s): chunked,
    or delimited by the connection's close."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        if framing == "chunked":
            conn.send(
                head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            )
            piece = chunk(b"x" * 65536)
        else:
            conn.send(head(200, {"Content-Type": "application/json", "Connection": "close"}))
            piece = b"x" * 65536
        stop = threading.Event()
        for _ in range(int(WAIT_LIMIT * 1000)):
            if not conn.send(piece):
                return False
            sent[0] += len(piece)
            stop.wait(0.0005 if sent[0] > 64 * MIB else 0)
        return False

    return script


@pytest.mark.parametrize("framing", ["chunked", "until-close"])
def test_an_endless_body_is_downloaded_once_up_to_the_cap(
    raw: RawServer, make_raw_client: Callable[..., MegaNova], framing: str
) -> None:
    sent = [0]
    raw.on(CHAT_PATH, endless_body(sent, framing))
    client = make_raw_client(max_retries=2, max_response_bytes=4 * MIB)
    error, peak = peak_of(lambda: chat(client))
    assert isinstance(error, ResponseTooLargeError), error
    assert sum(1 for r in raw.requests if r.path == CHAT_PATH) == 1
    assert peak < 16 * MIB, peak  # what was read, not what was sent
    assert sent[0] < 48 * MIB, sent  # the cap and socket buffers: the socket was closed
    raw.on("/v1/ok", lambda conn, request: send_json(conn, {"ok": True}))
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}


# -- decompression ------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["sized", "chunked"])
def test_a_gzip_bomb_is_cut_off_at_the_cap(
    server: Server, make_client: Callable[..., MegaNova], framing: str
) -> None:
    if framing == "sized":
        server.reply("POST", CHAT_PATH, body=BOMB, headers=GZIP_JSON)
    else:
        pieces = [BOMB[i : i + 65536] for i in range(0, len(BOMB), 65536)]
        server.reply("POST", CHAT_PATH, chunks=pieces, headers=GZIP_JSON)
    fine = gzip.compress(json.dumps(REPLY).encode())
    server.reply("POST", CHAT_PATH, body=fine, headers=GZIP_JSON)
    client = make_client(max_retries=2, max_response_bytes=8 * MIB)
    error, peak = peak_of(lambda: chat(client))
    assert isinstance(error, ResponseTooLargeError), error
    assert 8 * MIB < error.size <= 9 * MIB
    assert peak < 40 * MIB, peak  # the cap, a piece, the 2 MB bomb: never its 2 GiB
    assert len(server.received_at(CHAT_PATH)) == 1
    assert chat(client).choices[0].message.content == "fits"


def test_a_gzip_bomb_in_a_stream_stops_at_the_event_cap(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    pieces = [BOMB[i : i + 65536] for i in range(0, len(BOMB), 65536)]
    server.reply("POST", CHAT_PATH, chunks=pieces, headers={**SSE, "Content-Encoding": "gzip"})
    client = make_client(max_retries=2)

    def read_all() -> None:
        for _ in client.chat.stream(messages=USER, model="m"):
            pass

    error, peak = peak_of(read_all)
    assert isinstance(error, StreamEventTooLargeError), error
    assert isinstance(error, MeganovaError)
    assert peak < 48 * MIB, peak  # the 16 MiB event cap and bounded pieces


def test_a_stream_hands_out_bounded_pieces(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    """Each read of a compressed stream yields a bounded piece, however much one block
    of the wire inflates to."""
    small = gzip_bomb(8 * MIB)
    server.reply("POST", CHAT_PATH, chunks=[small], headers={**SSE, "Content-Encoding": "gzip"})
    response = make_client().engine.open_stream("POST", "/chat/completions", json={})
    try:
        sizes = []
        pieces: Iterator[bytes] = iter(response.iter_bytes())
        for piece in pieces:
            sizes.append(len(piece))
            if sum(sizes) >= 8 * MIB:
                break
    finally:
        response.close()
    assert sum(sizes) == 8 * MIB
    assert max(sizes) <= 256 * 1024


def test_a_content_length_of_non_ascii_digits_is_no_length(
    raw: RawServer, make_raw_client: Callable[..., MegaNova]
) -> None:
    """``Content-Length: ²`` (byte 0xB2: a digit to ``str.isdigit``, not to ``int``) is
    read as no length, as http.client does: never a bare ValueError."""
    body = json.dumps(REPLY).encode()

    def script(conn: RawConnection, request: RawRequest) -> bool:
        headers = b"Content-Type: application/json\r\nContent-Length: \xb2\r\nConnection: close"
        conn.send(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n\r\n" + body)
        return False

    raw.on(CHAT_PATH, script)
    assert chat(make_raw_client()).choices[0].message.content == "fits"
