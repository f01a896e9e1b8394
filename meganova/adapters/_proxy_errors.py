"""A proxy that could not be reached or refused the way, as core's typed errors; a
proxy's credentials scrubbed from every message."""

from __future__ import annotations

import re
import socket

from ..core.errors import APIConnectionError, APITimeoutError
from ..core.exception_chain import exception_chain
from ..core.http import Request
from ..core.proxy import PROXY_AUTHENTICATION_REQUIRED, Proxy
from ._errors import finish_message, origin

_STATUS_407 = re.compile(r"(?<![\d:])407(?!\d)")


def proxy_failure(exc: BaseException, request: Request, proxy: Proxy) -> APIConnectionError:
    """The proxy could not be reached, or would not open the way to the target (nothing
    was sent to the target). A 407 is not retried: the credentials will not change."""
    where = origin(request.url)
    chain = list(exception_chain(exc, limit=16, args=True))
    error: APIConnectionError
    # The status, not any "407" in the text: a port such as 40709 in a URL is no refusal.
    refused = any(_STATUS_407.search(str(item)) for item in chain)
    if refused:
        hint = (
            "it did not accept the credentials in the proxy URL"
            if proxy.has_credentials
            else "it requires credentials (http://user:password@host:port)"
        )
        error = APIConnectionError(
            f"The proxy {proxy.url} refused the way to {where}: {hint} (407)",
            request_sent=False,
        )
    elif any(isinstance(item, (socket.timeout, TimeoutError)) for item in chain) or any(
        "timed out" in str(item).lower() for item in chain
    ):
        error = APITimeoutError(
            f"Timed out connecting through the proxy {proxy.url} to {where}", request_sent=False
        )
    else:
        error = APIConnectionError(
            f"Could not connect through the proxy {proxy.url} to {where}", request_sent=False
        )
    finish_message(error, exc, request)
    if refused:
        error.code = PROXY_AUTHENTICATION_REQUIRED
        error.retryable = False  # the same credentials will be refused again
    scrub_proxy(error, proxy)
    return error


def proxy_refused(request: Request, proxy: Proxy) -> APIConnectionError:
    """A forwarding proxy answered 407 instead of passing the request on."""
    return proxy_failure(OSError("407 Proxy Authentication Required"), request, proxy)


def scrub_proxy(error: APIConnectionError, proxy: Proxy | None) -> APIConnectionError:
    """Remove the proxy's credentials, in any form, from an error's message."""
    if proxy is not None and proxy.has_credentials:
        error.message = proxy.redact(error.message)
        error.args = (error.message,)
    return error
