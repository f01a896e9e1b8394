"""The GenAI semantic-convention attributes of requests and replies (pure mapping)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.core.models.chat import ChatResponse
from meganova.core.models.embeddings import EmbeddingResponse
from meganova.otel import _semconv as sc


def decode(value: Any, cls: Any) -> Any:
    return MsgspecCodec().decode(json.dumps(value).encode(), cls)


def test_operations_of_the_api_paths() -> None:
    assert sc.operation_for("POST", "/v1/chat/completions") == "chat"
    assert sc.operation_for("POST", "/v1/embeddings") == "embeddings"
    assert sc.operation_for("POST", "/v1/rerank") == "rerank"
    assert sc.operation_for("GET", "/v1/models") is None
    assert sc.operation_for("GET", "/v1/videos/generations/job_1") is None


def test_span_names() -> None:
    assert sc.span_name("chat", "m-1", "POST", "chat.create") == "chat m-1"
    assert sc.span_name("chat", None, "POST", "chat.create") == "chat"
    assert sc.span_name(None, None, "GET", "models.list") == "GET models.list"


def test_server_attributes_never_carry_credentials() -> None:
    found = sc.server_attributes("https://user:sk-secret@api.example.com/v1/x?key=sk-secret")
    assert found == {"server.address": "api.example.com", "server.port": 443}
    assert sc.server_attributes("http://127.0.0.1:8080/v1") == {
        "server.address": "127.0.0.1",
        "server.port": 8080,
    }
    assert sc.server_attributes("not a url") == {}


def test_request_parameters() -> None:
    body = {
        "model": "m",
        "temperature": 0.2,
        "top_p": 1,
        "max_tokens": 64,
        "seed": 7,
        "n": 2,
        "stop": ["\n", "END"],
        "stream": True,
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "top_k": 40,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "user", "content": "secret prompt"}],
    }
    found = sc.request_attributes("chat", body)
    assert found == {
        "gen_ai.request.model": "m",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 1.0,
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.seed": 7,
        "gen_ai.request.choice.count": 2,
        "gen_ai.request.stop_sequences": ("\n", "END"),
        "gen_ai.request.frequency_penalty": 0.5,
        "gen_ai.request.presence_penalty": -0.5,
        "gen_ai.request.stream": True,
        "gen_ai.output.type": "json",
    }
    assert "secret prompt" not in repr(found)
    assert sc.request_attributes("chat", {"max_completion_tokens": 5, "n": 1}) == {
        "gen_ai.request.max_tokens": 5,
        "gen_ai.request.stream": False,
    }
    assert sc.request_attributes(
        "embeddings", {"model": "e", "encoding_format": "float", "dimensions": 256}
    ) == {
        "gen_ai.request.model": "e",
        "gen_ai.request.encoding_formats": ("float",),
        "gen_ai.embeddings.dimension.count": 256,
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@given(st.dictionaries(st.text(max_size=20), JSON))
def test_any_json_body_gives_valid_attribute_values(body: dict) -> None:
    for operation in ("chat", "embeddings", None):
        for value in sc.request_attributes(operation, body).values():
            assert isinstance(value, (str, bool, int, float, tuple))
            if isinstance(value, float):
                assert value == value and abs(value) != float("inf")
            if isinstance(value, tuple):
                assert all(isinstance(v, str) for v in value)


def test_reply_attributes_of_a_chat_response() -> None:
    reply = decode(
        {
            "id": "chatcmpl-1",
            "model": "m-2024",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "a"},
                 "finish_reason": "stop"},
                {"index": 1, "message": {"role": "assistant", "content": "b"},
                 "finish_reason": "length"},
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
        },
        ChatResponse,
    )  # fmt: skip
    assert sc.response_attributes(reply) == {
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.response.model": "m-2024",
        "gen_ai.response.finish_reasons": ("stop", "length"),
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
    }


def test_reply_attributes_of_embeddings_count_input_tokens_only() -> None:
    reply = decode(
        {"data": [], "model": "e", "usage": {"prompt_tokens": 4, "total_tokens": 4}},
        EmbeddingResponse,
    )
    assert sc.response_attributes(reply) == {
        "gen_ai.response.model": "e",
        "gen_ai.usage.input_tokens": 4,
    }


def test_content_capture_env() -> None:
    assert sc.capture_from_env({sc.CAPTURE_ENV: "true"})
    assert sc.capture_from_env({sc.CAPTURE_ENV: " TRUE "})
    assert sc.capture_from_env({sc.CAPTURE_ENV: "span_only"})
    assert not sc.capture_from_env({sc.CAPTURE_ENV: "false"})
    assert not sc.capture_from_env({sc.CAPTURE_ENV: "no_content"})
    assert not sc.capture_from_env({})


def test_messages_in_the_conventions_json_shape() -> None:
    text = sc.input_messages(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": '{"x": 1}'}}],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
        ]
    )
    assert text is not None
    assert json.loads(text) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Hi"}, {"type": "image_url"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": {"x": 1}}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "result": "42"}]},
    ]
    reply = decode(
        {"choices": [{"message": {"role": "assistant", "content": "Yo"}, "finish_reason": "stop"}]},
        ChatResponse,
    )
    out = sc.output_messages(reply.choices)
    assert out is not None
    assert json.loads(out) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Yo"}], "finish_reason": "stop"}
    ]
