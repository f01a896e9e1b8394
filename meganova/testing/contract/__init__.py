"""The transport contract, as a test suite you run against your own transport.

A transport (``meganova.types.Transport``, or ``AsyncTransport`` for
``AsyncMegaNova``) sends one request and returns one reply. Every transport that
ships with meganova passes these cases, and so must yours: subclass the contract in
one of your test modules and return a fresh transport from ``make_transport``:

    # test_my_transport.py
    from meganova.testing.contract import AsyncTransportContract, TransportContract

    class TestMyTransport(TransportContract):
        def make_transport(self):
            return MyTransport()

    class TestMyAsyncTransport(AsyncTransportContract):
        async def make_transport(self):     # a plain def works too
            return MyAsyncTransport()

pytest collects every inherited ``test_*`` case. Each runs against a fresh local
HTTP/1.1 server on 127.0.0.1 (``ContractServer``: standard library only, stops by
itself) and a fresh transport, closed afterwards. Async cases run on an event loop
of their own: no async pytest plugin is needed. A case that fails names the
guarantee broken. To leave a case out, set it to ``None`` in your subclass (and say
why in a comment); a ``setup_method`` of your own must call ``super()``'s.

What the cases check: status, reason, headers and body of a 2xx and of 4xx/5xx
replies (returned, never raised); the request's method, target, headers
(``Sensitive`` values sent plain) and body arrive exactly; a redirect is returned,
not followed; body pieces arrive as they are sent; ``read()`` after partial
iteration gives the rest; a connection is reused once its body was read, a
half-read one never; refused, stalled, reset and truncated exchanges raise
``APIConnectionError`` / ``APITimeoutError`` (within about the read timeout, or the
``Request.budget`` left of the call's deadline); a request is sent once, never
retried; gzip is decoded; interim ``1xx`` replies are skipped; closing twice is
harmless; threads (or tasks) sharing one transport each get their own reply; and,
for async transports, a cancelled task leaves no connection behind.

Names load on first use, as in ``meganova.testing``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import ContractServer, Gate, Received, Reply
    from .suites import AsyncTransportContract, TransportContract

# public name -> submodule that defines it
_LAZY = {
    "AsyncTransportContract": "suites",
    "TransportContract": "suites",
    "ContractServer": "server",
    "Gate": "server",
    "Received": "server",
    "Reply": "server",
}

__all__ = [
    "AsyncTransportContract",
    "ContractServer",
    "Gate",
    "Received",
    "Reply",
    "TransportContract",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'meganova.testing.contract' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
