"""``meganova.otel``: the span tree and metrics of real calls, read back from the
OpenTelemetry SDK's in-memory exporter and metric reader, on every transport of both
clients, against real local servers (and the in-memory fake)."""

# The contract fixtures are used by name, so parameters shadow them on purpose.

from __future__ import annotations

import asyncio
import gc
import json
import threading
from typing import Any, Callable, Iterator, List, Optional

import pytest

pytest.importorskip("opentelemetry.sdk", reason="pip install 'meganova[otel]' opentelemetry-sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import meganova.otel
from meganova import AsyncMegaNova, MegaNova, MeganovaError
from meganova.errors import StreamConnectionError
from meganova.testing import Error, FakeMeganova, Stream, Text
from tests.clock import VirtualClock
from tests.contract.conftest import MISSING, Server
from tests.contract.rawserver import (
    SSE_CHUNKED,
    RawConnection,
    RawServer,
    chunk,
    head,
    sse_events,
    stall,
)
from tests.helpers import DONE, ev

KEY = "sk-otel-5ecret-K3y-0123456789abcdef"
USER = [{"role": "user", "content": "Say hi"}]
CHAT = "/v1/chat/completions"
REPLY = {
    "id": "chatcmpl-42",
    "model": "m-2024-01",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12},
}
BUSY = {"error": {"message": "busy", "type": "server_error"}}


class Otel:
    """An SDK tracer and meter provider reading into memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def instrument(self, client: Any, **options: Any) -> Any:
        return meganova.otel.instrument(
            client,
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            **options,
        )

    @property
    def spans(self) -> List[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def call_span(self) -> ReadableSpan:
        (root,) = [s for s in self.spans if s.parent is None]
        return root

    def children(self, span: ReadableSpan) -> List[ReadableSpan]:
        parent = span.context.span_id
        found = [s for s in self.spans if s.parent is not None and s.parent.span_id == parent]
        return sorted(found, key=lambda s: s.start_time or 0)

    def points(self, name: str) -> List[Any]:
        data = self.reader.get_metrics_data()
        found: List[Any] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def text(self) -> str:
        """Everything the spans and metrics hold, as text."""
        parts = []
        for span in self.spans:
            parts.append(span.to_json())
        data = self.reader.get_metrics_data()
        if data is not None:
            parts.append(data.to_json())
        return "\n".join(parts)


@pytest.fixture
def otel() -> Iterator[Otel]:
    telemetry = Otel()
    yield telemetry
    telemetry.tracer_provider.shutdown()
    telemetry.meter_provider.shutdown()


def check_retried_twice(otel: Otel, server_port: Optional[int], host: str = "127.0.0.1") -> None:
    call = otel.call_span()
    assert call.name == "chat m"
    assert call.kind is SpanKind.CLIENT
    assert call.status.status_code is StatusCode.UNSET
    attributes = dict(call.attributes or {})
    expected = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "meganova",
        "gen_ai.system": "meganova",
        "gen_ai.request.model": "m",
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.max_tokens": 10,
        "gen_ai.request.stream": False,
        "gen_ai.response.model": "m-2024-01",
        "gen_ai.response.id": "chatcmpl-42",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 9,
        "gen_ai.usage.output_tokens": 3,
        "meganova.attempts": 3,
        "meganova.request_id": "req_3",
    }
    for name, value in expected.items():
        assert attributes.get(name) == value, name
    if server_port is not None:
        assert attributes["server.address"] == host
        assert attributes["server.port"] == server_port
    attempts = otel.children(call)
    assert [a.name for a in attempts] == ["POST", "POST", "POST"]
    assert all(a.kind is SpanKind.CLIENT for a in attempts)
    statuses = [dict(a.attributes or {}).get("http.response.status_code") for a in attempts]
    assert statuses == [500, 500, 200]
    first, second, last = (dict(a.attributes or {}) for a in attempts)
    assert first["error.type"] == second["error.type"] == "InternalServerError"
    assert first["meganova.retry.delay"] > 0
    assert "http.request.resend_count" not in first
    assert (second["http.request.resend_count"], last["http.request.resend_count"]) == (1, 2)
    assert [a.status.status_code for a in attempts] == [
        StatusCode.ERROR,
        StatusCode.ERROR,
        StatusCode.UNSET,
    ]
    assert "error.type" not in last
    retries = [e for e in call.events if e.name == "meganova.retry"]
    assert [dict(e.attributes or {})["meganova.attempt"] for e in retries] == [1, 2]
    assert all(dict(e.attributes or {})["http.response.status_code"] == 500 for e in retries)
    # the attempts lie inside the call, one after another
    assert call.start_time <= attempts[0].start_time
    for before, after in zip(attempts, attempts[1:]):
        assert before.end_time <= after.start_time
    assert attempts[-1].end_time <= call.end_time

    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1
    assert dict(duration.attributes)["gen_ai.response.model"] == "m-2024-01"
    assert "error.type" not in dict(duration.attributes)
    tokens = {
        dict(p.attributes)["gen_ai.token.type"]: p.sum
        for p in otel.points("gen_ai.client.token.usage")
    }
    assert tokens == {"input": 9, "output": 3}
    assert otel.points("gen_ai.client.operation.time_to_first_chunk") == []
    assert KEY not in otel.text()


def queue_retried_twice(server: Server) -> None:
    server.reply("POST", CHAT, 500, json=BUSY)
    server.reply("POST", CHAT, 500, json=BUSY)
    server.reply("POST", CHAT, 200, json=REPLY, headers={"x-request-id": "req_3"})


def port_of(server: Server) -> Optional[int]:
    from urllib.parse import urlsplit

    return urlsplit(server.base_url).port if server.kind == "http" else None


def test_a_call_retried_twice_is_one_span_with_three_attempt_spans(
    server: Server, make_client: Callable[..., MegaNova], otel: Otel
) -> None:
    queue_retried_twice(server)
    client = otel.instrument(make_client(api_key=KEY, max_retries=2))
    reply = client.chat.create(messages=USER, model="m", temperature=0.5, max_tokens=10)
    assert reply.choices[0].message.content == "Hi!"
    check_retried_twice(otel, port_of(server))


def test_an_error_after_the_retries_ends_the_span_in_error(
    server: Server, make_client: Callable[..., MegaNova], otel: Otel
) -> None:
    server.reply("POST", CHAT, 503, json=BUSY)
    client = otel.instrument(make_client(api_key=KEY, max_retries=2))
    with pytest.raises(MeganovaError):
        client.chat.create(messages=USER, model="m")
    call = otel.call_span()
    assert call.status.status_code is StatusCode.ERROR
    assert dict(call.attributes or {})["error.type"] == "InternalServerError"
    assert "busy" in (call.status.description or "")
    attempts = otel.children(call)
    assert len(attempts) == 3
    assert all(a.status.status_code is StatusCode.ERROR for a in attempts)
    assert all(dict(a.attributes or {})["http.response.status_code"] == 503 for a in attempts)
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert dict(duration.attributes)["error.type"] == "InternalServerError"
    assert otel.points("gen_ai.client.token.usage") == []


# -- streams ------------------------------------------------------------------------------


def test_a_streamed_call_ends_its_span_at_the_stream_end(
    server: Server, make_client: Callable[..., MegaNova], otel: Otel
) -> None:
    events = [ev("Hel"), ev("lo", "stop"), DONE]
    server.reply("POST", CHAT, 200, chunks=events, headers={"Content-Type": "text/event-stream"})
    client = otel.instrument(make_client(api_key=KEY))
    stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    assert otel.spans == [] or all(s.parent is not None for s in otel.spans)  # still open
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "Hello"
    call = otel.call_span()
    attributes = dict(call.attributes or {})
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["meganova.stream.state"] == "done"
    assert attributes["meganova.stream.chunks"] == 2
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.response.time_to_first_chunk"] >= 0
    assert call.status.status_code is StatusCode.UNSET
    (first,) = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.count == 1


def cut_after_two_events(conn: RawConnection) -> bool:
    conn.reset()
    return False


def test_a_stream_cut_midway_ends_its_span_with_the_error(
    make_raw_client: Callable[..., MegaNova], raw: RawServer, otel: Otel
) -> None:
    raw.on(CHAT, sse_events([ev("Hel"), ev("lo")], cut_after_two_events))
    client = otel.instrument(make_raw_client(api_key=KEY))
    received = []
    with pytest.raises(StreamConnectionError):
        for chunk in client.chat.stream(messages=USER, model="m"):
            received.append(chunk.delta)
    assert "".join(received) == "Hello"
    call = otel.call_span()
    attributes = dict(call.attributes or {})
    assert call.status.status_code is StatusCode.ERROR
    assert attributes["error.type"] == "StreamConnectionError"
    assert attributes["meganova.stream.state"] == "failed"
    assert attributes["meganova.stream.chunks"] == 2
    assert attributes["gen_ai.response.time_to_first_chunk"] >= 0
    (attempt,) = otel.children(call)
    assert dict(attempt.attributes or {})["http.response.status_code"] == 200
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert dict(duration.attributes)["error.type"] == "StreamConnectionError"
    assert KEY not in otel.text()


def test_a_stream_closed_early_ends_its_span_without_error(
    server: Server, make_client: Callable[..., MegaNova], otel: Otel
) -> None:
    gate = threading.Event()
    events = [ev("a"), gate, ev("b", "stop"), DONE]
    server.reply("POST", CHAT, 200, chunks=events, headers={"Content-Type": "text/event-stream"})
    client = otel.instrument(make_client(api_key=KEY))
    try:
        with client.chat.stream(messages=USER, model="m") as stream:
            next(stream)
    finally:
        gate.set()
    call = otel.call_span()
    attributes = dict(call.attributes or {})
    assert attributes["meganova.stream.state"] == "closed"
    assert call.status.status_code is StatusCode.UNSET
    assert "error.type" not in attributes


def test_a_dropped_stream_ends_its_span(
    server: Server, make_client: Callable[..., MegaNova], otel: Otel
) -> None:
    gate = threading.Event()
    events = [ev("a"), gate, ev("b", "stop"), DONE]
    server.reply("POST", CHAT, 200, chunks=events, headers={"Content-Type": "text/event-stream"})
    client = otel.instrument(make_client(api_key=KEY))
    stream = client.chat.stream(messages=USER, model="m")
    next(stream)
    del stream
    gc.collect()
    gate.set()
    assert dict(otel.call_span().attributes or {})["meganova.stream.state"] == "closed"


# -- the async client ---------------------------------------------------------------------

ASYNC_SOCKET_TRANSPORTS = ("aiohttp", "httpx", "threads")


@pytest.fixture(params=ASYNC_SOCKET_TRANSPORTS)
def async_transport(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name in MISSING:
        pytest.importorskip(name, reason=MISSING[name])
    return name


def test_the_async_client_traces_a_call_retried_twice(
    async_transport: str, otel: Otel, httpserver: Any
) -> None:
    from werkzeug import Response

    replies = [(500, BUSY, {}), (500, BUSY, {}), (200, REPLY, {"x-request-id": "req_3"})]

    def handler(request: Any) -> Any:
        status, body, headers = replies.pop(0)
        return Response(json.dumps(body), status, {"Content-Type": "application/json", **headers})

    httpserver.expect_request(CHAT).respond_with_handler(handler)

    async def main() -> None:
        client = AsyncMegaNova(
            api_key=KEY,
            base_url=httpserver.url_for("/v1"),
            transport=async_transport,
            clock=VirtualClock(),
            proxy=None,
        )
        async with otel.instrument(client) as client:
            await client.chat.create(messages=USER, model="m", temperature=0.5, max_tokens=10)

    asyncio.run(main())
    check_retried_twice(otel, httpserver.port, httpserver.host)


def test_the_async_client_ends_a_cut_stream_span_with_the_error(
    async_transport: str, otel: Otel, raw: RawServer
) -> None:
    raw.on(CHAT, sse_events([ev("Hel"), ev("lo")], cut_after_two_events))

    async def main() -> str:
        client = AsyncMegaNova(
            api_key=KEY, base_url=raw.url("/v1"), transport=async_transport, proxy=None
        )
        received = []
        async with otel.instrument(client) as client:
            with pytest.raises(StreamConnectionError):
                async for chunk in await client.chat.stream(messages=USER, model="m"):
                    received.append(chunk.delta)
        return "".join(received)

    assert asyncio.run(main()) == "Hello"
    call = otel.call_span()
    assert call.status.status_code is StatusCode.ERROR
    assert dict(call.attributes or {})["error.type"] == "StreamConnectionError"


def endless_chat(stop: threading.Event) -> Any:
    """A chat stream that never ends: an event every 5 ms until ``stop``."""

    def script(conn: RawConnection, request: Any) -> bool:
        if not conn.send(head(200, SSE_CHUNKED)):
            return False
        for _ in range(2000):
            if stop.is_set() or not conn.send(chunk(ev("x"))):
                break
            stop.wait(0.005)
        return False

    return script


def test_a_cancelled_async_stream_ends_its_span(
    async_transport: str, otel: Otel, raw: RawServer
) -> None:
    stop = threading.Event()
    raw.on(CHAT, endless_chat(stop))

    async def main() -> None:
        client = AsyncMegaNova(
            api_key=KEY, base_url=raw.url("/v1"), transport=async_transport, proxy=None
        )
        async with otel.instrument(client) as client:
            first = asyncio.Event()

            async def read() -> None:
                async for _ in await client.chat.stream(messages=USER, model="m"):
                    first.set()

            task = asyncio.ensure_future(read())
            await asyncio.wait_for(first.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    try:
        asyncio.run(main())
    finally:
        stop.set()
    call = otel.call_span()
    assert dict(call.attributes or {})["meganova.stream.state"] == "closed"


# -- what is recorded ---------------------------------------------------------------------


def test_content_is_recorded_only_when_asked(otel: Otel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    fake = FakeMeganova()
    fake.script(Text("the secret answer"), Text("the secret answer"), Text("again"))
    with otel.instrument(fake.client(api_key=KEY)) as client:
        client.chat.create(messages=[{"role": "user", "content": "secret question"}], model="m")
    assert "secret" not in otel.text()
    otel.exporter.clear()
    with otel.instrument(fake.client(api_key=KEY), capture_content=True) as client:
        client.chat.create(messages=[{"role": "user", "content": f"secret {KEY}"}], model="m")
    attributes = dict(otel.call_span().attributes or {})
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "secret <redacted>"}]}
    ]
    assert json.loads(attributes["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "the secret answer"}
    ]
    otel.exporter.clear()
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    with otel.instrument(fake.client(api_key=KEY)) as client:
        client.chat.create(messages=USER, model="m")
    assert "gen_ai.input.messages" in dict(otel.call_span().attributes or {})


def test_a_streamed_answer_is_recorded_when_asked(otel: Otel) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["Neon ", "Harbor"]))
    with otel.instrument(fake.client(api_key=KEY), capture_content=True) as client:
        assert "".join(c.delta for c in client.chat.stream(messages=USER, model="m")) == (
            "Neon Harbor"
        )
    output = json.loads(dict(otel.call_span().attributes or {})["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "Neon Harbor"}]


def test_the_key_never_reaches_a_span_even_echoed_or_in_a_path(otel: Otel) -> None:
    def echo(request: Any) -> Any:
        from meganova.adapters.fake_transport import FakeResponse

        body = {"error": {"message": f"bad key {KEY}", "code": KEY}}
        return FakeResponse(401, json.dumps(body).encode(), {"x-request-id": KEY})

    from meganova.adapters.fake_transport import FakeTransport

    client = MegaNova(
        api_key=KEY, base_url="https://api.example.test/v1", transport=FakeTransport(echo)
    )
    otel.instrument(client, capture_content=True)
    with pytest.raises(MeganovaError):
        client.chat.create(messages=USER, model="m")
    with pytest.raises(MeganovaError):
        client.engine.request("POST", "/agents/v1/agent_0ffdeadbeef/chat", cast_to=dict, json={})
    with pytest.raises(MeganovaError):
        client.engine.request("GET", f"/models/{KEY}", cast_to=dict)
    text = otel.text()
    assert len(otel.spans) >= 6
    assert KEY not in text
    assert "agent_0ffdeadbeef" not in text
    assert "<redacted>" in text


def test_a_cloud_agent_is_traced_and_its_key_never_reaches_a_span(otel: Otel) -> None:
    agent_key = "agent_otel-5ecret-0123456789"
    fake = FakeMeganova()
    fake.script(Error(503, path="/agent/chat"))
    with fake.agent(api_key=agent_key, max_retries=1) as agent:
        otel.instrument(agent, capture_content=True)
        assert agent.chat("Hi").response
    call = otel.call_span()
    assert len(otel.children(call)) == 2  # the 503, then the answer
    assert agent_key not in otel.text() and "<redacted>" in otel.text()

    async def run() -> None:
        async with fake.async_agent(api_key=agent_key) as agent:
            otel.instrument(agent)
            await agent.info()

    asyncio.run(run())
    assert len([s for s in otel.spans if s.parent is None]) == 2
    assert agent_key not in otel.text()


def test_other_api_calls_get_a_span_but_no_genai_metrics(otel: Otel) -> None:
    fake = FakeMeganova()
    with otel.instrument(fake.client(api_key=KEY)) as client:
        client.models.list()
    call = otel.call_span()
    assert call.name == "GET models.list"
    assert "gen_ai.operation.name" not in dict(call.attributes or {})
    assert otel.points("gen_ai.client.operation.duration") == []


def test_instrumenting_twice_or_cloning_never_doubles_spans_and_uninstrument_stops(
    otel: Otel,
) -> None:
    fake = FakeMeganova()
    client = fake.client(api_key=KEY)
    otel.instrument(client)
    otel.instrument(client)
    assert meganova.otel.is_instrumented(client)
    client.chat.create(messages=USER, model="m")
    clone = client.with_options(timeout=3)
    clone.chat.create(messages=USER, model="m")
    assert len([s for s in otel.spans if s.parent is None]) == 2
    meganova.otel.uninstrument(client)
    assert not meganova.otel.is_instrumented(client)
    client.chat.create(messages=USER, model="m")
    assert len([s for s in otel.spans if s.parent is None]) == 2


def test_the_span_is_a_child_of_the_callers_span(otel: Otel) -> None:
    fake = FakeMeganova()
    client = otel.instrument(fake.client(api_key=KEY))
    tracer = otel.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as parent:
        client.chat.create(messages=USER, model="m")
    call = next(s for s in otel.spans if s.name == "chat m")
    assert call.parent is not None and call.parent.span_id == parent.get_span_context().span_id


def test_an_instrumented_client_still_pickles(otel: Otel) -> None:
    import pickle

    client = otel.instrument(MegaNova(api_key=KEY, base_url="https://api.example.test/v1"))
    again = pickle.loads(pickle.dumps(client))
    assert meganova.otel.is_instrumented(again)
    assert KEY.encode() not in pickle.dumps(client.hooks)


NO_OTEL = """
import sys, warnings

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ImportError("blocked: " + name)
        return None

sys.meta_path.insert(0, Block())
import meganova.otel
from meganova import MegaNova
from meganova.testing import FakeMeganova

client = FakeMeganova().client()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert meganova.otel.instrument(client) is client
    assert meganova.otel.instrument(client) is client
    client.chat.create(messages=[{"role": "user", "content": "hi"}], model="m")
print(len(caught))
print(caught[0].message)
"""


def test_without_opentelemetry_instrument_is_a_no_op_that_warns_once() -> None:
    from tests.helpers import run_python

    out = run_python(NO_OTEL).stdout.splitlines()
    assert out[0] == "1"
    assert "pip install 'meganova[otel]'" in out[1]


def test_a_cancelled_async_call_ends_its_span(
    async_transport: str, otel: Otel, raw: RawServer
) -> None:
    release = threading.Event()
    raw.on(CHAT, stall(release))

    async def main() -> None:
        client = AsyncMegaNova(
            api_key=KEY, base_url=raw.url("/v1"), transport=async_transport, proxy=None
        )
        async with otel.instrument(client) as client:
            task = asyncio.ensure_future(client.chat.create(messages=USER, model="m"))
            for _ in range(200):  # until the request is out
                await asyncio.sleep(0.01)
                if raw.requests:
                    break
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    try:
        asyncio.run(main())
    finally:
        release.set()
    call = otel.call_span()
    assert call.status.status_code is StatusCode.ERROR
    assert dict(call.attributes or {})["error.type"] == "CancelledError"
    (attempt,) = otel.children(call)
    assert attempt.end_time is not None


def test_a_dropped_async_stream_ends_its_span(otel: Otel) -> None:
    fake = FakeMeganova()
    fake.script(Stream(["a ", "b ", "c"]))

    async def main() -> None:
        async with otel.instrument(fake.async_client(api_key=KEY)) as client:
            stream = await client.chat.stream(messages=USER, model="m")
            await stream.__anext__()
            del stream
            gc.collect()

    asyncio.run(main())
    assert dict(otel.call_span().attributes or {})["meganova.stream.state"] == "closed"
