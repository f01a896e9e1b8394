"""Cloud agents keep every guarantee of the main client, on every transport, sync and
async: typed errors, retries (a request sent at most max_retries+1 times), timeouts,
size caps, streams that never end silently, pooled connections, the confirmation
fallback. Each case runs against the raw-socket server on 127.0.0.1.

Cases are written once as coroutines taking the agent; ``aw`` awaits what the async
agent returns and passes the sync agent's values through.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from typing import Any, Awaitable, Callable, Dict, List

import pytest

from meganova.cloud import AsyncCloudAgent, CloudAgent
from meganova.errors import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    NotFoundError,
    ResponseTooLargeError,
    StreamError,
)
from meganova.testing import VirtualClock
from tests.contract.rawserver import (
    SSE_CHUNKED,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
    json_reply,
    reset_mid_body,
    send_json,
    sse_events,
    stall,
)

KEY = "agent_c0ntract-5ecret-K3y-0123456789abcdef"
ROOT = f"/agents/v1/{KEY}"
SYNC = ("urllib3", "stdlib", "requests")
ASYNC = ("aiohttp", "httpx", "threads")
OPTIONAL = {"requests": "requests", "aiohttp": "aiohttp", "httpx": "httpx"}
INFO = {"id": "agt_1", "name": "Nova", "welcome_message": "Hi!", "is_available": True}
USER = [{"role": "user", "content": "Hi"}]


def reply_for(request: RawRequest) -> Dict[str, Any]:
    body = json.loads(request.body)
    return {"response": f"echo: {body['message']}", "conversation_id": "conv_1"}


def event(text: str | None = None, finish: str | None = None) -> bytes:
    delta = {} if text is None else {"content": text}
    data = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "agent-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(data).encode() + b"\n\n"


COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "agent-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


async def aw(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def text_of(stream: Any) -> str:
    pieces: List[str] = []
    if hasattr(stream, "__aiter__"):
        async for chunk_ in stream:
            pieces.append(chunk_.choices[0].delta.content or "" if chunk_.choices else "")
    else:
        for chunk_ in stream:
            pieces.append(chunk_.choices[0].delta.content or "" if chunk_.choices else "")
    return "".join(pieces)


async def close(thing: Any) -> None:
    await aw(thing.close())


Case = Callable[[Any], Awaitable[None]]


@pytest.fixture(scope="module")
def raw() -> Any:
    server = RawServer()
    yield server
    server.stop()


@pytest.fixture(params=SYNC + ASYNC)
def transport(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name])
    return name


@pytest.fixture
def run(transport: str, raw: RawServer) -> Callable[..., None]:
    """Run a case with an agent on this transport (made and closed inside the loop)."""
    raw.scripts.clear()
    raw.reset_counts()

    def runner(case: Case, **options: Any) -> None:
        async def main() -> None:
            cls = AsyncCloudAgent if transport in ASYNC else CloudAgent
            options.setdefault("max_retries", 0)
            agent = cls(
                api_key=KEY,
                base_url=raw.url(""),
                transport=transport,
                proxy=None,
                clock=VirtualClock(),
                **options,
            )
            try:
                await case(agent)
            finally:
                await close(agent)

        asyncio.run(main())

    return runner


def test_every_method_round_trips_on_one_pooled_connection(
    run: Callable[..., None], raw: RawServer
) -> None:
    raw.on(f"{ROOT}/info", json_reply(INFO))
    raw.on(f"{ROOT}/chat", json_reply(reply_for))
    raw.on(f"{ROOT}/chat/confirm", json_reply({"response": "done"}))
    events = [event("Hel"), event("lo"), event(None, "stop"), b"data: [DONE]\n\n"]
    streamed = sse_events(events, lambda c: True, whole=True)

    def completions(conn: RawConnection, request: RawRequest) -> bool:
        if json.loads(request.body)["stream"]:
            return streamed(conn, request)
        return send_json(conn, COMPLETION)

    raw.on(f"{ROOT}/chat/completions", completions)

    async def case(agent: Any) -> None:
        assert (await aw(agent.info())).name == "Nova"
        reply = await aw(agent.chat("ping", user_identifier="u@example.com"))
        assert reply.response == "echo: ping" and reply.conversation_id == "conv_1"
        assert (await aw(agent.confirm_tool("appr_1"))).response == "done"
        assert (await aw(agent.completions(USER))).choices[0].message.content == "Hello"
        stream = await aw(agent.completions(USER, stream=True, temperature=0.2))
        assert await text_of(stream) == "Hello"
        assert (await aw(agent.info())).is_available is True

    run(case)
    assert raw.connections == 1  # one pooled connection served all six calls
    paths = [r.path for r in raw.requests]
    assert paths == [
        f"{ROOT}/info",
        f"{ROOT}/chat",
        f"{ROOT}/chat/confirm",
        f"{ROOT}/chat/completions",
        f"{ROOT}/chat/completions",
        f"{ROOT}/info",
    ]
    for request in raw.requests:
        assert "authorization" not in {k.lower() for k in request.headers}
    chat, stream = json.loads(raw.requests[1].body), json.loads(raw.requests[4].body)
    assert chat == {"message": "ping", "user_identifier": "u@example.com"}
    assert stream == {"messages": USER, "stream": True, "temperature": 0.2}


@pytest.mark.parametrize("retries", [0, 2])
def test_a_server_error_is_retried_and_sent_at_most_max_retries_plus_one_times(
    run: Callable[..., None], raw: RawServer, retries: int
) -> None:
    raw.on(f"{ROOT}/chat", json_reply({"error": {"message": "busy"}}, status=503))

    async def case(agent: Any) -> None:
        with pytest.raises(InternalServerError) as caught:
            await aw(agent.chat("ping"))
        assert caught.value.status == 503 and caught.value.attempts == retries + 1

    run(case, max_retries=retries)
    assert len(raw.requests) == retries + 1


def test_a_retry_that_succeeds_returns_the_reply(run: Callable[..., None], raw: RawServer) -> None:
    calls: List[int] = []

    def flaky(conn: RawConnection, request: RawRequest) -> bool:
        calls.append(1)
        if len(calls) == 1:
            return send_json(conn, {"detail": "busy"}, 502)
        return send_json(conn, INFO)

    raw.on(f"{ROOT}/info", flaky)

    async def case(agent: Any) -> None:
        assert (await aw(agent.info())).name == "Nova"

    run(case, max_retries=1)
    assert len(raw.requests) == 2


def test_a_silent_server_times_out_with_a_typed_error(
    run: Callable[..., None], raw: RawServer
) -> None:
    release = threading.Event()
    raw.on(f"{ROOT}/chat", stall(release))

    async def case(agent: Any) -> None:
        with pytest.raises(APITimeoutError):
            await aw(agent.chat("ping"))

    try:
        run(case, timeout=(2.0, 0.2))
    finally:
        release.set()


def test_a_connection_reset_mid_body_is_a_connection_error(
    run: Callable[..., None], raw: RawServer
) -> None:
    raw.on(f"{ROOT}/info", reset_mid_body)

    async def case(agent: Any) -> None:
        with pytest.raises(APIConnectionError):
            await aw(agent.info())

    run(case)


def test_a_reply_over_the_size_cap_is_refused(run: Callable[..., None], raw: RawServer) -> None:
    raw.on(f"{ROOT}/info", json_reply({**INFO, "description": "x" * 5000}))

    async def case(agent: Any) -> None:
        with pytest.raises(ResponseTooLargeError):
            await aw(agent.info())

    run(case, max_response_bytes=1000)


def test_a_cut_stream_raises_with_the_text_so_far(run: Callable[..., None], raw: RawServer) -> None:
    def cut(conn: RawConnection, request: RawRequest) -> bool:
        body = chunk(event("Hel")) + chunk(event("lo"))
        conn.send(head(200, SSE_CHUNKED) + body)
        conn.reset()
        return False

    raw.on(f"{ROOT}/chat/completions", cut)

    async def case(agent: Any) -> None:
        stream = await aw(agent.completions(USER, stream=True))
        with pytest.raises(StreamError) as caught:
            await text_of(stream)
        assert caught.value.partial_text == "Hello"

    run(case)


def test_a_stream_closed_early_frees_the_agent_for_the_next_call(
    run: Callable[..., None], raw: RawServer
) -> None:
    events = [event(str(n)) for n in range(50)] + [event(None, "stop"), b"data: [DONE]\n\n"]
    raw.on(f"{ROOT}/chat/completions", sse_events(events, lambda c: True, whole=True))
    raw.on(f"{ROOT}/info", json_reply(INFO))

    async def case(agent: Any) -> None:
        stream = await aw(agent.completions(USER, stream=True))
        if hasattr(stream, "__aiter__"):
            async for _ in stream:
                break
        else:
            for _ in stream:
                break
        await aw(stream.aclose() if hasattr(stream, "aclose") else stream.close())
        assert (await aw(agent.info())).name == "Nova"

    run(case)


def test_confirmation_falls_back_once_and_remembers_the_path(
    run: Callable[..., None], raw: RawServer
) -> None:
    raw.on(f"{ROOT}/chat/confirm", json_reply({"detail": "Not Found"}, status=404))
    raw.on(f"{ROOT}/confirm-tool", json_reply({"response": "ok", "status": "rejected"}))

    async def case(agent: Any) -> None:
        first = await aw(agent.confirm_tool("appr_1", "reject"))
        assert first.response == "ok" and first.message_id is None
        copy = agent.with_options(timeout=5)
        assert (await aw(copy.confirm_tool("appr_2"))).response == "ok"

    run(case)
    assert [r.path[len(ROOT) :] for r in raw.requests] == [
        "/chat/confirm",
        "/confirm-tool",
        "/confirm-tool",  # the copy knew the answer
    ]
    assert [json.loads(r.body)["action"] for r in raw.requests] == ["reject", "reject", "approve"]


def test_neither_confirmation_path_raises_the_preferred_paths_error(
    run: Callable[..., None], raw: RawServer
) -> None:
    raw.on(f"{ROOT}/chat/confirm", json_reply({"detail": "approval appr_9 unknown"}, 404))
    raw.on(f"{ROOT}/confirm-tool", json_reply({"detail": "Not Found"}, 404))

    async def case(agent: Any) -> None:
        with pytest.raises(NotFoundError, match="approval appr_9 unknown"):
            await aw(agent.confirm_tool("appr_9"))
        with pytest.raises(NotFoundError, match="approval appr_9 unknown"):
            await aw(agent.confirm_tool("appr_9"))  # nothing learnt: both tried again

    run(case)
    assert len(raw.requests) == 4


def test_cancelling_an_async_call_leaves_the_agent_usable(transport: str, raw: RawServer) -> None:
    if transport not in ASYNC:
        pytest.skip("cancellation is an asyncio matter")
    raw.scripts.clear()
    raw.reset_counts()
    release = threading.Event()
    raw.on(f"{ROOT}/chat", stall(release))
    raw.on(f"{ROOT}/info", json_reply(INFO))

    async def main() -> None:
        async with AsyncCloudAgent(
            api_key=KEY, base_url=raw.url(""), transport=transport, proxy=None, max_retries=0
        ) as agent:
            task = asyncio.ensure_future(agent.chat("ping"))
            while not raw.requests:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert (await agent.info()).name == "Nova"

    try:
        asyncio.run(asyncio.wait_for(main(), 10))
    finally:
        release.set()
