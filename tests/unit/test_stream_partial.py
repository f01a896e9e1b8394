"""A stream folds each chunk into its answer as it arrives (a plain text chunk the
short way, inlined in the reading loop; anything else through the accumulator): what
it reports, finished or failed, equals folding all its chunks at once, whatever the
chunks hold. Errors keep only the last ``RECENT_CHUNKS`` chunks."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.core.accumulate import accumulate
from meganova.core.models.chat import ChatCompletionChunk
from meganova.errors import IncompleteStreamError
from meganova.streaming import RECENT_CHUNKS
from tests.clock import VirtualClock

USER = [{"role": "user", "content": "Hi"}]
text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=6)
maybe = st.one_of(st.none(), text)

deltas = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["assistant", "tool"]),
        "content": maybe,
        "reasoning_content": text,
        "reasoning": text,
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {"index": st.integers(0, 1)},
                optional={
                    "id": st.sampled_from(["c1", "c2"]),
                    "function": st.fixed_dictionaries(
                        {}, optional={"name": text, "arguments": text}
                    ),
                },
            ),
            max_size=2,
        ),
    },
)
choices = st.fixed_dictionaries(
    {"index": st.integers(0, 1), "delta": deltas},
    optional={"finish_reason": st.sampled_from([None, "stop"]), "logprobs": st.just({"x": 1})},
)
plain = st.builds(  # the common chunk: one choice, a piece of text
    lambda t: {
        "id": "c",
        "model": "m",
        "created": 1,
        "choices": [{"index": 0, "delta": {"content": t}}],
    },
    text,
)
messy = st.fixed_dictionaries(
    {"choices": st.lists(choices, max_size=2)},
    optional={
        "id": st.sampled_from(["", "c", "d"]),
        "model": st.sampled_from(["m", "n"]),
        "created": st.integers(0, 3),
        "system_fingerprint": st.sampled_from(["", "fp1", "fp2"]),
        "usage": st.just({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
    },
)
EXTRAS = {  # one thing a plain chunk must not have to be folded the short way
    "role": ("delta", "tool"),
    "reasoning_content": ("delta", "r"),
    "reasoning": ("delta", "r"),
    "tool_calls": ("delta", [{"index": 0, "function": {"arguments": "{"}}]),
    "refusal": ("delta", "no"),
    "finish_reason": ("choice", "stop"),
    "logprobs": ("choice", {"content": []}),
    "index": ("choice", 1),
    "usage": ("chunk", {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
    "system_fingerprint": ("chunk", "fp"),
    "content": ("delta", None),
}


def _plus(base: Dict[str, Any], name: str) -> Dict[str, Any]:
    where, value = EXTRAS[name]
    choice = base["choices"][0]
    {"delta": choice["delta"], "choice": choice, "chunk": base}[where][name] = value
    return base


almost_plain = st.builds(_plus, plain, st.sampled_from(sorted(EXTRAS)))


def _with_nulls(base: Dict[str, Any], names: List[str]) -> Dict[str, Any]:
    for name in names:  # sent as null: on the wire (and in the decoded dict), same meaning
        delta = base["choices"][0]["delta"]
        delta[name] = None
    return base


plain_with_nulls = st.builds(
    _with_nulls,
    st.one_of(plain, almost_plain),
    st.lists(st.sampled_from(["role", "reasoning_content", "reasoning", "tool_calls", "refusal"])),
)
streams = st.lists(st.one_of(plain, plain, almost_plain, plain_with_nulls, messy), max_size=40)


def wire(chunks: List[Dict[str, Any]]) -> List[bytes]:
    return [b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks]


def client_for(body: List[bytes]) -> MegaNova:
    reply = FakeResponse(200, [b"".join(body)] if len(body) % 2 else body, {})
    return MegaNova(
        api_key="sk-test",
        transport=FakeTransport(replies=[reply]),
        clock=VirtualClock(),
        max_retries=0,
    )


def expected(chunks: List[Dict[str, Any]]) -> Any:
    codec = MsgspecCodec()
    decoded = [codec.decode(raw[6:-2], ChatCompletionChunk) for raw in wire(chunks)]
    folded = accumulate(decoded)
    head = reference_head(decoded)
    assert (folded.id, folded.model, folded.created, folded.system_fingerprint) == head
    return folded


def reference_head(chunks: List[ChatCompletionChunk]) -> Any:
    """The first non-empty id, model, creation time and fingerprint, the plain way."""
    return (
        next((c.id for c in chunks if c.id), ""),
        next((c.model for c in chunks if c.model), None),
        next((c.created for c in chunks if c.created is not None), None),
        next((c.system_fingerprint for c in chunks if c.system_fingerprint), None),
    )


@pytest.mark.parametrize("surface", ["guideline", "openai"])
@given(chunks=streams)
def test_a_finished_stream_equals_folding_its_chunks(
    surface: str, chunks: List[Dict[str, Any]]
) -> None:
    client = client_for([*wire(chunks), b"data: [DONE]\n\n"])
    if surface == "guideline":
        stream: Any = client.chat.stream(messages=USER, model="m")
    else:
        stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    assert stream.get_final_response() == expected(chunks)


@given(chunks=streams)
def test_a_failed_stream_carries_exactly_what_arrived(chunks: List[Dict[str, Any]]) -> None:
    # No [DONE] and no finish reason: the stream fails, with everything it received.
    for chunk in chunks:
        for choice in chunk["choices"]:
            choice.pop("finish_reason", None)
    client = client_for(wire(chunks))
    stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    with pytest.raises(IncompleteStreamError) as info:
        list(stream)
    whole = expected(chunks)
    assert info.value.partial == whole
    first = [c.message.content for c in whole.choices if c.index == 0]
    assert info.value.partial_text == (first[0] or "" if first else "")  # choice 0's
    assert len(info.value.chunks) == min(len(chunks), RECENT_CHUNKS)


def test_errors_keep_the_last_chunks_and_all_the_text() -> None:
    pieces = [f"{i} " for i in range(1000)]
    chunks = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    client = client_for(wire(chunks))
    with pytest.raises(IncompleteStreamError) as info:
        list(client.chat.stream(messages=USER, model="m"))
    error = info.value
    assert error.partial_text == "".join(pieces)
    assert [c.choices[0].delta.content for c in error.chunks] == pieces[-RECENT_CHUNKS:]
