"""One request of a bulk run: parsed and checked from a dict or a JSONL line (pure).

Two shapes are accepted: the SDK's ``{"custom_id", "method": "chat.create", "params"}``
and the OpenAI Batch API's ``{"custom_id", "method": "POST", "url":
"/v1/chat/completions", "body"}``, so existing batch files run unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from ..errors import InvalidArgumentError

__all__ = [
    "METHODS",
    "BatchItem",
    "InvalidBatchItemError",
    "ItemProblem",
    "parse_item",
]

# method name -> (attribute path on the client, method attribute)
METHODS: Dict[str, Tuple[str, str]] = {
    "chat.create": ("chat", "create"),
    "chat.completions.create": ("chat.completions", "create"),
    "embeddings.create": ("embeddings", "create"),
    "rerank.create": ("rerank", "create"),
    "images.generate": ("images", "generate"),
}
# OpenAI Batch API URLs (with or without the /v1 prefix) -> method name
URLS: Dict[str, str] = {
    "/chat/completions": "chat.completions.create",
    "/embeddings": "embeddings.create",
    "/rerank": "rerank.create",
    "/images/generations": "images.generate",
}


class InvalidBatchItemError(InvalidArgumentError):
    """A request of a bulk run that cannot be sent: not JSON, an unknown method, a
    duplicate ``custom_id`` or parameters that fail validation. ``line`` is its line
    (or position in the iterable, from 1); ``custom_id`` is its id when it has one."""

    def __init__(self, message: str, *, line: int, custom_id: Optional[str] = None) -> None:
        super().__init__(message, argument="requests")
        self.line = line
        self.custom_id = custom_id


@dataclass(frozen=True)
class BatchItem:
    """A request ready to send: ``method`` is a key of ``METHODS``."""

    custom_id: str
    method: str
    params: Dict[str, Any]
    line: int


@dataclass(frozen=True)
class ItemProblem:
    """A request that is reported, never sent."""

    line: int
    custom_id: Optional[str]
    reason: str

    def error(self) -> InvalidBatchItemError:
        where = f"line {self.line}"
        if self.custom_id is not None:
            where += f" (custom_id {self.custom_id!r})"
        return InvalidBatchItemError(
            f"{where}: {self.reason}", line=self.line, custom_id=self.custom_id
        )


def _method_of(raw: Mapping[str, Any]) -> Union[Tuple[str, Dict[str, Any]], str]:
    """``(method name, params)``, or the reason the request names no method we run."""
    method = raw.get("method")
    if isinstance(method, str) and method.upper() == "POST" and "url" in raw:
        url = raw.get("url")
        if not isinstance(url, str):
            return "url must be a string such as '/v1/chat/completions'"
        path = url.split("?", 1)[0].rstrip("/")
        if path.startswith("/v1/"):
            path = path[3:]
        name = URLS.get(path)
        if name is None:
            return f"unsupported url {url!r} (supported: {', '.join('/v1' + u for u in URLS)})"
        body = raw.get("body", {})
        if not isinstance(body, dict):
            return "body must be a JSON object"
        return name, body
    if not isinstance(method, str):
        return "method is missing: give 'method' (e.g. 'chat.create') and 'params'"
    if method not in METHODS:
        return f"unknown method {method!r} (known: {', '.join(METHODS)})"
    params = raw.get("params", {})
    if not isinstance(params, dict):
        return "params must be a JSON object"
    return method, params


def parse_item(raw: object, line: int) -> Union[BatchItem, ItemProblem]:
    """A request from a dict or one JSONL line (``str`` or ``bytes``); ``line`` counts
    from 1. A request without ``custom_id`` gets ``"line-<n>"``."""
    if isinstance(raw, (bytes, bytearray, str)):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return ItemProblem(line, None, f"not valid JSON ({exc})")
    if not isinstance(raw, Mapping):
        return ItemProblem(line, None, f"a request must be a JSON object, got {type(raw).__name__}")
    custom_id = raw.get("custom_id")
    if custom_id is None:
        custom_id = f"line-{line}"
    elif isinstance(custom_id, int) and not isinstance(custom_id, bool):
        custom_id = str(custom_id)
    elif not isinstance(custom_id, str) or not custom_id:
        return ItemProblem(line, None, "custom_id must be a non-empty string")
    found = _method_of(raw)
    if isinstance(found, str):
        return ItemProblem(line, custom_id, found)
    method, params = found
    if params.get("stream"):
        return ItemProblem(line, custom_id, "stream=true is not supported in a bulk run")
    params = {k: v for k, v in params.items() if k != "stream"}
    return BatchItem(custom_id, method, params, line)
