"""Client-level hooks on both clients, against the fake Meganova: which events a call
emits and in what order, what they carry (never the key, never message content), that
a failing hook never breaks the call, composition, ``with_options`` and pickling."""

from __future__ import annotations

import asyncio
import logging
import pickle
from typing import List

import pytest

from meganova import AsyncMegaNova, Hooks, MegaNova, response_info
from meganova.core.hooks import EVENT_NAMES
from meganova.errors import (
    BadRequestError,
    IncompleteStreamError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
)
from meganova.testing import FakeMeganova
from meganova.testing.script import EndEarly, Error, Json, Stream, Text
from meganova.types import CallContext, HookEvent
from tests.helpers import HookRecorder

MODEL = "meganova-ai/manta-flash-1.0"
KEY = "sk-hooks-test-key-0123456789"
HI = [{"role": "user", "content": "a secret prompt"}]


def recorded_hook(event: HookEvent) -> None:
    """A module-level hook: pickles by reference."""


def broken_hook(event: HookEvent) -> None:
    raise RuntimeError("the hook is broken")


def test_a_call_that_retried_emits_its_events_in_order(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(429, retry_after=2), Text("Ahoy"))
    client = fake.client(api_key=KEY, hooks=seen.hooks())
    reply = client.chat.create(messages=HI, model=MODEL, temperature=0.5)
    assert reply.text == "Ahoy"
    assert seen.names == [
        "on_call_start",
        "on_request",
        "on_response",
        "on_retry",
        "on_request",
        "on_response",
        "on_call_end",
    ]
    call = seen.events[0].call
    assert all(event.call is call for event in seen.events)  # one context per call
    assert isinstance(call, CallContext)
    assert (call.operation, call.method, call.path, call.model, call.stream) == (
        "chat.create",
        "POST",
        "/v1/chat/completions",
        MODEL,
        False,
    )
    assert call.params == {"model": MODEL, "stream": False, "temperature": 0.5}
    assert [e.attempt for e in seen.of("on_request")] == [1, 2]
    assert [e.status for e in seen.of("on_response")] == [429, 200]
    retry = seen.of("on_retry")[0]
    assert isinstance(retry.error, RateLimitError) and retry.delay == 2 and retry.attempt == 1
    end = seen.of("on_call_end")[0]
    assert end.result is reply and end.error is None
    assert end.attempts == 2 and end.elapsed == pytest.approx(2.0)  # the virtual wait
    assert end.response_model == MODEL and end.finish_reasons == ("stop",)
    assert end.usage is reply.usage
    assert end.info is response_info(reply)
    assert seen.of("on_response")[1].elapsed == pytest.approx(2.0)


def test_no_event_carries_the_key_or_the_messages(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(500), Text("Ahoy"))
    client = fake.client(
        api_key=KEY, hooks=seen.hooks(), default_headers={"X-Api-Key": "other-secret-1234"}
    )
    client.chat.create(messages=HI, model=MODEL)
    request = seen.of("on_request")[0]
    assert request.headers["authorization"] == "<redacted>"
    assert request.headers["x-api-key"] == "<redacted>"
    assert request.headers["user-agent"].startswith("meganova-python/")
    for event in seen.events:
        text = repr(event) + repr(vars(event)) + repr(event.call.params)
        assert KEY not in text and "other-secret-1234" not in text
        assert "a secret prompt" not in text


def test_a_streamed_call_ends_when_its_stream_ends(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Stream(["Ah", "oy"], gap=0.5))
    client = fake.client(hooks=seen.hooks())
    stream = client.chat.completions.create(messages=HI, model=MODEL, stream=True)
    assert seen.names == ["on_call_start", "on_request", "on_response"]
    assert seen.events[0].call.stream and seen.events[0].call.operation == (
        "chat.completions.create"
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "Ahoy"
    assert seen.names[3:] == ["on_stream_first_token", "on_stream_end", "on_call_end"]
    first = seen.of("on_stream_first_token")[0]
    end = seen.of("on_stream_end")[0]
    assert end.state == "done" and end.error is None and end.chunks >= 2
    assert end.finish_reasons == ("stop",) and end.response_model == MODEL
    assert end.time_to_first_token == first.time_to_first_token
    # 0.5 s between the four events (two pieces, the finish reason, [DONE])
    assert end.time_to_first_token == 0.0 and end.elapsed == pytest.approx(1.5)
    call_end = seen.of("on_call_end")[0]
    assert call_end.error is None and call_end.finish_reasons == ("stop",)
    stream.close()  # ending twice emits nothing more
    assert seen.names.count("on_call_end") == 1


def test_a_stream_closed_early_or_broken_says_so(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    client = fake.client(hooks=seen.hooks())
    with client.chat.stream(messages=HI, model=MODEL) as stream:
        next(stream)
    closed = seen.of("on_stream_end")[0]
    assert closed.state == "closed" and closed.error is None
    fake.script(EndEarly(["Once upon "]))
    with pytest.raises(IncompleteStreamError) as caught:
        for _ in client.chat.stream(messages=HI, model=MODEL):
            pass
    failed = seen.of("on_stream_end")[1]
    assert failed.state == "failed" and failed.error is caught.value
    assert seen.of("on_call_end")[1].error is caught.value
    assert seen.names.count("on_call_end") == 2


def test_a_call_that_fails_ends_with_its_error(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(*[Error(503)] * 3)
    client = fake.client(hooks=seen.hooks())
    with pytest.raises(Exception) as caught:
        client.embeddings.create(input="a secret prompt", model="m")
    end = seen.of("on_call_end")[0]
    assert end.error is caught.value and end.result is None and end.attempts == 3
    assert end.call.operation == "embeddings.create"
    assert "input" not in end.call.params
    assert end.info is response_info(caught.value) and end.info.status == 503
    assert len(seen.of("on_retry")) == 2


def test_a_call_rejected_before_sending_emits_nothing(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    client = fake.client(hooks=seen.hooks())
    with pytest.raises(InvalidArgumentError):
        client.chat.create(messages="not a list", model=MODEL)
    assert seen.events == []


def test_a_flow_with_two_requests_is_one_call(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(404, path="/models/" + MODEL))
    client = fake.client(hooks=seen.hooks())
    model = client.models.get(MODEL)  # 404 on /models/{id}: found in the list instead
    assert model.id == MODEL
    assert seen.names.count("on_call_start") == 1 and seen.names.count("on_call_end") == 1
    assert [e.call.call_id for e in seen.events] == [seen.events[0].call.call_id] * len(seen.events)
    assert [e.status for e in seen.of("on_response")] == [404, 200]
    assert seen.of("on_call_end")[0].attempts == 2
    assert response_info(model).status == 200


def test_a_hook_that_raises_is_logged_and_the_call_goes_on(
    fake: FakeMeganova, caplog: pytest.LogCaptureFixture
) -> None:
    seen = HookRecorder()
    hooks = Hooks(on_request=broken_hook, on_call_end=[broken_hook, seen])
    client = fake.client(api_key=KEY, hooks=hooks)
    with caplog.at_level(logging.WARNING, logger="meganova"):
        reply = client.chat.create(messages=HI, model=MODEL)
    assert reply.text
    assert seen.names == ["on_call_end"]  # the hook after the broken one still ran
    warnings = [r for r in caplog.records if "hook" in r.getMessage()]
    assert len(warnings) == 2
    assert "on_request" in warnings[0].getMessage() and "broken_hook" in warnings[0].getMessage()
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_bundles_compose_and_clients_take_them_in_place_or_by_with_options(
    fake: FakeMeganova,
) -> None:
    first, second, third = HookRecorder(), HookRecorder(), HookRecorder()
    client = fake.client(hooks=[Hooks(on_call_end=first), Hooks(on_call_end=second)])
    client.models.list()
    assert len(first.events) == len(second.events) == 1
    added = Hooks(on_call_end=third)
    client.add_hooks(added)
    other = client.with_options(max_retries=0)  # inherits the hooks
    replaced = client.with_options(hooks=None)
    client.models.list()
    other.models.list()
    replaced.models.list()
    assert (len(first.events), len(third.events)) == (3, 2)
    client.remove_hooks(added)
    client.models.list()
    assert (len(first.events), len(third.events)) == (4, 2)
    assert client.hooks == Hooks(on_call_end=[first, second])
    assert (Hooks(on_call_end=first) + Hooks(on_call_end=second)) == client.hooks
    assert not replaced.hooks


def test_hooks_are_checked(fake: FakeMeganova) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Hooks(on_request="print")  # type: ignore[arg-type]
    assert caught.value.argument == "on_request"
    with pytest.raises(InvalidArgumentError) as caught:
        fake.client(hooks="print")  # type: ignore[arg-type]
    assert caught.value.argument == "hooks"


def test_a_client_with_importable_hooks_pickles_with_them() -> None:
    client = MegaNova(api_key=KEY, hooks=Hooks(on_request=recorded_hook))
    copy = pickle.loads(pickle.dumps(client))
    assert copy.hooks == Hooks(on_request=recorded_hook)
    local = MegaNova(api_key=KEY, hooks=Hooks(on_request=lambda event: None))
    with pytest.raises(pickle.PicklingError, match="hooks"):
        pickle.dumps(local)


def test_the_sync_client_does_not_run_an_async_hook(
    fake: FakeMeganova, caplog: pytest.LogCaptureFixture
) -> None:
    ran = []

    async def hook(event: HookEvent) -> None:
        ran.append(event)

    client = fake.client(hooks=Hooks(on_call_end=hook))
    with caplog.at_level(logging.WARNING, logger="meganova"):
        assert client.models.list()
    assert ran == []
    assert any("async" in r.getMessage() for r in caplog.records)


# -- AsyncMegaNova ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_async_client_awaits_async_hooks_in_order(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    awaited: List[str] = []

    async def slow(event: HookEvent) -> None:
        await asyncio.sleep(0)
        awaited.append(event.hook)

    fake.script(Error(429, retry_after=1), Stream(["Ah", "oy"]))
    hooks = [seen.hooks(), Hooks(**{name: slow for name in EVENT_NAMES})]
    async with fake.async_client(hooks=hooks) as client:
        stream = await client.chat.stream(messages=HI, model=MODEL)
        text = "".join([item.delta async for item in stream])
    assert text == "Ahoy"
    expected = [
        "on_call_start",
        "on_request",
        "on_response",
        "on_retry",
        "on_request",
        "on_response",
        "on_stream_first_token",
        "on_stream_end",
        "on_call_end",
    ]
    assert seen.names == expected
    assert awaited == expected
    assert response_info(stream).attempts == 2


@pytest.mark.anyio
async def test_async_calls_interleaved_keep_their_own_contexts(fake: FakeMeganova) -> None:
    seen = HookRecorder()

    async def hook(event: HookEvent) -> None:
        await asyncio.sleep(0)  # lets the other call run in between
        seen(event)

    async with fake.async_client(hooks=Hooks(**{name: hook for name in EVENT_NAMES})) as client:
        await asyncio.gather(*(client.models.get(MODEL) for _ in range(4)))
    by_call: dict[str, List[str]] = {}
    for event in seen.events:
        by_call.setdefault(event.call.call_id, []).append(event.hook)
    assert len(by_call) == 4
    assert all(
        names == ["on_call_start", "on_request", "on_response", "on_call_end"]
        for names in by_call.values()
    )


@pytest.mark.anyio
async def test_the_async_client_logs_a_failing_async_hook(
    fake: FakeMeganova, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(event: HookEvent) -> None:
        raise RuntimeError("broken")

    fake.script(Error(500), Json({"object": "list", "data": []}))
    async with fake.async_client(hooks=Hooks(on_retry=broken, on_call_end=broken)) as client:
        with caplog.at_level(logging.WARNING, logger="meganova"):
            assert await client.models.list() == []
    messages = [r.getMessage() for r in caplog.records if "hook" in r.getMessage()]
    assert len(messages) == 2
    assert "on_retry" in messages[0] and "on_call_end" in messages[1]


@pytest.mark.anyio
async def test_an_async_call_that_fails_ends_with_its_error(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(404), Error(404))
    client = fake.async_client(api_key=KEY)
    assert isinstance(client, AsyncMegaNova) and not client.hooks
    client.add_hooks(seen.hooks())
    with pytest.raises(NotFoundError) as caught:
        await client.videos.get("job-1")
    assert seen.of("on_call_end")[0].error is caught.value
    assert seen.of("on_call_start")[0].call.operation == "videos.get"


def test_a_request_id_echoing_the_key_reaches_no_hook(fake: FakeMeganova) -> None:
    seen = HookRecorder()
    fake.script(Error(400, headers={"x-request-id": f"req-{KEY}"}))
    client = fake.client(api_key=KEY, hooks=seen.hooks())
    with pytest.raises(BadRequestError):
        client.chat.create(messages=HI, model=MODEL)
    (response,) = seen.of("on_response")
    assert response.request_id == "req-<redacted>"
    for event in seen.events:
        assert KEY not in repr(vars(event))


AT_EXIT = """
from meganova import Hooks
from meganova.testing import FakeMeganova, Stream

def ended(event):
    print("ended", event.state, flush=True)

fake = FakeMeganova()
fake.script(Stream(["a ", "b ", "c"]))
client = fake.client(hooks=Hooks(on_stream_end=ended))
kept = client.chat.stream(messages=[{"role": "user", "content": "hi"}], model="m")
next(kept)
print("exiting", flush=True)
"""


def test_a_stream_alive_at_interpreter_exit_calls_no_hook_then() -> None:
    from tests.helpers import run_python

    result = run_python(AT_EXIT)
    assert result.stdout.split() == ["exiting"]
    assert result.stderr == ""


AGENT_KEY = "agent_hooks-test-key-0123456789"


def test_a_cloud_agent_takes_hooks_too_and_they_never_see_its_key(fake: FakeMeganova) -> None:
    seen, other = HookRecorder(), HookRecorder()
    with fake.agent(api_key=AGENT_KEY, hooks=seen.hooks()) as agent:
        agent.chat("Hi")
        agent.with_options(hooks=other.hooks()).info()
    assert seen.names == ["on_call_start", "on_request", "on_response", "on_call_end"]
    assert other.names == seen.names  # with_options replaced them
    request = seen.of("on_request")[0]
    assert request.method == "POST" and request.url.endswith("/<redacted>/chat")
    assert AGENT_KEY not in repr(seen.events + other.events)
    assert AGENT_KEY not in request.url


@pytest.mark.anyio
async def test_an_async_cloud_agent_awaits_its_async_hooks(fake: FakeMeganova) -> None:
    names: List[str] = []

    async def record(event: HookEvent) -> None:
        await asyncio.sleep(0)
        names.append(event.hook)

    async with fake.async_agent(api_key=AGENT_KEY, hooks=Hooks(on_call_end=record)) as agent:
        await agent.chat("Hi")
        await agent.with_options(max_retries=0).info()  # keeps them
    assert names == ["on_call_end", "on_call_end"]
