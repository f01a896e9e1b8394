"""A transport on the standard library alone (http.client, ssl, socket), for places
where urllib3 cannot be installed. Keeps its own thread-safe keep-alive pool per
(scheme, host, port), never follows redirects and never retries a request the server
may have processed.
"""

from __future__ import annotations

import http.client
import os
import re
import select
import ssl
import threading
from typing import Any, Callable, Dict, List, Mapping, Tuple
from urllib.parse import urlsplit

from ..core.errors import APIConnectionError
from ..core.http import Headers, Request
from ._http_common import (
    READ_SIZE,
    DechunkedBody,
    PidGuard,
    SocketResponse,
    check_options,
    rebuild,
    socket_file,
    socket_of,
    translate_socket_error,
)

__all__ = ["StdlibResponse", "UrllibTransport"]

PoolKey = Tuple[str, str, int]
# A reused keep-alive connection that the server had already closed fails like this
# before any byte of a reply arrived; such a request is sent again on a fresh one.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def _idle_and_open(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket is usable when nothing is waiting to be read on it
    (readable means the server closed it, or sent something nobody asked for)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        readable, _, _ = select.select([sock], [], [], 0)
        return not readable
    except (OSError, ValueError):
        return False


class _OneSend:
    """http.client sends the header block and the body in two ``send`` calls: two
    syscalls that each drop the GIL (a thread hand-off under load). A small bytes body
    goes out with the headers in one."""

    _buffer: List[bytes]  # http.client's (annotations only: nothing here shadows it)
    send: Callable[[Any], None]

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if type(message_body) is bytes and len(message_body) <= _ONE_SEND_MAX:
            self._buffer.extend((b"", message_body))  # joined: headers CRLF CRLF body
            msg = b"\r\n".join(self._buffer)
            del self._buffer[:]
            self.send(msg)
            return
        super()._send_output(message_body, encode_chunked)  # type: ignore[misc]


_ONE_SEND_MAX = 64 * 1024  # above this, copying the body costs more than a syscall


class _HTTPConnection(_OneSend, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OneSend, http.client.HTTPSConnection):
    pass


# Headers http.client writes itself, or that change how it frames the body.
_FRAMING = frozenset({"host", "accept-encoding", "content-length", "transfer-encoding"})
_checked_lines: Dict[Tuple[str, str], bytes] = {}  # (name, value) -> checked line
_legal_name = re.compile(r"[^:\s][^:\r\n]*").fullmatch  # as http.client checks names


def _header_lines(headers: Mapping[str, str]) -> List[bytes] | None:
    """Our header lines, encoded and checked as ``putheader`` would; ``None`` when
    anything is unusual (then ``conn.request`` handles, and rejects, it as always)."""
    lines = []
    for item in headers.items():
        try:
            line = _checked_lines.get(item)
        except TypeError:  # an unhashable value: http.client decides what to do
            return None
        if line is not None:
            lines.append(line)
            continue
        name, value = item
        if (
            not isinstance(name, str)
            or not isinstance(value, str)
            or "\r" in value
            or "\n" in value
            or not _legal_name(name)
            or name.lower() in _FRAMING
        ):
            return None
        try:
            line = f"{name}: {value}".encode("latin-1")
        except UnicodeEncodeError:
            return None
        if len(_checked_lines) < 256:  # the client's fixed headers; never unbounded
            _checked_lines[item] = line
        lines.append(line)
    return lines


def _write_request(
    conn: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
) -> None:
    """``conn.request`` without one Python ``putheader`` call (and its checks) per
    header: the same bytes on the wire, in the same order."""
    lines = _header_lines(headers)
    buffer = getattr(conn, "_buffer", None)
    if lines is None or not isinstance(buffer, list):
        conn.request(method, target, body=body, headers=headers)
        return
    conn.putrequest(method, target)  # request line, Host, Accept-Encoding
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    elif method.upper() in ("PATCH", "POST", "PUT"):
        conn.putheader("Content-Length", "0")  # as http.client does for these methods
    buffer.extend(lines)
    conn.endheaders(body)


class StdlibResponse(SocketResponse):
    """An http.client reply (the shared state machine is ``SocketResponse``'s)."""

    def __init__(
        self,
        raw: http.client.HTTPResponse,
        conn: http.client.HTTPConnection,
        transport: UrllibTransport,
        key: PoolKey,
        request: Request,
    ) -> None:
        # The parsed header list as received: getheaders() runs the email policy per header.
        pairs = getattr(raw.msg, "_headers", None)
        headers = Headers(pairs if isinstance(pairs, list) else raw.getheaders())
        super().__init__(request, raw.status, headers, raw.reason or "", socket_of(raw))
        self._raw = raw
        self._conn: http.client.HTTPConnection | None = conn
        self._transport = transport
        self._key = key

    def _length_enforced(self) -> bool:
        # http.client itself raises IncompleteRead for a short sized or chunked body.
        return self._raw.length is not None or self._raw.chunked

    def _read_all(self) -> bytes:
        return self._raw.read()

    def _dechunker(self) -> DechunkedBody | None:
        fp = socket_file(self._raw)
        return None if fp is None else DechunkedBody(fp)

    def _read_raw(self) -> bytes:
        return self._raw.read1(READ_SIZE)  # what has arrived (up to READ_SIZE)

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        return translate_socket_error(exc, self._request, "read")

    def _recycle(self, in_step: bool) -> None:
        self._raw.close()  # read1 may leave a finished reply open; the socket stays
        conn, self._conn = self._conn, None
        if conn is not None:
            reusable = in_step and not self._raw.will_close
            self._transport._checkin(self._key, conn, reusable=reusable)

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        try:
            self._raw.close()
        finally:
            if conn is not None:
                conn.close()


class UrllibTransport:
    """Standard-library transport. ``verify``: ``True`` (system CAs), ``False`` (no TLS
    verification) or a CA bundle path. ``max_connections``: idle connections kept
    alive per (scheme, host, port)."""

    def __init__(self, *, verify: bool | str = True, max_connections: int = 10) -> None:
        check_options(verify, max_connections)
        self._verify = verify
        self._max_connections = max_connections
        self._lock = threading.Lock()
        self._idle: Dict[PoolKey, List[http.client.HTTPConnection]] = {}
        self._guard = PidGuard()
        self._ssl_context: ssl.SSLContext | None = None
        self._routes: Dict[str, Tuple[PoolKey, str]] = {}

    # -- pool -------------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        with self._lock:
            if self._ssl_context is None:
                cafile = self._verify if isinstance(self._verify, str) else None
                context = ssl.create_default_context(cafile=cafile)
                if self._verify is False:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                self._ssl_context = context
            return self._ssl_context

    def _checkout(self, key: PoolKey) -> http.client.HTTPConnection | None:
        while True:
            with self._lock:
                if self._guard.forked():
                    # Sockets inherited from the parent are the parent's: forget them.
                    self._idle = {}
                idle = self._idle.get(key)
                if not idle:
                    return None
                conn = idle.pop()
            # Probed outside the lock: poll() drops the GIL, and holding the lock across
            # it made every other thread's checkout/checkin wait for this one.
            if _idle_and_open(conn):
                return conn
            conn.close()

    def _checkin(self, key: PoolKey, conn: http.client.HTTPConnection, *, reusable: bool) -> None:
        with self._lock:
            keep = reusable and conn.sock is not None and self._guard.pid == os.getpid()
            idle = self._idle.setdefault(key, [])
            if keep and len(idle) < self._max_connections:
                idle.append(conn)
                return
        conn.close()

    def _connect(self, key: PoolKey, request: Request) -> http.client.HTTPConnection:
        scheme, host, port = key
        connect_timeout = request.timeout.connect
        conn: http.client.HTTPConnection
        try:
            context = self._context() if scheme == "https" else None
        except (OSError, ssl.SSLError) as exc:  # an unreadable CA bundle
            raise translate_socket_error(exc, request, "connect") from exc
        if context is not None:
            conn = _HTTPSConnection(host, port, timeout=connect_timeout, context=context)
        else:
            conn = _HTTPConnection(host, port, timeout=connect_timeout)
        try:
            conn.connect()
        except Exception as exc:
            conn.close()
            raise translate_socket_error(exc, request, "connect") from exc
        return conn

    # -- sending ----------------------------------------------------------------------

    def _route(self, request: Request) -> tuple[PoolKey, str]:
        """(pool key, request target) of a URL; cached, as a client calls few URLs."""
        url = request.url
        route = self._routes.get(url)
        if route is not None:
            return route
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise translate_socket_error(exc, request, "connect") from exc
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        route = ((scheme, host, port), target)
        if len(self._routes) >= 256:
            self._routes.clear()  # a bound, not an LRU: query strings can make URLs unique
        self._routes[url] = route
        return route

    def send(self, request: Request) -> StdlibResponse:
        key, target = self._route(request)
        headers = request.headers
        while True:
            conn = self._checkout(key)
            reused = conn is not None
            if conn is None:
                conn = self._connect(key, request)
            try:
                # Connect timeout above; from here on the read timeout bounds each wait.
                sock = conn.sock
                if sock is not None and sock.gettimeout() != request.timeout.read:
                    sock.settimeout(request.timeout.read)  # a syscall: only when it changes
                _write_request(conn, request.method, target, headers, request.body)
                raw = conn.getresponse()
            except Exception as exc:
                conn.close()
                if reused and isinstance(exc, _STALE):
                    continue
                raise translate_socket_error(exc, request, "send") from exc
            return StdlibResponse(raw, conn, self, key, request)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: sockets never travel.
        options = {"verify": self._verify, "max_connections": self._max_connections}
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        return f"UrllibTransport(max_connections={self._max_connections})"
