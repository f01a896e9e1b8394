"""Tokens a request will use, estimated before it is sent and corrected from the reply's
``usage`` afterwards (pure). Four characters to a token is the usual rule of thumb for
English text; the estimate only has to be close enough to pace a per-minute budget."""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = ["DEFAULT_COMPLETION_TOKENS", "estimate_tokens", "tokens_used"]

CHARS_PER_TOKEN = 4
PER_MESSAGE = 4  # role and framing tokens of each chat message
# A chat without max_tokens: what a completion is assumed to cost until usage says.
DEFAULT_COMPLETION_TOKENS = 256


def _chars(value: object, depth: int = 0) -> int:
    """Characters of text in a message's content, a list of inputs or documents."""
    if isinstance(value, str):
        return len(value)
    if depth > 4:
        return 0
    if isinstance(value, (list, tuple)):
        return sum(_chars(v, depth + 1) for v in value)
    if isinstance(value, Mapping):
        text = value.get("text", value.get("content"))
        return _chars(text, depth + 1) if text is not None else 0
    return 0


def _positive_int(value: object) -> Optional[int]:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def estimate_tokens(method: str, params: Mapping[str, Any]) -> int:
    """Prompt tokens from the text, plus the completion's ``max_tokens`` (times ``n``)
    for a chat; at least 1."""
    if method.startswith("chat."):
        messages = params.get("messages")
        prompt = 0
        if isinstance(messages, (list, tuple)):
            for message in messages:
                prompt += PER_MESSAGE + _chars(message) // CHARS_PER_TOKEN
        completion = (
            _positive_int(params.get("max_completion_tokens"))
            or _positive_int(params.get("max_tokens"))
            or DEFAULT_COMPLETION_TOKENS
        )
        completion *= _positive_int(params.get("n")) or 1
        return max(1, prompt + completion)
    if method == "rerank.create":
        chars = _chars(params.get("query")) + _chars(params.get("documents"))
    elif method == "images.generate":
        chars = _chars(params.get("prompt"))
    else:
        chars = _chars(params.get("input"))
    return max(1, chars // CHARS_PER_TOKEN)


def tokens_used(response: object) -> Optional[int]:
    """``usage.total_tokens`` of a reply (prompt + completion when only those are
    given); ``None`` when the reply does not say."""
    usage = getattr(response, "usage", None)
    if usage is None:
        return None

    def get(name: str) -> object:
        return usage.get(name) if isinstance(usage, Mapping) else getattr(usage, name, None)

    total = _positive_int(get("total_tokens"))
    if total is not None:
        return total
    prompt, completion = get("prompt_tokens"), get("completion_tokens")
    counts = [c for c in (prompt, completion) if isinstance(c, int) and not isinstance(c, bool)]
    return sum(counts) if counts else None
