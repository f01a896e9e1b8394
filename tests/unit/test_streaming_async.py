"""The async streams over an in-test ``AsyncResponse`` (a list of byte pieces): the
same items, errors and partial answers as the sync streams, ``async with`` and
``aclose()`` release the response, and cancelling the task that reads closes it."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.errors import (
    APIConnectionError,
    APIError,
    IncompleteStreamError,
    StreamConnectionError,
    StreamTimeoutError,
)
from meganova.streaming import ChatCompletionStream, ChatStream
from meganova.streaming_async import AsyncChatCompletionStream, AsyncChatStream
from meganova.testing.clock import VirtualClock
from tests.helpers import DONE, ev, run_python

pytestmark = pytest.mark.anyio

STALL = object()  # in a body: the read waits there until the response is closed


class Pieces:
    """An ``AsyncResponse`` whose body is ``pieces``: an exception there is raised by
    that read; ``STALL`` waits until the response is closed (then the read fails as
    a transport's does when another task closes it)."""

    def __init__(self, pieces: Sequence[Any], headers: Optional[Dict[str, str]] = None) -> None:
        self.status = 200
        self.reason = "OK"
        self.headers = headers or {"content-type": "text/event-stream"}
        self.pieces = list(pieces)
        self.closes = 0
        self.closed_event = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self.closes > 0

    async def aread(self) -> bytes:
        return b"".join([piece async for piece in self.aiter_bytes()])

    def aiter_bytes(self) -> Pieces:
        return self

    def __aiter__(self) -> Pieces:
        return self

    async def __anext__(self) -> bytes:
        if self.closed or not self.pieces:
            raise StopAsyncIteration
        piece = self.pieces.pop(0)
        if piece is STALL:
            await self.closed_event.wait()
            raise APIConnectionError("closed while reading", request_sent=True)
        if isinstance(piece, BaseException):
            raise piece
        return bytes(piece)

    async def aclose(self) -> None:
        self.closes += 1
        self.closed_event.set()


def wire_stream(response: Any, clock: Any = None, read_timeout: Optional[float] = None) -> Any:
    kind = AsyncChatCompletionStream if isinstance(response, Pieces) else ChatCompletionStream
    return kind(
        response,
        codec=MsgspecCodec(),
        clock=clock or VirtualClock(),
        read_timeout=read_timeout,
        request_id="req_1",
    )


def guideline(response: Pieces, **options: Any) -> AsyncChatStream:
    return AsyncChatStream(wire_stream(response, **options))


async def deltas(stream: AsyncChatStream) -> List[str]:
    return [item.delta async for item in stream]


async def reading(stream: AsyncChatStream) -> Tuple[asyncio.Future[None], List[str]]:
    """A task reading ``stream``, once it has the first item; and what it got."""
    got: List[str] = []

    async def read() -> None:
        async for item in stream:
            got.append(item.delta)

    task = asyncio.ensure_future(read())
    while not got:
        await asyncio.sleep(0)
    return task, got


# -- reading ------------------------------------------------------------------------------


async def test_items_then_a_done_item_and_the_whole_answer() -> None:
    response = Pieces([ev("Hel", role="assistant") + ev("lo"), ev(finish="stop"), DONE])
    stream = guideline(response)
    assert stream.__aiter__() is stream
    items = [item async for item in stream]
    assert [(i.delta, i.done) for i in items] == [
        ("Hel", False),
        ("lo", False),
        ("", False),
        ("", True),
    ]
    assert items[0].role == "assistant" and items[2].finish_reason == "stop"
    assert response.closed  # released before the done item was handed out
    final = await stream.get_final_response()
    assert final.choices[0].message.content == "Hello" and final.request_id == "req_1"
    assert stream.text == "Hello" and stream.request_id == "req_1" and len(stream.chunks) == 3
    assert [item async for item in stream] == []


@pytest.mark.parametrize(
    "body",
    [
        [ev("a"), ev("b", "stop"), DONE, ev("ignored")],
        [ev("a") + ev("b", "stop") + DONE[:5], DONE[5:]],
        [b": ping\n\n", ev("a"), b"event: ping\ndata: {}\n\n", ev("b", "stop")],
        [ev("a") + b'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":1,'],
        [ev("a"), b'data: {"error": {"message": "overloaded"}}\n\n'],
    ],
)
async def test_the_same_bytes_give_the_same_items_and_errors_as_the_sync_stream(
    body: List[bytes],
) -> None:
    from meganova.adapters.fake_transport import FakeResponse

    def outcome(items: List[Any], error: Optional[BaseException]) -> Any:
        shown = [(i.delta, i.index, i.done, i.chunk) for i in items]
        return shown, type(error), getattr(error, "partial_text", None)

    sync_items: List[Any] = []
    sync_error: Optional[BaseException] = None
    try:
        for item in ChatStream(wire_stream(FakeResponse(200, list(body), {}))):
            sync_items.append(item)
    except Exception as exc:
        sync_error = exc
    async_items: List[Any] = []
    async_error: Optional[BaseException] = None
    try:
        async for item in guideline(Pieces(body)):
            async_items.append(item)
    except Exception as exc:
        async_error = exc
    assert outcome(async_items, async_error) == outcome(sync_items, sync_error)


async def test_the_wire_stream_first_then_the_guideline_stream_continues_it() -> None:
    stream = guideline(Pieces([ev("a"), ev("b"), ev("c", "stop"), DONE]))
    first = await stream.completion_stream.__anext__()
    assert first.choices[0].delta.content == "a"
    assert [(i.delta, i.done) async for i in stream] == [("b", False), ("c", False), ("", True)]
    assert (await stream.get_final_response()).choices[0].message.content == "abc"


async def test_the_guideline_stream_first_then_the_wire_stream_methods() -> None:
    stream = guideline(Pieces([ev("a"), ev("b"), ev("c", "stop"), DONE]))
    assert (await stream.__anext__()).delta == "a"
    final = await stream.completion_stream.get_final_response()
    assert final.choices[0].message.content == "abc"
    assert await deltas(stream) == []  # one reader: nothing read twice


# -- errors carry what arrived ------------------------------------------------------------


async def test_no_done_and_no_finish_reason_is_incomplete_with_the_partial_answer() -> None:
    response = Pieces([ev("Half "), ev("an answer")])
    stream = guideline(response)
    seen: List[str] = []
    with pytest.raises(IncompleteStreamError) as info:
        async for item in stream:
            seen.append(item.delta)
    assert seen == ["Half ", "an answer"]
    assert info.value.partial_text == "Half an answer" and info.value.request_id == "req_1"
    assert response.closed
    with pytest.raises(IncompleteStreamError):
        await stream.get_final_response()
    assert await deltas(stream) == []  # raised once, then the stream is over


async def test_a_dropped_connection_is_a_stream_connection_error_with_the_partial_text() -> None:
    response = Pieces([ev("Hel"), ev("lo"), APIConnectionError("reset", request_sent=True)])
    with pytest.raises(StreamConnectionError) as info:
        await deltas(guideline(response))
    assert info.value.partial_text == "Hello"
    assert isinstance(info.value.__cause__, APIConnectionError)
    assert response.closed


async def test_an_error_inside_the_stream_comes_after_the_chunks_before_it() -> None:
    error = b'data: {"error": {"message": "model overloaded", "code": "overloaded"}}\n\n'
    stream = guideline(Pieces([ev("so ") + ev("far") + error + ev("never")]))
    seen: List[str] = []
    with pytest.raises(APIError, match="model overloaded") as info:
        async for item in stream:
            seen.append(item.delta)
    assert seen == ["so ", "far"]
    assert info.value.partial_text == "so far"  # type: ignore[attr-defined]


async def test_a_silence_longer_than_the_read_timeout_fails() -> None:
    class Ticking(VirtualClock):
        def monotonic(self) -> float:
            self.now += 1.0
            return self.now

    response = Pieces([ev("a"), *[b": keep-alive\n\n"] * 50, DONE])
    with pytest.raises(StreamTimeoutError, match="30s") as info:
        await deltas(guideline(response, clock=Ticking(), read_timeout=30))
    assert info.value.partial_text == "a" and response.closed


# -- closing and cancelling ---------------------------------------------------------------


async def test_async_with_closes_the_response_and_the_rest_is_not_read() -> None:
    response = Pieces([ev("a"), ev("b"), ev("c"), DONE])
    async with guideline(response) as stream:
        async for _ in stream:
            break
    assert response.closes == 1
    assert await deltas(stream) == []
    with pytest.raises(IncompleteStreamError, match="closed before"):
        await stream.get_final_response()
    await stream.aclose()  # twice is fine
    assert response.closes == 1


async def test_a_loop_left_early_leaves_the_rest_to_read() -> None:
    response = Pieces([ev("a"), ev("b"), ev("c", "stop"), DONE])
    stream = guideline(response)
    async for _ in stream:
        break
    assert not response.closed
    assert await deltas(stream) == ["b", "c", ""]
    assert response.closed


async def test_aclose_before_reading_reads_nothing() -> None:
    response = Pieces([ev("a"), DONE])
    stream = wire_stream(response)
    await stream.aclose()
    assert response.closed and [c async for c in stream] == []


async def test_cancelling_the_reading_task_closes_the_response() -> None:
    response = Pieces([ev("Hel"), STALL, ev("never"), DONE])
    stream = guideline(response)
    task, got = await reading(stream)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert response.closes == 1 and got == ["Hel"]
    assert await deltas(stream) == []
    with pytest.raises(IncompleteStreamError, match="closed before") as info:
        await stream.get_final_response()
    assert info.value.partial_text == "Hel"


async def test_a_timeout_around_the_whole_answer_closes_the_response() -> None:
    response = Pieces([ev("Hel"), STALL])
    stream = guideline(response)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(stream.get_final_response(), 0.05)
    assert response.closes == 1


async def test_aclose_from_another_task_ends_the_reading_loop_quietly() -> None:
    response = Pieces([ev("Hel"), STALL])
    stream = guideline(response)
    task, got = await reading(stream)
    await stream.aclose()
    await asyncio.wait_for(task, 5)  # the loop ended, nothing raised
    assert got == ["Hel"] and response.closed
    with pytest.raises(IncompleteStreamError, match="closed"):
        await stream.get_final_response()


# -- abandoned streams ----------------------------------------------------------------


@pytest.mark.parametrize("surface", ["guideline", "wire", "wire then guideline"])
async def test_a_dropped_stream_is_freed_at_once_without_a_collection(surface: str) -> None:
    response = Pieces([ev("a"), ev("b"), DONE])
    gone: List[str] = []
    weakref.finalize(response, gone.append, "response")
    stream: Any = wire_stream(response) if surface == "wire" else guideline(response)
    del response
    ref = weakref.ref(stream)
    gc.disable()
    try:
        if surface == "wire then guideline":
            await stream.completion_stream.__anext__()
        await stream.__anext__()
        del stream
        assert ref() is None, "a reference cycle keeps the stream alive"
        assert gone == ["response"]  # dropped, with nothing closed or awaited
    finally:
        gc.enable()


_AT_EXIT = """
import asyncio, json, sys, warnings
warnings.simplefilter("always")
from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.streaming_async import AsyncChatCompletionStream, AsyncChatStream
from meganova.testing.clock import VirtualClock

EV = b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": "x"}}]}).encode()

class Stalling:
    status, reason, headers = 200, "OK", {}
    def aiter_bytes(self):
        return self
    def __aiter__(self):
        return self
    async def __anext__(self):
        if not hasattr(self, "sent"):
            self.sent = True
            return EV + b"\\n\\n"
        await asyncio.sleep(3600)
    async def aread(self):
        return b""
    async def aclose(self):
        pass

kept = []
async def main():
    for i in range(12):
        inner = AsyncChatCompletionStream(Stalling(), codec=MsgspecCodec(), clock=VirtualClock(),
                                          read_timeout=None)
        stream = AsyncChatStream(inner) if i % 2 else inner
        await stream.__anext__()
        if i % 3 == 0:
            kept.append(stream)                    # alive at exit
        elif i % 3 == 1:
            box = [stream]; box.append(box)        # only the collector frees it
        del stream, inner
    reader = AsyncChatStream(AsyncChatCompletionStream(Stalling(), codec=MsgspecCodec(),
                             clock=VirtualClock(), read_timeout=None))
    async def read():
        async for _ in reader:
            pass
    kept.append(asyncio.ensure_future(read()))     # still reading when the loop ends
    await asyncio.sleep(0.01)
asyncio.run(main())
print("exiting", flush=True)
"""


def test_streams_left_at_interpreter_exit_warn_nothing() -> None:
    result = run_python(_AT_EXIT)
    assert "exiting" in result.stdout
    assert result.stderr == "", result.stderr
