"""Accumulating a stream's chunks gives the response a non-streamed call returns."""

from __future__ import annotations

import json
from typing import Any, List, Optional

from hypothesis import given
from hypothesis import strategies as st

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.accumulate import ChatAccumulator, accumulate
from meganova.core.models.chat import (
    ChatChoice,
    ChatChunkChoice,
    ChatCompletionChunk,
    ChatMessage,
    ChatResponse,
    ChoiceDelta,
    DeltaFunctionCall,
    DeltaToolCall,
    FunctionCall,
    TokenUsage,
    ToolCall,
)
from tests.clock import VirtualClock

text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
names = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
json_args = st.dictionaries(
    names, st.one_of(st.integers(), text, st.booleans(), st.none()), max_size=3
)
usages = st.builds(
    lambda p, c: TokenUsage(prompt_tokens=p, completion_tokens=c, total_tokens=p + c),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
)


@st.composite
def responses(draw: st.DrawFn) -> ChatResponse:
    choices = []
    for index in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["text", "tools", "both"]))
        calls = None
        if kind != "text":
            calls = [
                ToolCall(
                    id=f"call_{index}_{n}",
                    function=FunctionCall(name=draw(names), arguments=json.dumps(draw(json_args))),
                )
                for n in range(draw(st.integers(1, 3)))
            ]
        message = ChatMessage(
            role="assistant",
            content=None if kind == "tools" else draw(text),
            tool_calls=calls,
            reasoning_content=draw(st.none() | text),
        )
        finish = "tool_calls" if calls else draw(st.sampled_from(["stop", "length", "new_reason"]))
        choices.append(ChatChoice(index=index, message=message, finish_reason=finish))
    return ChatResponse(
        id="chatcmpl-1",
        model="meganova-ai/manta-flash-1.0",
        created=1767225600,
        choices=choices,
        usage=draw(st.none() | usages),
        system_fingerprint=draw(st.none() | st.just("fp_1")),
    )


def pieces(draw: st.DrawFn, value: str) -> List[str]:
    cuts = sorted(draw(st.lists(st.integers(0, len(value)), max_size=6)))
    return [value[a:b] for a, b in zip([0, *cuts], [*cuts, len(value)])]


@st.composite
def streamed(draw: st.DrawFn) -> tuple[ChatResponse, List[ChatCompletionChunk]]:
    """A response and one of the many chunk sequences that stream it."""
    response = draw(responses())
    lanes: List[List[ChatChunkChoice]] = []
    for choice in response.choices:
        message = choice.message
        lane = [ChatChunkChoice(choice.index, ChoiceDelta(role="assistant"))]
        if message.reasoning_content is not None:
            lane += [
                ChatChunkChoice(choice.index, ChoiceDelta(reasoning_content=p))
                for p in pieces(draw, message.reasoning_content)
            ]
        if isinstance(message.content, str):
            lane += [
                ChatChunkChoice(choice.index, ChoiceDelta(content=p))
                for p in pieces(draw, message.content)
            ]
        for n, call in enumerate(message.tool_calls or []):
            parts = pieces(draw, call.function.arguments)
            first = DeltaToolCall(
                index=n,
                id=call.id,
                type="function",
                function=DeltaFunctionCall(name=call.function.name, arguments=parts[0]),
            )
            rest = [
                DeltaToolCall(index=n, function=DeltaFunctionCall(arguments=p)) for p in parts[1:]
            ]
            lane += [
                ChatChunkChoice(choice.index, ChoiceDelta(tool_calls=[t])) for t in [first, *rest]
            ]
        lane.append(
            ChatChunkChoice(choice.index, ChoiceDelta(), finish_reason=choice.finish_reason)
        )
        lanes.append(lane)
    # Interleave the choices' lanes in a random order that keeps each lane's order.
    order = draw(st.permutations([i for i, lane in enumerate(lanes) for _ in lane]))
    positions = [0] * len(lanes)
    chunks = []
    for lane_index in order:
        item = lanes[lane_index][positions[lane_index]]
        positions[lane_index] += 1
        chunks.append(
            ChatCompletionChunk(
                id=response.id,
                model=response.model,
                created=response.created,
                system_fingerprint=response.system_fingerprint,
                choices=[item],
            )
        )
    if response.usage is not None:
        if draw(st.booleans()):
            chunks.append(ChatCompletionChunk(id=response.id, choices=[], usage=response.usage))
        else:
            chunks[-1].usage = response.usage
    return response, chunks


@given(streamed())
def test_accumulated_chunks_equal_the_whole_response(case: Any) -> None:
    response, chunks = case
    assert accumulate(chunks).to_dict() == response.to_dict()


def sse(chunks: List[ChatCompletionChunk]) -> List[bytes]:
    return [b"data: " + json.dumps(c.to_dict()).encode() + b"\n\n" for c in chunks] + [
        b"data: [DONE]\n\n"
    ]


@given(streamed())
def test_streamed_call_equals_non_streamed_call_over_the_wire(case: Any) -> None:
    response, chunks = case
    transport = FakeTransport()
    client = MegaNova(api_key="sk-test", transport=transport, clock=VirtualClock())
    transport.add(
        FakeResponse.json(response.to_dict(), headers={"x-request-id": "req_1"}),
        FakeResponse(200, sse(chunks), {"x-request-id": "req_1"}),
    )
    messages = [{"role": "user", "content": "hi"}]
    plain = client.chat.create(messages=messages, model="m")
    stream = client.chat.stream(messages=messages, model="m")
    final = stream.get_final_response()
    assert final == plain
    assert final.request_id == "req_1"
    assert stream.text == plain.text


# -- examples -------------------------------------------------------------------------


def chunk(
    index: int = 0,
    finish: Optional[str] = None,
    usage: Optional[TokenUsage] = None,
    **delta: Any,
) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id="c", choices=[ChatChunkChoice(index, ChoiceDelta(**delta), finish)], usage=usage
    )


def test_text_so_far_and_finished() -> None:
    acc = ChatAccumulator()
    assert acc.text() == "" and not acc.finished
    acc.add(chunk(role="assistant", content="Neon "))
    acc.add(chunk(content="Harbor"))
    assert acc.text() == "Neon Harbor" and not acc.finished
    acc.add(chunk(finish="stop"))
    assert acc.finished
    assert acc.response().choices[0].message.content == "Neon Harbor"


def test_usage_only_final_chunk_is_kept() -> None:
    usage = TokenUsage(prompt_tokens=3, completion_tokens=2, total_tokens=5)
    result = accumulate(
        [chunk(content="hi", finish="stop"), ChatCompletionChunk(id="c", usage=usage)]
    )
    assert result.usage == usage
    assert result.text == "hi"


def test_reasoning_from_either_wire_name_is_joined() -> None:
    result = accumulate(
        [chunk(reasoning_content="think "), chunk(reasoning="more"), chunk(content="ok")]
    )
    assert result.choices[0].message.reasoning_content == "think more"


def test_tool_calls_without_index_split_on_new_id() -> None:
    fragments = [
        DeltaToolCall(id="a", function=DeltaFunctionCall(name="f", arguments='{"x":')),
        DeltaToolCall(function=DeltaFunctionCall(arguments="1}")),
        DeltaToolCall(id="b", function=DeltaFunctionCall(name="g", arguments="{}")),
    ]
    result = accumulate([chunk(tool_calls=[f]) for f in fragments])
    calls = result.choices[0].message.tool_calls or []
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("a", "f", '{"x":1}'),
        ("b", "g", "{}"),
    ]


def test_a_name_repeated_in_every_fragment_is_not_doubled() -> None:
    fragments = [
        DeltaToolCall(
            index=0, id="a", function=DeltaFunctionCall(name="get_weather", arguments="{")
        ),
        DeltaToolCall(
            index=0, id="a", function=DeltaFunctionCall(name="get_weather", arguments="}")
        ),
    ]
    result = accumulate([chunk(tool_calls=[f]) for f in fragments])
    call = (result.choices[0].message.tool_calls or [])[0]
    assert (call.id, call.function.name, call.function.arguments) == ("a", "get_weather", "{}")


def test_no_chunks_gives_an_empty_response() -> None:
    assert accumulate([]) == ChatResponse()
