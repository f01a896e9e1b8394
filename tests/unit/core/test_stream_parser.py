"""The chat stream parser, driven directly: bytes in; chunks, the terminal state,
errors and the partial answer out. No response, socket or clock: the test passes
the time in, as the stream shells do."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.core.budget import TimeBudget
from meganova.core.models.chat import ChatCompletionChunk
from meganova.core.stream_parser import (
    CLOSED,
    DONE,
    FAILED,
    OPEN,
    RECENT_CHUNKS,
    ChatStreamParser,
    guideline_items,
)
from meganova.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    IncompleteStreamError,
    RateLimitError,
    StreamConnectionError,
    StreamDecodeError,
    StreamEventTooLargeError,
    StreamTimeoutError,
)

CODEC = MsgspecCodec()
DONE_EVENT = b"data: [DONE]\n\n"


def event(text: Optional[str] = None, finish: Any = None, index: int = 0, **delta: Any) -> bytes:
    if text is not None:
        delta["content"] = text
    choice = {"index": index, "delta": delta, "finish_reason": finish}
    payload = {"id": "c1", "model": "m", "created": 1, "choices": [choice]}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def parser(**options: Any) -> ChatStreamParser:
    options.setdefault("request_id", "req_1")
    return ChatStreamParser(CODEC, **options)


def texts(chunks: List[ChatCompletionChunk]) -> List[Optional[str]]:
    return [c.choices[0].delta.content if c.choices else None for c in chunks]


# -- any split of the same bytes -------------------------------------------------------

pieces_of_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=5)
chunk_dicts = st.one_of(
    st.builds(lambda t: {"choices": [{"index": 0, "delta": {"content": t}}]}, pieces_of_text),
    st.builds(
        lambda t, i: {"choices": [{"index": i, "delta": {"content": t, "role": "assistant"}}]},
        pieces_of_text,
        st.integers(0, 1),
    ),
    st.builds(
        lambda a: {"choices": [{"index": 0, "delta": {"tool_calls": [a]}}]},
        st.fixed_dictionaries({"index": st.just(0), "function": st.just({"arguments": "{}"})}),
    ),
    st.just(
        {"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    ),
    st.just({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}),
)
noise = st.sampled_from([b": keep-alive\n\n", b"event: ping\ndata: {}\n\n", b"retry: 10\n\n", b""])


def wire(chunks: List[Dict[str, Any]], noises: List[bytes]) -> bytes:
    out = b""
    for i, chunk in enumerate(chunks):
        out += noises[i % len(noises)] if noises else b""
        out += b"data: " + json.dumps({"id": "c", "model": "m", **chunk}).encode() + b"\n\n"
    return out


def split(data: bytes, cuts: List[int]) -> List[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def feed_all(pieces: List[bytes], guideline: bool = False) -> tuple[ChatStreamParser, List[Any]]:
    p = parser()
    out: List[Any] = []
    for piece in pieces:
        out += p.feed(piece, guideline)
    p.end()
    return p, out


@given(
    chunks=st.lists(chunk_dicts, max_size=25),
    noises=st.lists(noise, max_size=3),
    cuts=st.lists(st.integers(0, 5000), max_size=30),
    tail=st.sampled_from([DONE_EVENT, DONE_EVENT + b"data: {after done}\n\n"]),
)
def test_any_split_of_a_stream_gives_the_same_chunks_and_answer(
    chunks: List[Dict[str, Any]], noises: List[bytes], cuts: List[int], tail: bytes
) -> None:
    data = wire(chunks, noises) + tail
    whole, expected = feed_all([data])
    cut, got = feed_all(split(data, cuts))
    assert whole.state == cut.state == DONE
    assert got == expected and len(got) == len(chunks)
    assert cut.final_response() == whole.final_response()
    one_byte, items = feed_all([data[i : i + 1] for i in range(len(data))], guideline=True)
    assert items == [x for c in expected for x in guideline_items(c, "req_1")]
    assert one_byte.final_response() == whole.final_response()


@given(
    chunks=st.lists(chunk_dicts, min_size=1, max_size=10),
    cuts=st.lists(st.integers(0, 3000), max_size=20),
    bad=st.sampled_from(
        [
            (b"data: {not json\n\n", StreamDecodeError),
            (b'data: {"error": {"message": "overloaded"}}\n\n', APIError),
            (b'event: error\ndata: {"message": "slow down", "status": 429}\n\n', RateLimitError),
        ]
    ),
)
def test_any_split_of_a_broken_stream_gives_the_same_chunks_then_the_same_error(
    chunks: List[Dict[str, Any]], cuts: List[int], bad: tuple[bytes, type]
) -> None:
    data = wire(chunks, []) + bad[0] + wire(chunks, []) + DONE_EVENT
    results = []
    for pieces in ([data], split(data, cuts)):
        p, got = feed_all(pieces)
        assert p.state == FAILED and isinstance(p.failure, bad[1])
        assert got == feed_all([wire(chunks, [])])[1]  # everything before the bad event
        results.append((got, p.failure.partial_text))  # type: ignore[union-attr]
    assert results[0] == results[1]


# -- endings ------------------------------------------------------------------------------


def test_a_body_ending_without_done_or_finish_reason_is_incomplete_with_the_partial_answer() -> (
    None
):
    p = parser()
    assert texts(p.feed(event("Half ") + event("an answer"))) == ["Half ", "an answer"]
    p.end()
    assert p.state == FAILED
    error = p.failure
    assert isinstance(error, IncompleteStreamError)
    assert error.partial_text == "Half an answer" and error.request_id == "req_1"
    assert error.partial.choices[0].message.content == "Half an answer"
    assert "after 2 chunks" in str(error)
    with pytest.raises(IncompleteStreamError):
        p.final_response()


def test_a_finish_reason_then_the_end_of_the_body_is_done() -> None:
    p = parser()
    p.feed(event("All") + event(finish="stop"))
    assert p.state == OPEN
    p.end()
    assert p.state == DONE and p.failure is None
    assert p.final_response().choices[0].message.content == "All"


def test_an_unterminated_last_event_is_never_used() -> None:
    p = parser()
    assert p.feed(event("a") + b'data: {"id":"c1","choices":[]}') != []
    p.end()
    assert isinstance(p.failure, IncompleteStreamError)
    assert len(p.chunks) == 1


def test_done_ends_the_stream_and_later_bytes_are_ignored() -> None:
    p = parser()
    assert texts(p.feed(event("a") + DONE_EVENT + event("ignored"))) == ["a"]
    assert p.state == DONE
    assert p.feed(event("later")) == []
    p.end()
    assert p.state == DONE and p.text == "a"


def test_closing_stops_the_stream_and_the_answer_is_not_final() -> None:
    p = parser()
    p.feed(event("a"))
    p.close()
    assert p.state == CLOSED and p.feed(event("b")) == []
    with pytest.raises(IncompleteStreamError, match="closed before it finished"):
        p.final_response()


# -- errors carry what arrived ------------------------------------------------------------


def test_a_corrupt_event_is_a_decode_error_with_the_data_and_partial_text() -> None:
    p = parser()
    assert texts(p.feed(event("ok ") + b"data: 42\n\n" + event("never"))) == ["ok "]
    error = p.failure
    assert isinstance(error, StreamDecodeError)
    assert error.data == b"42" and error.partial_text == "ok "


def test_an_error_payload_is_the_typed_api_error_with_the_partial_answer() -> None:
    p = parser()
    p.feed(event("so far") + b'data: {"error": {"message": "slow", "code": 429}}\n\n')
    error = p.failure
    assert isinstance(error, RateLimitError)
    assert error.partial_text == "so far"  # type: ignore[attr-defined]
    assert error.request_id == "req_1" and error.status == 429


def test_an_event_over_the_size_cap_fails_with_the_partial_answer() -> None:
    p = parser(max_event_size=200)
    assert texts(p.feed(event("a"))) == ["a"]
    assert p.feed(b"data: " + b"x" * 300) == []
    error = p.failure
    assert isinstance(error, StreamEventTooLargeError)
    assert error.partial_text == "a" and error.request_id == "req_1"


def test_errors_keep_the_last_chunks_and_all_the_text() -> None:
    p = parser()
    pieces = [f"{i} " for i in range(300)]
    for piece in pieces:
        p.feed(event(piece))
    p.end()
    error = p.failure
    assert isinstance(error, IncompleteStreamError)
    assert error.partial_text == "".join(pieces)
    assert texts(error.chunks) == pieces[-RECENT_CHUNKS:]


def test_an_echoed_key_is_redacted_from_the_error() -> None:
    from meganova.core.redact import Redactor

    p = parser(redactor=Redactor(["sk-secret-key-123456"]))
    p.feed(b'data: {"error": {"message": "bad key sk-secret-key-123456"}}\n\n')
    assert "sk-secret-key-123456" not in str(p.failure)


@pytest.mark.parametrize(
    ("cause", "kind", "words"),
    [
        (APITimeoutError("read timed out"), StreamTimeoutError, "stalled"),
        (APIConnectionError("reset", request_sent=True), StreamConnectionError, "broke"),
        (APIResponseValidationError("bad gzip", status=200), StreamDecodeError, "cannot be read"),
    ],
)
def test_a_failed_read_is_a_typed_stream_error_caused_by_it(
    cause: Any, kind: type, words: str
) -> None:
    p = parser()
    p.feed(event("Hel"))
    p.body_failed(cause)
    error = p.failure
    assert type(error) is kind and words in str(error)
    assert error.__cause__ is cause and error.partial_text == "Hel"  # type: ignore[union-attr]


def test_a_read_cut_by_closing_is_no_error() -> None:
    p = parser()
    p.close()
    p.body_failed(APIConnectionError("closed while reading", request_sent=True))
    assert p.state == CLOSED and p.failure is None


# -- time comes in from the shell -----------------------------------------------------


def test_a_silence_between_data_events_longer_than_the_read_timeout_fails() -> None:
    p = parser(read_timeout=30)
    assert p.begin(100.0)
    p.feed(event("a"))
    assert p.after_read(120.0)  # data: the silence starts again
    for now in (130.0, 140.0, 150.0):
        p.feed(b": keep-alive\n\n")
        assert p.after_read(now)  # keep-alives do not count as data
    p.feed(b": keep-alive\n\n")
    assert not p.after_read(150.5)
    error = p.failure
    assert isinstance(error, StreamTimeoutError) and "30s" in str(error)
    assert error.partial_text == "a"


def test_data_events_keep_a_slow_stream_alive() -> None:
    p = parser(read_timeout=1)
    p.begin(0.0)
    for second in range(1, 100):
        p.feed(event("x"))
        assert p.after_read(float(second) * 0.9)
    assert p.state == OPEN


def test_the_call_deadline_bounds_the_whole_stream() -> None:
    budget = TimeBudget(5.0, lambda: 0.0)  # ends at 5.0 on the shell's clock
    p = parser(budget=budget)
    p.begin(0.0)
    p.feed(event("a"))
    assert p.after_read(4.9)
    p.feed(event("b"))
    assert not p.after_read(5.0)
    error = p.failure
    assert isinstance(error, StreamTimeoutError) and "deadline of 5s" in str(error)
    assert error.partial_text == "ab"


def test_begin_on_a_closed_stream_says_not_to_read() -> None:
    p = parser()
    p.close()
    assert not p.begin(0.0)


# -- the guideline fan-out ----------------------------------------------------------------


def test_guideline_items_one_per_choice_and_one_for_usage_only() -> None:
    two = CODEC.decode(
        b'{"choices": [{"index": 0, "delta": {"content": "a"}}, {"index": 1, "delta": {}}]}',
        ChatCompletionChunk,
    )
    items = guideline_items(two, "r")
    assert [(i.delta, i.index, i.request_id, i.done) for i in items] == [
        ("a", 0, "r", False),
        ("", 1, "r", False),
    ]
    assert all(i.chunk is two for i in items)
    usage = CODEC.decode(
        b'{"choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, '
        b'"total_tokens": 2}}',
        ChatCompletionChunk,
    )
    (item,) = guideline_items(usage, None)
    assert item.delta == "" and item.usage is not None and not item.done


def test_the_done_item_is_last_and_empty() -> None:
    item = parser().done_item()
    assert item.done and item.delta == "" and item.chunk is None and item.request_id == "req_1"
