"""``FakeMeganova.serve()``: the fake on a real socket, for real transports (sync and
async), including its scripted faults; it stops by itself when closed."""

from __future__ import annotations

import asyncio

import pytest

from meganova.errors import APIConnectionError, RateLimitError
from meganova.testing import Drop, Error, FakeMeganova, FakeServer, Stream, Text

USER = [{"role": "user", "content": "Hi"}]


def test_the_served_fake_answers_real_transports_with_its_script_and_defaults() -> None:
    fake = FakeMeganova()
    fake.script(Text("scripted"), Error(429, retry_after=1), Drop(after=0))
    with fake.serve() as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        with server.client(max_retries=0) as client:
            assert client.chat.create(messages=USER, model="m").text == "scripted"
            with pytest.raises(RateLimitError) as limited:
                client.chat.create(messages=USER, model="m")
            assert limited.value.retry_after == 1.0
            with pytest.raises(APIConnectionError):
                client.models.list()  # the connection drops before any reply
            assert "Luna" in client.chat.create(messages=USER, model="m").text
            assert [m.id for m in client.models.list()] == [m["id"] for m in fake.models]
    assert fake.requests[0].authorized and fake.requests[0].path == "/chat/completions"


def test_the_served_fake_streams_to_the_async_client() -> None:
    fake = FakeMeganova()
    fake.script(Stream(["over ", "http"]))

    async def main(server: FakeServer) -> str:
        async with server.async_client() as client:
            stream = await client.chat.stream(messages=USER, model="m")
            return "".join([item.delta async for item in stream])

    with fake.serve() as server:
        assert asyncio.run(main(server)) == "over http"


def test_a_closed_server_refuses_connections() -> None:
    fake = FakeMeganova()
    server = fake.serve()
    client = server.client(max_retries=0)
    client.models.list()  # a kept-alive connection stays in the pool
    server.close()
    server.close()  # twice is fine
    with pytest.raises(APIConnectionError):
        client.models.list()
    client.close()
