"""Default answers of the fake for the endpoints beyond chat (pure functions of the request)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from typing import Any

from .demo import DEMO_MODEL

# A 1x1 transparent PNG: small, valid, and decodable by any image library.
TINY_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class BadRequest(Exception):
    """Raised by an endpoint to answer 400 with this message."""


def _vector(text: str, dims: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    raw = [(digest[i] - 127.5) / 127.5 for i in range(dims)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [round(v / norm, 6) for v in raw]


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(i, str) for i in inputs):
        raise BadRequest("input must be a non-empty string or array of strings")
    tokens = sum(len(i.split()) for i in inputs)
    return {
        "object": "list",
        "model": body.get("model") or "BAAI/bge-m3",
        "data": [
            {"object": "embedding", "index": index, "embedding": _vector(text)}
            for index, text in enumerate(inputs)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def rerank(body: dict[str, Any]) -> dict[str, Any]:
    query = body.get("query")
    documents = body.get("documents")
    if not isinstance(query, str) or not isinstance(documents, list) or not documents:
        raise BadRequest("query must be a string and documents a non-empty array")
    words = set(re.findall(r"\w+", query.lower()))

    def text_of(doc: Any) -> str:
        if isinstance(doc, dict):
            return str(doc.get("text", ""))
        return str(doc)

    scored = []
    for index, doc in enumerate(documents):
        text = text_of(doc).lower()
        hits = sum(1 for word in words if word in text)  # "refund" matches "refunds"
        score = round(hits / max(len(words), 1), 4)
        scored.append((score, index, doc))
    scored.sort(key=lambda item: (-item[0], item[1]))
    top_n = body.get("top_n")
    if isinstance(top_n, int) and top_n > 0:
        scored = scored[:top_n]
    results = []
    for score, index, doc in scored:
        item: dict[str, Any] = {"index": index, "relevance_score": score}
        if body.get("return_documents", True):
            item["document"] = doc
        results.append(item)
    return {"model": body.get("model") or "BAAI/bge-reranker-v2-m3", "results": results}


def images_openai(body: dict[str, Any], created: int) -> dict[str, Any]:
    if not isinstance(body.get("prompt"), str):
        raise BadRequest("prompt is required")
    n = body.get("n")
    count = n if isinstance(n, int) else 1
    if body.get("response_format") == "url":
        item: dict[str, Any] = {"url": "https://cdn.fake.meganova.invalid/images/0.png"}
    else:
        item = {"b64_json": TINY_PNG_B64}
    return {"created": created, "data": [dict(item) for _ in range(max(1, count))]}


def images_native(body: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(body.get("prompt"), str):
        raise BadRequest("prompt is required")
    return {
        "model": body.get("model") or "black-forest-labs/FLUX.1-dev",
        "object": "list",
        "data": [{"index": 0, "b64_json": TINY_PNG_B64, "timings": {"inference": 0.42}}],
        "message": "Image generated successfully",
        "status": "success",
    }


def transcription() -> dict[str, Any]:
    return {"text": "Hello from Neon Harbor.", "language": "en", "duration": 1.5}


def _parse_day(value: str | None, name: str) -> dt.date:
    if not value:
        raise BadRequest(f"{name} is required")
    text = value.strip().replace("T", " ").rstrip("Z")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise BadRequest(f"{name} must look like YYYY-MM-DD, got {value!r}")


def usage(query: dict[str, str]) -> dict[str, Any]:
    start = _parse_day(query.get("start_time"), "start_time")
    end = _parse_day(query.get("end_time"), "end_time")
    if end < start:
        raise BadRequest("end_time is before start_time")
    rows: list[dict[str, Any]] = []
    day = start
    while day <= end and len(rows) < 62:
        seed = day.toordinal()
        for offset, model in enumerate((DEMO_MODEL, "meganova-ai/manta-mini-1.0")):
            tokens = 1000 + (seed * 7919 + offset * 104729) % 9000
            rows.append(
                {
                    "date": day.isoformat(),
                    "model": model,
                    "requests": tokens // 250,
                    "tokens": tokens,
                    "cost": round(tokens * 0.0000005, 6),
                }
            )
        day += dt.timedelta(days=1)
    return {"data": rows, "message": "ok", "status": "success"}


def billing() -> dict[str, Any]:
    return {
        "data": [
            {
                "vm_access_info_id": 311,
                "running_hours": 2.5,
                "fee_accumulated": 5.0,
                "tax_rate": 0.1,
                "fee_accumulated_taxed": 5.5,
                "product_status": "running",
            }
        ],
        "total_cost": 5.5,
        "message": "ok",
        "status": "success",
    }


def credits() -> dict[str, Any]:
    return {
        "data": {"available_balance": "25.00", "currency": "USD"},
        "message": "ok",
        "status": "success",
    }
