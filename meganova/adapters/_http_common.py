"""What both socket transports share: honest error messages and body-length checks."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
from typing import Mapping
from urllib.parse import urlsplit

from ..core.errors import APIConnectionError, APITimeoutError, InvalidArgumentTypeError
from ..core.http import SENSITIVE_HEADERS, Request

READ_SIZE = 65536
NO_BODY_STATUSES = frozenset({204, 304})


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: enough to say where, never a query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def redact(text: str, request: Request) -> str:
    """Remove every credential the request carries from a message."""
    for name, value in request.headers.items():
        if name.lower() not in SENSITIVE_HEADERS or not value:
            continue
        text = text.replace(value, "<redacted>")
        token = value.split(" ", 1)[-1]
        if len(token) >= 4:
            text = text.replace(token, "<redacted>")
    return text


def describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def expected_length(method: str, status: int, headers: Mapping[str, str]) -> int | None:
    """Bytes the body must have when the reply says so (``None``: it does not say, or
    the body is chunked or content-encoded)."""
    if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
        return None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    if headers.get("content-encoding", "identity").strip().lower() not in ("", "identity"):
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


def truncated(request: Request, expected: int, received: int) -> APIConnectionError:
    return APIConnectionError(
        f"The connection to {origin(request.url)} closed after {received} of {expected} body bytes",
        request_sent=True,
    )


class PidGuard:
    """Tells whether the process forked since the last check, so a child never
    reuses sockets it inherited from its parent."""

    __slots__ = ("pid",)

    def __init__(self) -> None:
        self.pid = os.getpid()

    def forked(self) -> bool:
        pid = os.getpid()
        if pid == self.pid:
            return False
        self.pid = pid
        return True


def check_options(verify: object, max_connections: object) -> None:
    if not isinstance(verify, (bool, str)):
        raise InvalidArgumentTypeError(
            "verify must be True, False or a CA bundle path", argument="verify"
        )
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise InvalidArgumentTypeError("max_connections must be an int", argument="max_connections")
    if max_connections < 1:
        raise InvalidArgumentTypeError("max_connections must be >= 1", argument="max_connections")


def finish_message(error: APIConnectionError, exc: BaseException, request: Request) -> None:
    error.message = redact(f"{error.message} ({describe(exc)})", request)
    error.args = (error.message,)


def translate_socket_error(exc: BaseException, request: Request, phase: str) -> APIConnectionError:
    """Map a socket/ssl/http.client failure. ``phase``: ``connect`` (nothing sent),
    ``send`` (request written or being written, no reply yet) or ``read`` (body)."""
    where = origin(request.url)
    sent = phase != "connect"
    error: APIConnectionError
    if isinstance(exc, (socket.timeout, TimeoutError)):
        if phase == "connect":
            error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
        elif phase == "send":
            error = APITimeoutError(
                f"Timed out waiting for a reply from {where}", request_sent=True
            )
        else:
            error = APITimeoutError(f"Timed out reading the reply from {where}", request_sent=True)
    elif isinstance(exc, ssl.SSLError):
        error = APIConnectionError(f"TLS failed with {where}", request_sent=sent)
    elif isinstance(exc, socket.gaierror):
        error = APIConnectionError(f"Could not resolve the host of {where}", request_sent=False)
    elif phase == "connect":
        error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    elif isinstance(exc, (OSError, http.client.HTTPException)):
        what = "while reading the reply" if phase == "read" else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=sent)
    finish_message(error, exc, request)
    return error
