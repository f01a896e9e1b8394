"""Each agent test runs on both clients: ``harness`` builds an Agent over a
``MegaNova`` or an ``AsyncMegaNova`` wired to the fake and runs it the matching way
(``run``/``run(stream=True)`` or ``arun``/``astream``)."""

from __future__ import annotations

import asyncio
from typing import Any, Iterator, List, Tuple

import pytest

from meganova.agents import Agent, AgentEvent, AgentResult
from meganova.testing import FakeMeganova

MODEL = "meganova-ai/manta-flash-1.0"


class Harness:
    def __init__(self, fake: FakeMeganova, flavour: str) -> None:
        self.fake = fake
        self.flavour = flavour
        self.is_async = flavour == "async"
        self.loop = asyncio.new_event_loop() if self.is_async else None
        self.client: Any = (
            fake.async_client(max_retries=0) if self.is_async else fake.client(max_retries=0)
        )

    def agent(self, **options: Any) -> Agent:
        options.setdefault("model", MODEL)
        return Agent(self.client, **options)

    def run(self, agent: Agent, prompt: str) -> AgentResult:
        if self.loop is None:
            return agent.run(prompt)
        return self.loop.run_until_complete(agent.arun(prompt))

    def events(self, agent: Agent, prompt: str) -> List[AgentEvent]:
        if self.loop is None:
            return list(agent.run(prompt, stream=True))

        async def collect() -> List[AgentEvent]:
            return [event async for event in agent.astream(prompt)]

        return self.loop.run_until_complete(collect())

    def run_both_ways(self, agent: Agent, prompt: str, stream: bool) -> Tuple[AgentResult, list]:
        if not stream:
            return self.run(agent, prompt), []
        events = self.events(agent, prompt)
        return events[-1].result, events  # type: ignore[union-attr]

    def close(self) -> None:
        if self.loop is None:
            self.client.close()
            return
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    made = Harness(FakeMeganova(), request.param)
    yield made
    made.close()
