"""How a failure to get through a proxy is reported."""

from __future__ import annotations

import pytest

from meganova.adapters._proxy_errors import proxy_failure
from meganova.core.http import Request, Timeout
from meganova.core.proxy import parse_proxy
from meganova.errors import APIConnectionError

REQUEST = Request(
    method="GET", url="http://127.0.0.1:40709/v1/models", headers={}, body=None, timeout=Timeout()
)


@pytest.mark.parametrize("credentials", ["", "user:pw@"])
def test_a_proxy_that_is_down_is_not_a_407_even_when_a_port_holds_407(credentials: str) -> None:
    proxy = parse_proxy(f"http://{credentials}127.0.0.1:41415")
    refused = OSError(
        "HTTPConnectionPool(host='127.0.0.1', port=41415): Max retries exceeded with url: "
        "http://127.0.0.1:40709/v1/chat/completions (Caused by ProxyError('Unable to connect "
        "to proxy', NewConnectionError('Failed to establish a new connection: [Errno 111] "
        "Connection refused')))"
    )
    error = proxy_failure(refused, REQUEST, proxy)
    assert isinstance(error, APIConnectionError)
    assert "(407)" not in str(error) and error.retryable is not False


@pytest.mark.parametrize(
    "text", ["407 Proxy Authentication Required", "Tunnel connection failed: 407 Proxy Auth"]
)
def test_a_407_from_the_proxy_is_final(text: str) -> None:
    error = proxy_failure(OSError(text), REQUEST, parse_proxy("http://127.0.0.1:41415"))
    assert "(407)" in str(error) and error.retryable is False
