"""A small HTTP proxy on 127.0.0.1 for the proxy tests: forwards plain-http requests
(absolute-form targets) and opens ``CONNECT`` tunnels, to loopback targets only.

It can require credentials (``407`` without the right ``Proxy-Authorization``) and
records what it was asked (``seen``), so tests can check what went through it and what
it could read. Each connection is served by a daemon thread; every wait is bounded by
``WAIT_LIMIT`` and ``stop()`` closes every socket, so it always stops.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote, urlsplit

WAIT_LIMIT = 10.0
MAX_HEAD = 65536
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Seen:
    """One request the proxy received (header names lowercased)."""

    method: str
    target: str
    headers: Dict[str, str]


class ProxyServer:
    def __init__(self, credentials: Optional[Tuple[str, str]] = None) -> None:
        self.credentials = credentials
        self.seen: List[Seen] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._open: List[socket.socket] = []
        self._stopping = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        return f"http://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    def expected_authorization(self) -> Optional[str]:
        if self.credentials is None:
            return None
        pair = ":".join(self.credentials).encode("latin-1")
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)

    # -- serving ------------------------------------------------------------------

    def _track(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(WAIT_LIMIT)
        with self._lock:
            self._open.append(sock)
        return sock

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(self._track(sock),), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            head, rest = _read_head(client, b"")
            if head is None:
                return
            method, target, headers = _parse_head(head)
            with self._lock:
                self.seen.append(Seen(method, target, headers))
            expected = self.expected_authorization()
            if expected is not None and headers.get("proxy-authorization") != expected:
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\n'
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
            if method == "CONNECT":
                self._tunnel(client, target, rest)
            else:
                self._forward(client, method, target, headers, head, rest)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _upstream(self, host: str, port: int) -> Optional[socket.socket]:
        if host.strip("[]") not in LOOPBACK:
            return None  # never a target off this machine
        try:
            return self._track(socket.create_connection((host.strip("[]"), port), WAIT_LIMIT))
        except OSError:
            return None

    def _tunnel(self, client: socket.socket, target: str, rest: bytes) -> None:
        host, _, port = target.rpartition(":")
        upstream = self._upstream(host, int(port))
        if upstream is None:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        with upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            _relay(client, upstream, self._stopping)

    def _forward(
        self,
        client: socket.socket,
        method: str,
        target: str,
        headers: Dict[str, str],
        head: bytes,
        rest: bytes,
    ) -> None:
        parts = urlsplit(target)
        upstream = self._upstream(parts.hostname or "", parts.port or 80)
        if parts.scheme != "http" or upstream is None:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        length = int(headers.get("content-length", "0"))
        body = rest
        while len(body) < length:
            data = client.recv(65536)
            if not data:
                return
            body += data
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1"]
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name = line.split(":", 1)[0].strip().lower()
            if line and name not in ("proxy-authorization", "proxy-connection", "connection"):
                lines.append(line)
        lines.append("Connection: close")
        with upstream:
            upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body[:length])
            reply, more = _read_head(upstream, b"")
            if reply is None:
                return
            kept = [
                line
                for line in reply.decode("latin-1").split("\r\n")
                if line.split(":", 1)[0].strip().lower() != "connection"
            ]
            kept.append("Connection: close")
            client.sendall(("\r\n".join(kept) + "\r\n\r\n").encode("latin-1"))
            if more:
                client.sendall(more)
            while True:
                data = upstream.recv(65536)
                if not data:
                    return
                client.sendall(data)


def _read_head(sock: socket.socket, buffer: bytes) -> Tuple[Optional[bytes], bytes]:
    """(the head without its blank line, the bytes after it); ``None`` at EOF."""
    while b"\r\n\r\n" not in buffer:
        if len(buffer) > MAX_HEAD:
            return None, b""
        data = sock.recv(65536)
        if not data:
            return None, b""
        buffer += data
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> Tuple[str, str, Dict[str, str]]:
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _relay(a: socket.socket, b: socket.socket, stopping: threading.Event) -> None:
    """Copy bytes both ways until either side closes or stays silent WAIT_LIMIT."""
    while not stopping.is_set():
        readable, _, _ = select.select([a, b], [], [], WAIT_LIMIT)
        if not readable:
            return
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)
