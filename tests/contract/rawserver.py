"""A small raw-socket HTTP/1.1 server on 127.0.0.1 for faults a real server will not
make: a reset mid-body, a stall, a truncated chunked body, slow headers, an endless
stream. It counts accepted connections and requests, so tests can assert pool reuse.

Each path is answered by a script: a function ``(conn, request) -> keep_alive``.
Every wait is bounded, and ``stop()`` closes every socket, so it always stops.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

WAIT_LIMIT = 10.0  # no script waits longer than this, so a failed test cannot hang


@dataclass
class RawRequest:
    method: str
    target: str
    headers: Dict[str, str]
    body: bytes
    connection: int  # 1-based number of the accepted connection it came on

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Script = Callable[["RawConnection", RawRequest], bool]


@dataclass
class RawConnection:
    sock: socket.socket
    number: int
    buffer: bytes = b""

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def reset(self) -> None:
        """Close with RST instead of FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            self.sock.close()


@dataclass
class RawServer:
    host: str = "127.0.0.1"
    scripts: Dict[str, Script] = field(default_factory=dict)
    requests: List[RawRequest] = field(default_factory=list)
    connections: int = 0
    hung_up: int = 0  # connections the server has closed
    stopping: threading.Event = field(default_factory=threading.Event)
    # Runs on each accepted connection before its request is read; False drops it.
    on_connect: Optional[Callable[[RawConnection], bool]] = None
    # Serves HTTPS with this context (the handshake runs on each accepted connection).
    tls: Optional[ssl.SSLContext] = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((self.host, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._open: List[socket.socket] = []
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def url(self, path: str = "") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def on(self, path: str, script: Script) -> None:
        self.scripts[path] = script

    def reset_counts(self) -> None:
        with self._lock:
            self.connections = 0
            self.hung_up = 0
            self.requests.clear()

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._thread.join(timeout=5)

    # -- serving ----------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.settimeout(WAIT_LIMIT)
            with self._lock:
                self.connections += 1
                number = self.connections
                self._open.append(sock)
            threading.Thread(
                target=self._serve, args=(RawConnection(sock, number),), daemon=True
            ).start()

    def _serve(self, conn: RawConnection) -> None:
        try:
            if self.tls is not None:
                try:
                    conn.sock = self.tls.wrap_socket(conn.sock, server_side=True)
                except ssl.SSLError:
                    return  # the client refused the certificate
                with self._lock:
                    self._open.append(conn.sock)
            hook = self.on_connect
            if hook is not None and not hook(conn):
                return
            while not self.stopping.is_set():
                request = _read_request(conn)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                script = self.scripts.get(request.path, not_found)
                if not script(conn, request):
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                conn.sock.close()
            with self._lock:
                self.hung_up += 1


def _read_request(conn: RawConnection) -> Optional[RawRequest]:
    while b"\r\n\r\n" not in conn.buffer:
        data = conn.sock.recv(65536)
        if not data:
            return None
        conn.buffer += data
    head, conn.buffer = conn.buffer.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(conn.buffer) < length:
        data = conn.sock.recv(65536)
        if not data:
            return None
        conn.buffer += data
    body, conn.buffer = conn.buffer[:length], conn.buffer[length:]
    return RawRequest(method, target, headers, body, conn.number)


# -- scripts --------------------------------------------------------------------------


def head(status: int = 200, headers: Optional[Dict[str, str]] = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


SSE_CHUNKED = {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"}
LAST_CHUNK = b"0\r\n\r\n"


def sse_events(
    events: List[bytes], after: Callable[[RawConnection], bool], *, whole: bool = False
) -> Script:
    """Send an SSE head and ``events`` as HTTP chunks in one write (with the body's end
    when ``whole``, so Nagle and delayed ACKs cannot add 40 ms), then run ``after``."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        body = b"".join(chunk(e) for e in events) + (LAST_CHUNK if whole else b"")
        if not conn.send(head(200, SSE_CHUNKED) + body):
            return False
        return after(conn)

    return script


def chat_echo(conn: RawConnection, request: RawRequest) -> bool:
    """Answers each chat with the user's own text: plain JSON, or an SSE stream of its
    two halves, the last with ``finish_reason``."""
    body = json.loads(request.body)
    text = str(body["messages"][0]["content"])
    if body.get("stream"):
        events = b""
        for piece, finish in ((text[: len(text) // 2], None), (text[len(text) // 2 :], "stop")):
            delta = {
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": finish}]
            }
            events += chunk(b"data: " + json.dumps(delta).encode() + b"\n\n")
        events += chunk(b"data: [DONE]\n\n") + LAST_CHUNK
        return conn.send(head(200, SSE_CHUNKED) + events)
    message = {"role": "assistant", "content": text}
    choice = {"index": 0, "message": message, "finish_reason": "stop"}
    return send_json(conn, {"id": "c", "model": "m", "choices": [choice]})


def not_found(conn: RawConnection, request: RawRequest) -> bool:
    return conn.send(head(404, {"Content-Length": "0"}))


def json_reply(payload: object, status: int = 200) -> Script:
    """A well-formed keep-alive reply; the payload may be a function of the request."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        return send_json(conn, payload(request) if callable(payload) else payload, status)

    return script


def send_json(conn: RawConnection, value: object, status: int = 200) -> bool:
    body = json.dumps(value).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    return conn.send(head(status, headers) + body)


def reset_mid_body(conn: RawConnection, request: RawRequest) -> bool:
    conn.send(head(200, {"Content-Length": "1000"}) + b'{"partial": ')
    conn.reset()
    return False


def truncated_chunked(conn: RawConnection, request: RawRequest) -> bool:
    conn.send(head(200, {"Transfer-Encoding": "chunked"}) + chunk(b'{"partial": '))
    conn.sock.shutdown(socket.SHUT_WR)
    return False


def truncated_sized(conn: RawConnection, request: RawRequest) -> bool:
    conn.send(head(200, {"Content-Length": "100"}) + b'{"partial": ')
    conn.sock.shutdown(socket.SHUT_WR)
    return False


def stall(release: threading.Event) -> Script:
    """Read the request, answer nothing until ``release`` (or the wait limit)."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        release.wait(WAIT_LIMIT)
        return False

    return script


def slow_headers(release: threading.Event) -> Script:
    """Send the status line, then hold the rest of the headers back."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\n")
        release.wait(WAIT_LIMIT)
        return False

    return script


def endless_stream(stop: threading.Event, started: Optional[threading.Event] = None) -> Script:
    """A chunked body that never ends: only a closed socket stops it."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        if not conn.send(head(200, {"Transfer-Encoding": "chunked"})):
            return False
        n = 0
        while not stop.is_set() and n < 2000:
            if not conn.send(chunk(b"data: %d\n\n" % n)):
                return False
            if started is not None and n == 0:
                started.set()
            n += 1
            stop.wait(0.005)
        return False

    return script


def close_after_reply(payload: object) -> Script:
    """A reply that promises keep-alive, then the server closes the idle connection."""
    inner = json_reply(payload)

    def script(conn: RawConnection, request: RawRequest) -> bool:
        inner(conn, request)
        return False

    return script


def refused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: connecting is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v1"
