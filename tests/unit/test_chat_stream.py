"""Streams never lie (FakeTransport): every failure is a typed error with the partial
answer attached; early exits release the response; retries only before the first event."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    IncompleteStreamError,
    InternalServerError,
    RateLimitError,
    StreamConnectionError,
    StreamDecodeError,
    StreamError,
    StreamTimeoutError,
)
from tests.clock import VirtualClock

USER = [{"role": "user", "content": "Hi"}]
USAGE = (
    b'data: {"id":"c1","choices":[],'
    b'"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\n'
)


def ev(text: Optional[str] = None, finish: Any = None, **delta: Any) -> bytes:
    if text is not None:
        delta["content"] = text
    payload = {"id": "c1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"


class TickingClock(VirtualClock):
    """Every reading of the monotonic clock moves it forward by ``step`` seconds."""

    def __init__(self, step: float) -> None:
        super().__init__()
        self.step = step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def make(*replies: Any, clock: Any = None, **options: Any) -> tuple[MegaNova, FakeTransport]:
    transport = FakeTransport(replies=replies)
    options.setdefault("max_retries", 0)
    client = MegaNova(
        api_key="sk-test", transport=transport, clock=clock or VirtualClock(), **options
    )
    return client, transport


def body(*chunks: Any, headers: Optional[Dict[str, str]] = None) -> FakeResponse:
    return FakeResponse(200, list(chunks), headers or {"x-request-id": "req_1"})


def drain(client: MegaNova) -> List[str]:
    return [c.delta for c in client.chat.stream(messages=USER, model="m")]


# -- endings --------------------------------------------------------------------------


def test_no_done_and_no_finish_reason_raises_with_the_partial_answer() -> None:
    client, _ = make(body(ev("Half "), ev("an answer")))
    seen: List[str] = []
    with pytest.raises(IncompleteStreamError) as info:
        for item in client.chat.stream(messages=USER, model="m"):
            seen.append(item.delta)
    error = info.value
    assert seen == ["Half ", "an answer"]
    assert error.partial_text == "Half an answer"
    assert len(error.chunks) == 2
    assert error.partial.text == "Half an answer"
    assert error.request_id == "req_1"


def test_a_finish_reason_without_done_is_a_complete_answer() -> None:
    client, _ = make(body(ev("All"), ev(finish="stop")))
    assert drain(client) == ["All", "", ""]


def test_an_empty_body_is_incomplete() -> None:
    client, _ = make(body())
    with pytest.raises(IncompleteStreamError):
        drain(client)


def test_an_unterminated_last_event_is_not_silently_used() -> None:
    client, _ = make(body(ev("a"), b'data: {"id":"c1","choices":[]}'))
    with pytest.raises(IncompleteStreamError):
        drain(client)


def test_events_after_done_are_ignored() -> None:
    client, _ = make(body(ev("a"), DONE, ev("ignored")))
    assert drain(client) == ["a", ""]


# -- corrupt events -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"data: {not json\n\n", b"data: 42\n\n", b'data: {"choices": "x"}\n\n']
)
def test_bad_data_raises_a_decode_error(data: bytes) -> None:
    client, _ = make(body(ev("ok "), data, DONE))
    with pytest.raises(StreamDecodeError) as info:
        drain(client)
    assert info.value.partial_text == "ok "
    assert info.value.data == data[6:-2]


def test_decode_errors_are_stream_errors_not_json_errors() -> None:
    client, _ = make(body(b"data: {\n\n"))
    with pytest.raises(StreamError) as info:
        drain(client)
    assert not isinstance(info.value, json.JSONDecodeError)


# -- errors reported inside a 200 stream -----------------------------------------------


def test_error_payload_raises_an_api_error() -> None:
    error = b'data: {"error": {"message": "model overloaded", "code": "overloaded"}}\n\n'
    client, _ = make(body(ev("so far"), error, DONE))
    with pytest.raises(APIError) as info:
        drain(client)
    assert info.value.message == "model overloaded"
    assert info.value.code == "overloaded"
    assert info.value.partial_text == "so far"  # type: ignore[attr-defined]
    assert info.value.request_id == "req_1"


def test_error_payload_with_a_status_gets_the_status_class() -> None:
    error = b'data: {"error": {"message": "slow down", "code": 429}}\n\n'
    client, _ = make(body(error))
    with pytest.raises(RateLimitError) as info:
        drain(client)
    assert info.value.status == 429


def test_error_event_raises_an_api_error() -> None:
    client, _ = make(body(b'event: error\ndata: {"message": "upstream failed", "status": 503}\n\n'))
    with pytest.raises(InternalServerError) as info:
        drain(client)
    assert "upstream failed" in str(info.value)


def test_error_event_with_plain_text_data() -> None:
    client, _ = make(body(b"event: error\ndata: boom\n\n"))
    with pytest.raises(APIError, match="boom"):
        drain(client)


# -- control-only events ----------------------------------------------------------------


def test_control_events_never_crash_and_never_count_as_data() -> None:
    client, _ = make(
        body(
            b": keep-alive\n\n",
            b"retry: 3000\n\n",
            b"id: 5\n\n",
            b"event: ping\n\n",
            b"event: ping\ndata: {}\n\n",
            b"data:" + ev("x")[6:],
            b":\n",
            DONE,
        )
    )
    assert drain(client) == ["x", ""]


# -- transport failures mid-stream -----------------------------------------------------


def test_a_dropped_connection_is_a_typed_connection_error_with_partial_content() -> None:
    dropped = APIConnectionError("peer closed the connection", request_sent=True)
    client, transport = make(body(ev("Hel"), ev("lo"), dropped))
    with pytest.raises(StreamConnectionError) as info:
        drain(client)
    assert isinstance(info.value, APIConnectionError)
    assert isinstance(info.value, StreamError)
    assert info.value.partial_text == "Hello"
    assert len(transport.requests) == 1  # nothing is retried once events were handed out


def test_a_read_timeout_mid_stream_is_a_timeout_error() -> None:
    client, _ = make(body(ev("a"), APITimeoutError("read timed out")))
    with pytest.raises(StreamTimeoutError) as info:
        drain(client)
    assert isinstance(info.value, APITimeoutError)
    assert info.value.partial_text == "a"


def test_endless_keep_alives_do_not_keep_a_dead_stream_open() -> None:
    keep_alives = [b": ping\n\n"] * 200
    client, _ = make(body(ev("a"), *keep_alives, DONE), clock=TickingClock(1.0), timeout=30)
    with pytest.raises(StreamTimeoutError) as info:
        drain(client)
    assert info.value.partial_text == "a"
    assert "30" in str(info.value)


def test_data_events_keep_the_stream_alive() -> None:
    client, _ = make(body(*[ev("x")] * 200, DONE), clock=TickingClock(1.0), timeout=30)
    assert len(drain(client)) == 201


def test_the_per_call_timeout_bounds_the_gap() -> None:
    keep_alives = [b": ping\n\n"] * 20
    client, _ = make(body(ev("a"), *keep_alives, DONE), clock=TickingClock(1.0), timeout=600)
    with pytest.raises(StreamTimeoutError):
        list(client.chat.stream(messages=USER, model="m", timeout=5))


def test_retries_happen_before_the_first_event() -> None:
    busy = FakeResponse.json({"error": {"message": "busy"}}, status=503)
    client, transport = make(busy, body(ev("ok", "stop"), DONE), max_retries=2)
    assert drain(client) == ["ok", ""]
    assert len(transport.requests) == 2


# -- lifecycle ----------------------------------------------------------------------------


def test_breaking_out_of_a_loop_leaves_the_rest_to_read() -> None:
    # iter(stream) is the stream: a loop left early is not the end of the stream.
    client, transport = make(body(ev("a"), ev("b"), ev("c"), DONE))
    stream = client.chat.stream(messages=USER, model="m")
    for _ in stream:
        break
    assert not transport.responses[0].closed
    assert [item.delta for item in stream] == ["b", "c", ""]
    assert transport.responses[0].closed


def test_breaking_out_of_a_with_block_closes_the_response() -> None:
    client, transport = make(body(ev("a"), ev("b"), ev("c"), DONE))
    with client.chat.stream(messages=USER, model="m") as stream:
        for _ in stream:
            break
    assert transport.responses[0].closed
    assert list(stream) == []
    with pytest.raises(IncompleteStreamError, match="closed before"):
        stream.get_final_response()


def test_context_manager_and_close() -> None:
    client, transport = make(body(ev("a"), DONE), body(ev("a"), DONE))
    with client.chat.completions.create(messages=USER, model="m", stream=True) as stream:
        next(stream)
    assert transport.responses[0].closed
    stream.close()  # twice is fine
    never_read = client.chat.stream(messages=USER, model="m")
    never_read.close()
    assert transport.responses[1].closed
    assert list(never_read) == []


def test_next_then_loop_continues_where_it_stopped() -> None:
    client, _ = make(body(ev("a"), ev("b"), ev(finish="stop"), DONE))
    stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    first = next(stream)
    rest = [c.choices[0].delta.content for c in stream]
    assert first.choices[0].delta.content == "a"
    assert rest == ["b", None]


def test_get_final_response_and_text_so_far() -> None:
    tool = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    more = {"index": 0, "function": {"arguments": '{"a": 1}'}}
    usage = USAGE
    client, _ = make(
        body(
            ev(reasoning_content="hmm "),
            ev("Hi"),
            ev(tool_calls=[tool]),
            ev(tool_calls=[more]),
            ev(finish="tool_calls"),
            usage,
            DONE,
        )
    )
    stream = client.chat.stream(messages=USER, model="m")
    first = next(stream)
    assert first.reasoning == "hmm " and stream.text == ""
    next(stream)
    assert stream.text == "Hi"
    final = stream.get_final_response()
    message = final.choices[0].message
    assert message.content == "Hi" and message.reasoning_content == "hmm "
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == '{"a": 1}'
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.usage is not None and final.usage.total_tokens == 3
    assert final.request_id == "req_1"


def test_get_final_response_reraises_the_failure() -> None:
    client, _ = make(body(ev("a")))
    stream = client.chat.stream(messages=USER, model="m")
    with pytest.raises(IncompleteStreamError):
        list(stream)
    with pytest.raises(IncompleteStreamError):
        stream.get_final_response()


def test_guideline_items_expose_the_wire_chunk() -> None:
    usage = USAGE
    client, _ = make(body(ev("Hi", role="assistant"), ev(finish="stop"), usage, DONE))
    items = list(client.chat.stream(messages=USER, model="m"))
    assert [i.delta for i in items] == ["Hi", "", "", ""]
    assert items[0].role == "assistant" and items[0].chunk is not None
    assert items[1].finish_reason == "stop"
    assert items[2].usage is not None and items[2].usage.total_tokens == 3
    assert items[3].done and items[3].request_id == "req_1"
    assert [i.done for i in items] == [False, False, False, True]


# -- one reader under the guideline stream and the wire stream ------------------------
# Whichever is iterated, no event is read twice or lost, and the last item comes after
# the connection was released.


def test_wire_stream_first_then_the_guideline_stream_continues() -> None:
    client, _ = make(body(ev("a"), ev("b"), ev("c", finish="stop"), DONE))
    stream = client.chat.stream(messages=USER, model="m")
    first = next(stream.completion_stream)
    assert first.choices[0].delta.content == "a"
    rest = [(c.delta, c.done) for c in stream]
    assert rest == [("b", False), ("c", False), ("", True)]
    assert stream.get_final_response().choices[0].message.content == "abc"


def test_guideline_stream_then_the_wire_stream_methods() -> None:
    client, _ = make(body(ev("a"), ev("b"), ev("c", finish="stop"), DONE))
    stream = client.chat.stream(messages=USER, model="m")
    assert next(stream).delta == "a"
    assert stream.completion_stream.text == "a"
    final = stream.completion_stream.get_final_response()
    assert final.choices[0].message.content == "abc"
    assert list(stream) == []  # everything was read once, by the one reader


def test_the_done_item_comes_after_the_response_was_released() -> None:
    reply = body(ev("a", finish="stop"), DONE)
    client, _ = make(reply)
    stream = client.chat.stream(messages=USER, model="m")
    items = iter(stream)
    assert next(items).delta == "a"
    last = next(items)
    assert last.done and reply.closed
