"""The default transport: one thread-safe urllib3 ``PoolManager`` (urllib3 1.26 and 2.x).

urllib3 never retries and never follows a redirect here: core decides both. Every
urllib3, socket, ssl and http.client failure becomes ``APIConnectionError`` or
``APITimeoutError`` with the cause chained.

urllib3 opens, pools and sends; reading a body it hands over. Everything that reads
urllib3's private internals for speed is in ``_urllib3_fast`` (enabled per urllib3
release tested, ``MEGANOVA_NO_FAST_PATH=1`` turns it off); this module uses urllib3's
public API, and both paths pass tests/contract in CI on urllib3 1.26 and the newest.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from ..core.errors import APIConnectionError, APITimeoutError, InvalidArgumentError
from ..core.http import Headers, Request
from ..core.proxy import (
    PROXY_FROM_ENVIRONMENT,
    Proxy,
    ProxyFromEnvironment,
    check_proxy,
    describe_proxy,
    routes,
)
from . import _proxy_env, _urllib3_chunks, _urllib3_fast
from ._chunked_reader import READ_SIZE, DechunkedBody
from ._errors import (
    finish_message,
    forget_locals,
    invalid_input,
    origin,
    translate_socket_error,
    unsendable,
)
from ._lifecycle import PidGuard, check_options, rebuild
from ._proxy_errors import proxy_failure, proxy_refused, scrub_proxy
from ._reply import KeepsReply, Reply, release_budget, use_budget
from ._socket_response import SocketResponse

__all__ = ["Urllib3Response", "Urllib3Transport"]


def translate(
    exc: BaseException, request: Request, *, reading: bool, proxy: Proxy | None = None
) -> APIConnectionError:
    """Map one urllib3/socket/ssl failure to core's error. ``reading``: the failure
    happened while reading a body, so the request was certainly sent. ``proxy``: the
    proxy the request went through."""
    if isinstance(exc, MaxRetryError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    if proxy is not None and isinstance(exc, ProxyError):
        return proxy_failure(exc, request, proxy)
    where = origin(request.url)
    error: APIConnectionError
    if not reading and isinstance(exc, ProtocolError) and len(exc.args) > 1:
        inner = exc.args[1]  # some urllib3 2.x wrap http.client's InvalidURL this way
        if isinstance(inner, BaseException) and invalid_input(inner):
            exc = inner
    if not reading and (isinstance(exc, LocationValueError) or invalid_input(exc)):
        return unsendable(exc, request)
    if isinstance(exc, NewConnectionError):
        # Subclass of ConnectTimeoutError, but a refusal or DNS failure is no timeout.
        cause = getattr(exc, "__cause__", None) or getattr(exc, "__context__", None)
        if isinstance(cause, (socket.timeout, TimeoutError)):
            error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
        else:
            error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    elif isinstance(exc, ConnectTimeoutError):
        error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
    elif isinstance(exc, ReadTimeoutError):
        what = "reading the reply from" if reading else "waiting for a reply from"
        error = APITimeoutError(f"Timed out {what} {where}", request_sent=True)
    elif isinstance(exc, SSLError):
        error = APIConnectionError(f"TLS failed with {where}", request_sent=reading)
    elif isinstance(exc, ProtocolError):
        what = "while reading the reply" if reading else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    elif isinstance(exc, HTTPError):
        error = APIConnectionError(f"The request to {where} failed", request_sent=reading or None)
    else:
        return translate_socket_error(exc, request, "read" if reading else "send")
    finish_message(error, exc, request)
    return error


def _header_pairs(headers: Any) -> list[tuple[str, str]]:
    items = getattr(headers, "iteritems", None) or headers.items
    return [(str(k), str(v)) for k, v in items()]


class Urllib3Response(SocketResponse):
    """A urllib3 reply, its body read lazily (the shared state machine is
    ``SocketResponse``'s). ``fast``: the ``_urllib3_fast`` paths may be taken.
    ``bounded``: the reply came off one of our connections, whose reader bounds every
    socket wait by the call's deadline (not a pool or session of the user's)."""

    def __init__(
        self, raw: Any, request: Request, fast: bool = False, bounded: bool = True
    ) -> None:
        pairs = _urllib3_fast.header_pairs(raw) if fast else None
        headers = Headers(pairs if pairs is not None else _header_pairs(raw.headers))
        super().__init__(request, int(raw.status), headers, str(raw.reason or ""), _socket(raw))
        self._raw = raw
        self._fast = fast
        self._bounded = bounded
        self._chunks = 0  # the token of urllib3 1.x's read_chunked generator, if started
        # urllib3 1.x, public path: the http.client reply under ``raw``, kept for us by
        # our connection (``KeepsReply``); ``None`` on urllib3 2.x and off our pools.
        self._reply: Reply | None = None
        if not fast and not hasattr(raw, "read1"):
            take = getattr(raw.connection, "take_reply", None)
            self._reply = take() if take is not None else None

    def _length_enforced(self) -> bool:
        return True  # enforce_content_length=True: urllib3 itself raises on a short body

    def _read_all(self) -> bytes:
        return bytes(self._raw.read(decode_content=False) or b"")

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        return translate(exc, self._request, reading=True)

    def _dechunker(self) -> DechunkedBody | None:
        if not self._fast:
            return None
        fp = _urllib3_fast.chunked_socket_file(self._raw)
        return None if fp is None else DechunkedBody(fp)

    def _read_raw(self) -> bytes:
        raw = self._raw
        if hasattr(raw, "read1"):
            # urllib3 >= 2.2: whatever has arrived, for chunked and sized bodies alike.
            return bytes(raw.read1(READ_SIZE, decode_content=False) or b"")
        reply = self._reply
        if reply is not None:
            # urllib3 1.x on our connection: http.client's public read1 returns what has
            # arrived (one HTTP chunk at most), where urllib3's read(amt) waits for amt
            # bytes and its read_chunked generator, finalized by the collector, gives the
            # connection back to the pool (its lock) from inside any pool operation.
            data = reply.read1(READ_SIZE)
            if not data:
                reply.close()  # the end: urllib3 then releases the connection
            return data
        if raw.chunked and raw.supports_chunked_reads():
            # Older urllib3 off a pool of the user's yields each HTTP chunk as it arrives.
            # (held by _urllib3_chunks: its finalizer must never run in the collector)
            if not self._chunks:
                self._chunks = _urllib3_chunks.start(raw, READ_SIZE)
            return _urllib3_chunks.read(self._chunks)
        if self._fast:
            available = _urllib3_fast.read_available(raw, READ_SIZE)
            if available is not None:
                return available
        # Older urllib3's public read(amt) waits for amt bytes (or the end).
        return bytes(raw.read(READ_SIZE, decode_content=False) or b"")

    def _recycle(self, in_step: bool) -> None:
        if self._body is not None:
            if not in_step:
                self._discard()  # bytes after the body: the connection is out of step
                return
            # We de-chunked, so urllib3 did not see the end of the body.
            _urllib3_fast.close_http_response(self._raw)
        elif self._reply is not None:
            self._reply.close()  # read through it: urllib3 did not see the end either
        self._release()

    def _release(self) -> None:
        with contextlib.suppress(Exception):  # releasing must never raise to users
            self._raw.release_conn()

    def _discard(self) -> None:
        if self._chunks:
            _urllib3_chunks.close(self._chunks)
        with contextlib.suppress(Exception):
            self._raw.close()
        self._release()

    _chunks = 0  # for the finalizer of a reply whose __init__ failed
    _dropped = staticmethod(_urllib3_chunks.dropped)  # bound: modules may be torn down

    def __del__(self) -> None:
        super().__del__()  # shuts the socket of an unfinished body
        if self._chunks:
            self._dropped(self._chunks)  # closed later by our own code, never here


def _socket(raw: Any) -> socket.socket | None:
    """The reply's socket, to shut it down from another thread (``None``: not a plain
    or TLS socket, e.g. TLS inside a TLS proxy tunnel)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    return sock if isinstance(sock, socket.socket) else None


class _Connection(KeepsReply, HTTPConnection):
    response_class = Reply  # skips 1xx replies; reads within the call's deadline


class _TLSConnection(KeepsReply, HTTPSConnection):
    response_class = Reply


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


POOL_CLASSES = {"http": _Pool, "https": _TLSPool}


class Urllib3Transport:
    """Sends requests through one pooled, thread-safe ``urllib3.PoolManager``.

    ``verify``: ``True`` (system CAs), ``False`` (no TLS verification) or a CA bundle
    path. ``max_connections``: connections kept alive per host. ``proxy``: by default
    the environment's (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``); a
    URL such as ``http://user:password@host:3128`` for every request; ``None`` for
    none. HTTPS goes through the proxy with ``CONNECT`` (urllib3's ``ProxyManager``). A
    ``pool_manager`` of your own (custom TLS, ...) is used as given, without proxies.
    """

    def __init__(
        self,
        *,
        verify: bool | str = True,
        max_connections: int = 10,
        pool_manager: Any = None,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
    ) -> None:
        check_options(verify, max_connections)
        check_proxy(proxy)
        if pool_manager is not None and proxy is not PROXY_FROM_ENVIRONMENT:
            raise InvalidArgumentError(
                "pass a proxy or a pool_manager of your own, not both", argument="proxy"
            )
        self._verify = verify
        self._max_connections = max_connections
        self._owned = pool_manager is None
        self._fast = _urllib3_fast.enabled()
        self._lock = threading.Lock()
        self._guard = PidGuard()
        self._proxy = proxy
        self._routes = routes(proxy, _proxy_env.environment) if self._owned else None
        self._proxied: dict[Proxy, Any] = {}  # one ProxyManager per proxy in use
        # urllib3.Timeout checks its values when made (~6k instructions); urllib3 clones
        # it for each request, so one per (connect, read) serves every call.
        self._timeouts: dict[tuple[float | None, float | None], Any] = {}
        self._pool: Any = pool_manager if pool_manager is not None else self._new_pool()

    @property
    def fast_path(self) -> bool:
        """Whether this transport reads the library's private internals for speed
        (off on an untested release, or with ``MEGANOVA_NO_FAST_PATH=1``)."""
        return self._fast

    def _new_pool(self, proxy: Proxy | None = None) -> Any:
        options: dict[str, Any] = {"maxsize": self._max_connections, "retries": False}
        if self._verify is False:
            options["cert_reqs"] = "CERT_NONE"
        else:
            options["cert_reqs"] = "CERT_REQUIRED"
            if isinstance(self._verify, str):
                options["ca_certs"] = self._verify
        manager: Any
        if proxy is None:
            manager = urllib3.PoolManager(**options)
        else:
            # The URL without credentials: urllib3 may show it in its messages.
            auth = proxy.authorization()
            headers = {"Proxy-Authorization": auth} if auth else None
            manager = urllib3.ProxyManager(proxy.url, proxy_headers=headers, **options)
        if self._fast:
            _urllib3_fast.install_one_send(manager)
        else:
            manager.pool_classes_by_scheme = dict(POOL_CLASSES)
        return manager

    def _manager(self, proxy: Proxy | None = None) -> Any:
        if self._guard.pid != os.getpid():
            with self._lock:
                if self._guard.forked():
                    # A forked child must not share its parent's sockets.
                    self._proxied = {}
                    if self._owned:
                        self._pool = self._new_pool()
                    else:
                        self._pool.clear()
        if proxy is None:
            return self._pool
        manager = self._proxied.get(proxy)
        if manager is None:
            with self._lock:
                manager = self._proxied.get(proxy)
                if manager is None:
                    manager = self._proxied[proxy] = self._new_pool(proxy)
        return manager

    def _proxy_for(self, url: str) -> Proxy | None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return None  # urllib3 refuses the URL itself
        return self._routes.for_target(scheme, parts.hostname or "", port) if self._routes else None

    def send(self, request: Request) -> Urllib3Response:
        _urllib3_chunks.close_dropped()
        key = (request.timeout.connect, request.timeout.read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            timeout = self._timeouts[key] = urllib3.Timeout(connect=key[0], read=key[1])
        # urllib3 never resends here (retries=False; a pooled connection it finds dropped
        # is replaced before anything is sent on it): a failure is one attempt for core.
        token = use_budget(request.budget)
        proxy = self._proxy_for(request.url) if self._routes is not None else None
        try:
            raw = self._manager(proxy).urlopen(
                request.method,
                request.url,
                body=request.body,
                headers=dict(request.headers),
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,  # the shared SocketResponse decodes, as for stdlib
                enforce_content_length=True,
                timeout=timeout,
            )
        except Exception as exc:
            forget_locals(exc)  # urllib3's and http.client's frames hold the headers
            raise scrub_proxy(translate(exc, request, reading=False, proxy=proxy), proxy) from exc
        finally:
            release_budget(token)
        if proxy is not None and raw.status == 407 and not request.url.startswith("https:"):
            # A forwarding proxy's own refusal, not the API's reply.
            response = Urllib3Response(raw, request, self._fast, self._owned)
            response.close()
            raise proxy_refused(request, proxy)
        return Urllib3Response(raw, request, self._fast, self._owned)

    def close(self) -> None:
        _urllib3_chunks.close_dropped()
        with self._lock:
            self._pool.clear()
            for manager in self._proxied.values():
                manager.clear()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: sockets never travel. A
        # pool manager of the user's own travels as it is (or fails to pickle, named).
        options: dict[str, Any] = {"verify": self._verify, "max_connections": self._max_connections}
        if not self._owned:
            options["pool_manager"] = self._pool
        elif self._proxy is not PROXY_FROM_ENVIRONMENT:
            options["proxy"] = self._proxy
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        shown = (
            ""
            if self._proxy is PROXY_FROM_ENVIRONMENT
            else f", proxy={describe_proxy(self._proxy)}"
        )
        return f"Urllib3Transport(max_connections={self._max_connections}{shown})"
