"""How much of a whole reply body is read: ``max_response_bytes`` enforced while the
body arrives, so a huge or endless body (or a decompression bomb) is refused before
it is held in memory. Sans-I/O: the drivers read, ``BodyLimit`` decides."""

from __future__ import annotations

from typing import Mapping

from .errors import ResponseTooLargeError

NO_BODY_STATUSES = frozenset({204, 304})


def declared_length(headers: Mapping[str, str]) -> int | None:
    """The body length a reply announces (``None``: it does not, or not sensibly)."""
    raw = headers.get("content-length")
    if raw is None:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) < 20:  # the usual case (_digits)
        return int(raw)
    values = {v.strip() for v in raw.split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if _digits(value) else None


def _digits(text: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²", which int() refuses.
    return text.isascii() and text.isdigit() and len(text) < 20


def _identity(coding: str) -> bool:
    return coding.strip().lower() in ("", "identity")


class BodyLimit:
    """How much of one body may be read: ``max_response_bytes`` enforced while the body
    arrives (sans-I/O: the driver reads, this decides). ``start`` is asked first: ``True``
    means the whole body may be read at once (no cap, no body, or a sized identity body
    within the cap); ``False`` means feed pieces to ``take`` until it says stop."""

    __slots__ = ("limit", "method", "request_id", "status", "total")

    def __init__(self, limit: int | None, method: str = "POST", request_id: str | None = None):
        self.limit = limit
        self.method = method
        self.request_id = request_id
        self.status = 0
        self.total = 0

    def start(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether the whole body may be read at once; raises ``ResponseTooLargeError``
        when the reply announces a size over the cap (nothing need be read)."""
        self.status = status
        limit = self.limit
        if limit is None or self.method == "HEAD" or status in NO_BODY_STATUSES:
            return True
        declared = declared_length(headers)
        if declared is not None:
            if declared > limit:
                raise too_large(status, limit, declared, self.request_id, announced=True)
            # Sized, not compressed (no more than declared): read at once.
            coding = headers.get("content-encoding")
            return coding is None or _identity(coding)
        return False

    def take(self, piece: bytes) -> bool:
        """Count one piece; ``False`` once the count passes the cap (raise ``over()``)."""
        self.total += len(piece)
        return self.limit is None or self.total <= self.limit

    def over(self) -> ResponseTooLargeError:
        assert self.limit is not None
        return too_large(self.status, self.limit, self.total, self.request_id, announced=False)

    def out_of_memory(self) -> ResponseTooLargeError:
        """The body did not fit in memory: a typed error, never a bare ``MemoryError``."""
        return ResponseTooLargeError(
            "The reply body did not fit in memory; lower max_response_bytes to refuse "
            "such replies early",
            limit=self.limit,
            size=None,
            status=self.status,
            request_id=self.request_id,
        )


def join(parts: list[bytes]) -> bytes:
    return parts[0] if len(parts) == 1 else b"".join(parts)


def too_large(
    status: int, limit: int, size: int, request_id: str | None, *, announced: bool
) -> ResponseTooLargeError:
    what = f"announces {size} bytes" if announced else f"passed {limit} bytes"
    return ResponseTooLargeError(
        f"The reply body {what}, over max_response_bytes={limit}; raise the cap "
        "(MegaNova(max_response_bytes=...), or per call) or pass None to lift it",
        limit=limit,
        size=size,
        status=status,
        request_id=request_id,
    )
