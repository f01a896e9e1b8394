"""The fake Meganova at the wire level: scripted replies, defaults, state, recording."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meganova.core.errors import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from meganova.testing import (
    DEMO_CHARACTER,
    Corrupt,
    Delay,
    Drop,
    EndEarly,
    Error,
    FakeMeganova,
    Json,
    Stream,
    Text,
    ToolCall,
    VirtualClock,
    luna_answer,
)

CHAT = {"model": "meganova-ai/manta-flash-1.0", "messages": [{"role": "user", "content": "Hi"}]}


def chat(fake: FakeMeganova, **options: Any) -> dict[str, Any]:
    client = fake.client(**options)
    result: dict[str, Any] = client.engine.request(
        "POST", "/chat/completions", cast_to=dict, json=CHAT
    )
    return result


def stream_events(
    fake: FakeMeganova, body: dict[str, Any] | None = None, **options: Any
) -> list[Any]:
    """The decoded ``data:`` payloads of a streamed chat reply (``"[DONE]"`` kept)."""
    client = fake.client(**options)
    response = client.engine.open_stream(
        "POST", "/chat/completions", json={**(body or CHAT), "stream": True}
    )
    raw = response.read()
    events = []
    for block in raw.split(b"\n\n"):
        if block.startswith(b"data: "):
            payload = block[len(b"data: ") :]
            events.append("[DONE]" if payload == b"[DONE]" else json.loads(payload))
    return events


def text_of(events: list[Any]) -> str:
    return "".join(
        e["choices"][0]["delta"].get("content") or ""
        for e in events
        if e != "[DONE]" and e["choices"]
    )


def test_unscripted_chat_is_answered_by_the_demo_character() -> None:
    fake = FakeMeganova()
    reply = chat(fake)
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["message"]["content"] == luna_answer("Hi")
    assert "Luna" in luna_answer("Hi") and DEMO_CHARACTER["home"] == "Neon Harbor"
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"]["total_tokens"] > 0


def test_luna_answers_the_readme_greeting() -> None:
    assert "wonderfully" in luna_answer("Hi Luna, how are you?")


def test_every_request_is_recorded_without_the_key() -> None:
    fake = FakeMeganova()
    chat(fake, api_key="sk-secret-123")
    seen = fake.last_request
    assert (seen.method, seen.path) == ("POST", "/chat/completions")
    assert seen.json == CHAT
    assert seen.authorized
    assert "sk-secret-123" not in repr(seen)
    assert all(name.lower() != "authorization" for name in seen.headers)
    assert seen.header("x-mn-sdk") == "python"


def test_query_and_slashed_paths_are_recorded_relative_to_the_api_root() -> None:
    fake = FakeMeganova()
    client = fake.client()
    client.engine.request(
        "GET",
        "/usage/time_range",
        cast_to=dict,
        query={"start_time": "2026-11-01", "end_time": "2026-11-02"},
    )
    client.engine.request("GET", "/models/meganova-ai%2Fmanta-flash-1.0", cast_to=dict)
    assert fake.requests[0].query == {"start_time": "2026-11-01", "end_time": "2026-11-02"}
    assert fake.requests[1].path == "/models/meganova-ai/manta-flash-1.0"
    assert fake.requests_to("/usage/time_range", "GET") == [fake.requests[0]]


def test_unscripted_stream_is_well_formed_and_ends_with_done() -> None:
    events = stream_events(FakeMeganova())
    assert events[-1] == "[DONE]"
    assert events[0]["object"] == "chat.completion.chunk"
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    assert text_of(events) == luna_answer("Hi")


def test_usage_chunk_when_asked_for() -> None:
    events = stream_events(FakeMeganova(), {**CHAT, "stream_options": {"include_usage": True}})
    assert events[-2]["choices"] == [] and events[-2]["usage"]["total_tokens"] > 0


def test_max_tokens_cuts_the_default_answer_with_finish_reason_length() -> None:
    fake = FakeMeganova()
    reply = fake.client().engine.request(
        "POST", "/chat/completions", cast_to=dict, json={**CHAT, "max_tokens": 3}
    )
    assert len(reply["choices"][0]["message"]["content"].split()) == 3
    assert reply["choices"][0]["finish_reason"] == "length"


def test_scripted_replies_are_consumed_in_order() -> None:
    fake = FakeMeganova()
    fake.script("first", Text("second"))
    assert chat(fake)["choices"][0]["message"]["content"] == "first"
    assert chat(fake)["choices"][0]["message"]["content"] == "second"
    assert chat(fake)["choices"][0]["message"]["content"] == luna_answer("Hi")
    fake.assert_script_consumed()


def test_a_text_answer_streams_word_by_word() -> None:
    fake = FakeMeganova().script(Text("Code flows like rain"))
    events = stream_events(fake)
    pieces = [e["choices"][0]["delta"]["content"] for e in events[:-2]]
    assert pieces == ["Code", " flows", " like", " rain"]


def test_a_stream_arrives_in_exactly_the_given_pieces() -> None:
    fake = FakeMeganova().script(Stream(["Hel", "lo", "!"]), Stream(["a", "b"]))
    events = stream_events(fake)
    assert [e["choices"][0]["delta"]["content"] for e in events[:-2]] == ["Hel", "lo", "!"]
    assert chat(fake)["choices"][0]["message"]["content"] == "ab"


def test_tool_call_non_streamed() -> None:
    fake = FakeMeganova().script(ToolCall("get_weather", {"city": "Hanoi"}, id="call_01"))
    choice = chat(fake)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["id"] == "call_01" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Hanoi"}


def test_tool_call_streamed_as_openai_fragments() -> None:
    fake = FakeMeganova().script(ToolCall("get_weather", {"city": "Hanoi"}))
    events = stream_events(fake)
    fragments = [
        tc
        for e in events
        if e != "[DONE]"
        for tc in e["choices"][0]["delta"].get("tool_calls") or []
    ]
    assert fragments[0]["function"]["name"] == "get_weather"
    arguments = "".join(f["function"].get("arguments", "") for f in fragments)
    assert json.loads(arguments) == {"city": "Hanoi"}
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_error_then_success_is_retried_on_the_virtual_clock() -> None:
    fake = FakeMeganova().script(Error(503), Text("recovered"))
    assert chat(fake)["choices"][0]["message"]["content"] == "recovered"
    assert len(fake.requests) == 2
    assert len(fake.clock.sleeps) == 1


def test_retry_after_is_sent_and_honoured() -> None:
    fake = FakeMeganova().script(Error(429, "slow down", retry_after=3), "ok")
    assert chat(fake)["choices"][0]["message"]["content"] == "ok"
    assert fake.clock.sleeps == [3.0]


def test_error_carries_message_code_and_request_id() -> None:
    fake = FakeMeganova().script(Error(429, "slow down", code="rate_limited", retry_after=7))
    with pytest.raises(RateLimitError) as caught:
        chat(fake, max_retries=0)
    error = caught.value
    assert (error.message, error.code, error.retry_after) == ("slow down", "rate_limited", 7.0)
    assert error.request_id and error.request_id.startswith("req_fake_")


def test_error_default_message_is_the_status_phrase() -> None:
    fake = FakeMeganova().script(Error(500))
    with pytest.raises(InternalServerError, match="Internal Server Error"):
        chat(fake, max_retries=0)


def test_generic_steps_answer_any_path_chat_steps_only_chat() -> None:
    fake = FakeMeganova().script(Text("for chat"), Json({"hello": "world"}))
    client = fake.client()
    assert client.engine.request("GET", "/anything", cast_to=dict) == {"hello": "world"}
    assert client.engine.request("GET", "/models", cast_to=dict)["object"] == "list"
    assert chat(fake)["choices"][0]["message"]["content"] == "for chat"


def test_drop_before_reply_is_a_connection_error() -> None:
    fake = FakeMeganova().script(Drop(), Drop())
    with pytest.raises(APIConnectionError) as caught:
        chat(fake, max_retries=1)
    assert caught.value.request_sent is True
    assert len(fake.requests) == 2


def test_drop_after_n_events_breaks_the_stream() -> None:
    fake = FakeMeganova().script(Drop(after=2, pieces=["a", "b", "c"]))
    response = fake.client().engine.open_stream(
        "POST", "/chat/completions", json={**CHAT, "stream": True}
    )
    received = []
    with pytest.raises(APIConnectionError, match="after 2 event"):
        for chunk in response.iter_bytes():
            received.append(chunk)
    assert len(received) == 2


def test_drop_on_a_non_streamed_call_loses_the_body() -> None:
    fake = FakeMeganova().script(Drop(after=1), Drop(after=1))
    with pytest.raises(APIConnectionError):
        chat(fake, max_retries=0)


def test_a_stream_that_ends_early_has_no_finish_and_no_done() -> None:
    fake = FakeMeganova().script(EndEarly(["Once ", "upon"]))
    events = stream_events(fake)
    assert "[DONE]" not in events
    assert all(e["choices"][0]["finish_reason"] is None for e in events)
    assert text_of(events) == "Once upon"


def test_a_corrupt_event_is_sent_where_asked() -> None:
    fake = FakeMeganova().script(Corrupt(after=1, pieces=["a", "b"]))
    response = fake.client().engine.open_stream(
        "POST", "/chat/completions", json={**CHAT, "stream": True}
    )
    blocks = [b for b in response.read().split(b"\n\n") if b]
    with pytest.raises(ValueError):
        json.loads(blocks[1][len(b"data: ") :])
    assert blocks[-1] == b"data: [DONE]"


def test_delay_passes_on_the_virtual_clock() -> None:
    fake = FakeMeganova().script(Delay(2.5), Text("late", delay=1.0))
    chat(fake)
    chat(fake)
    assert fake.clock.now == 3.5
    assert fake.clock.sleeps == []  # the server's waiting is not a client sleep


def test_delay_longer_than_the_read_timeout_is_a_timeout() -> None:
    fake = FakeMeganova().script(Delay(30))
    with pytest.raises(APITimeoutError):
        chat(fake, timeout=(1.0, 5.0), max_retries=0)
    assert fake.clock.now == 5.0


def test_a_stalled_stream_times_out_between_events() -> None:
    fake = FakeMeganova().script(Stream(["a", "b"], gap=10))
    response = fake.client(timeout=(1.0, 5.0)).engine.open_stream(
        "POST", "/chat/completions", json={**CHAT, "stream": True}
    )
    with pytest.raises(APITimeoutError):
        response.read()


def test_missing_messages_is_a_bad_request() -> None:
    fake = FakeMeganova()
    with pytest.raises(Exception, match="messages") as caught:
        fake.client().engine.request("POST", "/chat/completions", cast_to=dict, json={"model": "m"})
    assert getattr(caught.value, "status", None) == 400


def test_models_catalogue_list_and_get() -> None:
    fake = FakeMeganova()
    client = fake.client()
    listed = client.engine.request("GET", "/models", cast_to=dict)
    assert any(m.get("default") for m in listed["data"])
    one = client.engine.request("GET", "/models/meganova-ai/manta-flash-1.0", cast_to=dict)
    assert one["context_length"] == 32768
    with pytest.raises(NotFoundError) as caught:
        client.engine.request("GET", "/models/nobody/nothing", cast_to=dict)
    assert caught.value.code == "model_not_found" and caught.value.request_id


def test_catalogue_can_be_replaced() -> None:
    fake = FakeMeganova(models=[{"id": "me/mine"}])
    assert fake.client().engine.request("GET", "/models", cast_to=dict)["data"] == [
        {"id": "me/mine"}
    ]


def test_video_jobs_advance_per_poll() -> None:
    fake = FakeMeganova()
    client = fake.client()
    job = client.engine.request(
        "POST",
        "/videos/generations",
        cast_to=dict,
        json={"prompt": "rain", "model": "google/veo-3.1-fast"},
    )
    assert job["status"] == "queued" and "url" not in job
    path = f"/videos/generations/{job['id']}"
    statuses = [client.engine.request("GET", path, cast_to=dict)["status"] for _ in range(3)]
    assert statuses == ["processing", "completed", "completed"]


def test_video_jobs_advance_with_the_clock() -> None:
    clock = VirtualClock()
    fake = FakeMeganova(clock=clock, video_seconds=10)
    client = fake.client()
    job = client.engine.request(
        "POST", "/videos/generations", cast_to=dict, json={"prompt": "rain", "model": "m"}
    )
    clock.advance(11)
    done = client.engine.request("GET", f"/videos/generations/{job['id']}", cast_to=dict)
    assert done["status"] == "completed" and done["url"].endswith(".mp4")


def test_other_endpoints_have_sensible_defaults() -> None:
    client = FakeMeganova().client()
    emb = client.engine.request(
        "POST", "/embeddings", cast_to=dict, json={"input": ["a", "b"], "model": "BAAI/bge-m3"}
    )
    assert [d["index"] for d in emb["data"]] == [0, 1] and len(emb["data"][0]["embedding"]) == 8
    ranked = client.engine.request(
        "POST",
        "/rerank",
        cast_to=dict,
        json={"query": "refund policy", "documents": ["office hours", "refund policy details"]},
    )
    assert ranked["results"][0]["index"] == 1
    usage = client.engine.request(
        "GET",
        "/usage/time_range",
        cast_to=dict,
        query={"start_time": "2026-11-01", "end_time": "2026-11-03"},
    )
    assert {row["date"] for row in usage["data"]} == {"2026-11-01", "2026-11-02", "2026-11-03"}
    billing = client.engine.request("GET", "/billing/user-instance-billings", cast_to=dict)
    assert billing["total_cost"] == 5.5
    with pytest.raises(NotFoundError):
        client.engine.request("GET", "/no/such/route", cast_to=dict)


def test_unconsumed_script_is_reported() -> None:
    fake = FakeMeganova().script("never asked")
    with pytest.raises(AssertionError, match="never requested"):
        fake.assert_script_consumed()


def test_bad_step_is_rejected() -> None:
    with pytest.raises(TypeError, match="script step"):
        FakeMeganova().script(42)  # type: ignore[arg-type]


def test_old_test_clock_import_is_the_public_clock() -> None:
    from tests.clock import VirtualClock as Old

    assert Old is VirtualClock


def test_the_fakes_waits_end_at_the_calls_deadline() -> None:
    """Each gap is inside the read timeout; the deadline ends the stream, in virtual time."""
    fake = FakeMeganova().script(Stream(["a"] * 50, gap=0.5))
    client = fake.client(timeout=(1, 1), deadline=2)
    started = fake.clock.monotonic()
    stream = client.chat.stream(messages=[{"role": "user", "content": "hi"}], model="m")
    with pytest.raises(APITimeoutError) as info:
        list(stream)
    assert fake.clock.monotonic() - started == pytest.approx(2.0)
    assert "deadline" in str(info.value)


def test_a_delay_longer_than_what_is_left_of_the_deadline_times_out_there() -> None:
    fake = FakeMeganova().script(Delay(5), Text("late"))
    client = fake.client(timeout=(10, 10), deadline=3, max_retries=0)
    started = fake.clock.monotonic()
    with pytest.raises(APITimeoutError):
        client.chat.create(messages=[{"role": "user", "content": "hi"}], model="m")
    assert fake.clock.monotonic() - started == pytest.approx(3.0)
