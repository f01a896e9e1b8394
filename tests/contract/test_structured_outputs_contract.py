"""Structured outputs over a real local server (pytest-httpserver), on sync and async
clients and their transports: the schema on the wire, every choice parsed, streamed
JSON parsed at the end, refusals and cut replies as their typed errors."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pytest
from pytest_httpserver import HTTPServer

from meganova import AsyncMegaNova, MegaNova
from meganova.errors import LengthFinishReasonError, OutputValidationError, RefusalError
from meganova.schema import json_schema
from tests.contract.conftest import MISSING, transport_instance
from tests.helpers import DONE, SSE, USER, ev

PATH = "/v1/chat/completions"
KINDS = ("urllib3", "stdlib", "threads", "aiohttp", "httpx")


@dataclass
class Weather:
    city: str
    celsius: float
    alerts: List[str]
    note: Optional[str] = None


RAINY = {"city": "Bergen", "celsius": 9.5, "alerts": ["rain"], "note": None}


def completion(*contents: Optional[str], finish: str = "stop", **message: Any) -> Dict[str, Any]:
    return {
        "id": "chatcmpl-so1",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "m",
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": c, **message},
                "finish_reason": finish,
            }
            for i, c in enumerate(contents)
        ],
    }


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name in MISSING:
        pytest.importorskip(name, reason=MISSING[name])
    return name


def _sync_client(kind: str, url: str) -> MegaNova:
    return MegaNova(api_key="sk-test", base_url=url, transport=transport_instance(kind))


def _async_client(kind: str, url: str) -> AsyncMegaNova:
    from tests.contract.conftest import async_transport_instance

    transport = async_transport_instance(kind, None)  # type: ignore[arg-type]
    return AsyncMegaNova(api_key="sk-test", base_url=url, transport=transport)


def parse(kind: str, server: HTTPServer, **kwargs: Any) -> Any:
    kwargs = {"messages": USER, "model": "m", **kwargs}
    url = server.url_for("/v1")
    if kind in ("urllib3", "stdlib"):
        with _sync_client(kind, url) as client:
            return client.chat.completions.parse(**kwargs)

    async def run() -> Any:
        async with _async_client(kind, url) as client:
            return await client.chat.completions.parse(**kwargs)

    return asyncio.run(run())


def stream(kind: str, server: HTTPServer, **kwargs: Any) -> Any:
    """The final response of a stream read to its end."""
    kwargs = {"messages": USER, "model": "m", **kwargs}
    url = server.url_for("/v1")
    if kind in ("urllib3", "stdlib"):
        with _sync_client(kind, url) as client, client.chat.completions.stream(**kwargs) as s:
            for _ in s:
                pass
            return s.get_final_response()

    async def run() -> Any:
        async with _async_client(kind, url) as client:
            s = await client.chat.completions.stream(**kwargs)
            async with s:
                async for _ in s:
                    pass
                return await s.get_final_response()

    return asyncio.run(run())


def sent(server: HTTPServer) -> Dict[str, Any]:
    body: Dict[str, Any] = json.loads(server.log[-1][0].get_data())
    return body


def test_every_choice_is_parsed_and_the_schema_is_on_the_wire(
    kind: str, httpserver: HTTPServer
) -> None:
    other = {**RAINY, "city": "Oslo", "alerts": []}
    httpserver.expect_request(PATH, method="POST").respond_with_json(
        completion(json.dumps(RAINY), json.dumps(other))
    )
    resp = parse(kind, httpserver, response_format=Weather, n=2)
    assert [c.message.parsed for c in resp.choices] == [
        Weather("Bergen", 9.5, ["rain"]),
        Weather("Oslo", 9.5, []),
    ]
    body = sent(httpserver)
    assert body["n"] == 2 and body["stream"] is False
    assert body["response_format"]["json_schema"] == {
        "name": "Weather",
        "schema": json_schema(Weather).schema,
        "strict": True,
    }


def test_a_reply_that_does_not_fit_raises_output_validation_error(
    kind: str, httpserver: HTTPServer
) -> None:
    raw = '{"city": "Bergen", "celsius": "warm", "alerts": [], "note": null}'
    httpserver.expect_request(PATH, method="POST").respond_with_json(completion(raw))
    with pytest.raises(OutputValidationError) as info:
        parse(kind, httpserver, response_format=Weather)
    assert info.value.content == raw and "$.celsius" in info.value.validation_message


def test_a_streamed_reply_is_parsed_at_the_end(kind: str, httpserver: HTTPServer) -> None:
    text = json.dumps(RAINY)
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]  # cuts through tokens
    events = [ev(pieces[0], role="assistant"), *(ev(p) for p in pieces[1:]), ev(finish="stop")]
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        b"".join(events) + DONE, headers=SSE
    )
    final = stream(kind, httpserver, response_format=Weather)
    assert final.parsed == Weather("Bergen", 9.5, ["rain"])
    assert sent(httpserver)["stream"] is True


def test_a_streamed_refusal_is_joined_and_raised(kind: str, httpserver: HTTPServer) -> None:
    # The second chunk carries text and refusal together: the stream's short way for
    # plain text must not take it (it dropped the refusal's first piece).
    events = [
        ev("", role="assistant"),
        ev("", refusal="I can't"),
        ev(refusal=" help with that."),
        ev(finish="stop"),
    ]
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        b"".join(events) + DONE, headers=SSE
    )
    with pytest.raises(RefusalError) as info:
        stream(kind, httpserver, response_format=Weather)
    assert info.value.refusal == "I can't help with that."


def test_a_refusal_in_a_whole_reply(kind: str, httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_json(
        completion(None, refusal="Not that.")
    )
    with pytest.raises(RefusalError, match=r"Not that\."):
        parse(kind, httpserver, response_format=Weather)


def test_a_stream_cut_by_the_token_limit(kind: str, httpserver: HTTPServer) -> None:
    events = [ev('{"city": "Ber', role="assistant"), ev(finish="length")]
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        b"".join(events) + DONE, headers=SSE
    )
    with pytest.raises(LengthFinishReasonError) as info:
        stream(kind, httpserver, response_format=Weather)
    assert info.value.content == '{"city": "Ber'
