"""A small HTTP/1.1 server on 127.0.0.1 (standard library only) that answers as told
and misbehaves on demand: gated chunked bodies, gzip, interim ``1xx`` replies, a
stall, a body cut by a reset or a close. It counts the connections it accepts and
records every request, so a case can check pooling and what went over the wire.

Every thread is a daemon and every wait is bounded by ``WAIT_LIMIT``, so a failed
case cannot hang a test run; ``stop()`` closes every socket.
"""

from __future__ import annotations

import contextlib
import http
import itertools
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qs, urlsplit

__all__ = ["WAIT_LIMIT", "ContractServer", "Gate", "Received", "Reply"]

WAIT_LIMIT = 10.0
"""Seconds the server waits at most for anything (a gate, a stall, a request)."""

_POLL = 0.02  # how often a waiting server checks whether the client hung up
_MAX_HEAD = 65536


class Gate:
    """Holds the rest of a chunked body back until ``open()`` (or ``WAIT_LIMIT``)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.timed_out = False
        """Whether the server gave up waiting (nobody opened the gate in time)."""

    def open(self) -> None:
        """Let the server send what follows the gate."""
        self._event.set()

    @property
    def is_open(self) -> bool:
        """Whether ``open()`` was called."""
        return self._event.is_set()


Piece = Union[bytes, Gate, float]


@dataclass
class Reply:
    """What the server answers to one path.

    Args:
        status: The status code.
        headers: Extra reply headers, in order (repeats allowed).
        body: A body sent with ``Content-Length`` (when ``chunks`` is ``None``).
        chunks: A chunked body: each ``bytes`` item one HTTP chunk, sent as it comes;
            a ``Gate`` holds the rest back until it is opened; a number pauses that
            many seconds (at most ``WAIT_LIMIT``).
        gzip: Send the body gzip-compressed (``Content-Encoding: gzip``); a chunked
            body is one gzip stream flushed after each piece.
        interim: Interim statuses (``103``, ``102``...) sent, one write each, first.
        stall: Send nothing at all, until the client hangs up or ``WAIT_LIMIT``
            (with ``cut``: end the connection at once).
        cut: End the body early: ``"reset"`` (TCP RST) or ``"close"`` (FIN). A sized
            body then announces 100 bytes more than it sends; a chunked one never
            sends its last chunk.
        reason: The reason phrase (default: the standard one).
    """

    status: int = 200
    headers: Sequence[Tuple[str, str]] = ()
    body: bytes = b""
    chunks: Optional[Sequence[Piece]] = None
    gzip: bool = False
    interim: Sequence[int] = ()
    stall: bool = False
    cut: Optional[str] = None
    reason: Optional[str] = None


@dataclass
class Received:
    """One request as it arrived.

    Args:
        method: The method.
        target: The request target, as sent (path and query).
        headers: The header lines, in order, names as sent.
        body: The body (de-chunked if it came chunked).
        connection: The 1-based number of the connection it came on.
        complete: Whether the server wrote its whole reply (set once it has).
    """

    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes
    connection: int
    complete: bool = False

    @property
    def path(self) -> str:
        """The target's path."""
        return urlsplit(self.target).path

    @property
    def query(self) -> Dict[str, List[str]]:
        """The target's query, decoded."""
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> Optional[str]:
        """A header's value (the values of a repeated one joined with ``", "``).

        Args:
            name: The header's name, in any case.
        """
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return ", ".join(values) if values else None


@dataclass
class _Connection:
    sock: socket.socket
    number: int
    buffer: bytes = b""
    closed: threading.Event = field(default_factory=threading.Event)


class ContractServer:
    """The server: ``serve(reply)`` gives a URL answering with ``reply``; ``received``
    and ``connections`` say what came in. Use it as a context manager, or ``stop()``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: Dict[str, Reply] = {}
        self._names = itertools.count(1)
        self._conns: List[_Connection] = []
        self._stopping = threading.Event()
        self.received: List[Received] = []
        """Every request, in arrival order."""
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        """The port it listens on (127.0.0.1 only)."""
        threading.Thread(target=self._accept, name="contract-server", daemon=True).start()

    def __enter__(self) -> ContractServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, target: str) -> str:
        """The URL of a target on this server.

        Args:
            target: Path and query, e.g. ``"/a?b=1"``.
        """
        return f"http://127.0.0.1:{self.port}{target}"

    def serve(self, reply: Reply, *, query: str = "") -> str:
        """Answer ``reply`` on a fresh path, and return its URL.

        Args:
            reply: What to answer.
            query: A query string to put in the URL (without ``?``).
        """
        path = f"/r{next(self._names)}"
        with self._lock:
            self._routes[path] = reply
        return self.url(path + (f"?{query}" if query else ""))

    @property
    def connections(self) -> int:
        """How many connections were accepted."""
        with self._lock:
            return len(self._conns)

    def requests_on(self, connection: int) -> int:
        """How many requests came on a connection.

        Args:
            connection: Its 1-based number.
        """
        with self._lock:
            return sum(1 for r in self.received if r.connection == connection)

    def wait_closed(self, connection: int, timeout: float = 5.0) -> bool:
        """Whether a connection ended within ``timeout`` seconds: the client closed
        it (or the server did, after a ``cut`` or a ``stall``).

        Args:
            connection: Its 1-based number.
            timeout: Seconds to wait.
        """
        with self._lock:
            conn = self._conns[connection - 1]
        return conn.closed.wait(timeout)

    def stop(self) -> None:
        """Close the listener and every connection."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
            conn.sock.close()

    # -- serving ------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.settimeout(WAIT_LIMIT)
            with self._lock:
                conn = _Connection(sock, len(self._conns) + 1)
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: _Connection) -> None:
        try:
            while not self._stopping.is_set():
                request = _read_request(conn)
                if request is None:
                    break
                with self._lock:
                    self.received.append(request)
                    reply = self._routes.get(request.path)
                if reply is None:
                    reply = Reply(404, body=b"no such path")
                if not self._answer(conn, reply):
                    return
                request.complete = True
        except (OSError, ValueError):
            pass
        finally:
            conn.closed.set()
            with contextlib.suppress(OSError):
                conn.sock.close()

    def _answer(self, conn: _Connection, reply: Reply) -> bool:
        """Send ``reply``; False when the connection is done."""
        sock = conn.sock
        for status in reply.interim:
            sock.sendall(f"HTTP/1.1 {status} {_phrase(status)}\r\n\r\n".encode("latin-1"))
            time.sleep(_POLL)  # a separate TCP segment: the real reply is not yet there
        if reply.stall:
            if reply.cut is None:
                self._hold(conn, None)
                return False
            return self._end(conn, reply)
        headers = list(reply.headers)
        encoder = zlib.compressobj(wbits=16 + zlib.MAX_WBITS) if reply.gzip else None
        if encoder is not None:
            headers.append(("Content-Encoding", "gzip"))
        if reply.chunks is None:
            body = reply.body
            if encoder is not None:
                body = encoder.compress(body) + encoder.flush()
            declared = len(body) + (100 if reply.cut else 0)
            headers.append(("Content-Length", str(declared)))
            sock.sendall(_head(reply, headers) + body)
            return self._end(conn, reply)
        headers.append(("Transfer-Encoding", "chunked"))
        sock.sendall(_head(reply, headers))
        for piece in reply.chunks:
            if isinstance(piece, Gate):
                if not self._hold(conn, piece):
                    return False
                continue
            if isinstance(piece, (int, float)):
                time.sleep(min(piece, WAIT_LIMIT))
                continue
            if encoder is not None:
                piece = encoder.compress(piece) + encoder.flush(zlib.Z_SYNC_FLUSH)
            if piece:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        if reply.cut:
            return self._end(conn, reply)
        tail = encoder.flush() if encoder is not None else b""
        if tail:
            sock.sendall(b"%x\r\n%s\r\n" % (len(tail), tail))
        sock.sendall(b"0\r\n\r\n")
        return True

    def _end(self, conn: _Connection, reply: Reply) -> bool:
        if reply.cut == "reset":
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.sock.close()
            return False
        if reply.cut is not None:
            conn.sock.shutdown(socket.SHUT_WR)
            return False
        return True

    def _hold(self, conn: _Connection, gate: Optional[Gate]) -> bool:
        """Wait for the gate (``None``: forever), the client hanging up, or the limit.
        True when the gate opened."""
        ends = time.monotonic() + WAIT_LIMIT
        while time.monotonic() < ends and not self._stopping.is_set():
            if gate is not None and gate.is_open:
                return True
            if _hung_up(conn.sock):
                conn.closed.set()
                return False
            time.sleep(_POLL)
        if gate is not None:
            gate.timed_out = True
            return not self._stopping.is_set()
        return False


def _hung_up(sock: socket.socket) -> bool:
    """Whether the peer closed (a pipelined byte would also end the wait: fine here)."""
    try:
        sock.settimeout(0)
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        finally:
            sock.settimeout(WAIT_LIMIT)
    except OSError:
        return True


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _head(reply: Reply, headers: List[Tuple[str, str]]) -> bytes:
    reason = reply.reason if reply.reason is not None else _phrase(reply.status)
    lines = [f"HTTP/1.1 {reply.status} {reason}"] + [f"{n}: {v}" for n, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _recv(conn: _Connection) -> bool:
    data = conn.sock.recv(65536)
    conn.buffer += data
    return bool(data)


def _read_request(conn: _Connection) -> Optional[Received]:
    while b"\r\n\r\n" not in conn.buffer:
        if len(conn.buffer) > _MAX_HEAD or not _recv(conn):
            return None
    head, conn.buffer = conn.buffer.split(b"\r\n\r\n", 1)
    first, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]
    names = {n.lower(): v for n, v in headers}
    if names.get("transfer-encoding", "").lower() == "chunked":
        body = _read_chunked(conn)
    else:
        length = int(names.get("content-length", "0"))
        while len(conn.buffer) < length:
            if not _recv(conn):
                return None
        body, conn.buffer = conn.buffer[:length], conn.buffer[length:]
    if body is None:
        return None
    return Received(method, target, headers, body, conn.number)


def _read_chunked(conn: _Connection) -> Optional[bytes]:
    body = b""
    while True:
        while b"\r\n" not in conn.buffer:
            if not _recv(conn):
                return None
        line, conn.buffer = conn.buffer.split(b"\r\n", 1)
        size = int(line.split(b";", 1)[0], 16)
        while len(conn.buffer) < size + 2:
            if not _recv(conn):
                return None
        body += conn.buffer[:size]
        conn.buffer = conn.buffer[size + 2 :]
        if size == 0:  # no trailers are sent to this server
            return body
