"""Cassettes over real sockets on 127.0.0.1: recorded through every built-in transport
(sync and async) against the fake served over HTTP and against pytest-httpserver,
replayed with the server gone; streams keep their chunk boundaries; no key reaches
the file when the server echoes it."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from meganova import AsyncMegaNova, MegaNova
from meganova.core.http import Request
from meganova.errors import StreamConnectionError
from meganova.testing import Cassette, Drop, FakeMeganova, Stream, Text, UnmatchedRequestError
from meganova.testing.contract import ContractServer, Gate, Reply
from tests.helpers import ev

SYNC = ("urllib3", "stdlib", "requests")
ASYNC = ("aiohttp", "httpx", "threads")
KEY = "sk-contract/Echo+Key"
USER = [{"role": "user", "content": "Hi"}]
MODEL = "meganova-ai/manta-flash-1.0"
CLOSED_PORT = "http://127.0.0.1:9/v1"  # nothing listens: a replay that sent would fail


@pytest.fixture(autouse=True)
def _no_meganova_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and URLs come from each test, never from the machine running it."""
    for name in ("MEGANOVA_API_KEY", "MEGANOVA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def conversation(client: MegaNova) -> Tuple[str, str, List[str]]:
    text = client.chat.create(messages=USER, model=MODEL).text
    streamed = "".join(item.delta for item in client.chat.stream(messages=USER, model=MODEL))
    models = [m.id for m in client.models.list()]
    return text, streamed, models


async def aconversation(client: AsyncMegaNova) -> Tuple[str, str, List[str]]:
    text = (await client.chat.create(messages=USER, model=MODEL)).text
    stream = await client.chat.stream(messages=USER, model=MODEL)
    streamed = "".join([item.delta async for item in stream])
    models = [m.id for m in await client.models.list()]
    return text, streamed, models


@pytest.mark.parametrize("transport", SYNC)
def test_recorded_through_the_fake_over_http_and_replayed_with_it_gone(
    tmp_path: Path, transport: str
) -> None:
    path = tmp_path / "fake.jsonl"
    fake = FakeMeganova()
    fake.script(Text("over the wire"), Stream(["str", "eamed"]))
    with fake.serve() as server, Cassette(path, mode="record") as cassette:
        live = conversation(
            cassette.client(base_url=server.base_url, transport=transport, api_key=KEY)
        )
    assert live[:2] == ("over the wire", "streamed")
    assert len(fake.requests) == 3
    with Cassette(path, mode="none") as cassette:
        assert conversation(cassette.client(base_url=CLOSED_PORT, transport=transport)) == live
        assert cassette.all_played


@pytest.mark.parametrize("transport", ASYNC)
def test_the_async_client_records_through_each_async_transport(
    tmp_path: Path, transport: str
) -> None:
    pytest.importorskip(transport if transport != "threads" else "urllib3")
    path = tmp_path / "fake.jsonl"
    fake = FakeMeganova()
    fake.script(Text("async over the wire"), Stream(["a", "b"]))

    async def record(base_url: str) -> Tuple[str, str, List[str]]:
        with Cassette(path, mode="record") as cassette:
            async with cassette.async_client(
                base_url=base_url, transport=transport, api_key=KEY
            ) as client:
                return await aconversation(client)

    async def replay() -> Tuple[str, str, List[str]]:
        with Cassette(path, mode="none") as cassette:
            async with cassette.async_client(base_url=CLOSED_PORT, transport=transport) as client:
                return await aconversation(client)

    with fake.serve() as server:
        live = asyncio.run(record(server.base_url))
    assert live[:2] == ("async over the wire", "ab")
    assert asyncio.run(replay()) == live


def test_new_episodes_over_http_sends_only_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "episodes.jsonl"
    fake = FakeMeganova()
    with fake.serve() as server:
        with Cassette(path, mode="record") as cassette:
            cassette.client(base_url=server.base_url, api_key=KEY).chat.create(
                messages=USER, model=MODEL
            )
        with Cassette(path, mode="new_episodes") as cassette:
            client = cassette.client(base_url=server.base_url, api_key=KEY)
            client.chat.create(messages=USER, model=MODEL)
            client.models.list()
    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/chat/completions"),
        ("GET", "/models"),
    ]
    with Cassette(path, mode="none") as cassette:
        client = cassette.client(base_url=CLOSED_PORT)
        client.chat.create(messages=USER, model=MODEL)
        client.models.list()
        with pytest.raises(UnmatchedRequestError, match="GET /v1/models"):
            client.models.list()


def test_a_dropped_stream_over_http_is_replayed_as_a_stream_error(tmp_path: Path) -> None:
    path = tmp_path / "drop.jsonl"
    fake = FakeMeganova()
    fake.script(Drop(after=2, pieces=["half ", "an ", "answer"]))
    with fake.serve() as server, Cassette(path, mode="record") as cassette:
        client = cassette.client(base_url=server.base_url, max_retries=0, api_key=KEY)
        with pytest.raises(StreamConnectionError) as live:
            list(client.chat.stream(messages=USER, model=MODEL))
    cassette = Cassette(path, mode="none")
    with pytest.raises(StreamConnectionError) as replayed:
        list(cassette.client(base_url=CLOSED_PORT).chat.stream(messages=USER, model=MODEL))
    assert replayed.value.partial_text == live.value.partial_text


# -- chunk boundaries over a socket --------------------------------------------------------


class Capture:
    """In front of a real transport: keeps the chunks each streamed reply gave."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.chunks: List[bytes] = []

    def send(self, request: Request) -> Any:
        response = self.inner.send(request)
        capture = self

        class Reading:
            status, headers, reason = response.status, response.headers, response.reason

            def iter_bytes(self) -> Iterator[bytes]:
                for chunk in response.iter_bytes():
                    capture.chunks.append(chunk)
                    yield chunk

            def read(self) -> bytes:
                return b"".join(self.iter_bytes())

            def close(self) -> None:
                response.close()

        return Reading()

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("transport", SYNC)
def test_a_stream_replays_with_the_chunk_boundaries_it_was_read_with(
    tmp_path: Path, transport: str
) -> None:
    from meganova.client import make_transport

    events = [ev(role="assistant"), ev("Neon "), ev("Harbor"), ev(finish="stop")]
    events.append(b"data: [DONE]\n\n")
    gates = [Gate() for _ in events[1:]]
    pieces: List[Any] = [events[0]]
    for gate, event in zip(gates, events[1:]):
        pieces += [gate, event]  # the server holds each event until the client has the last
    path = tmp_path / "chunks.jsonl"
    with ContractServer() as server:
        url = server.serve(Reply(headers=[("Content-Type", "text/event-stream")], chunks=pieces))
        live = Capture(make_transport(transport))
        with Cassette(path, mode="record") as cassette:
            request = Request("POST", url, {}, b"{}", stream=True)
            response = cassette.transport(live).send(request)
            reading = response.iter_bytes()
            got = b""
            for index, gate in enumerate([*gates, None]):
                while got != b"".join(events[: index + 1]):
                    got += next(reading)
                if gate is not None:
                    gate.open()
            assert list(reading) == []
            response.close()
    assert len(live.chunks) >= len(events)  # one read per event at least
    recorded = json.loads(path.read_text(encoding="utf-8"))["response"]["chunks"]
    assert [c["text"].encode() for c in recorded] == live.chunks
    assert [c["at"] for c in recorded] == sorted(c["at"] for c in recorded)
    with Cassette(path, mode="none") as cassette:
        replayed = list(cassette.transport().send(request).iter_bytes())
    assert replayed == live.chunks


# -- an echoing server (pytest-httpserver) -------------------------------------------------


@pytest.fixture(scope="module")
def echo_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()

    def echo(request: WerkzeugRequest) -> WerkzeugResponse:
        auth = request.headers.get("Authorization", "")
        body = {
            "id": "chatcmpl-echo",
            "object": "chat.completion",
            "created": 1,
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": f"you sent {auth}"},
                    "finish_reason": "stop",
                }
            ],
            "echo": {"headers": dict(request.headers), "url": request.url},
        }
        return WerkzeugResponse(
            json.dumps(body),
            headers={"Content-Type": "application/json", "X-Echo": auth, "x-request-id": auth},
        )

    server.expect_request(re.compile(".*")).respond_with_handler(echo)
    try:
        yield server
    finally:
        server.stop()


def no_key_in(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for form in (KEY, json.dumps(KEY)[1:-1], "contract%2FEcho", "Echo+Key", "Echo%2BKey"):
        assert form not in text


@pytest.mark.parametrize("transport", SYNC)
def test_no_key_reaches_the_file_when_a_real_server_echoes_it(
    tmp_path: Path, echo_server: HTTPServer, transport: str
) -> None:
    path = tmp_path / "echo.jsonl"
    with Cassette(path, mode="record") as cassette:
        client = cassette.client(
            api_key=KEY, base_url=echo_server.url_for("/v1"), transport=transport
        )
        live = client.chat.create(messages=USER, model=MODEL)
    assert KEY in live.text  # the echo happened
    no_key_in(path)
    with Cassette(path, mode="none") as cassette:
        replayed = cassette.client(base_url=CLOSED_PORT).chat.create(messages=USER, model=MODEL)
    assert replayed.text == "you sent <redacted>"


@pytest.mark.parametrize("transport", ASYNC)
def test_no_key_reaches_the_file_from_the_async_client(
    tmp_path: Path, echo_server: HTTPServer, transport: str
) -> None:
    pytest.importorskip(transport if transport != "threads" else "urllib3")
    path = tmp_path / "echo.jsonl"

    async def record() -> str:
        with Cassette(path, mode="record") as cassette:
            async with cassette.async_client(
                api_key=KEY, base_url=echo_server.url_for("/v1"), transport=transport
            ) as client:
                return (await client.chat.create(messages=USER, model=MODEL)).text

    assert KEY in asyncio.run(record())
    no_key_in(path)
