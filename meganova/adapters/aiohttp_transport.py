"""The fast async transport: one pooled ``aiohttp.ClientSession`` per event loop
(``pip install 'meganova[aiohttp]'``).

aiohttp connects, pools, sends and parses (it skips ``1xx`` replies and checks a
body's length); everything else is ours, as on the sync transports: proxies by our
rules (``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY``, never aiohttp's
``trust_env``), ``Content-Encoding`` undone in bounded steps (aiohttp's own
decompression has no bound), the call's deadline as aiohttp's ``total`` timeout,
redirects and retries left to core, and every failure an ``APIConnectionError`` or
``APITimeoutError`` with the cause chained. Public aiohttp API only.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any, Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from ..core.errors import APIConnectionError, APITimeoutError, InvalidArgumentError
from ..core.http import MAX_SECONDS, Headers, Request
from ..core.proxy import (
    PROXY_FROM_ENVIRONMENT,
    Proxy,
    ProxyFromEnvironment,
    check_proxy,
    describe_proxy,
    routes,
)
from ..core.redact import Sensitive
from . import _proxy_env
from ._async_reply import AsyncReply, deadline_passed, plain_headers
from ._errors import finish_message, forget_locals, invalid_input, origin, translate_socket_error
from ._lifecycle import check_options, rebuild
from ._proxy_errors import proxy_failure, proxy_refused, scrub_proxy

__all__ = ["AiohttpResponse", "AiohttpTransport"]

MAX_CONNECTIONS = 100  # aiohttp's own default
# Before 3.11, ClientSession.close() returned before its TLS connections were closed.
_VERSION = tuple(int(p) for p in aiohttp.__version__.split(".")[:2] if p.isdigit())
_CLOSE_RETURNS_EARLY = _VERSION < (3, 11)
IDENTITY = {"Accept-Encoding": "identity"}  # as http.client asks on the sync transports


class _SentOnce(aiohttp.ClientError):
    """A failure after the request may have reached the server. aiohttp sends an
    idempotent request a second time on such a failure; wrapped in this, it does not
    (core alone decides resends, and counts them)."""


async def _no_resend(request: Any, handler: Any) -> Any:
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # nothing was sent: aiohttp does not resend these either
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
        raise _SentOnce(str(exc)) from exc


def _session_options() -> Dict[str, Any]:
    """Options this aiohttp accepts (``middlewares`` since 3.12)."""
    try:
        aiohttp.ClientSession.__init__.__code__.co_varnames.index("middlewares")
    except ValueError:
        return {}
    return {"middlewares": (_no_resend,)}


def _client_timeout(connect: float | None, read: float | None, total: float | None) -> Any:
    # sock_connect bounds opening a connection (TLS included); connect bounds waiting
    # for a free one in the pool too: bounded by the longer of both timeouts.
    options: Dict[str, Any] = {
        "total": total,
        "connect": None if read is None or connect is None else max(read, connect),
        "sock_connect": connect,
        "sock_read": read,
    }
    try:  # no rounding up to the next second (aiohttp >= 3.9 rounds waits above 5 s)
        return aiohttp.ClientTimeout(**options, ceil_threshold=MAX_SECONDS)
    except TypeError:
        return aiohttp.ClientTimeout(**options)


def translate(
    exc: BaseException, request: Request, *, reading: bool, proxy: Proxy | None = None
) -> APIConnectionError:
    """Map one aiohttp/asyncio/ssl failure to core's error. ``reading``: it happened
    while reading a body. ``proxy``: the proxy the request went through."""
    if isinstance(exc, _SentOnce) and exc.__cause__ is not None:
        exc = exc.__cause__
    if proxy is not None and isinstance(
        exc, (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError)
    ):
        return proxy_failure(exc, request, proxy)
    if not reading and (isinstance(exc, aiohttp.InvalidURL) or invalid_input(exc)):
        return translate_socket_error(exc, request, "send")  # unsendable, never retried
    where = origin(request.url)
    error: APIConnectionError
    if isinstance(exc, aiohttp.ServerTimeoutError) and "onnect" in type(exc).__name__:
        error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
    elif isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        what = "reading the reply from" if reading else "waiting for a reply from"
        error = APITimeoutError(f"Timed out {what} {where}", request_sent=True)
    elif isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError)):
        error = APIConnectionError(f"TLS failed with {where}", request_sent=reading)
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    elif isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError)):
        what = "while reading the reply" if reading else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    elif isinstance(exc, aiohttp.ClientResponseError):  # a malformed reply
        error = APIConnectionError(f"The reply from {where} was malformed", request_sent=True)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=reading or None)
    finish_message(error, exc, request)
    return error


def _headers(request: Request, proxy: Proxy | None) -> Mapping[str, str]:
    headers = request.headers
    extra: Dict[str, str] = {} if "accept-encoding" in headers else IDENTITY
    if proxy is not None and not _tunnelled(request):
        auth = proxy.authorization()
        if auth:  # a forwarding proxy reads it off the request itself
            extra = {**extra, "Proxy-Authorization": Sensitive(auth)}
    return {**headers, **extra} if extra else headers


def _tunnelled(request: Request) -> bool:
    return request.url[:6].lower() == "https:"


def _proxy_options(request: Request, proxy: Proxy | None) -> Dict[str, Any]:
    """aiohttp's per-request proxy arguments (call inline: the credentials are plain)."""
    if proxy is None:
        return {}
    options: Dict[str, Any] = {"proxy": URL(proxy.url)}  # without credentials
    auth = proxy.authorization()
    if auth and _tunnelled(request):
        options["proxy_headers"] = {"Proxy-Authorization": auth}  # on the CONNECT
    return options


class AiohttpResponse(AsyncReply):
    """An aiohttp reply, its body read as it arrives (the shared state machine is
    ``AsyncReply``'s)."""

    def __init__(self, raw: aiohttp.ClientResponse, request: Request) -> None:
        self._loop = asyncio.get_running_loop()
        super().__init__(
            request, raw.status, Headers(list(raw.headers.items())), str(raw.reason or "")
        )
        self._raw = raw

    def _length_enforced(self) -> bool:
        return True  # aiohttp raises ClientPayloadError on a short sized or chunked body

    def _ended(self) -> bool:
        return self._raw.content.at_eof()  # its parser saw the body's end

    async def _read_raw(self) -> bytes:
        return await self._raw.content.readany()

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        return translate(exc, self._request, reading=True)

    async def _recycle(self) -> None:
        self._raw.release()  # the body ended: back to the pool

    async def _discard(self) -> None:
        with contextlib.suppress(Exception):
            self._raw.close()  # closes the connection: the rest of the body is never read

    def _closer(self) -> Callable[[], object]:
        # aiohttp's own reply stays alive (its body reader holds a callback to it) until
        # the body ends or the read timeout fires: its finalizer would come too late.
        return self._raw.close


class AiohttpTransport:
    """Sends requests through one pooled ``aiohttp.ClientSession``, created in the
    running event loop on first use (so it can be built outside one).

    ``verify``: ``True`` (system CAs), ``False`` (no TLS verification) or a CA bundle
    path. ``max_connections``: open connections at most (all hosts). ``proxy``: by
    default the environment's (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
    ``NO_PROXY``); a URL such as ``http://user:password@host:3128`` for every
    request; ``None`` for none. HTTPS goes through the proxy with ``CONNECT``. A
    ``session`` of your own (made with ``auto_decompress=False``) is used as given,
    without proxies, and is not closed by ``aclose``. The transport serves one event
    loop at a time: used from another, it starts a new session there.
    """

    def __init__(
        self,
        *,
        verify: bool | str = True,
        max_connections: int = MAX_CONNECTIONS,
        proxy: str | ProxyFromEnvironment | None = PROXY_FROM_ENVIRONMENT,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        check_options(verify, max_connections)
        check_proxy(proxy)
        if session is not None:
            if proxy is not PROXY_FROM_ENVIRONMENT:
                raise InvalidArgumentError(
                    "pass a proxy or a session of your own, not both", argument="proxy"
                )
            if session.auto_decompress:
                raise InvalidArgumentError(
                    "the session must be made with auto_decompress=False: the transport "
                    "decompresses within its size caps",
                    argument="session",
                )
        self._verify = verify
        self._max_connections = max_connections
        self._proxy = proxy
        self._owned = session is None
        self._session: aiohttp.ClientSession | None = session
        self._loop: asyncio.AbstractEventLoop | None = None
        self._routes = routes(proxy, _proxy_env.environment) if self._owned else None
        self._timeouts: Dict[Tuple[Optional[float], Optional[float]], Any] = {}

    def _new_session(self) -> aiohttp.ClientSession:
        verify = self._verify
        context: ssl.SSLContext | bool
        if verify is False:
            context = False
        else:
            context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
        connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=context)
        options = _session_options()
        session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # ours is bounded; aiohttp's is not
            trust_env=False,  # proxies by our rules
            cookie_jar=aiohttp.DummyCookieJar(),  # as the sync transports: no cookies kept
            skip_auto_headers=("Content-Type",),  # never invent one for a body
            **options,
        )
        if not options and hasattr(session, "_retry_connection"):
            # No middlewares (aiohttp < 3.12): its one resend is turned off through
            # the private switch, where this aiohttp has it.
            session._retry_connection = False
        return session

    async def _current(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and (self._loop is loop or not self._owned):
            return session
        if session is not None:
            # Made in another loop (asyncio.run twice): its connections belong there.
            try:
                await session.close()
            except Exception:
                session.detach()
        self._session = session = self._new_session()
        self._loop = loop
        return session

    def _proxy_for(self, url: str) -> Proxy | None:
        if self._routes is None:
            return None
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            return None  # aiohttp refuses the URL itself
        return self._routes.for_target(scheme, parts.hostname or "", port)

    def _timeout(self, request: Request) -> Any:
        connect, read = request.timeout.connect, request.timeout.read
        budget = request.budget
        if budget is not None:
            left = budget.remaining()
            if left <= 0:
                raise deadline_passed(request, "sending the request to")
            return _client_timeout(connect, read, left)
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            timeout = self._timeouts[key] = _client_timeout(connect, read, None)
        return timeout

    async def send(self, request: Request) -> AiohttpResponse:
        session = await self._current()
        proxy = self._proxy_for(request.url)
        try:
            raw = await session.request(
                request.method,
                URL(request.url, encoded=True),  # as core built it: never re-quoted
                data=request.body,
                # Plain strings at the last hop, never in a named local of ours.
                headers=plain_headers(_headers(request, proxy)),
                allow_redirects=False,
                timeout=self._timeout(request),
                **_proxy_options(request, proxy),
            )
        except APIConnectionError:
            raise
        except Exception as exc:
            forget_locals(exc)  # aiohttp's frames hold the headers
            raise scrub_proxy(translate(exc, request, reading=False, proxy=proxy), proxy) from exc
        response = AiohttpResponse(raw, request)
        if proxy is not None and raw.status == 407 and not request.url.startswith("https:"):
            # A forwarding proxy's own refusal, not the API's reply.
            await response.aclose()
            raise proxy_refused(request, proxy)
        return response

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is None or not self._owned:
            self._session = session
            return
        if self._loop is asyncio.get_running_loop():
            await session.close()
            if _CLOSE_RETURNS_EARLY:
                # aiohttp's documented graceful shutdown before it waited itself: TLS
                # connections finish closing on later turns of the loop.
                await asyncio.sleep(0.25)
        else:
            session.detach()  # its loop is gone: nothing left to await there

    def __del__(self) -> None:
        # Dropped without aclose(): aiohttp would log "Unclosed client session" (and
        # "Unclosed connector") at exit. Close it on its loop, or, that loop gone,
        # mark it closed (its sockets went with the loop).
        session = getattr(self, "_session", None)
        if session is None or not self._owned or session.closed:
            return
        loop = self._loop
        try:
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(_close_on_loop, loop, session)
                return
            connector = session.connector
            session.detach()
            if connector is not None:
                _run_done(connector.close())
        except Exception:
            pass

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickles as a fresh transport with the same options: sessions never travel.
        if not self._owned:
            raise TypeError("an AiohttpTransport over a session of your own cannot be pickled")
        options: Dict[str, Any] = {"verify": self._verify, "max_connections": self._max_connections}
        if self._proxy is not PROXY_FROM_ENVIRONMENT:
            options["proxy"] = self._proxy
        return (rebuild, (type(self), options))

    def __repr__(self) -> str:
        return (
            f"AiohttpTransport(max_connections={self._max_connections}"
            f"{describe_proxy(self._proxy)})"
        )


_closing: set[Any] = set()  # tasks closing dropped sessions, kept until they end


def _close_on_loop(loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession) -> None:
    task = loop.create_task(session.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _run_done(awaitable: Any) -> None:
    """Finish an awaitable that completes without waiting (a closed loop's connector
    has nothing left to close), so it is not reported as never awaited."""
    steps = awaitable.__await__()
    try:
        next(steps)
    except StopIteration:
        return
    steps.close()
