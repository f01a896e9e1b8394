"""Chat over real local servers, for every transport: plain and streamed chat, tool
calls, usage-only and reasoning chunks, every stream failure, and connection reuse."""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Dict

import pytest

from meganova import MegaNova
from meganova.core.models.chat import ChatResponse
from meganova.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    IncompleteStreamError,
    RateLimitError,
    StreamConnectionError,
    StreamDecodeError,
    StreamTimeoutError,
)
from tests.clock import VirtualClock
from tests.contract.conftest import Server, transport_instance
from tests.contract.rawserver import (
    LAST_CHUNK,
    WAIT_LIMIT,
    RawConnection,
    RawServer,
    chunk,
    sse_events,
)
from tests.helpers import CHAT_PATH as PATH
from tests.helpers import DONE, SSE, USER, ev

USAGE = {"prompt_tokens": 88, "completion_tokens": 19, "total_tokens": 107}
USAGE_ONLY = (
    b"data: " + json.dumps({"id": "chatcmpl-9a", "choices": [], "usage": USAGE}).encode() + b"\n\n"
)
TOOL_REPLY = {
    "id": "chatcmpl-7c1e2a",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "meganova-ai/manta-flash-1.0",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_01",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Hanoi"}'},
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": USAGE,
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def stream_reply(server: Server, *events: bytes) -> None:
    server.reply("POST", PATH, chunks=list(events), headers={**SSE, "x-request-id": "req_s"})


# -- success paths (urllib3, stdlib and fake) ------------------------------------------


def test_plain_chat(server: Server, client: MegaNova) -> None:
    reply = {
        "id": "chatcmpl-1",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi!"},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }
    server.reply("POST", PATH, json=reply, headers={"x-request-id": "req_1"})
    resp = client.chat.create(messages=USER, model="m", temperature=0.2, top_p=0.9)
    assert resp.choices[0].message["content"] == "Hi!"
    assert resp.request_id == "req_1"
    (received,) = server.received_at(PATH)
    assert received.json() == {
        "model": "m",
        "messages": USER,
        "stream": False,
        "temperature": 0.2,
        "top_p": 0.9,
    }


def test_streamed_chat_both_surfaces(server: Server, client: MegaNova) -> None:
    stream_reply(
        server, ev("Code ", role="assistant"), ev("flows like rain"), ev(finish="stop"), DONE
    )
    pieces = [c.delta for c in client.chat.stream(messages=USER, model="m")]
    assert "".join(pieces) == "Code flows like rain"
    stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    chunks = list(stream)
    assert chunks[0].choices[0].delta.content == "Code "
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert stream.request_id == "req_s"
    assert server.received_at(PATH)[-1].json()["stream"] is True


def test_tool_calls_plain(server: Server, client: MegaNova) -> None:
    server.reply("POST", PATH, json=TOOL_REPLY)
    resp = client.chat.completions.create(messages=USER, model="m", tools=TOOLS, tool_choice="auto")
    call = (resp.choices[0].message.tool_calls or [])[0]
    assert json.loads(call.function.arguments) == {"city": "Hanoi"}
    assert resp.choices[0].message.content is None
    assert server.received_at(PATH)[0].json()["tools"] == TOOLS


def test_tool_calls_streamed_equal_the_plain_reply(server: Server, client: MegaNova) -> None:
    first = {
        "index": 0,
        "id": "call_01",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    stream_reply(
        server,
        ev(role="assistant"),
        ev(tool_calls=[first]),
        ev(tool_calls=[{"index": 0, "function": {"arguments": '{"city":'}}]),
        ev(tool_calls=[{"index": 0, "function": {"arguments": '"Hanoi"}'}}]),
        ev(finish="tool_calls"),
        USAGE_ONLY,
        DONE,
    )
    stream = client.chat.completions.create(messages=USER, model="m", tools=TOOLS, stream=True)
    fragments = [
        c.choices[0].delta.tool_calls[0].function.arguments
        for c in stream
        if c.choices and c.choices[0].delta.tool_calls
    ]
    assert fragments == ["", '{"city":', '"Hanoi"}']
    final = stream.get_final_response()
    plain = client.engine.codec.convert({**TOOL_REPLY, "id": "chatcmpl-9a"}, ChatResponse)
    plain.request_id = "req_s"
    assert final == plain
    assert final.usage is not None and final.usage.total_tokens == 107


def test_usage_only_final_chunk_with_empty_choices(server: Server, client: MegaNova) -> None:
    stream_reply(server, ev("ok"), ev(finish="stop"), USAGE_ONLY, DONE)
    items = list(client.chat.stream(messages=USER, model="m"))
    assert [i.usage.total_tokens for i in items if i.usage] == [107]
    assert items[-1].done


def test_reasoning_deltas(server: Server, client: MegaNova) -> None:
    stream_reply(
        server,
        ev(role="assistant", reasoning_content="Let me think. "),
        ev(reasoning_content="Rain."),
        ev("Umbrella."),
        ev(finish="stop"),
        DONE,
    )
    stream = client.chat.stream(messages=USER, model="m", include_reasoning=True)
    reasoning = "".join(i.reasoning or "" for i in stream)
    assert reasoning == "Let me think. Rain."
    final = stream.get_final_response()
    assert final.choices[0].message.reasoning_content == reasoning
    assert final.text == "Umbrella."


def test_data_without_space_and_crlf_framing(server: Server, client: MegaNova) -> None:
    raw = (ev("a") + ev(finish="stop") + DONE).replace(b"data: ", b"data:").replace(b"\n", b"\r\n")
    stream_reply(server, raw[:7], raw[7:40], raw[40:])
    assert [i.delta for i in client.chat.stream(messages=USER, model="m")] == ["a", "", ""]


# -- failures inside complete bodies ---------------------------------------------------


def test_no_done_and_no_finish_reason(server: Server, client: MegaNova) -> None:
    stream_reply(server, ev("half an "), ev("answer"))
    with pytest.raises(IncompleteStreamError) as info:
        list(client.chat.stream(messages=USER, model="m"))
    assert info.value.partial_text == "half an answer"
    assert len(info.value.chunks) == 2


def test_non_json_data(server: Server, client: MegaNova) -> None:
    stream_reply(server, ev("a"), b"data: <html>oops</html>\n\n", DONE)
    with pytest.raises(StreamDecodeError) as info:
        list(client.chat.stream(messages=USER, model="m"))
    assert info.value.partial_text == "a"


def test_data_not_fitting_the_chunk_model(server: Server, client: MegaNova) -> None:
    stream_reply(server, b'data: {"choices": [{"index": "first"}]}\n\n', DONE)
    with pytest.raises(StreamDecodeError):
        list(client.chat.completions.create(messages=USER, model="m", stream=True))


def test_error_payload_in_a_200_stream(server: Server, client: MegaNova) -> None:
    stream_reply(server, ev("a"), b'data: {"error": {"message": "rate limited", "code": 429}}\n\n')
    with pytest.raises(RateLimitError) as info:
        list(client.chat.stream(messages=USER, model="m"))
    assert info.value.request_id == "req_s"
    assert info.value.partial_text == "a"  # type: ignore[attr-defined]


def test_error_event_in_a_200_stream(server: Server, client: MegaNova) -> None:
    stream_reply(server, b'event: error\ndata: {"error": {"message": "upstream down"}}\n\n')
    with pytest.raises(APIError, match="upstream down"):
        list(client.chat.stream(messages=USER, model="m"))


def test_control_only_events(server: Server, client: MegaNova) -> None:
    stream_reply(server, b": hi\n\nretry: 100\n\nid: 1\n\nevent: ping\n\n", ev("x", "stop"), DONE)
    assert [i.delta for i in client.chat.stream(messages=USER, model="m")] == ["x", ""]


def test_http_error_before_the_stream(server: Server, client: MegaNova) -> None:
    server.reply("POST", PATH, 429, json={"error": {"message": "slow down"}})
    with pytest.raises(RateLimitError):
        client.chat.stream(messages=USER, model="m")


# -- raw sockets: drops, stalls, endless keep-alives, connection reuse -----------------


def finish(conn: RawConnection) -> bool:
    return conn.send(LAST_CHUNK)


def keep(conn: RawConnection) -> bool:
    return True


def reset(conn: RawConnection) -> bool:
    conn.reset()
    return False


def shut(conn: RawConnection) -> bool:
    conn.sock.shutdown(2)
    return False


class TickingClock(VirtualClock):
    """Each monotonic reading advances one second: a keep-alive every 'second'."""

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


@pytest.mark.parametrize("how", [reset, shut], ids=["reset", "truncated"])
def test_dropped_connection_mid_stream(
    raw: RawServer, make_raw_client: Callable[..., MegaNova], how: Callable[..., bool]
) -> None:
    raw.on(PATH, sse_events([ev("Hel"), ev("lo")], how))
    client = make_raw_client(max_retries=2)
    with pytest.raises(StreamConnectionError) as info:
        list(client.chat.stream(messages=USER, model="m"))
    assert isinstance(info.value, APIConnectionError)
    assert info.value.partial_text == "Hello"
    assert len(raw.requests) == 1  # never retried after events were handed out


def test_stall_longer_than_the_read_timeout(
    raw: RawServer, make_raw_client: Callable[..., MegaNova]
) -> None:
    release = threading.Event()
    raw.on(PATH, sse_events([ev("a")], lambda conn: release.wait(WAIT_LIMIT) and False))
    client = make_raw_client(timeout=(5.0, 0.3))
    try:
        with pytest.raises(StreamTimeoutError) as info:
            list(client.chat.stream(messages=USER, model="m"))
    finally:
        release.set()
    assert isinstance(info.value, APITimeoutError)
    assert info.value.partial_text == "a"


def test_keep_alives_that_never_stop_do_not_keep_the_stream_alive(
    raw: RawServer, make_raw_client: Callable[..., MegaNova]
) -> None:
    stop = threading.Event()

    def keep_alive_forever(conn: RawConnection) -> bool:
        for _ in range(2000):
            if stop.is_set() or not conn.send(chunk(b": keep-alive\n\n")):
                return False
            stop.wait(0.002)
        return False

    raw.on(PATH, sse_events([ev("a")], keep_alive_forever))
    client = make_raw_client(clock=TickingClock(), timeout=(5.0, 30.0))
    try:
        with pytest.raises(StreamTimeoutError) as info:
            list(client.chat.stream(messages=USER, model="m"))
    finally:
        stop.set()
    assert info.value.partial_text == "a"


def test_a_thousand_streams_use_one_connection(
    raw: RawServer, make_raw_client: Callable[..., MegaNova]
) -> None:
    raw.on(PATH, sse_events([ev("a"), ev(finish="stop"), DONE], keep, whole=True))
    client = make_raw_client()
    for _ in range(1000):
        for _ in client.chat.stream(messages=USER, model="m"):
            pass
    assert len(raw.requests) == 1000
    assert raw.connections == 1


def test_a_trailing_usage_chunk_after_done_still_reuses_the_connection(
    raw: RawServer, make_raw_client: Callable[..., MegaNova]
) -> None:
    raw.on(PATH, sse_events([ev("a", "stop"), DONE, b": bye\n\n"], keep, whole=True))
    client = make_raw_client()
    for _ in range(5):
        assert client.chat.stream(messages=USER, model="m").get_final_response().text == "a"
    assert raw.connections == 1


def test_early_break_on_100_streams_with_a_pool_of_two_never_hangs(
    raw: RawServer, make_raw_client: Callable[..., MegaNova], socket_transport: str
) -> None:
    def long_stream(conn: RawConnection) -> bool:
        for n in range(500):
            if not conn.send(chunk(ev(f"{n} "))):
                return False
            if n % 50 == 0:
                threading.Event().wait(0.001)
        return finish(conn)

    raw.on(PATH, sse_events([ev("first ")], long_stream))
    client = make_raw_client(transport=transport_instance(socket_transport, max_connections=2))
    outcome: Dict[str, Any] = {}

    def run() -> None:
        try:
            for _ in range(100):
                for item in client.chat.stream(messages=USER, model="m"):
                    assert item.delta == "first "
                    break
            outcome["ok"] = True
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "streams hung"
    assert outcome.get("ok"), outcome.get("error")
    assert len(raw.requests) == 100
