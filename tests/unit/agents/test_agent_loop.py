"""The tool runner's loop on both clients, against the fake: answers, tool round trips,
tools that fail, models that misbehave, limits, and API errors mid-run."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest

from meganova.agents import (
    DoneEvent,
    Hooks,
    TextEvent,
    Tool,
    ToolCallEvent,
    ToolResultEvent,
    TurnEndEvent,
)
from meganova.errors import BadRequestError, InvalidArgumentError, MeganovaError
from meganova.testing import Error, Stream, Text, ToolCall, ToolCalls

from .conftest import Harness


def get_weather(city: str, days: int = 1) -> Dict[str, Any]:
    """Weather for a city.

    Args:
        city: The city's name.
        days: How many days ahead.
    """
    return {"city": city, "days": days, "sky": "storms"}


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def explode(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"boom: {reason}")


def sent(harness: Harness, index: int = -1) -> List[Dict[str, Any]]:
    messages: List[Dict[str, Any]] = harness.fake.requests[index].json["messages"]
    return messages


@pytest.mark.parametrize("stream", [False, True])
def test_an_answer_without_tools_completes_in_one_turn(harness: Harness, stream: bool) -> None:
    harness.fake.script(Text("Neon Harbor glows tonight."))
    agent = harness.agent(
        system_prompt="Be brief.", temperature=0.2, max_tokens=50, params={"top_p": 0.5}
    )
    result, _ = harness.run_both_ways(agent, "Hi", stream)
    assert (result.content, result.turns, result.stop_reason) == (
        "Neon Harbor glows tonight.",
        1,
        "complete",
    )
    assert result.tool_calls_made == 0
    body = harness.fake.requests[0].json
    assert "tools" not in body  # no tools given, none sent
    assert (body["temperature"], body["max_tokens"], body["top_p"]) == (0.2, 50, 0.5)
    assert [m["role"] for m in result.messages] == ["system", "user", "assistant"]
    assert result.usage.total_tokens > 0 and result.total_tokens == result.usage.total_tokens


@pytest.mark.parametrize("stream", [False, True])
def test_a_tool_round_trip_converts_arguments_and_sends_the_result_back(
    harness: Harness, stream: bool
) -> None:
    harness.fake.script(ToolCall("add", {"a": 2, "b": "3.5"}, id="call_1"), Text("It is 5.5."))
    agent = harness.agent(tools=[add, get_weather])
    result, _ = harness.run_both_ways(agent, "2 + 3.5?", stream)
    assert (result.content, result.turns, result.tool_calls_made) == ("It is 5.5.", 2, 1)
    first = harness.fake.requests[0].json
    assert [t["function"]["name"] for t in first["tools"]] == ["add", "get_weather"]
    tool_turn = sent(harness)[-1]
    assert tool_turn == {"role": "tool", "tool_call_id": "call_1", "content": "5.5"}
    assert sent(harness)[-2]["tool_calls"][0]["id"] == "call_1"


@pytest.mark.parametrize("stream", [False, True])
def test_usage_is_summed_over_the_turns(harness: Harness, stream: bool) -> None:
    seen: List[Any] = []
    harness.fake.script(ToolCall("add", {"a": 1, "b": 1}), Text("Two, as asked."))
    agent = harness.agent(tools=[add], hooks=Hooks(after_model=lambda r: seen.append(r.usage)))
    result, _ = harness.run_both_ways(agent, "1 + 1?", stream)
    assert len(seen) == 2 and all(u.total_tokens > 0 for u in seen)
    for field in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert getattr(result.usage, field) == sum(getattr(u, field) for u in seen)


def test_several_calls_in_one_turn_run_at_once_and_answer_in_call_order(
    harness: Harness,
) -> None:
    both_running = threading.Barrier(2, timeout=5)
    first_done_last = threading.Event()

    def slow(tag: str) -> str:
        """Waits for the other call, then finishes last."""
        both_running.wait()
        first_done_last.wait(5)
        return f"slow {tag}"

    def quick(tag: str) -> str:
        """Waits for the other call, then finishes first."""
        both_running.wait()
        first_done_last.set()
        return f"quick {tag}"

    harness.fake.script(
        ToolCalls(
            [ToolCall("slow", {"tag": "a"}, id="c1"), ToolCall("quick", {"tag": "b"}, id="c2")]
        ),
        Text("Both done."),
    )
    result = harness.run(harness.agent(tools=[slow, quick]), "go")
    results = [m for m in sent(harness) if m["role"] == "tool"]
    assert results == [
        {"role": "tool", "tool_call_id": "c1", "content": "slow a"},
        {"role": "tool", "tool_call_id": "c2", "content": "quick b"},
    ]
    assert result.tool_calls_made == 2


def test_tool_calls_of_a_turn_run_at_most_max_parallel_tools_at_once(harness: Harness) -> None:
    lock = threading.Lock()
    running = [0, 0]  # now, peak

    def work(n: int) -> int:
        """Counts how many run at once."""
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        threading.Event().wait(0.02)
        with lock:
            running[0] -= 1
        return n

    calls = [ToolCall("work", {"n": n}, id=f"c{n}") for n in range(6)]
    harness.fake.script(ToolCalls(calls), Text("ok"))
    harness.run(harness.agent(tools=[work], max_parallel_tools=2), "go")
    assert 1 <= running[1] <= 2
    assert [m["content"] for m in sent(harness) if m["role"] == "tool"] == [
        str(n) for n in range(6)
    ]


def test_a_tool_that_raises_sends_its_error_to_the_model_and_the_loop_goes_on(
    harness: Harness,
) -> None:
    harness.fake.script(ToolCall("explode", {"reason": "no fuel"}), Text("Sorry, it failed."))
    result = harness.run(harness.agent(tools=[explode]), "Try it")
    assert result.stop_reason == "complete" and result.content == "Sorry, it failed."
    assert sent(harness)[-1]["content"] == "Error: ValueError: boom: no fuel"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (ToolCall("teleport", {"to": "Mars"}), "Error: there is no tool named 'teleport'"),
        (ToolCall("add", "{not json"), "Error: the arguments for add are not valid JSON"),
        (ToolCall("add", "[1, 2]"), "Error: the arguments for add must be a JSON object"),
        (ToolCall("add", {"a": 1}), "Error: invalid arguments for add: Object missing required"),
        (ToolCall("add", {"a": 1, "b": [2]}), "Error: invalid arguments for add: Expected `float`"),
    ],
)
def test_a_bad_call_from_the_model_becomes_an_error_result_not_an_exception(
    harness: Harness, call: ToolCall, expected: str
) -> None:
    harness.fake.script(call, Text("Let me fix that."))
    result = harness.run(harness.agent(tools=[add]), "add")
    assert result.stop_reason == "complete"
    assert sent(harness)[-1]["content"].startswith(expected), sent(harness)[-1]
    assert sent(harness)[-1]["role"] == "tool"


def test_max_turns_ends_the_run_with_the_last_text_the_model_sent(harness: Harness) -> None:
    harness.fake.script(
        ToolCall("add", {"a": 1, "b": 1}, content="Adding first."),
        ToolCall("add", {"a": 2, "b": 2}, content="And again."),
    )
    result = harness.run(harness.agent(tools=[add], max_turns=2), "Loop forever")
    assert (result.stop_reason, result.turns, result.content) == ("max_turns", 2, "And again.")
    assert len(harness.fake.requests) == 2
    assert result.messages[-1] == {
        "role": "tool",
        "tool_call_id": result.messages[-2]["tool_calls"][0]["id"],
        "content": "4.0",
    }


def test_the_content_of_a_complete_run_is_the_final_answer_even_when_empty(
    harness: Harness,
) -> None:
    harness.fake.script(ToolCall("add", {"a": 1, "b": 1}, content="Let me add."), Text(""))
    result = harness.run(harness.agent(tools=[add]), "1 + 1")
    assert (result.stop_reason, result.content) == ("complete", "")


@pytest.mark.parametrize("stream", [False, True])
def test_an_api_error_mid_run_is_raised_typed_with_the_conversation_so_far(
    harness: Harness, stream: bool
) -> None:
    harness.fake.script(ToolCall("add", {"a": 1, "b": 2}), Error(400, "context too long"))
    agent = harness.agent(tools=[add])
    with pytest.raises(BadRequestError, match="context too long") as caught:
        harness.run_both_ways(agent, "1 + 2", stream)
    messages = caught.value.agent_messages
    assert messages is not None
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[-1]["content"] == "3.0"
    assert len(agent.memory) == 0  # the failed run is not kept: run it again as it was


def test_the_streamed_run_reports_text_as_it_comes_then_the_result(harness: Harness) -> None:
    harness.fake.script(
        ToolCall("get_weather", {"city": "Hanoi"}, id="w1"), Stream(["Storms ", "in ", "Hanoi."])
    )
    events = harness.events(harness.agent(tools=[get_weather]), "Weather?")
    kinds = [e.type for e in events]
    assert kinds == [
        "tool_call",
        "tool_result",
        "turn_end",
        "text",
        "text",
        "text",
        "turn_end",
        "done",
    ]
    call, outcome = events[0], events[1]
    assert isinstance(call, ToolCallEvent) and call.arguments == {"city": "Hanoi"}
    assert isinstance(outcome, ToolResultEvent) and not outcome.is_error
    assert outcome.id == call.id == "w1"
    assert [e.text for e in events if isinstance(e, TextEvent)] == ["Storms ", "in ", "Hanoi."]
    assert all(harness.fake.requests[i].json["stream"] is True for i in range(2))
    done = events[-1]
    assert isinstance(done, DoneEvent) and done.result.content == "Storms in Hanoi."
    assert isinstance(events[2], TurnEndEvent) and events[2].turn == 1


def test_bad_input_is_refused_before_anything_is_sent(harness: Harness) -> None:
    agent = harness.agent(tools=[add])
    with pytest.raises(InvalidArgumentError) as caught:
        harness.run(agent, "")
    assert caught.value.argument == "prompt"
    assert harness.fake.requests == []


def test_one_agent_runs_one_prompt_at_a_time_and_says_so(harness: Harness) -> None:
    harness.fake.script(ToolCall("add", {"a": 1, "b": 2}), Text("3."), Text("Again."))
    agent = harness.agent(tools=[add])
    if harness.loop is None:
        events = agent.run("first", stream=True)
        next(events)  # the first run is under way
        with pytest.raises(MeganovaError, match="already running a prompt") as caught:
            agent.run("second")
        error: Any = caught.value
        assert list(events)[-1].result.content == "3."  # type: ignore[union-attr]
    else:

        async def both() -> Any:
            import asyncio

            return await asyncio.gather(
                agent.arun("first"), agent.arun("second"), return_exceptions=True
            )

        first, second = harness.loop.run_until_complete(both())
        assert first.content == "3."
        assert isinstance(second, MeganovaError)
        error = second
    assert error.code == "agent_busy"
    assert [m["content"] for m in agent.memory.messages if m["role"] == "user"] == ["first"]
    assert harness.run(agent, "later").content == "Again."  # free again once it ended


def test_a_cancelled_or_abandoned_run_leaves_the_agent_as_it_was(harness: Harness) -> None:
    import asyncio

    harness.fake.script(ToolCall("add", {"a": 1, "b": 2}), Text("3."))
    if harness.loop is None:
        agent = harness.agent(tools=[add])
        events = agent.run("first", stream=True)
        assert next(events).type == "tool_call"
        events.close()  # the caller stopped reading mid-run
    else:
        started: list[asyncio.Event] = []  # made in the loop (Python 3.9 binds it at creation)

        async def slow_add(a: float, b: float) -> float:
            """Adds, slowly."""
            started[0].set()
            await asyncio.sleep(30)
            return a + b

        agent = harness.agent(tools=[Tool(name="add", func=slow_add)])

        async def cancel_mid_tool() -> None:
            started.append(asyncio.Event())
            task = asyncio.ensure_future(agent.arun("first"))
            await asyncio.wait_for(started[0].wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        harness.loop.run_until_complete(cancel_mid_tool())
    assert len(agent.memory) == 0  # nothing of the broken-off run is kept
    assert harness.run(agent, "again").content == "3."  # and the agent is free again
    assert [m["content"] for m in agent.memory.messages] == ["again", "3."]
