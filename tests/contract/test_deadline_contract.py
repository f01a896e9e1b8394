"""``deadline`` bounds everything a call does, on every socket transport: a server that
drips the reply headers, the body or a stream one piece at a time, each just inside the
read timeout, cannot stretch a call past its deadline. Before, a dripping 46-byte body
returned after 18 s and a dripping 1 KB one took minutes; a stream had no bound at all.

The server never stops dripping on its own (only a closed socket or the test's end stop
it), so a call that is not bounded fails the time check instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator

import pytest

from meganova import MegaNova
from meganova.errors import APITimeoutError, StreamTimeoutError
from tests.contract.rawserver import (
    SSE_CHUNKED,
    WAIT_LIMIT,
    RawConnection,
    RawRequest,
    RawServer,
    Script,
    chunk,
    head,
)
from tests.helpers import CHAT_PATH, USER, ev

Factory = Callable[..., MegaNova]
DEADLINE = 0.8
READ_TIMEOUT = 0.6  # every drip below comes well inside it
DRIP = 0.15
SLACK = 1.0  # scheduling on a loaded machine; an unbounded call overruns by seconds
BODY = b'{"id": "c", "object": "chat.completion", "choices": [], "pad": "' + b"x" * 980 + b'"}'


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def dripping(stop: threading.Event, data: bytes, prefix: bytes = b"") -> Script:
    """Send ``prefix``, then ``data`` one byte every ``DRIP`` seconds (for at most
    ``WAIT_LIMIT`` seconds: the server always stops)."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        if prefix and not conn.send(prefix):
            return False
        for byte in data[: int(WAIT_LIMIT / DRIP)]:
            if stop.wait(DRIP) or not conn.send(bytes([byte])):
                return False
        return False

    return script


def timed(call: Callable[[], Any]) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as info:
        call()
    return info.value, time.monotonic() - started


def chat(client: MegaNova) -> Callable[[], Any]:
    return lambda: client.chat.create(messages=USER, model="m")


def test_a_dripping_body_ends_at_the_deadline(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    sized = head(200, {"Content-Type": "application/json", "Content-Length": str(len(BODY))})
    raw.on(CHAT_PATH, dripping(stop, BODY, prefix=sized))
    client = build(clock=None, timeout=(2, READ_TIMEOUT), deadline=DEADLINE)
    error, elapsed = timed(chat(client))
    assert elapsed < DEADLINE + SLACK, elapsed
    assert "deadline" in str(error) and error.request_sent is True
    assert len(raw.requests) == 1


def test_a_dripping_chunked_body_ends_at_the_deadline(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    chunked = head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    raw.on(CHAT_PATH, dripping(stop, chunk(BODY), prefix=chunked))
    client = build(clock=None, timeout=(2, READ_TIMEOUT), deadline=DEADLINE)
    _, elapsed = timed(chat(client))
    assert elapsed < DEADLINE + SLACK, elapsed


def test_dripping_reply_headers_end_at_the_deadline(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    headers = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"p" * 200 + b"\r\n\r\n"
    raw.on(CHAT_PATH, dripping(stop, headers))
    client = build(clock=None, timeout=(2, READ_TIMEOUT), deadline=DEADLINE)
    _, elapsed = timed(chat(client))
    assert elapsed < DEADLINE + SLACK, elapsed


def test_a_stream_of_steady_events_ends_at_the_deadline(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    """Data keeps coming, so the idle check never fires: only the deadline ends it."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        if not conn.send(head(200, SSE_CHUNKED)):
            return False
        for _ in range(int(WAIT_LIMIT / DRIP)):
            if stop.wait(DRIP) or not conn.send(chunk(ev("a"))):
                return False
        return False

    raw.on(CHAT_PATH, script)
    client = build(clock=None, timeout=(2, READ_TIMEOUT), deadline=DEADLINE)
    stream = client.chat.stream(messages=USER, model="m")
    started = time.monotonic()
    with pytest.raises(StreamTimeoutError) as info:
        for _ in stream:
            pass
    elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + SLACK, elapsed
    assert "deadline" in str(info.value) and info.value.partial_text.startswith("a")


def test_a_stream_dripping_one_event_byte_by_byte_ends_at_the_deadline(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    """Bytes arrive well inside the read timeout; no event is ever complete."""
    raw.on(CHAT_PATH, dripping(stop, chunk(b"data: " + b"x" * 400), prefix=head(200, SSE_CHUNKED)))
    client = build(clock=None, timeout=(2, 10.0), deadline=DEADLINE)
    stream = client.chat.stream(messages=USER, model="m")
    started = time.monotonic()
    with pytest.raises(StreamTimeoutError):
        list(stream)
    assert time.monotonic() - started < DEADLINE + SLACK


def test_the_socket_waits_no_longer_than_what_is_left(
    build: Factory, raw: RawServer, stop: threading.Event
) -> None:
    """A stall after the first event: with a 10 s read timeout and a deadline, the
    socket's wait is cut to what is left of the deadline."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, SSE_CHUNKED) + chunk(ev("a")))
        stop.wait(WAIT_LIMIT)
        return False

    raw.on(CHAT_PATH, script)
    client = build(clock=None, timeout=(2, 10.0), deadline=DEADLINE)
    stream = client.chat.stream(messages=USER, model="m")
    started = time.monotonic()
    with pytest.raises(StreamTimeoutError) as info:
        list(stream)
    assert time.monotonic() - started < DEADLINE + SLACK
    assert info.value.partial_text == "a"


def test_a_call_within_its_deadline_is_untouched(build: Factory, raw: RawServer) -> None:
    """The budget costs nothing to a call that fits: the same connection is reused."""
    raw.on(CHAT_PATH, lambda conn, request: conn.send(_json_head(BODY) + BODY))
    client = build(clock=None, deadline=30)
    for _ in range(3):
        assert client.chat.create(messages=USER, model="m").id == "c"
    assert raw.connections == 1 and len(raw.requests) == 3


def _json_head(body: bytes) -> bytes:
    return head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})


def _user_pool_transports() -> Iterator[Any]:
    import urllib3

    from meganova.adapters.urllib3_transport import Urllib3Transport

    yield Urllib3Transport(pool_manager=urllib3.PoolManager(retries=False))
    try:
        import requests

        from meganova.adapters.requests_transport import RequestsTransport
    except ImportError:  # pragma: no cover - requests is a test dependency
        return
    yield RequestsTransport(session=requests.Session())


@pytest.mark.parametrize(
    "transport", list(_user_pool_transports()), ids=["pool_manager", "session"]
)
def test_the_deadline_also_bounds_a_body_read_through_the_users_own_pool(
    raw: RawServer, stop: threading.Event, transport: Any
) -> None:
    """Connections we did not build read with the library's own reply, whose one read
    may wait for a whole block (urllib3 1.x): the deadline cuts it all the same."""
    raw.reset_counts()
    sized = head(200, {"Content-Type": "application/json", "Content-Length": str(len(BODY))})
    raw.on(CHAT_PATH, dripping(stop, BODY, prefix=sized))
    client = MegaNova(
        api_key="sk-test",
        base_url=raw.url("/v1"),
        transport=transport,
        max_retries=0,
        timeout=(2, READ_TIMEOUT),
        deadline=DEADLINE,
    )
    try:
        _, elapsed = timed(chat(client))
    finally:
        client.close()
    assert elapsed < DEADLINE + SLACK, elapsed


@pytest.mark.parametrize(
    "transport", list(_user_pool_transports()), ids=["pool_manager", "session"]
)
@pytest.mark.parametrize("stall", [True, False], ids=["stalled", "dripping"])
def test_the_deadline_ends_a_stream_read_through_the_users_own_pool(
    raw: RawServer, stop: threading.Event, transport: Any, stall: bool
) -> None:
    """A stream off a pool of the user's that stalls after its first event (a 10 s
    read timeout), or drips one event byte by byte: over at the deadline, with what
    arrived kept."""

    def stalled(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, SSE_CHUNKED) + chunk(ev("a")))
        stop.wait(WAIT_LIMIT)
        return False

    drip = dripping(stop, chunk(b"data: " + b"x" * 400), prefix=head(200, SSE_CHUNKED))
    raw.on(CHAT_PATH, stalled if stall else drip)
    client = MegaNova(
        api_key="sk-test",
        base_url=raw.url("/v1"),
        transport=transport,
        max_retries=0,
        timeout=(2, 10.0),
        deadline=DEADLINE,
    )
    stream = client.chat.stream(messages=USER, model="m")
    started = time.monotonic()
    try:
        with pytest.raises(StreamTimeoutError) as info:
            list(stream)
    finally:
        client.close()
    assert time.monotonic() - started < DEADLINE + SLACK
    assert "deadline" in str(info.value)
    assert info.value.partial_text == ("a" if stall else "")
