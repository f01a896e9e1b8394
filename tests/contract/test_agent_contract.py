"""The tool runner over real HTTP: a streamed agent run against a local server
(pytest-httpserver answering from the fake) on each sync and async transport; a reply
that breaks mid-stream surfaces as the usual typed error with the conversation so far."""

from __future__ import annotations

import asyncio
import re
from typing import Any, List

import pytest

from meganova import AsyncMegaNova, MegaNova
from meganova.agents import Agent, AgentEvent, DoneEvent, TextEvent, ToolResultEvent
from meganova.errors import IncompleteStreamError
from meganova.testing import EndEarly, FakeMeganova, Stream, ToolCall, ToolCalls
from tests.helpers import serve_fake

MODEL = "meganova-ai/manta-flash-1.0"
SYNC = ("urllib3", "stdlib")
ASYNC = ("aiohttp", "httpx", "threads")
MODULE = {"aiohttp": "aiohttp", "httpx": "httpx"}


def forecast(city: str) -> str:
    """The forecast for a city."""
    return f"storms over {city}"


@pytest.fixture
def fake(httpserver: Any) -> FakeMeganova:
    made = FakeMeganova()
    httpserver.expect_request(re.compile(".*")).respond_with_handler(serve_fake(made))
    return made


def run_streamed(transport: str, base_url: str, prompt: str) -> List[AgentEvent]:
    if transport in SYNC:
        with MegaNova(api_key="sk-test", base_url=base_url, transport=transport) as client:
            return list(Agent(client, model=MODEL, tools=[forecast]).run(prompt, stream=True))
    pytest.importorskip(MODULE.get(transport, "asyncio"))

    async def main() -> List[AgentEvent]:
        async with AsyncMegaNova(
            api_key="sk-test", base_url=base_url, transport=transport, max_retries=0
        ) as client:
            agent = Agent(client, model=MODEL, tools=[forecast])
            return [event async for event in agent.astream(prompt)]

    return asyncio.run(main())


@pytest.mark.parametrize("transport", SYNC + ASYNC)
def test_a_streamed_run_over_http_reports_tools_and_text(
    transport: str, fake: FakeMeganova, httpserver: Any
) -> None:
    fake.script(
        ToolCalls([ToolCall("forecast", {"city": "Hue"}), ToolCall("forecast", {"city": "Vinh"})]),
        Stream(["Storms ", "in both."]),
    )
    events = run_streamed(transport, httpserver.url_for("/v1"), "Weather?")
    results = [e.content for e in events if isinstance(e, ToolResultEvent)]
    assert results == ["storms over Hue", "storms over Vinh"]
    assert [e.text for e in events if isinstance(e, TextEvent)] == ["Storms ", "in both."]
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.result.content == "Storms in both."
    assert done.result.usage.total_tokens > 0  # streamed usage (include_usage) is summed
    assert [r.json["stream_options"] for r in fake.requests] == [{"include_usage": True}] * 2


@pytest.mark.parametrize("transport", SYNC + ASYNC)
def test_a_stream_cut_mid_answer_raises_typed_with_the_conversation(
    transport: str, fake: FakeMeganova, httpserver: Any
) -> None:
    fake.script(ToolCall("forecast", {"city": "Hue"}), EndEarly(["Storms "]))
    with pytest.raises(IncompleteStreamError) as caught:
        run_streamed(transport, httpserver.url_for("/v1"), "Weather?")
    assert caught.value.partial_text == "Storms "
    messages = caught.value.agent_messages
    assert messages is not None
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
