"""The raw views: meganova/_raw_views.py is what tests/raw_views_gen.py makes of the
clients as they are (so every method that sends is reachable, nested ones and Cloud
agents' included), and a Cloud agent's raw methods work."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
from pathlib import Path
from typing import Any, List

import pytest

from meganova import AsyncMegaNova, MegaNova
from meganova.adapters.fake_transport import AsyncFakeTransport, FakeResponse, FakeTransport
from meganova.cloud import AgentChatResponse, AsyncCloudAgent, CloudAgent
from meganova.core.http import Request
from meganova.core.resources._facade import Resource
from meganova.raw import RawResponse, StreamingResponse
from tests.raw_views_gen import TARGET, render

KEY = "agent_unit-K3y-0123456789"


def test_the_generated_views_are_current() -> None:
    # Compared as syntax trees: the check needs no formatter (the test group has none).
    written = ast.dump(ast.parse(Path(TARGET).read_text(encoding="utf-8")))
    assert written == ast.dump(ast.parse(render(formatted=False))), (
        "meganova/_raw_views.py is stale: run python -m tests.raw_views_gen"
    )


def _sending(obj: Any, path: str) -> List[str]:
    """Every method of ``obj`` (and its nested resources) that runs a flow."""
    found = []
    for name in dir(obj):
        if name.startswith("_"):
            continue
        value = getattr(obj, name)
        if inspect.ismethod(value) and inspect.isgeneratorfunction(inspect.unwrap(value)):
            found.append(f"{path}.{name}")
        elif isinstance(value, Resource):
            found += _sending(value, f"{path}.{name}")
    return found


@pytest.mark.parametrize("kind", ["with_raw_response", "with_streaming_response"])
@pytest.mark.parametrize("make", [MegaNova, AsyncMegaNova])
def test_every_resource_method_has_its_raw_twin(make: Any, kind: str) -> None:
    client = make(api_key="sk-x")
    names = [
        name
        for name in dir(type(client))
        if type(getattr(type(client), name)).__name__ == "_ResourceSlot"
    ]
    methods = [m for name in names for m in _sending(getattr(client, name), name)]
    assert "chat.completions.create" in methods and len(methods) > 20
    view = getattr(client, kind)
    for dotted in methods:
        target: Any = view
        for part in dotted.split("."):
            target = getattr(target, part)
        assert callable(target), dotted
        assert target.__name__ == dotted.rsplit(".", 1)[1]  # the method's own name and docs


def _transport() -> Any:
    def answer(request: Request) -> FakeResponse:
        body = {"response": "ok"} if request.method == "POST" else {"name": "Ahoy"}
        return FakeResponse(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    return answer


def test_a_cloud_agents_methods_have_raw_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEGANOVA_AGENT_BASE_URL", raising=False)
    with CloudAgent(api_key=KEY, transport=FakeTransport(_transport())) as agent:
        raw = agent.with_raw_response.chat("Hi")
        assert isinstance(raw, RawResponse) and raw.status == 200
        assert raw.json() == {"response": "ok"}
        assert isinstance(raw.parse(), AgentChatResponse) and raw.parse().response == "ok"
        with agent.with_streaming_response.info() as reply:
            assert isinstance(reply, StreamingResponse)
            assert reply.json() == {"name": "Ahoy"}
        assert KEY not in repr(agent.with_raw_response)


def test_an_async_cloud_agents_methods_have_raw_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEGANOVA_AGENT_BASE_URL", raising=False)

    async def main() -> None:
        transport = AsyncFakeTransport(_transport())
        async with AsyncCloudAgent(api_key=KEY, transport=transport) as agent:
            raw = await agent.with_raw_response.chat("Hi")
            assert raw.parse().response == "ok"
            async with agent.with_streaming_response.info() as reply:
                assert (await reply.json()) == {"name": "Ahoy"}

    asyncio.run(main())
