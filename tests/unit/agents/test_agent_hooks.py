"""Hooks around model and tool calls, on both clients: approval (allow, deny, change the
arguments), stopping, replacing what the model reads, errors; async hooks awaited."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from meganova.agents import (
    Agent,
    Deny,
    Failure,
    Hooks,
    ModelCall,
    ModelReply,
    Stop,
    ToolOutcome,
    ToolUse,
)
from meganova.errors import InternalServerError, InvalidArgumentError
from meganova.testing import Error, FakeMeganova, Text, ToolCall, ToolCalls

from .conftest import MODEL, Harness

ran: List[str] = []


def delete_file(path: str) -> str:
    """Delete a file (dangerous)."""
    ran.append(path)
    return f"deleted {path}"


def read_file(path: str) -> str:
    """Read a file."""
    ran.append(path)
    return f"contents of {path}"


@pytest.fixture(autouse=True)
def _clean() -> None:
    ran.clear()


def tool_results(harness: Harness) -> List[str]:
    return [m["content"] for m in harness.fake.requests[-1].json["messages"] if m["role"] == "tool"]


def test_a_before_tool_hook_approves_some_calls_and_denies_others_with_a_reason(
    harness: Harness,
) -> None:
    asked: List[ToolUse] = []

    def approve(use: ToolUse) -> Any:
        asked.append(use)
        if use.name == "delete_file":
            return Deny("the user said no")
        return None

    harness.fake.script(
        ToolCalls(
            [ToolCall("delete_file", {"path": "/etc"}), ToolCall("read_file", {"path": "a"})]
        ),
        Text("I could only read a."),
    )
    agent = harness.agent(tools=[delete_file, read_file], hooks=Hooks(before_tool=approve))
    result = harness.run(agent, "clean up")
    assert ran == ["a"]  # the denied tool never ran
    assert tool_results(harness) == ["Denied: the user said no", "contents of a"]
    assert [(u.name, u.arguments, u.turn) for u in asked] == [
        ("delete_file", {"path": "/etc"}, 1),
        ("read_file", {"path": "a"}, 1),
    ]
    assert result.stop_reason == "complete"


def test_a_before_tool_hook_can_change_the_arguments_which_are_checked_again(
    harness: Harness,
) -> None:
    answers = iter([{"path": "/tmp/safe"}, {"path": 7}])
    harness.fake.script(
        ToolCall("read_file", {"path": "/etc/passwd"}),
        ToolCall("read_file", {"path": "x"}),
        Text("done"),
    )
    hooks = Hooks(before_tool=lambda use: next(answers))
    harness.run(harness.agent(tools=[read_file], hooks=hooks), "read")
    assert ran == ["/tmp/safe"]
    assert tool_results(harness)[0] == "contents of /tmp/safe"
    assert tool_results(harness)[1].startswith("Error: invalid arguments for read_file")


def test_false_from_before_tool_denies_and_stop_ends_the_run_with_every_call_answered(
    harness: Harness,
) -> None:
    harness.fake.script(
        ToolCall("read_file", {"path": "a"}),
        ToolCalls([ToolCall("read_file", {"path": "b"}), ToolCall("delete_file", {"path": "c"})]),
    )
    verdicts = iter([False, None, Stop("enough")])
    agent = harness.agent(
        tools=[read_file, delete_file], hooks=Hooks(before_tool=lambda u: next(verdicts))
    )
    first = harness.run(agent, "go")
    assert first.stop_reason == "stopped" and ran == []
    tools = [m for m in first.messages if m["role"] == "tool"]
    assert [m["content"] for m in tools] == [
        "Denied: the call was refused",
        "Not run: the run was stopped.",
        "Not run: the run was stopped.",
    ]
    assert len(harness.fake.requests) == 2  # no model call after the stop


def test_model_hooks_see_each_call_and_can_replace_the_messages_or_stop(harness: Harness) -> None:
    calls: List[ModelCall] = []
    replies: List[ModelReply] = []

    def before(call: ModelCall) -> Any:
        calls.append(call)
        return [{"role": "system", "content": "Injected."}, *call.messages]

    def after(reply: ModelReply) -> Any:
        replies.append(reply)
        return Stop("one is enough") if reply.tool_calls else None

    harness.fake.script(ToolCall("read_file", {"path": "a"}, content="Reading."))
    agent = harness.agent(tools=[read_file], hooks=Hooks(before_model=before, after_model=after))
    result = harness.run(agent, "read a")
    assert result.stop_reason == "stopped" and result.turns == 1
    assert harness.fake.requests[0].json["messages"][0] == {
        "role": "system",
        "content": "Injected.",
    }
    assert calls[0].turn == 1 and calls[0].messages == [{"role": "user", "content": "read a"}]
    assert replies[0].content == "Reading." and replies[0].usage is not None
    assert tool_results(harness) == []  # stopped after the model call: no tool ran
    assert ran == [] and result.messages[-1]["content"] == "Not run: the run was stopped."


def test_after_tool_can_replace_what_the_model_reads(harness: Harness) -> None:
    outcomes: List[ToolOutcome] = []

    def redact(outcome: ToolOutcome) -> Any:
        outcomes.append(outcome)
        return outcome.content.replace("secret", "[redacted]")

    harness.fake.script(ToolCall("read_file", {"path": "secret.txt"}), Text("ok"))
    harness.run(harness.agent(tools=[read_file], hooks=Hooks(after_tool=redact)), "read")
    assert tool_results(harness) == ["contents of [redacted].txt"]
    assert outcomes[0].value == "contents of secret.txt" and not outcomes[0].is_error


def test_on_error_hears_of_failing_tools_and_model_calls_and_may_end_the_run(
    harness: Harness,
) -> None:
    failures: List[Failure] = []

    def broken(x: int) -> int:
        """Fails."""
        raise RuntimeError("disk on fire")

    def on_error(failure: Failure) -> Any:
        failures.append(failure)
        return Stop() if isinstance(failure.error, InternalServerError) else None

    harness.fake.script(ToolCall("broken", {"x": 1}), Error(500, "overloaded"))
    result = harness.run(harness.agent(tools=[broken], hooks=Hooks(on_error=on_error)), "go")
    assert [type(f.error).__name__ for f in failures] == ["RuntimeError", "InternalServerError"]
    assert failures[0].tool is not None and failures[0].tool.name == "broken"
    assert failures[1].tool is None and failures[1].turn == 2
    assert result.stop_reason == "error" and isinstance(result.error, InternalServerError)
    assert result.messages[-1]["content"] == "Error: RuntimeError: disk on fire"


def test_several_hooks_run_in_order_and_the_first_denial_wins(harness: Harness) -> None:
    order: List[str] = []

    def first(use: ToolUse) -> Any:
        order.append("first")
        return {"path": "changed"}

    def second(use: ToolUse) -> Any:
        order.append(f"second saw {use.arguments['path']}")
        return Deny("second says no")

    def third(use: ToolUse) -> Any:
        order.append("third")

    harness.fake.script(ToolCall("read_file", {"path": "a"}), Text("ok"))
    hooks = [Hooks(before_tool=first), Hooks(before_tool=second), Hooks(before_tool=third)]
    harness.run(harness.agent(tools=[read_file], hooks=hooks), "read")
    assert order == ["first", "second saw changed"]
    assert tool_results(harness) == ["Denied: second says no"]


def test_a_hook_that_raises_ends_the_run_with_its_exception(harness: Harness) -> None:
    def angry(use: ToolUse) -> Any:
        raise KeyError("hook bug")

    harness.fake.script(ToolCall("read_file", {"path": "a"}), Text("ok"))
    agent = harness.agent(tools=[read_file], hooks=Hooks(before_tool=angry))
    with pytest.raises(KeyError, match="hook bug"):
        harness.run(agent, "read")
    assert len(agent.memory) == 0


def test_an_odd_answer_from_before_tool_is_refused_naming_the_hooks(harness: Harness) -> None:
    harness.fake.script(ToolCall("read_file", {"path": "a"}), Text("ok"))
    agent = harness.agent(tools=[read_file], hooks=Hooks(before_tool=lambda use: "yes"))
    with pytest.raises(InvalidArgumentError, match="before_tool hook returned str") as caught:
        harness.run(agent, "read")
    assert caught.value.argument == "hooks"


def test_async_hooks_and_tools_are_awaited_with_the_async_client() -> None:
    fake = FakeMeganova()
    seen: List[str] = []

    async def approve(use: ToolUse) -> Any:
        await asyncio.sleep(0)
        seen.append(f"approve {use.name}")
        return Deny("no") if use.name == "remove" else None

    async def fetch(url: str) -> str:
        """Fetch a page."""
        await asyncio.sleep(0)
        return f"<html>{url}</html>"

    async def remove(url: str) -> str:
        """Remove a page."""
        raise AssertionError("denied tools never run")

    async def after(reply: ModelReply) -> None:
        seen.append(f"after turn {reply.turn}")

    fake.script(
        ToolCalls([ToolCall("fetch", {"url": "a.example"}), ToolCall("remove", {"url": "b"})]),
        Text("Fetched."),
    )

    async def main() -> Dict[str, Any]:
        async with fake.async_client() as client:
            agent = Agent(
                client,
                model=MODEL,
                tools=[fetch, remove],
                hooks=Hooks(before_tool=approve, after_model=after),
            )
            result = await agent.arun("go")
            return {"content": result.content, "messages": result.messages}

    out = asyncio.run(main())
    assert out["content"] == "Fetched."
    assert [m["content"] for m in out["messages"] if m["role"] == "tool"] == [
        "<html>a.example</html>",
        "Denied: no",
    ]
    assert seen == ["after turn 1", "approve fetch", "approve remove", "after turn 2"]


def test_async_tools_and_hooks_are_refused_with_the_sync_client() -> None:
    fake = FakeMeganova()

    async def fetch(url: str) -> str:
        """Fetch a page."""
        return url

    async def hook(use: ToolUse) -> None:
        return None

    with pytest.raises(InvalidArgumentError, match="tool 'fetch' is async"):
        Agent(fake.client(), model=MODEL, tools=[fetch])
    with pytest.raises(InvalidArgumentError, match="before_tool is async"):
        Agent(fake.client(), model=MODEL, hooks=Hooks(before_tool=hook))
    assert fake.requests == []
