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
from typing import Dict, Iterator, List, Mapping, Tuple
from urllib.parse import urlsplit

from ..core.http import Headers, Request
from ._http_common import (
    READ_SIZE,
    DechunkedBody,
    PidGuard,
    check_options,
    expected_length,
    socket_file,
    translate_socket_error,
    truncated,
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


class StdlibResponse:
    """An http.client reply. The connection goes back to the pool only when the body
    was read to its end; otherwise its socket is closed, never drained."""

    def __init__(
        self,
        raw: http.client.HTTPResponse,
        conn: http.client.HTTPConnection,
        transport: UrllibTransport,
        key: PoolKey,
        request: Request,
    ) -> None:
        self._raw = raw
        self._conn: http.client.HTTPConnection | None = conn
        self._transport = transport
        self._key = key
        self._request = request
        self._status = raw.status
        # The parsed header list as received: getheaders() runs the email policy per header.
        pairs = getattr(raw.msg, "_headers", None)
        self._headers = Headers(pairs if isinstance(pairs, list) else raw.getheaders())
        self._reason = raw.reason or ""
        self._received = 0
        self._started = False
        self._complete = False
        self._closed = False
        self._body: DechunkedBody | None = None

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Headers:
        return self._headers

    @property
    def reason(self) -> str:
        return self._reason

    def read(self) -> bytes:
        if self._started or self._complete or self._closed:
            return b"".join(self.iter_bytes())
        self._started = True
        raw = self._raw
        # http.client itself raises IncompleteRead for a short sized or chunked body.
        enforced = raw.length is not None or raw.chunked
        try:
            data = raw.read()
        except Exception as exc:
            self._discard()
            raise translate_socket_error(exc, self._request, "read") from exc
        self._received = len(data)
        self._finish(check_length=not enforced)
        return data

    def iter_bytes(self) -> Iterator[bytes]:
        while True:
            chunk = self._read_some()
            if not chunk:
                return
            yield chunk

    def _read_some(self) -> bytes:
        if self._complete or self._closed:
            return b""
        try:
            body = self._body
            if body is not None:
                chunk = body.read()
            elif not self._started and (fp := socket_file(self._raw)) is not None:
                # De-chunk ourselves: http.client's read1 returns one HTTP chunk per call.
                self._body = body = DechunkedBody(fp)
                chunk = body.read()
            else:
                # read1 returns what has arrived (up to READ_SIZE).
                chunk = self._raw.read1(READ_SIZE)
            self._started = True
        except Exception as exc:
            self._discard()
            raise translate_socket_error(exc, self._request, "read") from exc
        if chunk:
            self._received += len(chunk)
            return chunk
        self._finish()
        return b""

    def _finish(self, *, check_length: bool = True) -> None:
        if check_length:
            expected = expected_length(self._request.method, self._status, self._headers)
            if expected is not None and self._received < expected:
                self._discard()
                raise truncated(self._request, expected, self._received)
        self._complete = True
        self._raw.close()  # read1 may leave a finished reply open; the socket stays
        conn, self._conn = self._conn, None
        if conn is not None:
            reusable = not self._raw.will_close
            if self._body is not None and self._body.decoder.excess:
                reusable = False  # bytes after the body: the connection is out of step
            self._transport._checkin(self._key, conn, reusable=reusable)

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        try:
            self._raw.close()
        finally:
            if conn is not None:
                conn.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self._complete:
            self._discard()

    def __repr__(self) -> str:
        return f"StdlibResponse(status={self._status})"


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
        with self._lock:
            if self._guard.forked():
                # Sockets inherited from the parent are the parent's: forget them.
                self._idle = {}
            idle = self._idle.get(key)
            while idle:
                conn = idle.pop()
                if _idle_and_open(conn):
                    return conn
                conn.close()
        return None

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
            conn = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect_timeout)
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
                if conn.sock is not None:
                    conn.sock.settimeout(request.timeout.read)
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

    def __repr__(self) -> str:
        return f"UrllibTransport(max_connections={self._max_connections})"
