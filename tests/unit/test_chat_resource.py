"""client.chat against a FakeTransport: validation, the body sent, defaults, and the
guideline's chat examples (sections 1, 4, 8, 10.1, 10.2, 11) run as written."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from meganova import MegaNova, MeganovaError
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.models.chat import ChatMessage, ChatResponse, ChatStreamChunk
from meganova.errors import InvalidArgumentError
from meganova.streaming import ChatCompletionStream, ChatStream
from tests.clock import VirtualClock

REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "meganova-ai/manta-flash-1.0",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}
USER = [{"role": "user", "content": "Hi"}]


def delta_chunk(text: str, finish: Any = None) -> Dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport(
        lambda request: FakeResponse.json(REPLY, headers={"x-request-id": "req_9"})
    )


@pytest.fixture
def client(transport: FakeTransport, monkeypatch: pytest.MonkeyPatch) -> MegaNova:
    monkeypatch.delenv("MEGANOVA_MODEL", raising=False)
    return MegaNova(api_key="sk-test", transport=transport, clock=VirtualClock())


def sent(transport: FakeTransport) -> Dict[str, Any]:
    body = transport.requests[-1].body
    assert body is not None
    result: Dict[str, Any] = json.loads(body)
    return result


# -- validation: before any traffic ---------------------------------------------------

BAD = [
    ({"messages": "hi"}, "messages", TypeError),
    ({"messages": []}, "messages", ValueError),
    ({"messages": ["hi"]}, "messages", TypeError),
    ({"messages": [{"content": "no role"}]}, "messages", ValueError),
    ({"messages": [{"role": 3, "content": "x"}]}, "messages", ValueError),
    ({"messages": [{"role": "", "content": "x"}]}, "messages", ValueError),
    ({"model": ""}, "model", ValueError),
    ({"model": 5}, "model", TypeError),
    ({"temperature": -0.1}, "temperature", ValueError),
    ({"temperature": 2.5}, "temperature", ValueError),
    ({"temperature": "hot"}, "temperature", TypeError),
    ({"temperature": True}, "temperature", TypeError),
    ({"temperature": float("nan")}, "temperature", ValueError),
    ({"max_tokens": 0}, "max_tokens", ValueError),
    ({"max_tokens": 1.5}, "max_tokens", TypeError),
    ({"max_tokens": True}, "max_tokens", TypeError),
    ({"stream": "yes"}, "stream", TypeError),
    ({"timeout": -1}, "timeout", ValueError),
]


@pytest.mark.parametrize(("change", "argument", "base"), BAD)
@pytest.mark.parametrize("surface", ["create", "stream", "completions"])
def test_bad_arguments_fail_before_any_request(
    client: MegaNova, transport: FakeTransport, change: Any, argument: str, base: Any, surface: str
) -> None:
    if surface == "stream" and argument == "stream":
        return
    call = {
        "create": client.chat.create,
        "stream": client.chat.stream,
        "completions": client.chat.completions.create,
    }[surface]
    kwargs = {"messages": USER, "model": "m", **change}
    with pytest.raises(base) as info:
        call(**kwargs)
    assert isinstance(info.value, MeganovaError)
    assert getattr(info.value, "argument", None) and argument in info.value.argument
    assert transport.requests == []


def test_missing_model_names_model_and_the_environment_variable(
    client: MegaNova, transport: FakeTransport
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        client.chat.create(messages=USER)
    assert info.value.argument == "model"
    assert "MEGANOVA_MODEL" in str(info.value) and "model" in str(info.value)
    assert transport.requests == []


def test_model_falls_back_to_the_client_default(transport: FakeTransport) -> None:
    client = MegaNova(api_key="sk-test", transport=transport, default_model="dflt")
    client.chat.create(messages=USER)
    assert sent(transport)["model"] == "dflt"
    client.chat.create(messages=USER, model="explicit")
    assert sent(transport)["model"] == "explicit"


def test_model_falls_back_to_meganova_model(
    transport: FakeTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEGANOVA_MODEL", "from-env")
    MegaNova(api_key="sk-test", transport=transport).chat.create(messages=USER)
    assert sent(transport)["model"] == "from-env"


# -- what is sent ---------------------------------------------------------------------


def test_body_path_and_extra_fields(client: MegaNova, transport: FakeTransport) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    client.chat.create(
        messages=[ChatMessage(role="system", content="Be brief."), *USER],
        model="m",
        temperature=0.9,
        max_tokens=512,
        session_id="sess_123",
        top_p=0.5,
        stop=["\n"],
        seed=7,
        tools=tools,
        tool_choice="auto",
        response_format={"type": "json_object"},
        include_reasoning=True,
        user="u1",
        logit_bias=None,
    )
    request = transport.requests[-1]
    assert (request.method, request.url) == ("POST", "https://api.meganova.ai/v1/chat/completions")
    assert sent(transport) == {
        "model": "m",
        "messages": [{"role": "system", "content": "Be brief."}, *USER],
        "stream": False,
        "temperature": 0.9,
        "max_tokens": 512,
        "session_id": "sess_123",
        "top_p": 0.5,
        "stop": ["\n"],
        "seed": 7,
        "tools": tools,
        "tool_choice": "auto",
        "response_format": {"type": "json_object"},
        "include_reasoning": True,
        "user": "u1",
    }


# The API fields the typed signatures name (beyond messages/model/temperature/max_tokens).
NAMED_FIELDS: Dict[str, Any] = {
    "session_id": "sess_1",
    "top_p": 0.5,
    "n": 2,
    "stop": "\n",
    "seed": 7,
    "presence_penalty": 0.1,
    "frequency_penalty": -0.1,
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "top_logprobs": 3,
    "tools": [{"type": "function", "function": {"name": "f"}}],
    "tool_choice": {"type": "function", "function": {"name": "f"}},
    "parallel_tool_calls": False,
    "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {}}},
    "stream_options": {"include_usage": True},
    "user": "u1",
    "max_completion_tokens": 64,
    "reasoning_effort": "low",
    "include_reasoning": True,
}


@pytest.mark.parametrize("surface", ["create", "stream", "completions"])
def test_named_fields_and_unknown_keywords_are_sent_as_given(
    surface: str, client: MegaNova, transport: FakeTransport
) -> None:
    """Types name the fields; at run time an unknown keyword still reaches the body and
    the per-call options never do."""
    if surface == "stream":
        transport.add(FakeResponse.sse([delta_chunk("a", "stop")]))
    call: Any = {
        "create": client.chat.create,
        "stream": client.chat.stream,
        "completions": client.chat.completions.create,
    }[surface]
    options = {"max_retries": 0, "deadline": 30, "idempotency_key": "key-1"}
    result = call(
        messages=USER, model="m", **NAMED_FIELDS, **options, brand_new_field=[1], top_k=None
    )
    if surface == "stream":
        list(result)
    body = sent(transport)
    assert {k: body[k] for k in NAMED_FIELDS} == NAMED_FIELDS
    assert body["brand_new_field"] == [1]
    assert "top_k" not in body  # a field left as None is not sent
    assert not set(options) & set(body)
    assert transport.requests[-1].headers["Idempotency-Key"] == "key-1"


def test_per_call_options(client: MegaNova, transport: FakeTransport) -> None:
    client.chat.completions.create(
        messages=USER,
        model="m",
        timeout=3,
        extra_headers={"X-Trace": "t1"},
        extra_query={"debug": "1"},
        extra_body={"stream_options": {"include_usage": True}},
    )
    request = transport.requests[-1]
    assert request.headers["X-Trace"] == "t1"
    assert request.url.endswith("/chat/completions?debug=1")
    assert request.timeout.read == 3
    assert sent(transport)["stream_options"] == {"include_usage": True}


def test_streaming_sends_stream_true_and_accepts_event_streams(
    client: MegaNova, transport: FakeTransport
) -> None:
    transport.add(FakeResponse.sse([delta_chunk("a", "stop")]))
    with client.chat.stream(messages=USER, model="m") as stream:
        list(stream)
    assert sent(transport)["stream"] is True
    assert transport.requests[-1].headers["Accept"] == "text/event-stream"


# -- what comes back ------------------------------------------------------------------


def test_create_returns_a_typed_response(client: MegaNova) -> None:
    response = client.chat.create(messages=USER, model="m")
    assert isinstance(response, ChatResponse)
    message = response.choices[0].message
    assert message["content"] == message.content == "Hello!"
    assert response.request_id == "req_9"
    assert response.usage is not None and response.usage.total_tokens == 15
    assert response.text == "Hello!"


PARTS = [
    {"type": "thinking", "thinking": "The user greets me."},
    {"type": "text", "text": "Hello"},
    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
    {"type": "text", "text": " there!"},
]


def test_list_content_is_kept_apart_and_content_stays_text(transport: FakeTransport) -> None:
    """Some servers answer with a list of content parts: ``content`` is still ``str``
    (the text parts joined) and the list is in ``content_parts``."""
    reply = {**REPLY, "choices": [{"index": 0, "message": {"role": "assistant", "content": PARTS}}]}
    transport.add(FakeResponse.json(reply))
    client = MegaNova(api_key="sk-test", transport=transport, clock=VirtualClock())
    message = client.chat.create(messages=USER, model="m").choices[0].message
    assert message.content == message["content"] == "Hello there!"
    assert message.content_parts == PARTS
    no_text = ChatMessage(role="assistant", content=[PARTS[2]])  # type: ignore[arg-type]
    assert (no_text.content, no_text.content_parts) == (None, [PARTS[2]])
    # Sent back as history, the message carries its parts as the API takes them.
    client.chat.create(messages=[*USER, message], model="m")
    assert sent(transport)["messages"][1] == {"role": "assistant", "content": PARTS}


def test_serialised_responses(client: MegaNova) -> None:
    response = client.chat.create(messages=USER, model="m")
    wire = REPLY
    assert response.to_dict() == response.model_dump() == wire
    assert json.loads(response.to_json()) == json.loads(response.model_dump_json()) == wire
    assert response.to_dict(exclude_none=False)["system_fingerprint"] is None
    assert "request_id" not in response.to_dict()


def test_create_stream_true_is_the_same_stream_as_stream(
    client: MegaNova, transport: FakeTransport
) -> None:
    transport.add(FakeResponse.sse([delta_chunk("Hi", "stop")]))
    stream = client.chat.create(messages=USER, model="m", stream=True)
    assert isinstance(stream, ChatStream)
    items = list(stream)
    assert [i.delta for i in items] == ["Hi", ""]
    assert items[-1].done and not items[0].done
    assert items[0].finish_reason == "stop"


def test_completions_stream_has_openai_paths(client: MegaNova, transport: FakeTransport) -> None:
    transport.add(FakeResponse.sse([delta_chunk("Hi"), delta_chunk("!", "stop")]))
    stream = client.chat.completions.create(messages=USER, model="m", stream=True)
    assert isinstance(stream, ChatCompletionStream)
    texts = [c.choices[0].delta.content for c in stream]
    assert texts == ["Hi", "!"]
    assert stream.get_final_response().text == "Hi!"


def test_guideline_stream_chunk_shape() -> None:
    item = ChatStreamChunk(delta="x")
    assert (item.delta, item.index, item.request_id, item.done) == ("x", 0, None, False)
    assert item["delta"] == "x"
    assert item.finish_reason is None and item.usage is None and item.tool_calls is None


# -- the guideline's examples (sections 1, 4, 8, 10 run as written in
# tests/contract/test_guideline_examples.py, through a real local server) ----------


def test_guideline_section_11_test_body_decodes(client: MegaNova, transport: FakeTransport) -> None:
    body = {
        "id": "msg_123",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello!"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    transport.add(FakeResponse.json(body))
    resp = client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="manta-flash")
    assert resp.choices[0].message.content == "Hello!"
    assert resp.model is None and resp.created is None
