"""Content-Encoding reads the same on every transport: gzip and deflate bodies, sized,
chunked and streamed (decoded as they arrive), are undone; a corrupt one is a typed
error. We ask for no compression (http.client's ``Accept-Encoding: identity``), so this
only matters behind a proxy that compresses anyway."""

from __future__ import annotations

import gzip
import json
import queue
import threading
import zlib
from typing import Any, Callable, List

import pytest

from meganova import MegaNova
from meganova.errors import APIResponseValidationError, StreamDecodeError
from tests.contract.conftest import Server
from tests.contract.rawserver import RawConnection, RawRequest, RawServer, chunk, head
from tests.helpers import CHAT_PATH, DONE, SSE, USER, ev

REPLY = {
    "id": "c",
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "zipped " * 50}}],
}
BODY = json.dumps(REPLY).encode()
GZIP = {"Content-Type": "application/json", "Content-Encoding": "gzip"}


def deflate(data: bytes, *, raw: bool = False) -> bytes:
    obj = zlib.compressobj(wbits=-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


def gzip_pieces(pieces: List[bytes]) -> List[bytes]:
    """One gzip stream, flushed after each piece so each can be decoded on arrival."""
    obj = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    out = [obj.compress(p) + obj.flush(zlib.Z_SYNC_FLUSH) for p in pieces]
    out[-1] += obj.flush()
    return out


def content(client: MegaNova) -> Any:
    return client.chat.completions.create(messages=USER, model="m").choices[0].message.content


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", deflate(BODY)),
        ("deflate", deflate(BODY, raw=True)),
        ("gzip", gzip.compress(BODY[:100]) + gzip.compress(BODY[100:])),  # two members
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "gzip-two-members"],
)
def test_a_compressed_sized_body_is_decoded(
    server: Server, client: MegaNova, coding: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": coding}
    server.reply("POST", CHAT_PATH, body=body, headers=headers)
    assert content(client) == "zipped " * 50
    assert content(client) == "zipped " * 50  # and the connection stays usable


def test_a_compressed_chunked_body_is_decoded(server: Server, client: MegaNova) -> None:
    packed = gzip.compress(BODY)
    pieces = [packed[i : i + 7] for i in range(0, len(packed), 7)]
    server.reply("POST", CHAT_PATH, chunks=pieces, headers=GZIP)
    assert content(client) == "zipped " * 50


def test_a_gzip_event_stream_is_decoded_as_it_arrives(server: Server, client: MegaNova) -> None:
    gate = threading.Event()
    first, *rest = gzip_pieces([ev("Hel"), ev("lo", "stop"), DONE])
    headers = {**SSE, "Content-Encoding": "gzip"}
    server.reply("POST", CHAT_PATH, chunks=[first, gate, *rest], headers=headers)
    stream = client.chat.stream(messages=USER, model="m")
    seen: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            for item in stream:
                seen.put(item.delta)
            seen.put(None)
        except BaseException as exc:  # pragma: no cover - reported below
            seen.put(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    try:
        assert seen.get(timeout=5) == "Hel"  # before the rest was even sent
    finally:
        gate.set()
    items = []
    while (item := seen.get(timeout=5)) is not None:
        assert isinstance(item, str), item
        items.append(item)
    worker.join(5)
    assert items == ["lo", ""]
    assert stream.get_final_response().choices[0].message.content == "Hello"


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(BODY)[:-12], gzip.compress(BODY)[:10] + b"x" * 50],
    ids=["not-gzip", "cut-short", "garbled"],
)
def test_a_corrupt_compressed_body_is_a_typed_error(
    server: Server, client: MegaNova, body: bytes
) -> None:
    server.reply("POST", CHAT_PATH, body=body, headers=GZIP)
    server.reply("POST", CHAT_PATH, json=REPLY)
    with pytest.raises(APIResponseValidationError, match="does not decompress"):
        content(client)
    assert content(client) == "zipped " * 50


def test_a_corrupt_gzip_stream_is_a_typed_error(server: Server, client: MegaNova) -> None:
    headers = {**SSE, "Content-Encoding": "gzip"}
    gate = threading.Event()  # the garbage is sent only after the first event arrived
    server.reply(
        "POST",
        CHAT_PATH,
        chunks=[gzip_pieces([ev("a")])[0], gate, b"garbage!"],
        headers=headers,
    )
    received = []
    with pytest.raises(StreamDecodeError, match="does not decompress") as info:
        for chunk in client.chat.stream(messages=USER, model="m"):
            received.append(chunk.delta)
            gate.set()
    assert received == ["a"] and info.value.partial_text == "a"  # what arrived is kept


def test_we_ask_for_no_compression(server: Server, client: MegaNova, socket_transport: str) -> None:
    server.reply("POST", CHAT_PATH, json=REPLY)
    content(client)
    assert server.received_at(CHAT_PATH)[-1].headers.get("accept-encoding") == "identity"


# -- raw wire: chunk extensions, trailers, framing and coding together --------------------


def test_gzip_chunks_with_extensions_and_trailers_then_reuse(
    raw: RawServer, build: Callable[[], MegaNova]
) -> None:
    packed = gzip.compress(BODY)
    third = len(packed) // 3
    wire = (
        f"{third:x};name=value\r\n".encode()
        + packed[:third]
        + b"\r\n"
        + chunk(packed[third : 2 * third])
        + f'{len(packed) - 2 * third:x} ; x="y"\r\n'.encode()
        + packed[2 * third :]
        + b"\r\n0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n"
    )

    def script(conn: RawConnection, request: RawRequest) -> bool:
        headers = {**GZIP, "Transfer-Encoding": "chunked"}
        return conn.send(head(200, headers) + wire)

    raw.on(CHAT_PATH, script)
    client = build()
    for _ in range(3):
        assert content(client) == "zipped " * 50
    assert raw.connections == 1


def test_the_sized_check_counts_bytes_on_the_wire(
    raw: RawServer, build: Callable[[], MegaNova]
) -> None:
    packed = gzip.compress(BODY)

    def script(conn: RawConnection, request: RawRequest) -> bool:
        headers = {**GZIP, "Content-Length": str(len(packed))}
        return conn.send(head(200, headers) + packed)

    raw.on(CHAT_PATH, script)
    client = build()
    assert content(client) == "zipped " * 50
    response = client.engine.open_stream("POST", "/chat/completions", json={})
    try:
        assert b"".join(response.iter_bytes()) == BODY
    finally:
        response.close()
    assert raw.connections == 1
