"""Raw calls are the plain calls to hooks, log lines and OpenTelemetry, on both
clients (the fake Meganova): a raw call that retried emits the plain call's events,
a streaming reply is a stream that ends when its block ends, however it ends."""

from __future__ import annotations

import logging
from typing import Any, List

import pytest

from meganova import response_info
from meganova.errors import APIConnectionError, RateLimitError
from meganova.testing import FakeMeganova
from meganova.testing.script import Drop, Error, Stream, Text
from meganova.types import ChatResponse, HookEvent
from tests.helpers import OPENED, RETRIED_ONCE, STREAM_END, HookRecorder

MODEL = "meganova-ai/manta-flash-1.0"
HI = [{"role": "user", "content": "Hi"}]


class AsyncRecorder(HookRecorder):
    async def __call__(self, event: HookEvent) -> None:  # type: ignore[override]
        self.events.append(event)


def test_a_raw_call_that_retried_emits_the_plain_calls_events(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(429, retry_after=2), Text("Ahoy"))
    client = fake.client(hooks=seen.hooks())
    raw = client.with_raw_response.chat.completions.create(messages=HI, model=MODEL)
    assert seen.names == RETRIED_ONCE
    assert seen.events[0].call.operation == "chat.completions.create"
    assert [e.attempt for e in seen.of("on_request")] == [1, 2]
    assert [e.status for e in seen.of("on_response")] == [429, 200]
    assert isinstance(seen.of("on_retry")[0].error, RateLimitError)
    end = seen.of("on_call_end")[0]
    reply = raw.parse()
    assert end.result is reply and end.error is None and end.attempts == 2
    assert end.response_model == MODEL and end.finish_reasons == ("stop",)
    assert response_info(reply) is raw.info and raw.retries_taken == 1


def test_a_raw_call_that_fails_ends_with_its_error(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(429), Error(429))
    client = fake.client(hooks=seen.hooks(), max_retries=1)
    with pytest.raises(RateLimitError) as caught:
        client.with_raw_response.models.list()
    assert seen.names[-1] == "on_call_end" and seen.of("on_call_end")[0].error is caught.value
    assert response_info(caught.value).attempts == 2


def test_a_streaming_reply_ends_its_call_when_its_block_ends(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Stream(["Ah", "oy"]), Stream(["Ah", "oy"]))
    client = fake.client(hooks=seen.hooks())
    streaming = client.with_streaming_response.chat.create
    with streaming(messages=HI, model=MODEL, stream=True) as reply:
        assert seen.names == OPENED
        body = reply.read()
        assert seen.names == [*OPENED, *STREAM_END]
    end = seen.of("on_stream_end")[0]
    assert end.state == "done" and end.chunks >= 1 and end.error is None
    assert end.time_to_first_token is not None
    assert reply.info.chunks == end.chunks and b"[DONE]" in body
    seen.events.clear()
    with streaming(messages=HI, model=MODEL, stream=True) as reply:  # left unread
        assert seen.names == OPENED
    assert seen.names == [*OPENED, "on_stream_end", "on_call_end"]
    assert seen.of("on_stream_end")[0].state == "closed"


def test_a_streaming_reply_cut_mid_way_ends_failed_and_logs_it(
    fake: FakeMeganova, caplog: pytest.LogCaptureFixture
) -> None:
    seen = HookRecorder()
    fake.script(Drop(after=1))
    client = fake.client(hooks=seen.hooks())
    opened = client.with_streaming_response.chat.create(messages=HI, model=MODEL, stream=True)
    failed = pytest.raises(APIConnectionError)
    with caplog.at_level(logging.WARNING, logger="meganova"), failed, opened as reply:
        for _ in reply.iter_bytes():
            pass
    end = seen.of("on_stream_end")[0]
    assert end.state == "failed" and isinstance(end.error, APIConnectionError)
    assert seen.of("on_call_end")[0].error is end.error
    assert [r.meganova_event for r in caplog.records] == ["stream_failed"]  # type: ignore[attr-defined]


def test_parse_hands_the_call_to_the_method(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Stream(["Ah", "oy"]))
    client = fake.client(hooks=seen.hooks())
    with client.with_streaming_response.models.list() as reply:
        models = reply.parse()
        assert seen.names == [*OPENED, "on_call_end"]  # once, with the result
        assert seen.of("on_call_end")[0].result is models
    assert seen.names == [*OPENED, "on_call_end"]
    seen.events.clear()
    with client.with_streaming_response.chat.stream(messages=HI, model=MODEL) as reply:
        stream = reply.parse()
        next(iter(stream))
    # the stream parse() gave ends with the block, and the call with it
    assert seen.names[-2:] == ["on_stream_end", "on_call_end"]
    assert seen.of("on_stream_end")[0].state == "closed" and seen.names.count("on_call_end") == 1


def test_raw_calls_log_their_retries(fake: FakeMeganova, caplog: pytest.LogCaptureFixture) -> None:
    fake.script(Error(503), Text("Ahoy"), Error(503), Stream(["Ah", "oy"]))
    client = fake.client()
    with caplog.at_level(logging.INFO, logger="meganova"):
        client.with_raw_response.chat.create(messages=HI, model=MODEL)
        with client.with_streaming_response.chat.create(
            messages=HI, model=MODEL, stream=True
        ) as reply:
            reply.read()
    retries = [r for r in caplog.records if getattr(r, "meganova_event", "") == "retry"]
    assert len(retries) == 2
    assert all(r.meganova_attempt == 1 for r in retries)  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_the_async_client_emits_the_same_events(
    fake: FakeMeganova, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meganova")
    seen = AsyncRecorder()
    fake.script(Error(429, retry_after=2), Text("Ahoy"), Stream(["Ah", "oy"]), Drop(after=1))
    async with fake.async_client(hooks=seen.hooks()) as client:
        raw = await client.with_raw_response.chat.create(messages=HI, model=MODEL)
        assert seen.names == RETRIED_ONCE
        assert isinstance(raw.parse(), ChatResponse)
        assert seen.of("on_call_end")[0].result is raw.parse()
        seen.events.clear()
        async with client.with_streaming_response.chat.create(
            messages=HI, model=MODEL, stream=True
        ) as reply:
            assert seen.names == OPENED
            lines = [line async for line in reply.iter_lines()]
        assert "data: [DONE]" in lines
        assert seen.names == [*OPENED, *STREAM_END]
        assert seen.of("on_stream_end")[0].state == "done"
        seen.events.clear()
        with pytest.raises(APIConnectionError):
            async with client.with_streaming_response.chat.create(
                messages=HI, model=MODEL, stream=True
            ) as reply:
                await reply.read()
        assert seen.of("on_stream_end")[0].state == "failed"
        assert seen.names[-1] == "on_call_end"
    events = [getattr(r, "meganova_event", None) for r in caplog.records]
    assert events == ["retry", "stream_failed"]  # one line each


def _tracer() -> Any:
    pytest.importorskip("opentelemetry.sdk", reason="pip install opentelemetry-sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def _trees(exporter: Any) -> List[Any]:
    spans = exporter.get_finished_spans()
    roots = [s for s in spans if s.parent is None]
    return [
        (root, [s for s in spans if s.parent and s.parent.span_id == root.context.span_id])
        for root in roots
    ]


def test_raw_calls_are_traced(fake: FakeMeganova) -> None:
    import meganova.otel

    provider, exporter = _tracer()
    fake.script(Error(503), Text("Ahoy"), Stream(["Ah", "oy"]))
    client = meganova.otel.instrument(fake.client(), tracer_provider=provider)
    client.with_raw_response.chat.create(messages=HI, model=MODEL)
    with client.with_streaming_response.chat.create(messages=HI, model=MODEL, stream=True) as reply:
        pieces = reply.iter_bytes()
        next(pieces)
        assert len(_trees(exporter)) == 1  # the streamed call's span is open
    (whole, attempts), (streamed, stream_attempts) = _trees(exporter)
    assert whole.name == f"chat {MODEL}" and len(attempts) == 2
    assert whole.attributes["gen_ai.response.model"] == MODEL
    assert whole.attributes["meganova.attempts"] == 2
    assert [e.name for e in whole.events] == ["meganova.retry"]
    assert streamed.attributes["meganova.stream.state"] == "closed"
    assert streamed.attributes["gen_ai.request.stream"] is True and len(stream_attempts) == 1


@pytest.mark.anyio
async def test_async_raw_calls_are_traced(fake: FakeMeganova) -> None:
    import meganova.otel

    provider, exporter = _tracer()
    fake.script(Error(503), Text("Ahoy"), Stream(["Ah", "oy"]))
    async with fake.async_client() as plain:
        client = meganova.otel.instrument(plain, tracer_provider=provider)
        await client.with_raw_response.chat.create(messages=HI, model=MODEL)
        async with client.with_streaming_response.chat.create(
            messages=HI, model=MODEL, stream=True
        ) as reply:
            await reply.read()
    (whole, attempts), (streamed, _) = _trees(exporter)
    assert len(attempts) == 2 and whole.attributes["gen_ai.response.model"] == MODEL
    assert streamed.attributes["meganova.stream.state"] == "done"
    assert streamed.attributes["meganova.stream.chunks"] >= 1


@pytest.mark.anyio
async def test_a_cancelled_streaming_block_ends_its_call(fake: FakeMeganova) -> None:
    import asyncio

    seen = AsyncRecorder()
    fake.script(Stream(["Ah", "oy"]))
    reading = asyncio.Event()
    async with fake.async_client(hooks=seen.hooks()) as client:

        async def read() -> None:
            async with client.with_streaming_response.chat.create(
                messages=HI, model=MODEL, stream=True
            ) as reply:
                async for _ in reply.iter_bytes():
                    reading.set()
                    await asyncio.sleep(60)

        task = asyncio.create_task(read())
        await reading.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert seen.names[-2:] == ["on_stream_end", "on_call_end"]
    assert seen.of("on_stream_end")[0].state == "closed"
    assert seen.of("on_call_end")[0].error is None


def test_a_streaming_reply_announced_over_the_cap_ends_failed() -> None:
    from meganova import MegaNova
    from meganova.adapters.fake_transport import FakeResponse, FakeTransport
    from meganova.errors import ResponseTooLargeError

    body = b'{"data": []}' + b" " * 5000
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    transport = FakeTransport(lambda request: FakeResponse(200, body, headers))
    seen = HookRecorder()
    client = MegaNova(
        api_key="sk-x", transport=transport, max_response_bytes=1000, hooks=seen.hooks()
    )
    with pytest.raises(ResponseTooLargeError) as caught:  # noqa: SIM117 (3.9 syntax)
        with client.with_streaming_response.models.list() as reply:
            reply.read()
    end = seen.of("on_stream_end")[0]
    assert end.state == "failed" and end.error is caught.value
    assert seen.of("on_call_end")[0].error is caught.value
