"""How much of a whole reply body is read: ``max_response_bytes`` enforced while the
body arrives, so a huge or endless body (or a decompression bomb) is refused before
it is held in memory."""

from __future__ import annotations

from typing import Mapping

from .errors import ResponseTooLargeError
from .ports import Response

NO_BODY_STATUSES = frozenset({204, 304})


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The body length a reply announces (``None``: it does not, or not sensibly)."""
    raw = headers.get("content-length")
    if raw is None:
        return None
    if _digits(raw):  # the usual case
        return int(raw)
    values = {v.strip() for v in raw.split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if _digits(value) else None


def _digits(text: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return text.isascii() and text.isdigit() and len(text) < 20


def _identity(headers: Mapping[str, str]) -> bool:
    coding = headers.get("content-encoding")
    return coding is None or coding.strip().lower() in ("", "identity")


def read_capped(
    response: Response,
    limit: int | None,
    *,
    method: str = "POST",
    request_id: str | None = None,
) -> bytes:
    """The whole body (decoded), then the response is closed. A body over ``limit``
    bytes raises ``ResponseTooLargeError``: at once when its ``Content-Length`` says
    so, otherwise as soon as the count passes the cap (at most one transport read past
    it is held), and so does a body that does not fit in memory (never a bare
    ``MemoryError``). The connection of a refused body is discarded, never drained."""
    try:
        try:
            return _read(response, limit, method, request_id)
        except MemoryError:
            pass  # raised below, once the frames holding the partial body are gone
        raise ResponseTooLargeError(
            "The reply body did not fit in memory; lower max_response_bytes to refuse "
            "such replies early",
            limit=limit,
            size=None,
            status=response.status,
            request_id=request_id,
        )
    finally:
        response.close()


def _read(response: Response, limit: int | None, method: str, request_id: str | None) -> bytes:
    if limit is None or method == "HEAD" or response.status in NO_BODY_STATUSES:
        return response.read()
    headers = response.headers
    declared = declared_length(headers)
    if declared is not None:
        if declared > limit:
            raise too_large(response, limit, declared, request_id, announced=True)
        if _identity(headers):
            return response.read()  # sized, not compressed: no more than declared
    parts = []
    total = 0
    for piece in response.iter_bytes():
        total += len(piece)
        if total > limit:
            break
        parts.append(piece)
    else:
        return parts[0] if len(parts) == 1 else b"".join(parts)
    # The traceback keeps this frame alive as long as the error: hold nothing in it.
    parts.clear()
    del piece
    raise too_large(response, limit, total, request_id, announced=False)


def too_large(
    response: Response, limit: int, size: int, request_id: str | None, *, announced: bool
) -> ResponseTooLargeError:
    what = f"announces {size} bytes" if announced else f"passed {limit} bytes"
    return ResponseTooLargeError(
        f"The reply body {what}, over max_response_bytes={limit}; raise the cap "
        "(MegaNova(max_response_bytes=...), or per call) or pass None to lift it",
        limit=limit,
        size=size,
        status=response.status,
        request_id=request_id,
    )
