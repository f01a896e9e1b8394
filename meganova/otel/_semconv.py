"""What a Meganova call means in the OpenTelemetry GenAI semantic conventions, as plain
attribute dicts (no OpenTelemetry import: unit-tested without the SDK).

The names follow the GenAI conventions (``gen_ai.*``, development status) and the stable
``server.*``, ``error.*`` and ``http.*`` ones. ``gen_ai.system`` (older conventions)
is sent beside ``gen_ai.provider.name`` so backends reading either find the provider.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

__all__ = [
    "CAPTURE_ENV",
    "DURATION_BUCKETS",
    "PROVIDER",
    "TOKEN_BUCKETS",
    "capture_from_env",
    "error_type",
    "input_messages",
    "operation_for",
    "output_messages",
    "request_attributes",
    "response_attributes",
    "server_attributes",
    "span_name",
    "usage_attributes",
]

PROVIDER = "meganova"
CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# The conventions' advised histogram buckets.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
                    20.48, 40.96, 81.92)  # fmt: skip
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)  # fmt: skip

# API path (relative to the API root) -> gen_ai.operation.name. The first three are the
# conventions' well-known values; the others are custom values, as the conventions allow.
_OPERATIONS: Tuple[Tuple[str, str], ...] = (
    ("/chat/completions", "chat"),
    ("/embeddings", "embeddings"),
    ("/completions", "text_completion"),
    ("/rerank", "rerank"),
    ("/images/generations", "image_generation"),
    ("/images/generation", "image_generation"),
    ("/videos/generations", "video_generation"),
    ("/videos/generation", "video_generation"),
    ("/audio/transcriptions", "audio_transcription"),
)
_NUMBERS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("top_k", "gen_ai.request.top_k"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
)
_TRUE = frozenset({"true", "1", "yes", "on", "span_only", "span_and_event", "event_only"})


def capture_from_env(env: Mapping[str, str]) -> bool:
    """Whether ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` opts in to content."""
    return env.get(CAPTURE_ENV, "").strip().lower() in _TRUE


def operation_for(method: str, path: str) -> Optional[str]:
    """The GenAI operation of a request to ``path`` (no query), ``None`` for the API's
    other calls (model lists, billing, video job polls)."""
    if method != "POST":
        return None
    for suffix, operation in _OPERATIONS:
        if path.endswith(suffix):
            return operation
    return None


def span_name(operation: Optional[str], model: Optional[str], method: str, route: str) -> str:
    """``{operation} {model}`` as the conventions name GenAI spans; ``{METHOD} {route}``
    for the API's other calls."""
    if operation is None:
        return f"{method} {route}"
    return f"{operation} {model}" if model else operation


@lru_cache(maxsize=64)
def server_attributes(url: str) -> Dict[str, Any]:
    """``server.address`` and ``server.port`` of the API (never its credentials).
    Cached: every call to one API asks the same (do not change the dict)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return {}
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return {"server.address": host, "server.port": port}


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return int(value)


def request_attributes(operation: Optional[str], body: Any) -> Dict[str, Any]:
    """The ``gen_ai.request.*`` attributes of a JSON request ``body``."""
    attributes: Dict[str, Any] = {}
    if not isinstance(body, Mapping):
        return attributes
    model = body.get("model")
    if isinstance(model, str) and model:
        attributes["gen_ai.request.model"] = model
    for key, name in _NUMBERS:
        number = _number(body.get(key))
        if number is not None:
            attributes[name] = number
    max_tokens = _int(body.get("max_tokens"))
    if max_tokens is None:
        max_tokens = _int(body.get("max_completion_tokens"))
    if max_tokens is not None:
        attributes["gen_ai.request.max_tokens"] = max_tokens
    seed = _int(body.get("seed"))
    if seed is not None:
        attributes["gen_ai.request.seed"] = seed
    choices = _int(body.get("n"))
    if choices is not None and choices != 1:
        attributes["gen_ai.request.choice.count"] = choices
    stop = body.get("stop")
    if isinstance(stop, str):
        attributes["gen_ai.request.stop_sequences"] = (stop,)
    elif isinstance(stop, (list, tuple)) and all(isinstance(s, str) for s in stop):
        attributes["gen_ai.request.stop_sequences"] = tuple(stop)
    if operation == "chat":
        attributes["gen_ai.request.stream"] = body.get("stream") is True
        response_format = body.get("response_format")
        if isinstance(response_format, Mapping):
            kind = response_format.get("type")
            if kind in ("json_object", "json_schema"):
                attributes["gen_ai.output.type"] = "json"
            elif kind == "text":
                attributes["gen_ai.output.type"] = "text"
    if operation == "embeddings":
        encoding = body.get("encoding_format")
        if isinstance(encoding, str):
            attributes["gen_ai.request.encoding_formats"] = (encoding,)
        dimensions = _int(body.get("dimensions"))
        if dimensions is not None:
            attributes["gen_ai.embeddings.dimension.count"] = dimensions
    return attributes


def response_attributes(result: Any) -> Dict[str, Any]:
    """``gen_ai.response.*`` and ``gen_ai.usage.*`` from a decoded reply (a chat
    response, an embeddings or rerank reply, or a stream's final response)."""
    attributes: Dict[str, Any] = {}
    response_id = getattr(result, "id", None)
    if isinstance(response_id, str) and response_id:
        attributes["gen_ai.response.id"] = response_id
    model = getattr(result, "model", None)
    if isinstance(model, str) and model:
        attributes["gen_ai.response.model"] = model
    choices = getattr(result, "choices", None)
    if isinstance(choices, list) and choices:
        reasons = [getattr(c, "finish_reason", None) for c in choices]
        attributes["gen_ai.response.finish_reasons"] = tuple(r or "" for r in reasons)
    usage = getattr(result, "usage", None)
    if usage is not None:
        attributes.update(usage_attributes(usage, output=not _embeddings(result)))
    return attributes


def usage_attributes(usage: Any, *, output: bool = True) -> Dict[str, Any]:
    """``gen_ai.usage.input_tokens`` / ``output_tokens`` from a reply's usage (a model
    or a dict; OpenAI's ``prompt_tokens`` names or the ``input_tokens`` ones)."""
    attributes: Dict[str, Any] = {}
    prompt = _int(_field(usage, "prompt_tokens"))
    if prompt is None:
        prompt = _int(_field(usage, "input_tokens"))
    if prompt is not None:
        attributes["gen_ai.usage.input_tokens"] = prompt
    completion = _int(_field(usage, "completion_tokens"))
    if completion is None:
        completion = _int(_field(usage, "output_tokens"))
    if completion is not None and output:
        attributes["gen_ai.usage.output_tokens"] = completion
    return attributes


def _embeddings(result: Any) -> bool:
    return type(result).__name__ == "EmbeddingResponse"


def _field(value: Any, name: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(name)
    return getattr(value, name, None)


def error_type(error: BaseException) -> str:
    """``error.type``: the SDK's error class (``RateLimitError``, ``APITimeoutError``,
    ``StreamConnectionError``...), low-cardinality and documented in the README."""
    return type(error).__name__


# -- content (opt-in) -------------------------------------------------------------------


def _parts(content: Any) -> List[Dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: List[Dict[str, Any]] = []
    if isinstance(content, (list, tuple)):
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text":
                parts.append({"type": "text", "content": part.get("text", "")})
            elif isinstance(part, Mapping):
                parts.append({"type": str(part.get("type", "unknown"))})
    return parts


def _tool_calls(calls: Any) -> List[Dict[str, Any]]:
    out: List[Dict[str, Any]] = []
    for call in calls or ():
        function = _field(call, "function")
        arguments = _field(function, "arguments")
        try:
            parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
        except ValueError:
            parsed = arguments
        out.append(
            {
                "type": "tool_call",
                "id": _field(call, "id"),
                "name": _field(function, "name"),
                "arguments": parsed,
            }
        )
    return out


def input_messages(messages: Any) -> Optional[str]:
    """``gen_ai.input.messages`` (JSON) from a request's ``messages``."""
    if not isinstance(messages, (list, tuple)):
        return None
    out = []
    for message in messages:
        role = _field(message, "role")
        parts = _parts(_field(message, "content"))
        parts += _tool_calls(_field(message, "tool_calls"))
        if role == "tool":
            result = _field(message, "content")
            call_id = _field(message, "tool_call_id")
            parts = [{"type": "tool_call_response", "id": call_id, "result": result}]
        out.append({"role": role, "parts": parts})
    return json.dumps(out, ensure_ascii=False, default=str)


def output_messages(choices: Sequence[Any]) -> Optional[str]:
    """``gen_ai.output.messages`` (JSON) from a reply's choices."""
    out = []
    for choice in choices:
        message = _field(choice, "message")
        parts = _parts(_field(message, "content"))
        parts += _tool_calls(_field(message, "tool_calls"))
        out.append(
            {
                "role": _field(message, "role") or "assistant",
                "parts": parts,
                "finish_reason": _field(choice, "finish_reason") or "",
            }
        )
    return json.dumps(out, ensure_ascii=False, default=str)
