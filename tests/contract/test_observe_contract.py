"""Response metadata and hooks reach the user on every transport, sync (urllib3,
stdlib, requests, fake) and async (aiohttp, httpx, threads, fake): a retried call's
status, headers, request id, attempts and elapsed time, a stream's timing, an error's
rate limits, and the events of each call in order, with no key in any of them."""

# The contract fixtures are used by name, so parameters shadow them on purpose.

from __future__ import annotations

from typing import Any, Callable, List

import pytest

from meganova import AsyncMegaNova, Hooks, MegaNova, response_info
from meganova.errors import RateLimitError
from meganova.types import HookEvent
from tests.clock import VirtualClock
from tests.contract.conftest import ASYNC_KEY, Server, Stage
from tests.helpers import DONE, OPENED, RETRIED_ONCE, STREAM_END, HookRecorder, ev

Factory = Callable[..., MegaNova]
LIMITS = {
    "X-RateLimit-Limit-Requests": "60",
    "X-RateLimit-Remaining-Requests": "0",
    "X-RateLimit-Reset-Requests": "2s",
    "X-RateLimit-Remaining-Tokens": "1000",
}
MODELS = {"object": "list", "data": [{"id": "m-1", "object": "model"}]}
SSE = {"Content-Type": "text/event-stream"}


def test_a_retried_call_tells_its_reply_and_its_events(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply("GET", "/v1/models", 429, json={"error": "slow"}, headers={"Retry-After": "1"})
    server.reply("GET", "/v1/models", json=MODELS, headers={**LIMITS, "X-Request-Id": "req-7"})
    seen = HookRecorder()
    client = make_client(max_retries=1, hooks=seen.hooks(), api_key=ASYNC_KEY)
    models = client.models.list()
    info = response_info(models)
    assert info is not None
    assert (info.status, info.request_id, info.attempts) == (200, "req-7", 2)
    assert info.elapsed == pytest.approx(1.0)  # the server's Retry-After, on the clock
    assert info.headers["x-ratelimit-limit-requests"] == "60"
    assert info.rate_limit.remaining_requests == 0 and info.rate_limit.reset_requests == 2.0
    assert seen.names == [
        "on_call_start",
        "on_request",
        "on_response",
        "on_retry",
        "on_request",
        "on_response",
        "on_call_end",
    ]
    assert [e.status for e in seen.events if e.hook == "on_response"] == [429, 200]
    assert seen.events[-1].info is info and seen.events[-1].attempts == 2
    assert ASYNC_KEY not in seen.shown()


def test_a_stream_tells_its_timing_and_ends_its_call(server: Server, make_client: Factory) -> None:
    server.reply(
        "POST",
        "/v1/chat/completions",
        chunks=[ev("Hel"), ev("lo", "stop"), DONE],
        headers={**SSE, "X-Request-Id": "req-s"},
    )
    seen = HookRecorder()
    client = make_client(max_retries=0, hooks=seen.hooks())
    with client.chat.stream(messages=[{"role": "user", "content": "hi"}], model="m") as stream:
        text = "".join(item.delta for item in stream)
    assert text == "Hello"
    info = response_info(stream)
    assert info is not None and info.request_id == "req-s" and info.chunks == 2
    assert info.time_to_first_token is not None and info.time_to_last_chunk is not None
    assert 0 <= info.time_to_first_token <= info.time_to_last_chunk
    assert seen.names[-3:] == ["on_stream_first_token", "on_stream_end", "on_call_end"]
    end = seen.events[-2]
    assert end.state == "done" and end.chunks == 2 and end.finish_reasons == ("stop",)


def test_an_error_tells_its_rate_limits(server: Server, make_client: Factory) -> None:
    server.reply("GET", "/v1/models", 429, json={"error": "slow"}, headers=LIMITS)
    with pytest.raises(RateLimitError) as caught:
        make_client(max_retries=0).models.list()
    info = response_info(caught.value)
    assert info is not None and info.status == 429 and info.attempts == 1
    assert caught.value.rate_limit.limit_requests == 60


@pytest.mark.anyio
async def test_the_async_client_tells_the_same_on_every_transport(
    stage: Stage, make_async_transport: Callable[..., Any]
) -> None:
    stage.on(
        "/v1/models",
        headers={"Content-Type": "application/json", "X-Request-Id": "req-a", **LIMITS},
        body=b'{"object": "list", "data": [{"id": "m-1"}]}',
    )
    stage.on(
        "/v1/chat/completions",
        headers={**SSE, "X-Request-Id": "req-b"},
        chunks=[ev("Hel"), ev("lo", "stop"), DONE],
    )
    stage.on("/v1/limited", 429, headers={"Content-Type": "application/json", **LIMITS}, body=b"{}")
    seen = HookRecorder()
    awaited: List[str] = []

    async def async_hook(event: HookEvent) -> None:
        awaited.append(event.hook)

    client = AsyncMegaNova(
        api_key=ASYNC_KEY,
        base_url=stage.url("/v1"),
        transport=make_async_transport(),
        max_retries=0,
        hooks=[seen.hooks(), Hooks(on_call_end=async_hook)],
    )
    models = await client.models.list()
    info = response_info(models)
    assert info is not None and (info.status, info.request_id, info.attempts) == (200, "req-a", 1)
    assert info.rate_limit.limit_requests == 60
    stream = await client.chat.stream(messages=[{"role": "user", "content": "hi"}], model="m")
    async with stream:
        text = "".join([item.delta async for item in stream])
    assert text == "Hello"
    stream_info = response_info(stream)
    assert stream_info is not None and stream_info.request_id == "req-b"
    assert stream_info.time_to_last_chunk is not None
    with pytest.raises(RateLimitError) as caught:
        await client.engine.request("GET", "/limited", cast_to=dict)
    assert caught.value.rate_limit.remaining_requests == 0
    assert response_info(caught.value).status == 429  # type: ignore[union-attr]
    assert seen.names == [
        "on_call_start",
        "on_request",
        "on_response",
        "on_call_end",
        "on_call_start",
        "on_request",
        "on_response",
        "on_stream_first_token",
        "on_stream_end",
        "on_call_end",
        "on_call_start",
        "on_request",
        "on_response",
        "on_call_end",
    ]
    assert awaited == ["on_call_end"] * 3
    assert seen.events[-1].error is caught.value
    assert ASYNC_KEY not in seen.shown()


def test_raw_calls_are_observed_as_plain_calls(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply("GET", "/v1/models", 503, json={"error": "busy"}, headers={"Retry-After": "1"})
    server.reply("GET", "/v1/models", json=MODELS, headers={"X-Request-Id": "req-r"})
    server.reply(
        "POST", "/v1/chat/completions", chunks=[ev("Hel"), ev("lo", "stop"), DONE], headers=SSE
    )
    seen = HookRecorder()
    client = make_client(max_retries=1, hooks=seen.hooks(), api_key=ASYNC_KEY)
    raw = client.with_raw_response.models.list()
    assert (raw.status, raw.request_id, raw.attempts) == (200, "req-r", 2)
    assert seen.names == RETRIED_ONCE
    assert seen.events[-1].result is raw.parse()
    seen.events.clear()
    hi = [{"role": "user", "content": "hi"}]
    with client.with_streaming_response.chat.create(messages=hi, model="m", stream=True) as reply:
        lines = list(reply.iter_lines())
    assert "data: [DONE]" in lines
    assert seen.names[-3:] == STREAM_END
    assert seen.events[-2].state == "done" and reply.info.time_to_last_chunk is not None
    assert ASYNC_KEY not in seen.shown()


@pytest.mark.anyio
async def test_async_raw_calls_are_observed_on_every_transport(
    stage: Stage, make_async_transport: Callable[..., Any]
) -> None:
    stage.on("/v1/models", headers={"Content-Type": "application/json"}, body=b'{"data": []}')
    stage.on("/v1/chat/completions", headers=SSE, chunks=[ev("Hel"), ev("lo", "stop"), DONE])
    seen = HookRecorder()
    client = AsyncMegaNova(
        api_key=ASYNC_KEY,
        base_url=stage.url("/v1"),
        transport=make_async_transport(),
        max_retries=0,
        hooks=seen.hooks(),
    )
    raw = await client.with_raw_response.models.list()
    assert raw.status == 200 and seen.events[-1].result is raw.parse()
    hi = [{"role": "user", "content": "hi"}]
    async with client.with_streaming_response.chat.create(
        messages=hi, model="m", stream=True
    ) as reply:
        async for _ in reply.iter_bytes():
            break  # the rest is left unread: the block's end ends the call
    assert seen.names == [*OPENED, "on_call_end", *OPENED, *STREAM_END]
    assert seen.events[-2].state == "closed"
    await client.close()
