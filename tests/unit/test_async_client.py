"""``AsyncMegaNova`` end to end against the fake Meganova: the same flows as
``MegaNova``, awaited; streams with ``async for``; waits on the client's clock."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest

from meganova import AsyncMegaNova, MegaNova
from meganova.errors import (
    APIConnectionError,
    IncompleteStreamError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
)
from meganova.testing import FakeMeganova
from meganova.testing.script import EndEarly, Error

MODEL = "meganova-ai/manta-flash-1.0"
HI = [{"role": "user", "content": "Hi Luna"}]


@pytest.fixture
def fake() -> FakeMeganova:
    return FakeMeganova(video_seconds=3)


pytestmark = pytest.mark.anyio


async def test_a_chat_is_awaited_and_answers_like_the_sync_client(fake: FakeMeganova) -> None:
    async with fake.async_client() as client:
        reply = await client.chat.create(messages=HI, model=MODEL)
        also = await client.chat.completions.create(messages=HI, model=MODEL)
    with fake.client() as sync:
        expected = sync.chat.create(messages=HI, model=MODEL)
    assert reply.text == also.choices[0].message.content == expected.text
    assert reply.text  # the fake answered something


async def test_streams_are_async_iterators_with_the_sync_streams_answer(fake: FakeMeganova) -> None:
    async with fake.async_client() as client:
        stream = await client.chat.completions.create(messages=HI, model=MODEL, stream=True)
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        items = [item async for item in await client.chat.stream(messages=HI, model=MODEL)]
    with fake.client() as sync:
        expected = sync.chat.create(messages=HI, model=MODEL).text
    assert "".join(pieces) == expected
    assert "".join(i.delta for i in items) == expected and items[-1].done


async def test_a_cut_stream_raises_with_the_partial_text(fake: FakeMeganova) -> None:
    fake.script(EndEarly(pieces=["Hel", "lo"]))
    async with fake.async_client() as client:
        stream = await client.chat.completions.create(messages=HI, model=MODEL, stream=True)
        with pytest.raises(IncompleteStreamError) as info:
            async for _ in stream:
                pass
    assert info.value.partial_text == "Hello"


async def test_retries_wait_on_the_clock_and_count_attempts(fake: FakeMeganova) -> None:
    fake.script(Error(429, retry_after=2), Error(503))
    async with fake.async_client(max_retries=2) as client:
        reply = await client.chat.create(messages=HI, model=MODEL)
    assert reply.text
    assert len(fake.requests_to("/chat/completions")) == 3
    assert fake.clock.sleeps[0] == 2


async def test_errors_are_typed_and_sent_at_most_max_retries_plus_one(
    fake: FakeMeganova,
) -> None:
    fake.script(Error(429), Error(429), Error(429))
    async with fake.async_client(max_retries=1) as client:
        with pytest.raises(RateLimitError) as info:
            await client.chat.create(messages=HI, model=MODEL)
    assert info.value.attempts == 2
    assert len(fake.requests_to("/chat/completions")) == 2


async def test_bad_input_is_refused_before_anything_is_sent(fake: FakeMeganova) -> None:
    async with fake.async_client() as client:
        with pytest.raises(InvalidArgumentError) as info:
            await client.chat.create(messages=[], model=MODEL)
    assert info.value.argument == "messages"
    assert fake.requests == []


async def test_every_resource_is_there_and_awaited(fake: FakeMeganova) -> None:
    async with fake.async_client() as client:
        models = await client.models.list()
        model = await client.models.get(models[0].id)
        vectors = await client.embeddings.create(input="hello", model="BAAI/bge-m3")
        balance = await client.billing.get_balance()
        catalogue = await client.serverless.list_models()
        with pytest.raises(NotFoundError):
            await client.models.get("no/such-model")
    assert model.id == models[0].id
    assert vectors.data[0].embedding
    assert balance is not None and catalogue is not None


async def test_video_wait_polls_on_the_clock_without_blocking_the_loop(
    fake: FakeMeganova,
) -> None:
    async with fake.async_client() as client:
        job = await client.videos.generate(prompt="a lighthouse", model="video-model")
        done = await client.videos.wait(job, poll_interval=1.0, wait_timeout=60)
    assert done.done
    assert fake.clock.sleeps and all(s <= 1.0 for s in fake.clock.sleeps)


async def test_cancelling_a_call_leaves_the_client_usable(fake: FakeMeganova) -> None:
    gate = asyncio.Event()

    async def slow(request: Any) -> Any:
        await gate.wait()
        return fake.handle(request)

    from meganova.adapters.fake_transport import AsyncFakeTransport

    client = AsyncMegaNova(
        api_key="sk-test", base_url="https://api.meganova.ai/v1", transport=AsyncFakeTransport(slow)
    )
    task = asyncio.ensure_future(client.chat.create(messages=HI, model=MODEL))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gate.set()
    assert (await client.chat.create(messages=HI, model=MODEL)).text
    await client.close()


async def test_with_options_and_pickling_keep_the_flavour(
    fake: FakeMeganova, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-env-key")
    # proxy=None: a proxy in the environment must not answer for port 9
    client = AsyncMegaNova(transport="threads", base_url="http://127.0.0.1:9/v1", proxy=None)
    other = client.with_options(max_retries=0)
    copy = pickle.loads(pickle.dumps(client))
    assert type(other) is AsyncMegaNova and type(copy) is AsyncMegaNova
    assert other.max_retries == 0 and copy.base_url == client.base_url
    assert "sk-env-key" not in repr(client)
    with pytest.raises(APIConnectionError):
        await other.models.list()  # nothing listens on port 9
    await client.close()
    await copy.close()


def test_the_sync_client_is_not_the_async_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-env-key")
    assert not isinstance(AsyncMegaNova(transport="threads"), MegaNova)


async def test_the_fixture_gives_an_async_client(meganova_async_client: AsyncMegaNova) -> None:
    assert (await meganova_async_client.chat.create(messages=HI, model=MODEL)).text
