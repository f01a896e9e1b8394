"""Library failures (socket, ssl, http.client, urllib3) as core's typed errors, with
honest messages that never carry a credential."""

from __future__ import annotations

import http.client
import socket
import ssl
from urllib.parse import urlsplit

from ..core.budget import SLACK
from ..core.chunked import ChunkedFramingError
from ..core.errors import APIConnectionError, APIResponseValidationError, APITimeoutError
from ..core.exception_chain import clear_finished_frames, exception_chain
from ..core.http import SENSITIVE_HEADERS, Headers, Request
from ..core.redact import redact_text
from ..core.retry import CERTIFICATE_VERIFY_FAILED

# What breaks a connection mid-reply: the reply is cut, the request was sent.
_BROKEN = (OSError, http.client.HTTPException, ChunkedFramingError)


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: enough to say where, never a query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def redact(text: str, request: Request) -> str:
    """Remove every credential the request carries from a message."""
    return redact_text(text, request.headers, SENSITIVE_HEADERS)


def forget_locals(exc: BaseException) -> None:
    """Clear the local variables of the finished frames a library exception passed
    through, along its cause/context chain: urllib3's ``headers`` and http.client's
    ``msg`` hold the request's credentials, and error reporters record locals (Sentry,
    ``TracebackException(capture_locals=True)``). Frames still running (ours, further
    up the stack) are left as they are. The exceptions keep their types and text."""
    clear_finished_frames(exc, limit=32)


def describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def truncated(request: Request, expected: int, received: int) -> APIConnectionError:
    return APIConnectionError(
        f"The connection to {origin(request.url)} closed after {received} of {expected} body bytes",
        request_sent=True,
    )


def corrupt_body(
    request: Request, status: int, headers: Headers, exc: BaseException
) -> APIResponseValidationError:
    coding = headers.get("content-encoding", "").strip()
    return APIResponseValidationError(
        f"The {coding} body of the reply from {origin(request.url)} does not decompress "
        f"({describe(exc)})",
        status=status,
    )


def closed_while_reading(request: Request) -> APIConnectionError:
    return APIConnectionError(
        f"The reply from {origin(request.url)} was closed while it was being read",
        request_sent=True,
    )


def finish_message(error: APIConnectionError, exc: BaseException, request: Request) -> None:
    error.message = redact(f"{error.message} ({describe(exc)})", request)
    budget = request.budget
    if isinstance(error, APITimeoutError) and budget is not None and budget.remaining() < SLACK:
        # The socket's wait was cut to what was left: say why it was short.
        error.message += f": {budget.message()}"
    error.args = (error.message,)
    if _certificate_refused(exc):
        error.code = CERTIFICATE_VERIFY_FAILED  # core does not retry it: it cannot pass later


def _certificate_refused(exc: BaseException) -> bool:
    """Whether the failure is a certificate that did not verify (urllib3 wraps ssl's)."""
    return any(
        # urllib3 1.26 checks hostnames itself and raises its own CertificateError.
        isinstance(item, ssl.SSLCertVerificationError) or type(item).__name__ == "CertificateError"
        for item in exception_chain(exc, limit=8, args=True)
    )


def invalid_input(exc: BaseException) -> bool:
    """An invalid URL or header value (``ValueError``), not a network failure that some
    libraries also make a ``ValueError`` (ssl's certificate error is both)."""
    return isinstance(exc, (ValueError, http.client.InvalidURL)) and not isinstance(exc, OSError)


def unsendable(exc: BaseException, request: Request) -> APIConnectionError:
    """An invalid URL or header value, found by the library before anything was sent:
    the same request would fail the same way, so it is never retried."""
    error = APIConnectionError(
        f"The request to {origin(request.url)} cannot be sent: invalid URL or header value",
        request_sent=False,
    )
    error.retryable = False
    finish_message(error, exc, request)
    return error


def translate_socket_error(exc: BaseException, request: Request, phase: str) -> APIConnectionError:
    """Map a socket/ssl/http.client failure. ``phase``: ``connect`` (nothing sent),
    ``send`` (request written or being written, no reply yet) or ``read`` (body)."""
    where = origin(request.url)
    sent = phase != "connect"
    error: APIConnectionError
    if phase != "read" and invalid_input(exc):
        return unsendable(exc, request)
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
    elif isinstance(exc, _BROKEN):
        what = "while reading the reply" if phase == "read" else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=sent)
    finish_message(error, exc, request)
    return error
