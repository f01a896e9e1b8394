"""``meganova.response_info`` works on what every public method of both clients and of
both Cloud agent clients returns, against the fake Meganova. The table of calls must
name every method: a new one fails here until its result carries the reply's facts."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import pickle
import warnings
from typing import Any, Callable, Dict

import msgspec
import pytest

from meganova import AsyncMegaNova, Hooks, MegaNova, response_info
from meganova.cloud import AsyncCloudAgent, CloudAgent
from meganova.core.resources._facade import Resource
from meganova.errors import IncompleteStreamError, InvalidArgumentTypeError, MeganovaError
from meganova.testing import FakeMeganova
from meganova.testing.script import Drop, EndEarly, Stream, Text, ToolApproval
from meganova.types import ResultList

MODEL = "meganova-ai/manta-flash-1.0"
HI = [{"role": "user", "content": "Hi"}]
JOB = "vid_fake0001"  # the fake's first video job


@dataclasses.dataclass
class Pet:
    name: str


# Not resource methods: the client's own machinery (raw views are helper "rawdrv"'s).
CLIENT_MACHINERY = {
    "add_hooks",
    "close",
    "remove_hooks",
    "with_options",
    "with_raw_response",
    "with_streaming_response",
}


# name -> the call: it returns the result (an awaitable of it on the async clients).
Call = Callable[[Any], Any]
CLIENT_CALLS: Dict[str, Call] = {
    "chat.create": lambda c: c.chat.create(messages=HI, model=MODEL),
    "chat.completions.create": lambda c: c.chat.completions.create(messages=HI, model=MODEL),
    "chat.stream": lambda c: c.chat.stream(messages=HI, model=MODEL),
    "chat.completions.stream": lambda c: c.chat.completions.stream(
        messages=HI, model=MODEL, response_format=Pet
    ),
    "chat.parse": lambda c: c.chat.parse(messages=HI, model=MODEL, response_format=Pet),
    "chat.completions.parse": lambda c: c.chat.completions.parse(
        messages=HI, model=MODEL, response_format=Pet
    ),
    "models.list": lambda c: c.models.list(),
    "models.get": lambda c: c.models.get(MODEL),
    "embeddings.create": lambda c: c.embeddings.create("hello", "BAAI/bge-m3"),
    "rerank.create": lambda c: c.rerank.create(query="q", documents=["a", "b"], model="r"),
    "images.generate": lambda c: c.images.generate("a cat", "m"),
    "audio.transcribe": lambda c: c.audio.transcribe(b"ID3 audio", filename="a.mp3"),
    "videos.generate": lambda c: c.videos.generate("a lighthouse", "video-model"),
    "videos.generate_native": lambda c: c.videos.generate_native("video-model", "waves"),
    "videos.get": lambda c: c.videos.get(JOB),
    "videos.wait": lambda c: c.videos.wait(JOB, poll_interval=1.0, wait_timeout=60),
    "videos.supported_models": lambda c: c.videos.supported_models(),
    "videos.list_models": lambda c: c.videos.list_models(),
    "billing.get_balance": lambda c: c.billing.get_balance(),
    "billing.get_user_instance_billings": lambda c: c.billing.get_user_instance_billings(),
    "usage.summary": lambda c: c.usage.summary(
        from_="2026-11-01T00:00:00Z", to="2026-11-02T00:00:00Z"
    ),
    "serverless.list_models": lambda c: c.serverless.list_models(),
}


def answered(agent: Any, action: str) -> Any:
    """A conversation's ``confirm`` or ``reject`` of the tool call its turn asked for."""
    conversation = agent.conversation()
    turn = conversation.chat("Refund order 7")
    if not inspect.isawaitable(turn):
        return getattr(conversation, action)()

    async def rest() -> Any:
        await turn
        return await getattr(conversation, action)()

    return rest()


AGENT_CALLS: Dict[str, Call] = {
    "info": lambda a: a.info(),
    "chat": lambda a: a.chat("Hi"),
    "completions": lambda a: a.completions(messages=HI),
    "confirm_tool": lambda a: a.confirm_tool("a1"),
    "conversation.chat": lambda a: a.conversation().chat("Hi"),
    "conversation.confirm": lambda a: answered(a, "confirm"),
    "conversation.reject": lambda a: answered(a, "reject"),
}
# Methods that make no call (nothing to tell): the conversation helper itself.
LOCAL = {"conversation"}


def public_methods(obj: object, prefix: str = "") -> set[str]:
    """The dotted names of every public method reachable through resources."""
    names = set()
    for name in dir(obj):
        if name.startswith("_") or name in CLIENT_MACHINERY:
            continue
        value = getattr(obj, name)
        if isinstance(value, Resource):
            names |= public_methods(value, f"{prefix}{name}.")
        elif callable(value) and not inspect.isclass(value):
            names.add(prefix + name)
    return names


def agent_methods(agent: object) -> set[str]:
    names = public_methods(agent) - LOCAL
    conversation = agent.conversation()  # type: ignore[attr-defined]
    return names | {f"conversation.{n}" for n in public_methods(conversation)}


def prepare(fake: FakeMeganova, name: str) -> None:
    """What the fake needs for ``name`` to succeed."""
    if name.startswith("videos.") and name.split(".")[1] in ("get", "wait"):
        fake.client().videos.generate("a lighthouse", "video-model")
    if name.startswith("chat.") and name.endswith(("parse", "stream")):
        fake.script(Text('{"name": "Rex"}'))
    if name in ("confirm_tool", "conversation.confirm", "conversation.reject"):
        fake.script(ToolApproval("refund", {"order": 7}, "Refund order 7", approval_id="a1"))
    if name == "confirm_tool":
        fake.agent().chat("Refund order 7")


def check(result: Any) -> None:
    info = response_info(result)
    assert info.status == 200 and info.attempts == 1 and info.request_id
    assert info.headers["x-request-id"] == info.request_id


def read_sync(result: Any) -> Any:
    if hasattr(result, "__iter__") and hasattr(result, "close"):  # a stream
        with result:
            for _ in result:
                pass
        assert response_info(result).time_to_last_chunk is not None
    return result


async def read_async(result: Any) -> Any:
    result = await result
    if hasattr(result, "__aiter__"):  # a stream
        async with result:
            async for _ in result:
                pass
        assert response_info(result).time_to_last_chunk is not None
    return result


def test_the_tables_name_every_public_method_of_both_clients() -> None:
    for cls in (MegaNova, AsyncMegaNova):
        client = cls(api_key="sk-enumerate", base_url="http://127.0.0.1:9/v1")
        assert public_methods(client) == set(CLIENT_CALLS), cls.__name__
    for agent_cls in (CloudAgent, AsyncCloudAgent):
        agent = agent_cls(api_key="agent_enumerate", base_url="http://127.0.0.1:9")
        assert agent_methods(agent) == set(AGENT_CALLS), agent_cls.__name__


# With hooks set, the drivers take their observed path: the metadata must come along.
OBSERVED = pytest.mark.parametrize(
    "options", [{}, {"hooks": Hooks(on_call_end=lambda event: None)}], ids=["plain", "hooks"]
)


@OBSERVED
@pytest.mark.parametrize("name", sorted(CLIENT_CALLS))
def test_every_client_result_tells_its_reply(name: str, options: Dict[str, Any]) -> None:
    fake = FakeMeganova()
    prepare(fake, name)
    with fake.client(**options) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 0.4.0's names too
        check(read_sync(CLIENT_CALLS[name](client)))
    prepare(fake, name)

    async def run() -> Any:
        async with fake.async_client(**options) as client:
            return await read_async(CLIENT_CALLS[name](client))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check(asyncio.run(run()))


@OBSERVED
@pytest.mark.parametrize("name", sorted(AGENT_CALLS))
def test_every_agent_result_tells_its_reply(name: str, options: Dict[str, Any]) -> None:
    fake = FakeMeganova()
    prepare(fake, name)
    with fake.agent(**options) as agent:
        check(read_sync(AGENT_CALLS[name](agent)))
    prepare(fake, name)

    async def run() -> Any:
        async with fake.async_agent(**options) as agent:
            return await read_async(AGENT_CALLS[name](agent))

    check(asyncio.run(run()))


# -- ResultList: a call's plain list ----------------------------------------------------


def list_models(fake: FakeMeganova, **options: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fake.client(**options).videos.list_models()


@OBSERVED
def test_a_result_list_is_still_the_plain_list(options: Dict[str, Any]) -> None:
    fake = FakeMeganova()
    names = list_models(fake, **options)
    plain = fake.client().videos.supported_models().model_names
    assert isinstance(names, list) and isinstance(names, ResultList)
    assert names == plain and plain == names and list(names) == plain
    assert repr(names) == repr(plain) and str(names) == str(plain)
    assert json.loads(json.dumps(names)) == plain
    assert msgspec.json.decode(msgspec.json.encode(names)) == plain
    assert type(names[:1]) is list and type(list(names)) is list  # copies are plain
    assert "_mn_response" not in json.dumps(names)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickled_result_list_keeps_its_reply_but_never_the_key(protocol: int) -> None:
    key = "sk-result-list-0123456789"
    fake = FakeMeganova()
    names = list_models(fake, api_key=key)
    data = pickle.dumps(names, protocol=protocol)
    assert key.encode() not in data
    copy = pickle.loads(data)
    assert copy == names and type(copy) is ResultList
    assert response_info(copy).request_id == response_info(names).request_id


def test_what_no_call_returned_has_no_reply_to_tell() -> None:
    # None, a plain list, a str: nothing to read, said by name (see the README).
    for thing in (None, ["a"], "text", ResultList(["a"])):
        with pytest.raises(InvalidArgumentTypeError, match="carries no reply"):
            response_info(thing)


# -- what a stream hands out at its end -------------------------------------------------


def test_a_streams_final_response_tells_the_streams_reply() -> None:
    fake = FakeMeganova()
    fake.script(Text("Ahoy"), Text('{"name": "Rex"}'))
    with fake.client() as client:
        stream = client.chat.stream(messages=HI, model=MODEL)
        final = stream.get_final_response()
        with client.chat.completions.stream(messages=HI, model=MODEL, response_format=Pet) as s:
            parsed = s.get_final_completion()
    assert response_info(final) is response_info(stream)
    assert response_info(final).time_to_last_chunk is not None
    assert response_info(parsed) is response_info(s)
    assert final.text == "Ahoy" and parsed.parsed == Pet("Rex")


def test_an_async_streams_final_response_tells_the_streams_reply() -> None:
    fake = FakeMeganova()
    fake.script(Text("Ahoy"), Text('{"name": "Rex"}'))

    async def run() -> Any:
        async with fake.async_client() as client:
            stream = await client.chat.completions.create(messages=HI, model=MODEL, stream=True)
            final = await stream.get_final_response()
            manager = client.chat.completions.stream(messages=HI, model=MODEL, response_format=Pet)
            async with await manager as s:
                parsed = await s.get_final_completion()
            return stream, final, s, parsed

    stream, final, s, parsed = asyncio.run(run())
    assert response_info(final) is response_info(stream)
    assert response_info(parsed) is response_info(s)
    assert final.text == "Ahoy" and parsed.parsed == Pet("Rex")


@pytest.mark.parametrize(
    "step",
    [Drop(after=2, pieces=["a", "b", "c"]), EndEarly(pieces=["a", "b"])],
    ids=["cut", "ended-early"],
)
def test_an_error_a_stream_raises_tells_the_streams_reply(step: Any) -> None:
    fake = FakeMeganova()
    fake.script(step)
    with fake.client(max_retries=0) as client:
        stream = client.chat.stream(messages=HI, model=MODEL)
        with pytest.raises(MeganovaError) as caught:
            for _ in stream:
                pass
    info = response_info(caught.value)
    assert info is response_info(stream) and info.status == 200
    assert info.time_to_first_token is not None and info.time_to_last_chunk is not None
    fake.script(step)

    async def run() -> Any:
        async with fake.async_client(max_retries=0) as client:
            stream = await client.chat.stream(messages=HI, model=MODEL)
            with pytest.raises(MeganovaError) as caught:
                async for _ in stream:
                    pass
            return stream, caught.value

    stream, error = asyncio.run(run())
    assert response_info(error) is response_info(stream)


def test_a_stream_closed_early_says_so_with_its_reply() -> None:
    fake = FakeMeganova()
    fake.script(Stream(["a", "b", "c"]))
    with fake.client() as client:
        stream = client.chat.completions.create(messages=HI, model=MODEL, stream=True)
        next(stream)
        stream.close()
        with pytest.raises(IncompleteStreamError) as caught:
            stream.get_final_response()
    assert response_info(caught.value) is response_info(stream)
    fake.script(Stream(["a", "b", "c"]))

    async def run() -> Any:
        async with fake.async_client() as client:
            stream = await client.chat.completions.create(messages=HI, model=MODEL, stream=True)
            await stream.__anext__()
            await stream.aclose()
            with pytest.raises(IncompleteStreamError) as caught:
                await stream.get_final_response()
            return stream, caught.value

    stream, error = asyncio.run(run())
    assert response_info(error) is response_info(stream)
