"""How a stream's connection ends, on every socket transport: after ``[DONE]`` the rest
of the body is read only if it follows at once (then the connection is reused); a
server that keeps the stream open, or keeps pinging, loses the connection instead of
holding the caller. And a stream's memory does not grow with its number of events."""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any, Iterator, List

import pytest

from meganova import MegaNova
from meganova.errors import StreamConnectionError
from meganova.streaming import DRAIN_WAIT, RECENT_CHUNKS
from tests.contract.conftest import transport_instance
from tests.contract.rawserver import (
    LAST_CHUNK,
    SSE_CHUNKED,
    WAIT_LIMIT,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
)
from tests.helpers import DONE, USER, ev

PROMPT = DRAIN_WAIT + 1.0  # what "at once" means here, with room for a loaded machine
ANSWER = chunk(ev("Hel")) + chunk(ev("lo", "stop")) + chunk(DONE)


def _held_open(conn: RawConnection, request: RawRequest) -> bool:
    """The answer and [DONE], then the body never ends (no last chunk)."""
    if not conn.send(head(200, SSE_CHUNKED) + ANSWER):
        return False
    conn.sock.settimeout(WAIT_LIMIT)
    try:
        while conn.sock.recv(65536):
            pass
    except OSError:
        pass
    return False


def _pinging(conn: RawConnection, request: RawRequest) -> bool:
    """The answer and [DONE], then a keep-alive comment every 10 ms for good."""
    if not conn.send(head(200, SSE_CHUNKED) + ANSWER):
        return False
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if not conn.send(chunk(b": ping\n\n")):
            return False
        time.sleep(0.01)
    return False


def _tidy(conn: RawConnection, request: RawRequest) -> bool:
    """The answer, [DONE], a comment, and the end of the body a moment later."""
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle wait
    if not conn.send(head(200, SSE_CHUNKED) + ANSWER):
        return False
    time.sleep(0.01)
    return conn.send(chunk(b": bye\n\n") + LAST_CHUNK)


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    raw = RawServer()
    raw.on("/v1/held/chat/completions", _held_open)
    raw.on("/v1/pinging/chat/completions", _pinging)
    raw.on("/v1/tidy/chat/completions", _tidy)
    yield raw
    raw.stop()


def client_for(server: RawServer, transport: str, path: str) -> MegaNova:
    return MegaNova(
        api_key="sk-test",
        base_url=server.url(f"/v1/{path}"),
        transport=transport_instance(transport),
        max_retries=0,
        timeout=(5, 20),  # far longer than a caller may be held
    )


@pytest.mark.parametrize("path", ["held", "pinging"])
@pytest.mark.parametrize("surface", ["guideline", "openai"])
def test_after_done_a_server_that_keeps_sending_does_not_hold_the_caller(
    real_transport: str, server: RawServer, path: str, surface: str
) -> None:
    client = client_for(server, real_transport, path)
    try:
        server.reset_counts()
        for _ in range(2):
            started = time.monotonic()
            if surface == "guideline":
                stream: Any = client.chat.stream(messages=USER, model="m")
                assert [item.delta for item in stream] == ["Hel", "lo", ""]
            else:
                stream = client.chat.completions.create(messages=USER, model="m", stream=True)
                assert len(list(stream)) == 2
            took = time.monotonic() - started
            assert took < PROMPT, f"the caller was held {took:.2f}s after [DONE]"
            assert stream.get_final_response().choices[0].message.content == "Hello"
        # The connection that never ended was discarded, not pooled.
        assert [r.connection for r in server.requests] == [1, 2]
    finally:
        client.close()


def test_after_done_a_body_that_ends_at_once_keeps_its_connection(
    real_transport: str, server: RawServer
) -> None:
    client = client_for(server, real_transport, "tidy")
    try:
        server.reset_counts()
        for _ in range(3):
            assert [item.delta for item in client.chat.stream(messages=USER, model="m")] == [
                "Hel",
                "lo",
                "",
            ]
        assert [r.connection for r in server.requests] == [1, 1, 1]
    finally:
        client.close()


# -- memory per stream --------------------------------------------------------------

TINY = b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": "x"}}]}).encode()
BLOCK_EVENTS = 2000


def _many_events(conn: RawConnection, request: RawRequest) -> bool:
    """``n`` tiny events (from the user's text), in big HTTP chunks, then a cut: a
    stream error at the end, whose partial answer must still be exact."""
    n = int(json.loads(request.body)["messages"][0]["content"])
    block = chunk((TINY + b"\n\n") * BLOCK_EVENTS)
    if not conn.send(head(200, SSE_CHUNKED)):
        return False
    for _ in range(n // BLOCK_EVENTS):
        if not conn.send(block):
            return False
    conn.sock.shutdown(2)  # no last chunk: the body is cut off
    return False


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_memory_per_stream_is_flat_and_the_partial_answer_exact(real_transport: str) -> None:
    server = RawServer()
    server.on("/v1/chat/completions", _many_events)
    client = MegaNova(
        api_key="sk-test",
        base_url=server.url("/v1"),
        transport=transport_instance(real_transport),
        max_retries=0,
        timeout=(5, 30),
    )
    total = 600_000
    marks: List[int] = []
    try:
        stream = client.chat.completions.create(
            messages=[{"role": "user", "content": str(total)}], model="m", stream=True
        )
        seen = 0
        with pytest.raises(StreamConnectionError) as info:
            for _ in stream:
                seen += 1
                if seen in (200_000, total):
                    marks.append(resident_bytes())
        assert seen == total
        grown = marks[1] - marks[0]
        # 400,000 more events: kept whole they cost ~60 MB; the text they add is 400 kB.
        assert grown < 8 * 1024 * 1024, f"RSS grew {grown / 1e6:.1f} MB over 400k events"
        error = info.value
        assert error.partial_text == "x" * total
        assert error.partial.choices[0].message.content == "x" * total
        assert len(error.chunks) == RECENT_CHUNKS  # the last ones, documented in README
        assert stream.text == "x" * total
    finally:
        client.close()
        server.stop()
