"""A transport on the standard library alone (http.client, ssl, socket), for places
where urllib3 cannot be installed. Keeps its own thread-safe keep-alive pool per
(scheme, host, port), never follows redirects and never retries a request the server
may have processed. Everything that reads http.client's private internals for speed
is in ``_httpclient_fast`` (``MEGANOVA_NO_FAST_PATH=1`` turns it off); this module
uses http.client's public API.
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import ssl
import threading
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from ..core.errors import APIConnectionError
from ..core.http import Headers, Request
from ..core.proxy import (
    PROXY_FROM_ENVIRONMENT,
    Proxy,
    ProxyFromEnvironment,
    check_proxy,
    describe_proxy,
    invalid_proxy,
    routes,
)
from ..core.redact import Sensitive
from . import _httpclient_fast, _proxy_env
from ._chunked_reader import READ_SIZE, DechunkedBody
from ._errors import forget_locals, translate_socket_error
from ._lifecycle import PidGuard, check_options, rebuild
from ._proxy_errors import proxy_failure, proxy_refused
from ._reply import Reply, release_budget, use_budget
from ._socket_response import SocketResponse

__all__ = ["StdlibResponse", "UrllibTransport"]

# (scheme, host, port, proxy) of the target; the connection goes to the proxy, if any.
PoolKey = Tuple[str, str, int, Optional[Proxy]]


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


class _HTTPConnection(http.client.HTTPConnection):
    response_class = Reply  # skips 1xx replies; reads within the call's deadline


class _HTTPSConnection(http.client.HTTPSConnection):
    response_class = Reply


class _FastHTTPConnection(_httpclient_fast.OneSend, _HTTPConnection):
    pass


class _FastHTTPSConnection(_httpclient_fast.OneSend, _HTTPSConnection):
    pass


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
        fast = transport._fast
        pairs = _httpclient_fast.header_pairs(raw) if fast else None
        headers = Headers(pairs if pairs is not None else raw.getheaders())
        sock = conn.sock
        super().__init__(
            request,
            raw.status,
            headers,
            raw.reason or "",
            sock if isinstance(sock, socket.socket) else None,
        )
        self._raw = raw
        self._fast = fast
        self._conn: http.client.HTTPConnection | None = conn
        self._transport = transport
        self._key = key

    def _length_enforced(self) -> bool:
        # http.client itself raises IncompleteRead for a short sized or chunked body.
        return self._raw.length is not None or self._raw.chunked

    def _read_all(self) -> bytes:
        return self._raw.read()

    def _dechunker(self) -> DechunkedBody | None:
        if not self._fast:
            return None
        fp = _httpclient_fast.chunked_socket_file(self._raw)
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
    alive per (scheme, host, port). ``proxy``: by default the environment's
    (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``); an ``http://`` URL
    such as ``http://user:password@host:3128`` for every request; ``None`` for none.
    HTTPS goes through the proxy with ``CONNECT`` (http.client's ``set_tunnel``)."""

    def __init__(
        self,
        *,
        verify: bool | str = True,
        max_connections: int = 10,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
    ) -> None:
        check_options(verify, max_connections)
        check_proxy(proxy)
        self._proxy = proxy
        self._proxies = routes(proxy, _proxy_env.environment)
        for scheme, found in (self._proxies.proxies if self._proxies else {}).items():
            if found.scheme != "http":
                source = (
                    "proxy" if proxy is not PROXY_FROM_ENVIRONMENT else f"{scheme.upper()}_PROXY"
                )
                raise invalid_proxy(
                    f"the stdlib transport reaches proxies over http:// only, not {found!r} "
                    "(the urllib3 transport speaks TLS to a proxy)",
                    source,
                )
        self._verify = verify
        self._max_connections = max_connections
        self._fast = _httpclient_fast.enabled()
        self._lock = threading.Lock()
        self._idle: Dict[PoolKey, List[http.client.HTTPConnection]] = {}
        self._guard = PidGuard()
        self._ssl_context: ssl.SSLContext | None = None
        self._routes: Dict[str, Tuple[PoolKey, str]] = {}  # url -> (pool key, target)

    @property
    def fast_path(self) -> bool:
        """Whether this transport reads the library's private internals for speed
        (off on an untested release, or with ``MEGANOVA_NO_FAST_PATH=1``)."""
        return self._fast

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
        scheme, host, port, proxy = key
        tunnel = proxy is not None and scheme == "https"
        if proxy is not None:
            # To the proxy: for https a tunnel (CONNECT) to the target, TLS through it.
            host, port = proxy.host, proxy.port
        connect_timeout = request.timeout.connect
        conn: http.client.HTTPConnection
        try:
            context = self._context() if scheme == "https" else None
        except (OSError, ssl.SSLError) as exc:  # an unreadable CA bundle
            raise translate_socket_error(exc, request, "connect") from exc
        fast = self._fast
        try:  # http.client checks the host here: an invalid one raises InvalidURL
            if context is not None:
                tls = _FastHTTPSConnection if fast else _HTTPSConnection
                conn = tls(host, port, timeout=connect_timeout, context=context)
            else:
                plain = _FastHTTPConnection if fast else _HTTPConnection
                conn = plain(host, port, timeout=connect_timeout)
        except Exception as exc:
            raise translate_socket_error(exc, request, "connect") from exc
        if tunnel and proxy is not None:
            auth = proxy.authorization()
            conn.set_tunnel(key[1], key[2], headers={"Proxy-Authorization": auth} if auth else None)
        try:
            conn.connect()
        except Exception as exc:
            conn.close()
            if proxy is not None and not isinstance(exc, ssl.SSLError):
                raise proxy_failure(exc, request, proxy) from exc
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
        proxies = self._proxies
        proxy = proxies.for_target(scheme, host, port) if proxies is not None else None
        if proxy is not None and scheme == "http":
            target = f"http://{parts.netloc}{target}"  # a forwarding proxy takes the whole URL
        route = ((scheme, host, port, proxy), target)
        if len(self._routes) >= 256:
            self._routes.clear()  # a bound, not an LRU: query strings can make URLs unique
        self._routes[url] = route
        return route

    def send(self, request: Request) -> StdlibResponse:
        key, target = self._route(request)
        headers = request.headers
        proxy = key[3]
        forwarded = proxy is not None and key[0] == "http"
        if forwarded and proxy is not None:
            auth = proxy.authorization()
            if auth:  # Sensitive: never cached, never shown in captured locals
                headers = {**headers, "Proxy-Authorization": Sensitive(auth)}
        # A pooled connection is used only when the probe found it idle and open, so a
        # stale one is replaced before anything was sent on it. Once the request may
        # have been sent, a failure is never resent here: it is an attempt, which core
        # counts against max_retries.
        conn = self._checkout(key)
        if conn is None:
            conn = self._connect(key, request)
        token = use_budget(request.budget)
        try:
            # Connect timeout above; from here on the read timeout bounds each wait.
            sock = conn.sock
            if sock is not None and sock.gettimeout() != request.timeout.read:
                sock.settimeout(request.timeout.read)  # a syscall: only when it changes
            if not (
                self._fast
                and _httpclient_fast.write_request(
                    conn, request.method, target, headers, request.body
                )
            ):
                conn.request(request.method, target, body=request.body, headers=headers)
            raw = conn.getresponse()
        except Exception as exc:
            conn.close()
            forget_locals(exc)  # http.client's frames hold the header block
            raise translate_socket_error(exc, request, "send") from exc
        finally:
            release_budget(token)
        response = StdlibResponse(raw, conn, self, key, request)
        if forwarded and proxy is not None and raw.status == 407:
            # The forwarding proxy's own refusal, not the API's reply.
            response.close()
            raise proxy_refused(request, proxy)
        return response

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: sockets never travel.
        options: Dict[str, object] = {
            "verify": self._verify,
            "max_connections": self._max_connections,
        }
        if self._proxy is not PROXY_FROM_ENVIRONMENT:
            options["proxy"] = self._proxy
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        return (
            f"UrllibTransport(max_connections={self._max_connections}{describe_proxy(self._proxy)})"
        )
