"""How long a reply's body must be on the wire, by what its status and headers say."""

from __future__ import annotations

from typing import Mapping

from .limits import NO_BODY_STATUSES

__all__ = ["expected_length"]


def expected_length(method: str, status: int, headers: Mapping[str, str]) -> int | None:
    """Bytes the body must have on the wire when the reply says so (``None``: it does
    not say, or the body is chunked)."""
    if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
        return None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    raw = headers.get("content-length")
    if raw is None:
        return None
    try:
        values = {int(v) for v in raw.split(",")}
    except ValueError:
        return None
    if len(values) != 1:
        return None
    length = values.pop()
    return length if length >= 0 else None
