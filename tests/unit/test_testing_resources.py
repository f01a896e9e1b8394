"""The fake Meganova through the SDK's resources: the fake and the client agree on the wire."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.errors import (
    IncompleteStreamError,
    StreamConnectionError,
    StreamDecodeError,
    StreamTimeoutError,
)
from meganova.errors import (
    APIConnectionError,
    InternalServerError,
    RateLimitError,
)
from meganova.testing import (
    Corrupt,
    Drop,
    EndEarly,
    Error,
    FakeMeganova,
    Stream,
    Text,
    ToolCall,
    luna_answer,
)

MODEL = "meganova-ai/manta-flash-1.0"
HELLO = [{"role": "user", "content": "Hi Luna, how are you?"}]


def test_chat_create_default_answer(fake: FakeMeganova) -> None:
    response = fake.client().chat.create(messages=HELLO, model=MODEL)
    assert response.choices[0].message["content"] == luna_answer("Hi Luna, how are you?")
    assert response.choices[0].message.content == response.choices[0].message["content"]
    assert response.request_id == "req_fake_000001"
    assert response.usage is not None and response.usage.total_tokens > 0


def test_chat_stream_yields_the_scripted_pieces(fake: FakeMeganova) -> None:
    fake.script(Stream(["Neon ", "Harbor"]))
    with fake.client().chat.stream(messages=HELLO, model=MODEL) as stream:
        deltas = [chunk.delta for chunk in stream]
    assert "".join(deltas) == "Neon Harbor"
    assert [d for d in deltas if d] == ["Neon ", "Harbor"]
    assert fake.last_request.json["stream"] is True


def test_completions_create_with_tools(fake: FakeMeganova) -> None:
    fake.script(ToolCall("get_weather", {"city": "Hanoi"}, id="call_01"))
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    response = fake.client().chat.completions.create(messages=HELLO, model=MODEL, tools=tools)
    call = response.choices[0].message.tool_calls[0]
    assert (call.id, call.function.name) == ("call_01", "get_weather")
    assert fake.last_request.json["tools"] == tools


def test_streamed_tool_call_is_accumulated(fake: FakeMeganova) -> None:
    fake.script(ToolCall("get_weather", {"city": "Hanoi"}))
    stream = fake.client().chat.completions.create(messages=HELLO, model=MODEL, stream=True)
    chunks = list(stream)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_retried_errors_take_no_real_time(fake: FakeMeganova) -> None:
    fake.script(Error(503), Error(429, retry_after=4), Text("third time lucky"))
    response = fake.client().chat.create(messages=HELLO, model=MODEL)
    assert response.choices[0].message.content == "third time lucky"
    assert len(fake.requests) == 3 and fake.clock.sleeps[-1] == 4.0


def test_errors_reach_the_caller_typed(fake: FakeMeganova) -> None:
    fake.script(Error(429, "slow down", retry_after=2))
    with pytest.raises(RateLimitError) as caught:
        fake.client(max_retries=0).chat.create(messages=HELLO, model=MODEL)
    assert caught.value.retry_after == 2.0 and caught.value.request_id
    fake.script(Error(500, "boom"))
    with pytest.raises(InternalServerError):
        fake.client(max_retries=0).models.list()


def test_stream_faults_become_the_sdks_stream_errors(fake: FakeMeganova) -> None:
    client = fake.client(max_retries=0, timeout=(1.0, 5.0))
    fake.script(
        Drop(after=2, pieces=["a", "b", "c"]),
        EndEarly(["Once ", "upon"]),
        Corrupt(after=1),
        Stream(["slow", "er"], gap=30),
    )
    with pytest.raises(StreamConnectionError) as dropped:
        list(client.chat.stream(messages=HELLO, model=MODEL))
    assert dropped.value.partial_text == "ab"
    with pytest.raises(IncompleteStreamError):
        list(client.chat.stream(messages=HELLO, model=MODEL))
    with pytest.raises(StreamDecodeError):
        list(client.chat.stream(messages=HELLO, model=MODEL))
    with pytest.raises(StreamTimeoutError):
        list(client.chat.stream(messages=HELLO, model=MODEL))
    fake.assert_script_consumed()


def test_a_drop_before_the_reply_is_retried(fake: FakeMeganova) -> None:
    fake.script(Drop(), "after the drop")
    response = fake.client().chat.create(messages=HELLO, model=MODEL)
    assert response.choices[0].message.content == "after the drop"
    fake.script(Drop(), Drop())
    with pytest.raises(APIConnectionError):
        fake.client(max_retries=1).chat.create(messages=HELLO, model=MODEL)


def test_models_list_and_get(fake: FakeMeganova) -> None:
    client = fake.client()
    ids = [m.id for m in client.models.list()]
    assert MODEL in ids
    assert client.models.get(MODEL).context_length == 32768


def test_video_job_completes_on_the_virtual_clock(fake: FakeMeganova) -> None:
    video = fake.client().videos.generate("rain on neon", "google/veo-3.1-fast", wait=True)
    assert video.status == "completed" and video.url
    statuses = [
        r.path for r in fake.requests if r.method == "GET" and r.path.startswith("/videos/")
    ]
    assert statuses  # it polled
    assert fake.clock.now < 60  # and the waits took no real time


def test_embeddings_rerank_usage_balance(fake: FakeMeganova) -> None:
    client = fake.client()
    embedded = client.embeddings.create(input=["a", "b"], model="BAAI/bge-m3")
    assert len(embedded.data) == 2
    ranked = client.rerank.create(
        query="refund policy",
        documents=["office hours", "refund policy"],
        model="BAAI/bge-reranker-v2-m3",
    )
    assert ranked.results[0].index == 1
    summary = client.usage.summary(from_="2026-11-01", to="2026-11-02")
    assert len(summary.rows) == 4 and summary.total_tokens
    assert client.billing.get_balance().balance == 25.0


pieces_strategy = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8)


@given(pieces=pieces_strategy)
def test_any_scripted_stream_reaches_the_caller_exactly(pieces: list[str]) -> None:
    fake = FakeMeganova().script(Stream(pieces), Stream(pieces))
    client = fake.client()
    streamed = [c.delta for c in client.chat.stream(messages=HELLO, model=MODEL) if c.delta]
    assert streamed == pieces
    whole = client.chat.create(messages=HELLO, model=MODEL)
    assert whole.choices[0].message.content == "".join(pieces)


@given(content=st.text(max_size=200))
def test_any_text_answer_is_the_same_streamed_or_not(content: str) -> None:
    fake = FakeMeganova().script(Text(content), Text(content))
    client = fake.client()
    streamed = "".join(c.delta for c in client.chat.stream(messages=HELLO, model=MODEL))
    whole = client.chat.create(messages=HELLO, model=MODEL).choices[0].message.content
    assert streamed == whole == content
