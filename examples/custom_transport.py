"""A custom transport: any object with ``send(request) -> response`` and ``close()``.
This one wraps the built-in urllib3 transport to log every attempt (retries included)
with its status and time, without ever printing the API key.

    MEGANOVA_API_KEY=... python examples/custom_transport.py
"""

from __future__ import annotations

import time

from meganova import MegaNova
from meganova.adapters.urllib3_transport import Urllib3Transport
from meganova.types import Request, Response, Transport


class LoggingTransport:
    """Logs each request the SDK sends; the wrapped transport does the work."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent = 0

    def send(self, request: Request) -> Response:
        self.sent += 1
        started = time.perf_counter()
        try:
            response = self.inner.send(request)
        except Exception as error:  # the SDK's own typed errors (connection, timeout)
            print(f"{request.method} {request.url} failed: {type(error).__name__}")
            raise
        elapsed = time.perf_counter() - started
        print(f"{request.method} {request.url} -> {response.status} in {elapsed:.3f}s")
        return response

    def close(self) -> None:
        self.inner.close()


def main() -> None:
    transport = LoggingTransport(Urllib3Transport())
    with MegaNova(transport=transport) as client:
        print(len(client.models.list()), "models")
        resp = client.chat.create(
            messages=[{"role": "user", "content": "Hi!"}],
            model="meganova-ai/manta-flash-1.0",
            max_tokens=50,
        )
        print(resp.text)
    print(transport.sent, "request(s) sent")

    # The standard library alone (no urllib3 needed) is a built-in choice too.
    with MegaNova(transport="stdlib") as client:
        print(client.models.list()[0].id)


if __name__ == "__main__":
    main()
