"""The async transport contract: what every ``AsyncTransport`` guarantees, checked on
aiohttp, httpx and worker threads against the raw-socket server (and on the async fake
where no socket is involved). Each case uses only the port: ``send``, ``aread``,
``aiter_bytes``, ``aclose``.
"""

# The contract fixtures are used by name, so parameters shadow them on purpose.

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import json
import socket
import ssl
import threading
import time
import traceback
import warnings
import zlib
from typing import Any, Callable, Iterator, Optional, Tuple

import pytest

from meganova.core.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
)
from meganova.core.proxy import PROXY_AUTHENTICATION_REQUIRED
from meganova.core.redact import Sensitive
from meganova.core.retry import CERTIFICATE_VERIFY_FAILED
from tests.contract.conftest import ASYNC_KEY, Stage, async_request, frames_holding
from tests.contract.proxyserver import ProxyServer
from tests.contract.rawserver import (
    WAIT_LIMIT,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
    reset_mid_body,
    truncated_chunked,
    truncated_sized,
)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

Build = Callable[..., Any]
JSON = {"Content-Type": "application/json"}


async def read_all(transport: Any, url: str, **options: Any) -> Tuple[Any, bytes]:
    response = await transport.send(async_request(url, **options))
    try:
        return response, await response.aread()
    finally:
        await response.aclose()


async def became_set(event: threading.Event, limit: float = 5.0) -> bool:
    """Whether ``event`` is set within ``limit`` seconds, the loop running meanwhile
    (a library closes a socket on a later turn of the loop)."""
    ends = time.monotonic() + limit
    while not event.is_set() and time.monotonic() < ends:
        await asyncio.sleep(0.01)
    return event.is_set()


async def failure(call: Any) -> APIConnectionError:
    """The error ``call`` (an awaitable) raises; caught here, so no frame of the case
    itself is in its traceback."""
    try:
        await call
    except APIConnectionError as exc:
        return exc
    raise AssertionError("expected an APIConnectionError")


def collect() -> None:
    """Run finalizers now, so an unclosed socket or session warns inside the case."""
    for _ in range(3):
        gc.collect()


# -- scripts of the raw server ----------------------------------------------------------


def stall_before_reply(
    release: threading.Event, closed: threading.Event, arrived: Optional[threading.Event] = None
) -> Any:
    """Read the request, answer nothing; ``arrived`` is set once the request is read,
    ``closed`` once the client hangs up."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        if arrived is not None:
            arrived.set()
        wait_for_hangup(conn, closed, release)
        return False

    return script


def stall_mid_body(release: threading.Event, closed: threading.Event) -> Any:
    """Send the head and part of a chunked body, then nothing until the client hangs up."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, {"Transfer-Encoding": "chunked"}) + chunk(b"first"))
        wait_for_hangup(conn, closed, release)
        return False

    return script


def wait_for_hangup(conn: RawConnection, closed: threading.Event, release: threading.Event) -> None:
    conn.sock.settimeout(0.05)
    ends = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < ends and not release.is_set():
        try:
            if not conn.sock.recv(65536):
                closed.set()
                return
        except socket.timeout:
            continue
        except OSError:
            closed.set()
            return


def drip(conn: RawConnection, request: RawRequest) -> bool:
    """One byte of a chunked body every 0.1 s, for up to 5 s: each wait is well inside
    any read timeout, only a deadline stops it."""
    if not conn.send(head(200, {"Transfer-Encoding": "chunked"})):
        return False
    for _ in range(50):
        if not conn.send(chunk(b".")):
            return False
        time.sleep(0.1)
    return False


def gated_chunks(first: bytes, gate: threading.Event, second: bytes) -> Any:
    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, {"Transfer-Encoding": "chunked"}) + chunk(first))
        gate.wait(WAIT_LIMIT)
        return conn.send(chunk(second) + b"0\r\n\r\n")

    return script


def interim_then(status: int, body: bytes) -> Any:
    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n")
        time.sleep(0.02)
        conn.send(b"HTTP/1.1 102 Processing\r\n\r\n")
        return conn.send(head(status, {"Content-Length": str(len(body))}) + body)

    return script


def echo(conn: RawConnection, request: RawRequest) -> bool:
    body = (
        json.dumps(
            {"method": request.method, "target": request.target, "headers": request.headers}
        ).encode()
        + b"\n"
        + request.body
    )
    return conn.send(head(200, {"Content-Length": str(len(body))}) + body)


# -- what arrives -----------------------------------------------------------------------


async def test_status_headers_and_body_arrive(stage: Stage, make_async_transport: Build) -> None:
    stage.on("/ok", 201, {"X-Trace": "abc", "Set-Thing": "1", **JSON}, body=b'{"a": 1}')
    transport = make_async_transport()
    response, body = await read_all(transport, stage.url("/ok"))
    assert response.status == 201
    assert response.headers["x-trace"] == "abc"
    assert response.headers["X-TRACE"] == "abc"
    assert response.headers.get("content-type") == "application/json"
    assert isinstance(response.reason, str)
    assert body == b'{"a": 1}'


async def test_an_empty_body_and_a_repeated_read(stage: Stage, make_async_transport: Build) -> None:
    stage.on("/empty", 204)
    transport = make_async_transport()
    response = await transport.send(async_request(stage.url("/empty")))
    assert response.status == 204
    assert await response.aread() == b""
    assert await response.aread() == b""  # the end, again
    await response.aclose()


async def test_the_request_arrives_as_sent(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    socket_stage.script("/echo", echo)
    transport = make_async_transport()
    headers = {"Authorization": Sensitive(f"Bearer {ASYNC_KEY}"), "X-Custom": "v1"}
    url = socket_stage.url("/echo?q=a%2Fb&x=1")
    _, body = await read_all(transport, url, method="POST", headers=headers, body=b"\x00payload")
    head_line, _, sent = body.partition(b"\n")
    seen = json.loads(head_line)
    assert seen["method"] == "POST"
    assert seen["target"] == "/echo?q=a%2Fb&x=1"  # never re-quoted
    assert seen["headers"]["authorization"] == f"Bearer {ASYNC_KEY}"  # not "<redacted>"
    assert seen["headers"]["x-custom"] == "v1"
    assert seen["headers"]["content-length"] == "8"
    assert seen["headers"]["accept-encoding"] == "identity"  # nothing we cannot decode
    assert sent == b"\x00payload"


async def test_chunks_arrive_as_they_are_sent(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    gate = threading.Event()
    socket_stage.script("/gated", gated_chunks(b"data: one\n\n", gate, b"data: two\n\n"))
    transport = make_async_transport()
    try:
        response = await transport.send(async_request(socket_stage.url("/gated")))
        chunks = response.aiter_bytes()
        # The second chunk is sent only once the first was received here.
        assert await asyncio.wait_for(chunks.__anext__(), 5) == b"data: one\n\n"
        gate.set()
        rest = [c async for c in chunks]
        assert b"".join(rest) == b"data: two\n\n"
        await response.aclose()
    finally:
        gate.set()


async def test_the_fake_streams_an_async_body(anyio_backend: str) -> None:
    from meganova.adapters.fake_transport import AsyncFakeTransport, FakeResponse

    async def body() -> Any:
        yield b"one"
        yield b"two"

    async def handler(request: Any) -> FakeResponse:
        return FakeResponse(200, body())

    transport = AsyncFakeTransport(handler)
    response = await transport.send(async_request("http://fake.test/x"))
    assert [c async for c in response.aiter_bytes()] == [b"one", b"two"]
    assert transport.requests[0].url == "http://fake.test/x"
    await transport.aclose()


# -- pooling ----------------------------------------------------------------------------


async def test_a_connection_is_reused(socket_stage: Stage, make_async_transport: Build) -> None:
    socket_stage.on("/a", body=b"x" * 1000)
    socket_stage.on("/b", chunks=[b"y" * 10, b"z" * 10])
    transport = make_async_transport()
    for path in ("/a", "/b", "/a", "/b"):
        await read_all(transport, socket_stage.url(path))
    assert socket_stage.raw is not None
    assert socket_stage.raw.connections == 1
    assert len(socket_stage.raw.requests) == 4


async def test_concurrent_requests_each_get_their_reply(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    for n in range(8):
        socket_stage.on(f"/n{n}", body=str(n).encode() * 100)
    transport = make_async_transport()
    bodies = await asyncio.gather(
        *(read_all(transport, socket_stage.url(f"/n{n}")) for n in range(8))
    )
    assert [b for _, b in bodies] == [str(n).encode() * 100 for n in range(8)]


async def test_two_origins_in_turn_keep_a_connection_each(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    socket_stage.on("/a", body=b"a")
    other = RawServer()
    try:
        other.on("/b", lambda conn, request: conn.send(head(200, {"Content-Length": "1"}) + b"b"))
        transport = make_async_transport()
        for _ in range(3):
            assert (await read_all(transport, socket_stage.url("/a")))[1] == b"a"
            assert (await read_all(transport, other.url("/b")))[1] == b"b"
        assert socket_stage.raw is not None
        assert (socket_stage.raw.connections, other.connections) == (1, 1)
    finally:
        other.stop()


async def test_cookies_a_server_sets_are_not_sent_back(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    # As on the sync transports: a client that kept cookies would carry one caller's
    # server-set state into every other caller's requests.
    headers = {"Set-Cookie": "track=me; Path=/", "Content-Length": "2"}
    socket_stage.script("/cookie", lambda conn, request: conn.send(head(200, headers) + b"{}"))
    transport = make_async_transport()
    for _ in range(2):
        await read_all(transport, socket_stage.url("/cookie"))
    assert socket_stage.raw is not None
    assert ["cookie" in r.headers for r in socket_stage.raw.requests] == [False, False]


@pytest.mark.parametrize("limit", [1, 6])
async def test_more_calls_than_connections_wait_their_turn(
    socket_stage: Stage, make_async_transport: Build, async_transport_name: str, limit: int
) -> None:
    if async_transport_name == "threads":
        pytest.skip("urllib3's max_connections is what its pool keeps, not a limit")

    def slow(conn: RawConnection, request: RawRequest) -> bool:
        time.sleep(0.02)  # so the calls overlap
        return conn.send(head(200, {"Content-Length": "2"}) + b"ok")

    socket_stage.script("/slow", slow)
    transport = make_async_transport(max_connections=limit)
    for _ in range(2):
        replies = await asyncio.gather(
            *(read_all(transport, socket_stage.url("/slow")) for _ in range(3 * limit))
        )
        assert [body for _, body in replies] == [b"ok"] * (3 * limit)
    assert socket_stage.raw is not None
    assert socket_stage.raw.connections == limit  # never more; reused in the second round


# -- broken replies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "script", [reset_mid_body, truncated_chunked, truncated_sized], ids=lambda s: s.__name__
)
async def test_a_broken_body_is_a_connection_error(
    socket_stage: Stage, make_async_transport: Build, script: Any
) -> None:
    socket_stage.script("/broken", script)
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport()
    response = await transport.send(async_request(socket_stage.url("/broken")))
    with pytest.raises(APIConnectionError) as info:
        await response.aread()
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.__cause__ is not None  # the library's error stays chained
    await response.aclose()
    # The transport carries on, on a new connection.
    assert (await read_all(transport, socket_stage.url("/fine")))[1] == b"fine"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_a_request_is_sent_once_whatever_happens(
    socket_stage: Stage, make_async_transport: Build, method: str
) -> None:
    # Core alone decides resends (and counts them against max_retries): a library
    # that resends an idempotent request on a broken connection must not.
    socket_stage.script("/reset", reset_on_request)
    transport = make_async_transport()
    with pytest.raises(APIConnectionError) as info:
        await read_all(transport, socket_stage.url("/reset"), method=method)
    assert info.value.request_sent is not False
    assert socket_stage.raw is not None
    assert len(socket_stage.raw.requests) == 1


async def test_a_refused_connection_is_a_connection_error(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    transport = make_async_transport()
    with pytest.raises(APIConnectionError) as info:
        await transport.send(async_request(refused_url("/x")))
    assert not isinstance(info.value, APITimeoutError)
    assert "Could not connect" in str(info.value)


async def test_a_stall_before_the_reply_times_out(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall", stall_before_reply(release, closed))
    transport = make_async_transport()
    started = time.monotonic()
    try:
        with pytest.raises(APITimeoutError):
            await transport.send(async_request(socket_stage.url("/stall"), timeout=(2, 0.3)))
        assert time.monotonic() - started < 3  # the read timeout, not the server's patience
    finally:
        release.set()


async def test_a_stall_mid_body_times_out(socket_stage: Stage, make_async_transport: Build) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall-body", stall_mid_body(release, closed))
    transport = make_async_transport()
    try:
        response = await transport.send(
            async_request(socket_stage.url("/stall-body"), timeout=(2, 0.3))
        )
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await response.aread()
        assert time.monotonic() - started < 3
        await response.aclose()
        assert await became_set(closed)  # the connection was discarded, not pooled
    finally:
        release.set()


async def test_the_deadline_bounds_a_dripping_body(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    socket_stage.script("/drip", drip)
    transport = make_async_transport()
    started = time.monotonic()
    # The head comes at once; 1.5 s leaves a loaded machine time to deliver it, so the
    # deadline ends the body read (the drip lasts 5 s).
    response = await transport.send(
        async_request(socket_stage.url("/drip"), timeout=(2, 2), deadline=1.5)
    )
    with pytest.raises(APITimeoutError) as info:
        await response.aread()
    assert time.monotonic() - started < 3.5  # 1.5 s, not the 5 s the drip lasts
    assert "deadline" in str(info.value)
    await response.aclose()


async def test_a_passed_deadline_stops_before_sending(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall", stall_before_reply(release, closed))
    transport = make_async_transport()
    started = time.monotonic()
    try:
        with pytest.raises(APITimeoutError):
            await transport.send(
                async_request(socket_stage.url("/stall"), timeout=(2, 5), deadline=0.3)
            )
        assert time.monotonic() - started < 2.5
    finally:
        release.set()


async def test_interim_replies_are_skipped(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    socket_stage.script("/interim", interim_then(200, b'{"ok": true}'))
    transport = make_async_transport()
    response, body = await read_all(transport, socket_stage.url("/interim"))
    assert response.status == 200
    assert body == b'{"ok": true}'


async def test_nothing_but_interim_replies_is_an_error_not_a_hang(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    early = b"HTTP/1.1 103 Early Hints\r\n\r\n"
    socket_stage.script("/interim-only", lambda conn, request: conn.send(early * 500) and False)
    transport = make_async_transport()
    with pytest.raises(APIConnectionError):
        await asyncio.wait_for(read_all(transport, socket_stage.url("/interim-only")), 5)


# -- content encoding -------------------------------------------------------------------


async def test_gzip_is_decoded(stage: Stage, make_async_transport: Build) -> None:
    stage.on("/gz", headers={"Content-Encoding": "gzip"}, body=gzip.compress(b"hello " * 100))
    transport = make_async_transport()
    _, body = await read_all(transport, stage.url("/gz"))
    assert body == b"hello " * 100


async def test_a_gzip_bomb_is_decoded_in_bounded_pieces(
    stage: Stage, make_async_transport: Build
) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, 9)  # ~50 kB on the wire
    stage.on("/bomb", headers={"Content-Encoding": "gzip"}, body=bomb)
    transport = make_async_transport()
    response = await transport.send(async_request(stage.url("/bomb")))
    largest, total = 0, 0
    async for piece in response.aiter_bytes():
        largest = max(largest, len(piece))
        total += len(piece)
        if total > 2_000_000:
            break  # a reader with a cap stops here, having held little at a time
    await response.aclose()
    assert largest <= 262144
    assert total > 2_000_000


async def test_a_corrupt_gzip_body_is_a_validation_error(
    stage: Stage, make_async_transport: Build
) -> None:
    stage.on("/bad", headers={"Content-Encoding": "gzip"}, body=b"\x1f\x8b\x08\x00garbage" * 10)
    transport = make_async_transport()
    response = await transport.send(async_request(stage.url("/bad")))
    with pytest.raises(APIResponseValidationError):
        await response.aread()
    await response.aclose()


async def test_deflate_is_decoded(stage: Stage, make_async_transport: Build) -> None:
    stage.on("/deflate", headers={"Content-Encoding": "deflate"}, body=zlib.compress(b"abc" * 50))
    transport = make_async_transport()
    assert (await read_all(transport, stage.url("/deflate")))[1] == b"abc" * 50


# -- cancellation -----------------------------------------------------------------------


async def test_cancelling_a_read_discards_the_connection(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall-body", stall_mid_body(release, closed))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport()
    try:
        response = await transport.send(
            async_request(socket_stage.url("/stall-body"), timeout=(2, 5))
        )
        chunks = response.aiter_bytes()
        assert await chunks.__anext__() == b"first"
        task = asyncio.ensure_future(chunks.__anext__())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await became_set(closed)  # the server sees the connection closed at once
        await response.aclose()
        # The transport still works, and the next reply is a fresh one.
        assert (await read_all(transport, socket_stage.url("/fine")))[1] == b"fine"
    finally:
        release.set()
    collect()


async def test_a_timeout_around_a_read_discards_the_connection(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall-body", stall_mid_body(release, closed))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport()
    try:
        response = await transport.send(
            async_request(socket_stage.url("/stall-body"), timeout=(2, 5))
        )
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(response.aread(), 0.2)
        assert await became_set(closed)
        await response.aclose()
        assert (await read_all(transport, socket_stage.url("/fine")))[1] == b"fine"
    finally:
        release.set()
    collect()


async def test_cancelling_a_send_leaves_no_connection_behind(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed, arrived = threading.Event(), threading.Event(), threading.Event()
    socket_stage.script("/stall", stall_before_reply(release, closed, arrived))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport()
    try:
        # A short read timeout: a worker thread cannot be interrupted, only timed out.
        task = asyncio.ensure_future(
            transport.send(async_request(socket_stage.url("/stall"), timeout=(2, 1)))
        )
        # Cancelled once the server holds the request (a fixed sleep could cancel it before
        # it was sent on a loaded machine; then no server would see the hang-up).
        assert await became_set(arrived)
        task.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.5  # the await ends at once
        assert await became_set(closed)
        assert (await read_all(transport, socket_stage.url("/fine")))[1] == b"fine"
    finally:
        release.set()
    collect()


def stall_mid_sized_body(
    release: threading.Event, closed: threading.Event, sent: threading.Event
) -> Any:
    """Send the head of a 100-byte body and 10 bytes of it, then nothing until the
    client hangs up; ``sent`` is set once those bytes are out."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, {"Content-Length": "100"}) + b"x" * 10)
        sent.set()
        wait_for_hangup(conn, closed, release)
        return False

    return script


async def test_cancelling_a_call_whose_sized_body_stalls_leaves_no_connection_behind(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    # A small sized body may be read along with the head (the worker thread transport
    # does): cancelling the call ends that read too, wherever it is waiting.
    release, closed, sent = threading.Event(), threading.Event(), threading.Event()
    socket_stage.script("/stall-sized", stall_mid_sized_body(release, closed, sent))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport()
    try:
        task = asyncio.ensure_future(
            read_all(transport, socket_stage.url("/stall-sized"), timeout=(2, 5))
        )
        assert await became_set(sent)
        await asyncio.sleep(0.05)  # the client is waiting for the rest of the body
        task.cancel()
        started = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.5
        assert await became_set(closed)
        assert (await read_all(transport, socket_stage.url("/fine")))[1] == b"fine"
    finally:
        release.set()
    collect()


async def test_an_abandoned_reply_closed_late_leaves_no_warning(
    stage: Stage, make_async_transport: Build
) -> None:
    stage.on("/stream", chunks=[b"a" * 100] * 50)
    transport = make_async_transport()
    response = await transport.send(async_request(stage.url("/stream")))
    chunks = response.aiter_bytes()
    assert await chunks.__anext__()
    await response.aclose()  # mid-body
    await response.aclose()  # twice is fine
    del response, chunks
    collect()


async def test_waiting_for_a_free_connection_is_bounded(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall-body", stall_mid_body(release, closed))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport(max_connections=1)
    try:
        held = await transport.send(async_request(socket_stage.url("/stall-body")))
        started = time.monotonic()
        try:  # served on another connection, or refused in time: never a hang
            fine = read_all(transport, socket_stage.url("/fine"), timeout=(0.5, 0.5))
            _, body = await asyncio.wait_for(fine, 5)  # a hang fails the case, bounded
            assert body == b"fine"
        except APITimeoutError:
            pass
        assert time.monotonic() - started < 2
        await held.aclose()
    finally:
        release.set()


@pytest.mark.parametrize("read_first", [True, False], ids=["read", "unread"])
async def test_a_reply_dropped_unclosed_gives_its_connection_back(
    socket_stage: Stage, make_async_transport: Build, read_first: bool
) -> None:
    release, closed = threading.Event(), threading.Event()
    socket_stage.script("/stall-body", stall_mid_body(release, closed))
    socket_stage.on("/fine", body=b"fine")
    transport = make_async_transport(max_connections=1)
    try:
        # A read timeout far beyond became_set's limit: the connection must be let go at
        # collection, not when the library's pending read times out.
        response = await transport.send(
            async_request(socket_stage.url("/stall-body"), timeout=(2, 60))
        )
        if read_first:
            assert await response.aiter_bytes().__anext__() == b"first"
        del response  # never closed: a bug in the caller, not a stuck pool
        collect()
        assert await became_set(closed)
        # The one connection allowed is free again.
        fine = read_all(transport, socket_stage.url("/fine"), timeout=(2, 2))
        assert (await asyncio.wait_for(fine, 3))[1] == b"fine"
    finally:
        release.set()


async def test_aclose_is_idempotent_and_the_transport_reopens(
    stage: Stage, make_async_transport: Build
) -> None:
    stage.on("/ok", body=b"ok")
    transport = make_async_transport()
    assert (await read_all(transport, stage.url("/ok")))[1] == b"ok"
    await transport.aclose()
    await transport.aclose()
    assert (await read_all(transport, stage.url("/ok")))[1] == b"ok"
    collect()


FORGOTTEN = """
import asyncio, gc, sys
from meganova.core.http import Request
from tests.contract.conftest import Stage, async_transport_instance
from tests.contract.rawserver import RawServer, json_reply

server = RawServer()
server.on("/j", json_reply({"a": 1}))
holder = [async_transport_instance(sys.argv[1], Stage(server), proxy=None)]

async def main():
    response = await holder[0].send(Request("GET", server.url("/j"), {}))
    assert await response.aread() == b'{"a": 1}'
    if sys.argv[2] == "in-loop":  # dropped while its loop runs on
        holder.clear()
        gc.collect()
        await asyncio.sleep(0.2)

asyncio.run(main())  # the transport is never closed
if sys.argv[2] == "after-loop":
    holder.clear()
    gc.collect()
server.stop()
print("done")
"""


@pytest.mark.parametrize("when", ["in-loop", "after-loop", "at-exit"])
async def test_a_transport_never_closed_is_quiet(
    socket_stage: Stage, async_transport_name: str, when: str
) -> None:
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run(
        [sys.executable, "-c", FORGOTTEN, async_transport_name, when],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "done", result.stderr
    assert "nclosed" not in result.stderr, result.stderr


# -- secrets ----------------------------------------------------------------------------


def reset_on_request(conn: RawConnection, request: RawRequest) -> bool:
    conn.reset()
    return False


def refused_url(path: str) -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}{path}"


@pytest.mark.parametrize("where", ["refused", "reset", "reset-body"])
async def test_a_failure_leaves_the_key_in_no_frame(
    socket_stage: Stage, make_async_transport: Build, where: str
) -> None:
    socket_stage.script("/reset", reset_on_request)
    socket_stage.script("/reset-body", reset_mid_body)
    url = refused_url("/x") if where == "refused" else socket_stage.url(f"/{where}")
    transport = make_async_transport()
    headers = {"Authorization": Sensitive(f"Bearer {ASYNC_KEY}")}
    try:
        response = await transport.send(async_request(url, method="POST", headers=headers))
        await response.aread()
    except APIConnectionError as exc:
        error: BaseException = exc
    else:
        raise AssertionError("expected an error")
    assert frames_holding(error, ASYNC_KEY) == []
    report = "".join(
        traceback.TracebackException.from_exception(error, capture_locals=True).format()
    )
    assert ASYNC_KEY[10:] not in report


# -- proxies ----------------------------------------------------------------------------


@pytest.fixture
def proxy_server() -> Iterator[ProxyServer]:
    server = ProxyServer()
    yield server
    server.stop()


@pytest.fixture
def guarded_proxy() -> Iterator[ProxyServer]:
    server = ProxyServer(credentials=("user", "pa55-w0rd"))
    yield server
    server.stop()


def clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_a_proxy_argument_forwards_plain_http(
    socket_stage: Stage, make_async_transport: Build, proxy_server: ProxyServer
) -> None:
    socket_stage.on("/via", body=b"via proxy")
    transport = make_async_transport(proxy=proxy_server.url)
    assert (await read_all(transport, socket_stage.url("/via")))[1] == b"via proxy"
    assert [s.target for s in proxy_server.seen] == [socket_stage.url("/via")]


async def test_the_environment_proxy_is_used_and_no_proxy_bypasses_it(
    socket_stage: Stage,
    make_async_transport: Build,
    proxy_server: ProxyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy_server.url)
    socket_stage.on("/env", body=b"env")
    from meganova.core.proxy import PROXY_FROM_ENVIRONMENT

    through = make_async_transport(proxy=PROXY_FROM_ENVIRONMENT)
    assert (await read_all(through, socket_stage.url("/env")))[1] == b"env"
    assert len(proxy_server.seen) == 1
    # proxy=None ignores the environment.
    direct = make_async_transport(proxy=None)
    assert (await read_all(direct, socket_stage.url("/env")))[1] == b"env"
    assert len(proxy_server.seen) == 1
    # NO_PROXY names the host: reached directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    bypass = make_async_transport(proxy=PROXY_FROM_ENVIRONMENT)
    assert (await read_all(bypass, socket_stage.url("/env")))[1] == b"env"
    assert len(proxy_server.seen) == 1


async def test_proxy_credentials_are_sent_and_never_shown(
    socket_stage: Stage, make_async_transport: Build, guarded_proxy: ProxyServer
) -> None:
    socket_stage.on("/auth", body=b"authorized")
    good = make_async_transport(proxy=guarded_proxy.url_with("user", "pa55-w0rd"))
    assert (await read_all(good, socket_stage.url("/auth")))[1] == b"authorized"
    assert guarded_proxy.seen[-1].headers["proxy-authorization"] == (
        guarded_proxy.expected_authorization()
    )
    assert "pa55" not in repr(good)
    bad = make_async_transport(proxy=guarded_proxy.url_with("user", "wr0ng-pa55"))
    with pytest.raises(APIConnectionError) as info:
        await read_all(bad, socket_stage.url("/auth"))
    assert info.value.code == PROXY_AUTHENTICATION_REQUIRED
    assert "wr0ng" not in str(info.value)


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_refused_proxy_leaves_its_password_in_no_frame(
    socket_stage: Stage,
    make_async_transport: Build,
    guarded_proxy: ProxyServer,
    tls_origin: Tuple[str, str],
    scheme: str,
) -> None:
    password = "wr0ng-pa55-w0rd-0123456789"
    base, bundle = tls_origin
    url = f"{base}/tls" if scheme == "https" else socket_stage.url("/auth")
    transport = make_async_transport(verify=bundle, proxy=guarded_proxy.url_with("user", password))
    error = await failure(read_all(transport, url))
    assert error.code == PROXY_AUTHENTICATION_REQUIRED
    assert frames_holding(error, password) == []
    report = "".join(
        traceback.TracebackException.from_exception(error, capture_locals=True).format()
    )
    assert password not in report


async def test_a_proxy_that_is_down_is_a_connection_error(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    held = socket.socket()  # bound, never listening: nobody else can take the port
    held.bind(("127.0.0.1", 0))
    try:
        transport = make_async_transport(proxy=f"http://127.0.0.1:{held.getsockname()[1]}")
        with pytest.raises(APIConnectionError) as info:
            await read_all(transport, socket_stage.url("/x"))
        assert "proxy" in str(info.value).lower()
    finally:
        held.close()


# -- TLS --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_origin() -> Iterator[Tuple[str, str]]:
    """(https base URL, CA bundle path) of a raw TLS server with a trustme certificate."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = RawServer(tls=context)
    reply = head(200, {"Content-Length": "6"}) + b"secure"
    server.on("/tls", lambda conn, request: conn.send(reply))
    with ca.cert_pem.tempfile() as bundle:
        yield f"https://127.0.0.1:{server.port}", bundle
    server.stop()


async def test_tls_with_a_ca_bundle(
    socket_stage: Stage, make_async_transport: Build, tls_origin: Tuple[str, str]
) -> None:
    base, bundle = tls_origin
    transport = make_async_transport(verify=bundle)
    assert (await read_all(transport, f"{base}/tls"))[1] == b"secure"


async def test_an_unknown_certificate_is_refused(
    socket_stage: Stage, make_async_transport: Build, tls_origin: Tuple[str, str]
) -> None:
    base, _ = tls_origin
    transport = make_async_transport()
    with pytest.raises(APIConnectionError) as info:
        await read_all(transport, f"{base}/tls")
    assert info.value.code == CERTIFICATE_VERIFY_FAILED
    assert "TLS" in str(info.value)


async def test_verify_false_skips_the_check(
    socket_stage: Stage, make_async_transport: Build, tls_origin: Tuple[str, str]
) -> None:
    base, _ = tls_origin
    transport = make_async_transport(verify=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a library may warn about verify=False
        assert (await read_all(transport, f"{base}/tls"))[1] == b"secure"


async def test_https_goes_through_the_proxy_with_connect(
    socket_stage: Stage,
    make_async_transport: Build,
    tls_origin: Tuple[str, str],
    guarded_proxy: ProxyServer,
) -> None:
    base, bundle = tls_origin
    transport = make_async_transport(
        verify=bundle, proxy=guarded_proxy.url_with("user", "pa55-w0rd")
    )
    assert (await read_all(transport, f"{base}/tls"))[1] == b"secure"
    connect = guarded_proxy.seen[-1]
    assert connect.method == "CONNECT"
    assert connect.target == base.split("//", 1)[1]
    assert connect.headers["proxy-authorization"] == guarded_proxy.expected_authorization()


# -- a session or client of the user's own ----------------------------------------------


async def test_an_aiohttp_session_of_your_own(anyio_backend: str, raw: RawServer) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    from meganova.adapters.aiohttp_transport import AiohttpTransport
    from meganova.core.errors import InvalidArgumentError

    raw.on("/own", lambda conn, request: conn.send(head(200, {"Content-Length": "3"}) + b"own"))
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        transport = AiohttpTransport(session=session)
        assert (await read_all(transport, raw.url("/own")))[1] == b"own"
        await transport.aclose()
        assert not session.closed  # yours to close
        with pytest.raises(InvalidArgumentError) as info:
            AiohttpTransport(session=session, proxy=None)
        assert info.value.argument == "proxy"
    async with aiohttp.ClientSession() as decompressing:
        with pytest.raises(InvalidArgumentError) as info:
            AiohttpTransport(session=decompressing)
        assert info.value.argument == "session"


async def test_an_httpx_client_of_your_own(anyio_backend: str, raw: RawServer) -> None:
    httpx = pytest.importorskip("httpx")
    from meganova.adapters.httpx_transport import HttpxTransport

    raw.on("/own", lambda conn, request: conn.send(head(200, {"Content-Length": "3"}) + b"own"))
    async with httpx.AsyncClient(follow_redirects=True) as client:
        transport = HttpxTransport(client=client)
        assert (await read_all(transport, raw.url("/own")))[1] == b"own"
        await transport.aclose()
        assert not client.is_closed  # yours to close
        assert (await read_all(transport, raw.url("/own")))[1] == b"own"


# -- worker threads ---------------------------------------------------------------------


async def test_the_threads_transport_keeps_a_connection_for_each_busy_worker(
    anyio_backend: str, raw: RawServer
) -> None:
    from meganova.adapters.async_select import make_async_transport

    calls = 20  # more than urllib3's pool keeps by default (10)
    everyone = threading.Barrier(calls, timeout=WAIT_LIMIT)

    def together(conn: RawConnection, request: RawRequest) -> bool:
        # Replies once all calls of the round are in, so each holds its own connection.
        with contextlib.suppress(threading.BrokenBarrierError):
            everyone.wait()
        return conn.send(head(200, {"Content-Length": "2"}) + b"ok")

    raw.on("/together", together)
    raw.reset_counts()
    transport = make_async_transport("threads", proxy=None)
    try:
        for _ in range(2):
            replies = await asyncio.gather(
                *(read_all(transport, raw.url("/together")) for _ in range(calls))
            )
            assert [body for _, body in replies] == [b"ok"] * calls
        # The second round went out on the first round's connections: none was
        # closed for want of room in the pool and opened again.
        assert raw.connections == calls
    finally:
        await transport.aclose()
