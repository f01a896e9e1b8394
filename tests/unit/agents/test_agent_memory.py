"""Memory: the conversation kept across runs, trimmed to a run or token budget without
ever separating a tool call from its results, the system prompt always first."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.agents import Memory
from meganova.agents.history import estimate_tokens
from meganova.errors import InvalidArgumentError
from meganova.testing import Text, ToolCall, ToolCalls

from .conftest import Harness


def note(text: str) -> str:
    """Write a note down."""
    return f"noted {text}"


def roles(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["role"] for m in messages]


def test_the_conversation_carries_over_to_the_next_run(harness: Harness) -> None:
    harness.fake.script(ToolCall("note", {"text": "milk"}), Text("Noted."), Text("Milk."))
    agent = harness.agent(system_prompt="Help.", tools=[note])
    harness.run(agent, "Remember milk")
    second = harness.run(agent, "What did I ask?")
    sent = harness.fake.requests[-1].json["messages"]
    assert roles(sent) == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["content"] == "Remember milk" and second.content == "Milk."
    assert roles(second.messages) == [*roles(sent), "assistant"]
    agent.memory.clear()
    harness.fake.script(Text("Fresh."))
    harness.run(agent, "Again")
    assert roles(harness.fake.requests[-1].json["messages"]) == ["system", "user"]


def test_max_turns_keeps_only_the_latest_runs(harness: Harness) -> None:
    harness.fake.script(Text("one"), Text("two"), Text("three"))
    agent = harness.agent(system_prompt="Help.", memory=Memory(max_turns=2))
    for prompt in ("first", "second", "third"):
        harness.run(agent, prompt)
    sent = harness.fake.requests[-1].json["messages"]
    assert [m["content"] for m in sent] == ["Help.", "second", "two", "third"]


def test_a_token_budget_drops_whole_groups_and_keeps_system_and_prompt(harness: Harness) -> None:
    long = "word " * 200
    harness.fake.script(
        ToolCalls([ToolCall("note", {"text": long}), ToolCall("note", {"text": "b"})]),
        Text("Noted both."),
        Text("Short answer."),
    )
    agent = harness.agent(system_prompt="Help.", tools=[note], memory=Memory(max_tokens=120))
    harness.run(agent, "note these")
    harness.run(agent, "and now?")
    sent = harness.fake.requests[-1].json["messages"]
    assert sent[0] == {"role": "system", "content": "Help."}
    assert sent[-1] == {"role": "user", "content": "and now?"}
    assert_no_orphans(sent)
    assert all(long not in str(m.get("content")) for m in sent)  # the big group went


def assert_no_orphans(messages: List[Dict[str, Any]]) -> None:
    """Every tool result follows its assistant message; every call has its result."""
    open_calls: List[str] = []
    for message in messages:
        if message["role"] == "tool":
            assert message["tool_call_id"] in open_calls, messages
            open_calls.remove(message["tool_call_id"])
        else:
            assert not open_calls, messages
            open_calls = [c["id"] for c in message.get("tool_calls") or []]
    assert not open_calls


def test_usage_counts_replace_the_estimates() -> None:
    memory = Memory(max_tokens=10_000)
    system = {"role": "system", "content": "s" * 400}
    memory._begin({"role": "user", "content": "u" * 40})
    memory._window(system)
    memory._add({"role": "assistant", "content": "a"})
    memory._record_usage(1, system, prompt_tokens=300, completion_tokens=7)
    entries = memory._entries
    assert entries[1].tokens == 7
    assert entries[0].tokens is not None
    assert entries[0].tokens + (memory._system_tokens or 0) <= 300
    assert memory._system_tokens is not None and memory._system_tokens > entries[0].tokens


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_memory_budgets_must_be_positive_ints(bad: Any) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Memory(max_tokens=bad)
    assert caught.value.argument == "max_tokens"


def test_a_memory_that_is_not_a_memory_is_refused(harness: Harness) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        harness.agent(memory=[])
    assert caught.value.argument == "memory"


# a conversation: runs of (prompt, turns), a turn being an answer or some tool calls
_turn = st.one_of(st.just(0), st.integers(min_value=1, max_value=3))
_run = st.tuples(st.text(min_size=1, max_size=80), st.lists(_turn, min_size=1, max_size=4))


@given(
    runs=st.lists(_run, min_size=1, max_size=5),
    max_tokens=st.integers(min_value=1, max_value=400),
    max_turns=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
)
def test_trimming_never_splits_calls_from_results_and_keeps_the_prompt(
    runs: List[Any], max_tokens: int, max_turns: Any
) -> None:
    memory = Memory(max_tokens=max_tokens, max_turns=max_turns)
    system = {"role": "system", "content": "Be kind."}
    for number, (prompt, turns) in enumerate(runs):
        user = {"role": "user", "content": f"{number}:{prompt}"}
        memory._begin(user)
        for index, calls in enumerate(turns):
            sent = memory._window(system)
            assert sent[0] == system and user in sent
            assert_no_orphans(sent[1:])
            ids = [f"r{number}t{index}c{c}" for c in range(calls)]
            reply: Dict[str, Any] = {"role": "assistant", "content": "x" * (index * 30)}
            if ids:
                reply["tool_calls"] = [
                    {"id": i, "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    for i in ids
                ]
            memory._add(reply)
            memory._record_usage(len(sent) - 1, system, sum(map(estimate_tokens, sent)), 9)
            for i in ids:
                memory._add({"role": "tool", "tool_call_id": i, "content": "r" * 50})
    final = memory._window(system)
    assert_no_orphans(final[1:])
    if max_turns is not None:
        prompts = [m for m in final if m["role"] == "user"]
        assert len(prompts) <= max_turns
