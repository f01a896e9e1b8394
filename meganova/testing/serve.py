"""A ``FakeMeganova`` on a real local socket (standard library only), so a real transport,
a cassette recording, or a program in another process can talk HTTP to the fake.

Replies go out with ``Transfer-Encoding: chunked``, one HTTP chunk per piece the fake
produces, so a stream keeps its chunking; a scripted drop ends the connection without
the last chunk. The server binds 127.0.0.1 on a free port, runs in daemon threads and
``close()`` shuts every connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Set

from ..core.errors import MeganovaError
from ..core.http import Request, Timeout

if TYPE_CHECKING:
    from ..client import AsyncMegaNova, MegaNova
    from .fake import FakeMeganova

__all__ = ["FakeServer"]

_NO_BODY = frozenset({204, 304})
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_IDLE_SECONDS = 30.0  # an idle kept-alive connection is closed after this long


class FakeServer:
    """A ``FakeMeganova`` served over HTTP on 127.0.0.1 (``FakeMeganova.serve()``).

    Use it as a context manager, or call ``close()``. Its clients use a real transport
    (the default one unless told otherwise).

    Args:
        fake: The fake answering every request.
    """

    def __init__(self, fake: FakeMeganova) -> None:
        self.fake = fake
        self._connections: Set[socket.socket] = set()
        self._lock = threading.Lock()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.port: int = server.server_address[1]
        """The port it listens on."""
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def base_url(self) -> str:
        """The API root to give a client: ``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def client(self, **options: Any) -> MegaNova:
        """A ``MegaNova`` talking HTTP to this server.

        Args:
            **options: ``MegaNova``'s options; the key and base URL default to the
                fake's key and this server.

        Returns:
            The client (close it when done).
        """
        from ..client import MegaNova

        options.setdefault("api_key", "sk-fake-key")
        options.setdefault("base_url", self.base_url)
        return MegaNova(**options)

    def async_client(self, **options: Any) -> AsyncMegaNova:
        """An ``AsyncMegaNova`` talking HTTP to this server (as ``client``).

        Args:
            **options: ``AsyncMegaNova``'s options; the key and base URL default to the
                fake's key and this server.

        Returns:
            The client (``await client.close()`` when done).
        """
        from ..client import AsyncMegaNova

        options.setdefault("api_key", "sk-fake-key")
        options.setdefault("base_url", self.base_url)
        return AsyncMegaNova(**options)

    def close(self) -> None:
        """Stop serving and close every connection."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FakeServer({self.base_url!r})"

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _handler_for(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = _IDLE_SECONDS

        def setup(self) -> None:
            super().setup()
            server._track(self.connection, True)

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                server._track(self.connection, False)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a test's output is not the place for an access log

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else None
            host = self.headers.get("Host") or f"127.0.0.1:{server.port}"
            request = Request(
                method=self.command,
                url=f"http://{host}{self.path}",
                headers=dict(self.headers.items()),
                body=body,
                timeout=Timeout(connect=None, read=None),
            )
            try:
                reply = server.fake.handle(request)
            except MeganovaError:  # a scripted drop before any reply
                self.close_connection = True
                return
            self.send_response(reply.status, reply.reason or None)
            for name, value in reply.headers.items():
                if name.lower() not in _FRAMING:
                    self.send_header(name, value)
            if self.command == "HEAD" or reply.status in _NO_BODY:
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._chunks(reply)

        def _chunks(self, reply: Any) -> None:
            try:
                for data in reply.iter_bytes():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
            except MeganovaError:  # a scripted drop: no last chunk, the connection ends
                self.close_connection = True
                return
            finally:
                reply.close()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer

    return Handler
