"""Async chat streams on every async transport (aiohttp, httpx, worker threads, and
the fake where no socket is involved): a whole stream arrives with its done item; a
cancelled reading task, an abandoned stream and a stream left at interpreter exit
each leave no connection behind and nothing warns."""

# The contract fixtures are used by name, so parameters shadow them on purpose.

from __future__ import annotations

import asyncio
import gc
import socket
import threading
import time
from typing import Any, Callable, Iterator, List

import pytest

from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.errors import IncompleteStreamError
from meganova.streaming import DRAIN_WAIT
from meganova.streaming_async import AsyncChatCompletionStream, AsyncChatStream
from tests.contract.conftest import Stage, async_request
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
from tests.helpers import DONE, ev, run_python

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("error::ResourceWarning")]

Build = Callable[..., Any]


class Clock:
    monotonic = staticmethod(time.monotonic)


async def open_stream(transport: Any, url: str) -> AsyncChatStream:
    # A read timeout far beyond became_set's limit: a dropped stream's connection must be
    # let go at collection, not when a pending read times out.
    response = await transport.send(async_request(url, "POST", body=b"{}", timeout=(2, 60)))
    inner = AsyncChatCompletionStream(
        response, codec=MsgspecCodec(), clock=Clock(), read_timeout=60, request_id="req_1"
    )
    return AsyncChatStream(inner)


def first_event_then_hold(closed: threading.Event, release: threading.Event) -> Any:
    """One event, then nothing until the client hangs up (``closed`` is set then)."""
    return events_then_hold(chunk(ev("Hel")), closed, release)


def done_then_hold(closed: threading.Event, release: threading.Event) -> Any:
    """A whole answer with [DONE], then the body never ends."""
    return events_then_hold(chunk(ev("Hel", "stop")) + chunk(DONE), closed, release)


def events_then_hold(body: bytes, closed: threading.Event, release: threading.Event) -> Any:
    def script(conn: RawConnection, request: RawRequest) -> bool:
        if not conn.send(head(200, SSE_CHUNKED) + body):
            return False
        conn.sock.settimeout(0.05)
        ends = time.monotonic() + WAIT_LIMIT
        while time.monotonic() < ends and not release.is_set():
            try:
                if not conn.sock.recv(65536):
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        closed.set()
        return False

    return script


async def became_set(event: threading.Event, limit: float = 5.0) -> bool:
    ends = time.monotonic() + limit
    while not event.is_set() and time.monotonic() < ends:
        await asyncio.sleep(0.01)
    return event.is_set()


async def test_a_whole_stream_arrives_on_every_async_transport(
    stage: Stage, make_async_transport: Build
) -> None:
    stage.on(
        "/chat",
        headers={"Content-Type": "text/event-stream"},
        chunks=[ev("Hel"), ev("lo", "stop"), DONE],
    )
    transport = make_async_transport()
    for _ in range(2):  # and the transport serves the next one
        async with await open_stream(transport, stage.url("/chat")) as stream:
            items = [(item.delta, item.done) async for item in stream]
        assert items == [("Hel", False), ("lo", False), ("", True)]
        assert (await stream.get_final_response()).choices[0].message.content == "Hello"


async def test_a_stream_cut_short_is_incomplete_with_what_arrived(
    stage: Stage, make_async_transport: Build
) -> None:
    stage.on("/cut", headers={"Content-Type": "text/event-stream"}, chunks=[ev("Half")])
    transport = make_async_transport()
    stream = await open_stream(transport, stage.url("/cut"))
    with pytest.raises(IncompleteStreamError) as info:
        async for _ in stream:
            pass
    assert info.value.partial_text == "Half"


def tidy(conn: RawConnection, request: RawRequest) -> bool:
    """The answer and [DONE], then a comment and the end of the body a moment later."""
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle wait
    answer = chunk(ev("Hel")) + chunk(ev("lo", "stop")) + chunk(DONE)
    if not conn.send(head(200, SSE_CHUNKED) + answer):
        return False
    time.sleep(0.01)
    return conn.send(chunk(b": bye\n\n") + LAST_CHUNK)


async def test_after_done_a_body_that_ends_at_once_keeps_its_connection(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    socket_stage.script("/tidy", tidy)
    transport = make_async_transport()
    for _ in range(3):
        stream = await open_stream(transport, socket_stage.url("/tidy"))
        assert [item.delta async for item in stream] == ["Hel", "lo", ""]
    assert socket_stage.raw is not None
    assert [r.connection for r in socket_stage.raw.requests] == [1, 1, 1]


async def test_after_done_a_body_held_open_is_discarded_at_once(
    socket_stage: Stage, make_async_transport: Build
) -> None:
    closed, release = threading.Event(), threading.Event()
    socket_stage.script("/done-then-held", done_then_hold(closed, release))
    transport = make_async_transport()
    try:
        stream = await open_stream(transport, socket_stage.url("/done-then-held"))
        started = time.monotonic()
        assert [item.delta async for item in stream] == ["Hel", ""]
        assert time.monotonic() - started < DRAIN_WAIT + 1.0  # not held by the open body
        assert await became_set(closed), "the connection of a body held open was kept"
    finally:
        release.set()


@pytest.fixture
def held(socket_stage: Stage) -> Iterator[Any]:
    closed, release = threading.Event(), threading.Event()
    socket_stage.script("/held", first_event_then_hold(closed, release))
    socket_stage.on(
        "/fine", headers={"Content-Type": "text/event-stream"}, chunks=[ev("ok", "stop"), DONE]
    )
    yield closed
    release.set()


async def test_cancelling_the_reading_task_discards_the_connection(
    socket_stage: Stage, make_async_transport: Build, held: threading.Event
) -> None:
    transport = make_async_transport()
    stream = await open_stream(transport, socket_stage.url("/held"))
    got: List[str] = []

    async def read() -> None:
        async for item in stream:
            got.append(item.delta)

    task = asyncio.ensure_future(read())
    ends = time.monotonic() + 5
    while not got and time.monotonic() < ends:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert got == ["Hel"]
    assert await became_set(held), "the server still holds the cancelled stream's connection"
    assert [i.delta async for i in await open_stream(transport, socket_stage.url("/fine"))] == [
        "ok",
        "",
    ]


async def test_a_dropped_stream_gives_its_connection_back(
    socket_stage: Stage, make_async_transport: Build, held: threading.Event
) -> None:
    transport = make_async_transport(max_connections=1)
    stream = await open_stream(transport, socket_stage.url("/held"))
    assert (await stream.__anext__()).delta == "Hel"
    del stream  # never closed
    for _ in range(3):
        gc.collect()
    assert await became_set(held), "the dropped stream's connection is still open"
    # The one connection allowed is free again.
    fine = await asyncio.wait_for(open_stream(transport, socket_stage.url("/fine")), 3)
    assert [i.delta async for i in fine] == ["ok", ""]


_AT_EXIT = """
import asyncio, sys, time
from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.core.http import Request, Timeout
from meganova.streaming import DRAIN_WAIT
from meganova.streaming_async import AsyncChatCompletionStream, AsyncChatStream
from tests.contract.conftest import Stage, async_transport_instance

class Clock:
    monotonic = staticmethod(time.monotonic)

kept = []
async def main():
    transport = async_transport_instance(sys.argv[2], Stage(None), proxy=None)
    async def opened():
        request = Request("POST", sys.argv[1], {}, b"{}", timeout=Timeout.coerce((2, 20)))
        response = await transport.send(request)
        return AsyncChatStream(AsyncChatCompletionStream(
            response, codec=MsgspecCodec(), clock=Clock(), read_timeout=20))
    for i in range(6):
        stream = await opened()
        await stream.__anext__()
        if i % 3 == 0:
            kept.append(stream)                    # alive at exit
        elif i % 3 == 1:
            box = [stream]; box.append(box)        # only the collector frees it
        del stream
    reader = await opened()
    async def read():
        async for _ in reader:
            pass
    task = asyncio.ensure_future(read())            # still reading when the loop ends
    # Closing the transport under it breaks its stream (StreamConnectionError, as it
    # should); an application retrieves its own task's error, so asyncio reports none.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    kept.append(task)
    await asyncio.sleep(0.05)
    await transport.aclose()
asyncio.run(main())
print("exiting", flush=True)
"""


@pytest.mark.parametrize("name", ["aiohttp", "httpx", "threads"])
def test_streams_left_at_interpreter_exit_warn_nothing(name: str) -> None:
    if name != "threads":
        pytest.importorskip(name)
    server = RawServer()
    closed, release = threading.Event(), threading.Event()
    server.on("/held", first_event_then_hold(closed, release))
    try:
        started = time.monotonic()
        result = run_python(_AT_EXIT, server.url("/held"), name)
        assert "exiting" in result.stdout
        assert time.monotonic() - started < 30
        assert "Exception ignored" not in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert "Warning" not in result.stderr, result.stderr
    finally:
        release.set()
        server.stop()
