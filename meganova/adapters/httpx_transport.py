"""An async transport over httpx (``pip install 'meganova[httpx]'``), for
applications that already use httpx.

httpx connects, pools, sends and parses (httpcore skips ``1xx`` replies, h11 checks a
body's length); everything else is ours, as on the sync transports: proxies by our
rules (one pool per proxy in use, never httpx's ``trust_env``), the raw body
(``aiter_raw``) decoded in bounded steps, the call's deadline bounding every wait,
redirects and retries left to core, and every failure an ``APIConnectionError`` or
``APITimeoutError`` with the cause chained. Requests go straight to httpx's
transports (``_httpx_pool``: shards of a few connections, so httpcore's pool stays
cheap under load), or through an ``httpx.AsyncClient`` of the user's own. Public
httpx API only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Mapping, Tuple
from urllib.parse import urlsplit

import httpx

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
from . import _proxy_env
from ._async_reply import AsyncReply, plain_headers, within_deadline
from ._errors import finish_message, forget_locals, invalid_input, origin, unsendable
from ._httpx_pool import ShardedTransport
from ._lifecycle import check_options, rebuild
from ._proxy_errors import proxy_failure, scrub_proxy

__all__ = ["HttpxResponse", "HttpxTransport"]

MAX_CONNECTIONS = 100  # httpx's own default
READING = "reading the reply from"
IDENTITY = {"Accept-Encoding": "identity"}  # as http.client asks on the sync transports


def _tls_related(exc: BaseException) -> bool:
    todo: list[BaseException] = [exc]
    for _ in range(8):
        if not todo:
            return False
        item = todo.pop()
        if isinstance(item, ssl.SSLError):
            return True
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
    return False


def translate(
    exc: BaseException, request: Request, *, reading: bool, proxy: Proxy | None = None
) -> APIConnectionError:
    """Map one httpx failure to core's error. ``reading``: it happened while reading a
    body. ``proxy``: the proxy the request went through."""
    where = origin(request.url)
    error: APIConnectionError
    if not reading and (
        isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol, httpx.LocalProtocolError))
        or invalid_input(exc)  # not ssl's certificate error, a ValueError too
    ):
        return unsendable(exc, request)  # the same request would fail the same way
    tls = _tls_related(exc)
    if proxy is not None and not tls and isinstance(exc, (httpx.ProxyError, httpx.ConnectError)):
        return proxy_failure(exc, request, proxy)
    if proxy is not None and isinstance(exc, httpx.ConnectTimeout):
        return proxy_failure(exc, request, proxy)
    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
    elif isinstance(exc, httpx.TimeoutException):
        what = "reading the reply from" if reading else "waiting for a reply from"
        error = APITimeoutError(f"Timed out {what} {where}", request_sent=True)
    elif tls:
        error = APIConnectionError(f"TLS failed with {where}", request_sent=reading)
    elif isinstance(exc, httpx.ConnectError):
        error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    elif isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError, OSError)):
        what = "while reading the reply" if reading else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=reading or None)
    finish_message(error, exc, request)
    return error


class HttpxResponse(AsyncReply):
    """An httpx reply, its raw body read as it arrives (the shared state machine is
    ``AsyncReply``'s)."""

    def __init__(self, raw: httpx.Response, request: Request) -> None:
        self._loop = asyncio.get_running_loop()
        super().__init__(
            request, raw.status_code, Headers(raw.headers.multi_items()), raw.reason_phrase
        )
        self._raw = raw
        self._chunks: AsyncIterator[bytes] | None = None

    def _length_enforced(self) -> bool:
        return True  # h11 raises RemoteProtocolError on a short sized or chunked body

    async def _read_raw(self) -> bytes:
        chunks = self._chunks
        if chunks is None:
            chunks = self._chunks = self._raw.aiter_raw()
        try:
            return await within_deadline(
                self._request, chunks.__anext__(), "reading the reply from"
            )
        except StopAsyncIteration:
            return b""  # httpx handed the connection back to its pool

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        return translate(exc, self._request, reading=True)

    async def _discard(self) -> None:
        with contextlib.suppress(Exception):
            await self._raw.aclose()  # closes the connection of an unfinished body

    def _closer(self) -> Callable[[], object]:
        # httpx would keep the connection checked out of its pool for good.
        return functools.partial(_close_later, self._raw)


async def _close_quietly(raw: httpx.Response) -> None:
    with contextlib.suppress(Exception):
        await raw.aclose()


_closing: set[Any] = set()  # tasks closing dropped replies, kept until they end


def _close_later(raw: httpx.Response) -> None:
    task = asyncio.get_running_loop().create_task(_close_quietly(raw))  # run by the loop
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class HttpxTransport:
    """Sends requests through pooled ``httpx.AsyncHTTPTransport`` instances (one pool
    per proxy in use), created on first use.

    ``verify``: ``True`` (system CAs), ``False`` (no TLS verification) or a CA bundle
    path. ``max_connections``: open connections at most, per client. ``proxy``: by
    default the environment's (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
    ``NO_PROXY``); a URL such as ``http://user:password@host:3128`` for every
    request; ``None`` for none. HTTPS goes through the proxy with ``CONNECT``. A
    ``client`` of your own is used as given, without proxies, and is not closed by
    ``aclose``. The transport serves one event loop at a time: used from another, it
    starts new clients there.
    """

    def __init__(
        self,
        *,
        verify: bool | str = True,
        max_connections: int = MAX_CONNECTIONS,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        check_options(verify, max_connections)
        check_proxy(proxy)
        if client is not None and proxy is not PROXY_FROM_ENVIRONMENT:
            raise InvalidArgumentError(
                "pass a proxy or a client of your own, not both", argument="proxy"
            )
        self._verify = verify
        self._max_connections = max_connections
        self._proxy = proxy
        self._owned = client is None
        self._user_client = client
        # Our own: one httpx transport per proxy in use, sent to without an AsyncClient
        # (its cookie jar, auth and redirect layers are work our calls never need).
        self._pools: Dict[Proxy | None, ShardedTransport] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._context: ssl.SSLContext | None = None
        self._routes = routes(proxy, _proxy_env.environment) if self._owned else None
        self._timeouts: Dict[Tuple[Any, Any], httpx.Timeout] = {}

    def _new_pool(self, proxy: Proxy | None) -> ShardedTransport:
        if self._context is None:
            self._context = _ssl_context(self._verify)
        wire_proxy = None
        if proxy is not None:
            auth = proxy.authorization()
            headers = {"Proxy-Authorization": auth} if auth else None
            wire_proxy = httpx.Proxy(proxy.url, headers=headers)  # URL without credentials
        context = self._context

        def shard(size: int) -> httpx.AsyncHTTPTransport:
            limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
            return httpx.AsyncHTTPTransport(
                verify=context, limits=limits, proxy=wire_proxy, trust_env=False, retries=0
            )

        return ShardedTransport(shard, self._max_connections)

    async def _pool(self, proxy: Proxy | None) -> ShardedTransport:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Made in another loop (asyncio.run twice): their connections belong there.
            old, self._pools = self._pools, {}
            self._loop = loop
            for stale in old.values():
                with contextlib.suppress(Exception):
                    await stale.aclose()
        pool = self._pools.get(proxy)
        if pool is None:
            pool = self._pools[proxy] = self._new_pool(proxy)
        return pool

    def _proxy_for(self, url: str) -> Proxy | None:
        if self._routes is None:
            return None
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return None  # httpx refuses the URL itself
        return self._routes.for_target(scheme, parts.hostname or "", port)

    def _timeout(self, request: Request) -> httpx.Timeout:
        connect, read = request.timeout.connect, request.timeout.read
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            # Writing the request waits as reading does; waiting for a pooled
            # connection is bounded by the read timeout (and the deadline).
            timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=read)
            self._timeouts[key] = timeout
        return timeout

    def _exchange(self, request: Request, pool: ShardedTransport | None) -> Awaitable[Any]:
        timeout = self._timeout(request)
        client = self._user_client
        if pool is None:
            assert client is not None
            return client.send(
                client.build_request(
                    request.method,
                    request.url,
                    content=request.body,
                    # Plain strings at the last hop, never in a named local of ours.
                    headers=plain_headers(_headers(request)),
                    timeout=timeout,
                ),
                stream=True,
                follow_redirects=False,
            )
        return pool.handle_async_request(
            httpx.Request(
                request.method,
                request.url,
                content=request.body,
                headers=plain_headers(_headers(request)),
                extensions={"timeout": timeout.as_dict()},
            )
        )

    async def send(self, request: Request) -> HttpxResponse:
        proxy = self._proxy_for(request.url)
        pool = None if self._user_client is not None else await self._pool(proxy)
        try:
            raw = await within_deadline(
                request, self._exchange(request, pool), "waiting for a reply from"
            )
        except APIConnectionError:
            raise
        except Exception as exc:
            forget_locals(exc)  # httpx's frames hold the headers
            raise scrub_proxy(translate(exc, request, reading=False, proxy=proxy), proxy) from exc
        response = HttpxResponse(raw, request)
        if proxy is not None and raw.status_code == 407 and not request.url.startswith("https:"):
            # A forwarding proxy's own refusal, not the API's reply.
            await response.aclose()
            raise scrub_proxy(
                proxy_failure(OSError("407 Proxy Authentication Required"), request, proxy), proxy
            )
        return response

    async def aclose(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            with contextlib.suppress(Exception):  # made in a loop that is gone
                await pool.aclose()

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: clients never travel.
        if not self._owned:
            raise TypeError("an HttpxTransport over a client of your own cannot be pickled")
        options: Dict[str, Any] = {"verify": self._verify, "max_connections": self._max_connections}
        if self._proxy is not PROXY_FROM_ENVIRONMENT:
            options["proxy"] = self._proxy
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        return (
            f"HttpxTransport(max_connections={self._max_connections}{describe_proxy(self._proxy)})"
        )


def _headers(request: Request) -> Mapping[str, str]:
    headers = request.headers
    return headers if "accept-encoding" in headers else {**headers, **IDENTITY}
