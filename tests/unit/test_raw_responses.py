"""``with_raw_response`` and ``with_streaming_response`` on both clients, against the
fake Meganova: the reply's status, headers and bytes, ``parse()`` giving what the
method returns, and every guarantee of the plain method kept (arguments checked,
errors typed after the retries, the size cap, the connection released)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meganova import response_info
from meganova.errors import (
    APIConnectionError,
    InvalidArgumentError,
    RateLimitError,
    ResponseTooLargeError,
)
from meganova.raw import AsyncStreamingResponse, RawResponse, StreamingResponse
from meganova.testing import FakeMeganova
from meganova.testing.script import Drop, Error, Json, Stream, Text
from meganova.types import ChatResponse, ModelList

MODEL = "meganova-ai/manta-flash-1.0"
HI = [{"role": "user", "content": "Hi"}]


def test_a_raw_reply_has_its_bytes_and_parses_to_the_methods_result(fake: FakeMeganova) -> None:
    fake.script(Error(503), Text("Ahoy"))
    raw = fake.client().with_raw_response.chat.create(messages=HI, model=MODEL)
    assert isinstance(raw, RawResponse)
    assert (raw.status, raw.status_code, raw.attempts, raw.retries_taken) == (200, 200, 2, 1)
    assert raw.headers["content-type"] == "application/json"
    assert raw.request_id and raw.request_id == raw.headers["x-request-id"]
    assert raw.elapsed is not None and raw.elapsed > 0
    assert json.loads(raw.content) == raw.json()
    assert raw.json()["choices"][0]["message"]["content"] == "Ahoy"
    assert '"Ahoy"' in raw.text
    reply = raw.parse()
    assert isinstance(reply, ChatResponse) and reply.text == "Ahoy"
    assert response_info(reply) is raw.info


def test_raw_calls_keep_the_methods_guarantees(fake: FakeMeganova) -> None:
    client = fake.client(max_retries=1)
    with pytest.raises(InvalidArgumentError):  # checked before anything is sent
        client.with_raw_response.chat.create(messages=HI, model=MODEL, temperature=9)
    assert fake.requests == []
    fake.script(Error(429), Error(429))
    with pytest.raises(RateLimitError) as caught:
        client.with_raw_response.models.list()
    assert len(fake.requests) == 2 and response_info(caught.value).attempts == 2  # type: ignore[union-attr]
    fake.script(Json({"object": "list", "data": [{"id": "x" * 5000}]}))
    with pytest.raises(ResponseTooLargeError):
        client.with_options(max_response_bytes=1000).with_raw_response.models.list()


def test_a_raw_streamed_call_parses_to_its_stream(fake: FakeMeganova) -> None:
    fake.script(Stream(["Ah", "oy"]))
    raw = fake.client().with_raw_response.chat.create(messages=HI, model=MODEL, stream=True)
    assert raw.status == 200 and raw.headers["content-type"].startswith("text/event-stream")
    with pytest.raises(InvalidArgumentError):
        assert raw.content
    with raw.parse() as stream:
        assert "".join(item.delta for item in stream) == "Ahoy"


def test_a_streaming_reply_hands_out_the_body_as_it_arrives(fake: FakeMeganova) -> None:
    fake.script(Stream(["Ah", "oy"]))
    client = fake.client()
    manager = client.with_streaming_response.chat.completions.create(
        messages=HI, model=MODEL, stream=True
    )
    assert fake.requests == []  # sent when the block starts
    with manager as reply:
        assert isinstance(reply, StreamingResponse) and reply.status == 200
        lines = list(reply.iter_lines())
    data = [line for line in lines if line.startswith("data: ")]
    assert data[-1] == "data: [DONE]"
    contents = [json.loads(line[6:])["choices"][0]["delta"].get("content") for line in data[:-1]]
    assert "".join(c for c in contents if c) == "Ahoy"
    with pytest.raises(InvalidArgumentError):  # read once
        reply.read()


def test_a_streaming_reply_parses_and_reads_whole_bodies(fake: FakeMeganova) -> None:
    client = fake.client()
    with client.with_streaming_response.models.list() as reply:
        models = reply.parse()
        assert reply.parse() is models
    assert isinstance(models, ModelList) and models
    assert response_info(models) is not None
    with client.with_streaming_response.models.list() as reply:
        assert reply.json()["data"][0]["id"] == models[0].id
    with client.with_streaming_response.models.list() as reply:
        text = "".join(reply.iter_text())
        with pytest.raises(InvalidArgumentError):
            reply.parse()  # the body was read already
    assert json.loads(text)["object"] == "list"
    fake.script(Stream(["Ah", "oy"]))
    with client.with_streaming_response.chat.stream(messages=HI, model=MODEL) as reply:
        assert "".join(item.delta for item in reply.parse()) == "Ahoy"


def test_a_streaming_reply_keeps_the_cap_and_types_a_broken_body(fake: FakeMeganova) -> None:
    fake.script(Json({"object": "list", "data": [{"id": "x" * 5000}]}))
    small = fake.client().with_options(max_response_bytes=1000)
    with pytest.raises(ResponseTooLargeError):  # noqa: SIM117 (3.9 syntax)
        with small.with_streaming_response.models.list() as reply:
            reply.read()
    fake.script(Drop(after=1))
    streaming = fake.client().with_streaming_response
    with pytest.raises(APIConnectionError):  # noqa: SIM117 (typed, never the library's own)
        with streaming.chat.create(messages=HI, model=MODEL, stream=True) as reply:
            list(reply.iter_bytes())


def test_a_streaming_reply_left_unread_releases_its_connection(fake: FakeMeganova) -> None:
    fake.script(Stream(["Ah", "oy"]))
    with fake.client().with_streaming_response.chat.create(
        messages=HI, model=MODEL, stream=True
    ) as reply:
        response: Any = reply._response
    assert response.closed


def test_raw_views_name_only_resources(fake: FakeMeganova) -> None:
    client = fake.client()
    with pytest.raises(AttributeError):
        client.with_raw_response.close  # noqa: B018
    assert client.with_raw_response is client.with_raw_response
    assert "with_raw_response" in repr(client.with_raw_response)


@pytest.mark.anyio
async def test_the_async_client_has_both(fake: FakeMeganova) -> None:
    fake.script(Error(500), Text("Ahoy"), Stream(["Ah", "oy"]))
    async with fake.async_client() as client:
        raw = await client.with_raw_response.chat.create(messages=HI, model=MODEL)
        assert raw.attempts == 2 and raw.parse().text == "Ahoy"
        async with client.with_streaming_response.chat.create(
            messages=HI, model=MODEL, stream=True
        ) as reply:
            assert isinstance(reply, AsyncStreamingResponse)
            lines = [line async for line in reply.iter_lines()]
        assert [line for line in lines if line][-1] == "data: [DONE]"
        async with client.with_streaming_response.models.list() as reply:
            models = await reply.parse()
        assert models and response_info(models) is not None
        async with client.with_streaming_response.models.list() as reply:
            assert (await reply.json())["object"] == "list"
        fake.script(Error(429))
        with pytest.raises(RateLimitError):
            async with client.with_options(max_retries=0).with_streaming_response.models.list():
                pass
