"""Raw access is typed: each method of ``with_raw_response`` takes the plain method's
parameters and returns a ``RawResponse`` of what it returns (``parse()`` gives that);
``with_streaming_response`` gives context managers of ``StreamingResponse`` (async:
``AsyncStreamingResponse``). Overloads carry through (``stream=True``)."""

from typing import Any, Dict, List

from typing_extensions import assert_type

from meganova import AsyncMegaNova, MegaNova
from meganova.cloud import AsyncCloudAgent, CloudAgent
from meganova.streaming import ChatCompletionStream, ChatStream
from meganova.streaming_async import AsyncChatStream
from meganova.types import (
    AgentChatResponse,
    AgentInfo,
    AsyncStreamingResponse,
    ChatResponse,
    ModelList,
    RawResponse,
    StreamingResponse,
)

HI: List[Dict[str, Any]] = [{"role": "user", "content": "Hi"}]
client = MegaNova(api_key="sk-test")

raw = client.with_raw_response.chat.create(messages=[{"role": "user", "content": "Hi"}], model="m")
assert_type(raw, RawResponse[ChatResponse])
assert_type(raw.parse(), ChatResponse)
status: int = raw.status
streamed = client.with_raw_response.chat.create(
    messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
)
assert_type(streamed.parse(), ChatStream)
completions = client.with_raw_response.chat.completions.create(
    messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
)
assert_type(completions, RawResponse[ChatCompletionStream])
assert_type(client.with_raw_response.models.list().parse(), ModelList)
client.with_raw_response.models.list(capabilty="vision")  # expect-error
client.with_raw_response.chat.create(messages="Hi", model="m")  # expect-error
text: str = client.with_raw_response.models.list().parse()  # expect-error
client.with_raw_response.close()  # expect-error

with client.with_streaming_response.chat.completions.create(
    messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
) as reply:
    assert_type(reply, StreamingResponse[ChatCompletionStream])
    for line in reply.iter_lines():
        assert_type(line, str)
with client.with_streaming_response.models.list() as listed:
    assert_type(listed.parse(), ModelList)

agent = CloudAgent(api_key="agent_test")
assert_type(agent.with_raw_response.info().parse(), AgentInfo)
assert_type(agent.with_raw_response.chat("Hi"), RawResponse[AgentChatResponse])


async def main() -> None:
    aclient = AsyncMegaNova(api_key="sk-test")
    araw = await aclient.with_raw_response.chat.create(
        messages=[{"role": "user", "content": "Hi"}], model="m"
    )
    assert_type(araw, RawResponse[ChatResponse])
    astreamed = await aclient.with_raw_response.chat.create(
        messages=[{"role": "user", "content": "Hi"}], model="m", stream=True
    )
    assert_type(astreamed.parse(), AsyncChatStream)
    async with aclient.with_streaming_response.models.list() as areply:
        assert_type(areply, AsyncStreamingResponse[ModelList])
        assert_type(await areply.parse(), ModelList)
        async for piece in areply.iter_bytes():
            assert_type(piece, bytes)
    aclient.with_raw_response.models.list().parse()  # expect-error
    aagent = AsyncCloudAgent(api_key="agent_test")
    assert_type((await aagent.with_raw_response.info()).parse(), AgentInfo)
