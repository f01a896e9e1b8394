"""The transport contract harness: one ``Server`` API with two backends.

Each behavioural case is written once against ``server`` and ``client`` and runs for
every transport: "urllib3" and "stdlib" against a real pytest-httpserver on 127.0.0.1,
"fake" against a FakeTransport handler. Both backends share one ``Router``: replies
are queued per (host, method, path) and used in order, the last one repeating.

Cases that need real sockets use ``socket_transport`` (and the ``raw`` server), which
skips the fake with the reason ``NEEDS_SOCKETS``.
"""

from __future__ import annotations

import json as jsonlib
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.budget import TimeBudget
from meganova.core.http import Headers, Request, Timeout
from tests.clock import VirtualClock
from tests.contract.rawserver import RawServer, chat_echo

TRANSPORTS = ("urllib3", "stdlib", "requests", "fake")
SOCKET_TRANSPORTS = ("urllib3", "stdlib", "requests")
NO_REQUESTS = "requests is not installed (pip install 'meganova[requests]')"
NEEDS_SOCKETS = "needs real sockets: the fake transport has no connections to reset, stall or pool"
GATE_LIMIT = 10.0  # a gate nobody opens still lets the server finish
FAKE_HOSTS = {"main": "main.test", "other": "other.test"}

Chunk = Union[bytes, threading.Event]
Payload = Union[Any, Callable[["Received"], Any]]


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Headers
    body: bytes
    host: str = "main"

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    json: Payload = None
    body: Optional[bytes] = None
    chunks: Optional[List[Chunk]] = None
    headers: Dict[str, str] = field(default_factory=dict)

    def render(self, record: Received) -> Tuple[Optional[bytes], Dict[str, str]]:
        headers = dict(self.headers)
        if self.chunks is not None:
            return None, headers
        if self.body is not None:
            return self.body, headers
        value = self.json(record) if callable(self.json) else self.json
        headers.setdefault("Content-Type", "application/json")
        return jsonlib.dumps(value if value is not None else {}).encode(), headers


def gated(chunks: List[Chunk]) -> Iterator[bytes]:
    """Yield the chunks; an Event among them holds the rest back until it is set."""
    for item in chunks:
        if isinstance(item, threading.Event):
            item.wait(GATE_LIMIT)
        else:
            yield item


class Router:
    """Replies and recorded requests, shared by both backends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: Dict[Tuple[str, str, str], Deque[Reply]] = {}
        self.received: List[Received] = []

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self.received = []

    def add(self, host: str, method: str, path: str, reply: Reply) -> None:
        with self._lock:
            self._routes.setdefault((host, method.upper(), path), deque()).append(reply)

    def handle(self, record: Received) -> Reply:
        with self._lock:
            self.received.append(record)
            queue = self._routes.get((record.host, record.method, record.path))
            if not queue:
                return Reply(404, json={"error": {"message": "no route", "code": "no_route"}})
            return queue.popleft() if len(queue) > 1 else queue[0]


class Server:
    """What a contract case sees, whatever the backend."""

    kind = ""

    def __init__(self, router: Router) -> None:
        self.router = router

    def url(self, path: str = "", host: str = "main") -> str:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        return self.url("/v1")

    def reply(
        self,
        method: str,
        path: str,
        status: int = 200,
        *,
        json: Payload = None,
        body: Optional[bytes] = None,
        chunks: Optional[List[Chunk]] = None,
        headers: Optional[Dict[str, str]] = None,
        host: str = "main",
    ) -> None:
        """Queue a reply; several for one route are used in order, the last repeats."""
        self.router.add(host, method, path, Reply(status, json, body, chunks, dict(headers or {})))

    @property
    def received(self) -> List[Received]:
        return list(self.router.received)

    def received_at(self, path: str, host: str = "main") -> List[Received]:
        return [r for r in self.router.received if r.path == path and r.host == host]


class HTTPServerBackend(Server):
    kind = "http"

    def __init__(self, router: Router, servers: Dict[str, HTTPServer]) -> None:
        super().__init__(router)
        self.servers = servers

    def url(self, path: str = "", host: str = "main") -> str:
        return self.servers[host].url_for(path) if path else self.servers[host].url_for("")


def _werkzeug_handler(router: Router, host: str) -> Callable[[WerkzeugRequest], WerkzeugResponse]:
    def handler(request: WerkzeugRequest) -> WerkzeugResponse:
        record = Received(
            method=request.method,
            path=request.path,
            query=parse_qs(request.query_string.decode(), keep_blank_values=True),
            headers=Headers(list(request.headers.items())),
            body=request.get_data(),
            host=host,
        )
        reply = router.handle(record)
        body, headers = reply.render(record)
        if reply.chunks is not None:
            # No Content-Length: werkzeug sends each yielded piece as an HTTP chunk.
            return WerkzeugResponse(gated(reply.chunks), reply.status, headers)
        return WerkzeugResponse(body, reply.status, headers)

    return handler


class FakeBackend(Server):
    kind = "fake"

    def __init__(self, router: Router) -> None:
        super().__init__(router)
        self.transport = FakeTransport(self._handle)

    def url(self, path: str = "", host: str = "main") -> str:
        return f"http://{FAKE_HOSTS[host]}{path}"

    def _handle(self, request: Request) -> FakeResponse:
        parts = urlsplit(request.url)
        hosts = {v: k for k, v in FAKE_HOSTS.items()}
        record = Received(
            method=request.method,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=Headers(request.headers),
            body=request.body or b"",
            host=hosts.get(parts.hostname or "", parts.hostname or ""),
        )
        reply = self.router.handle(record)
        body, headers = reply.render(record)
        if reply.chunks is not None:
            return FakeResponse(reply.status, gated(reply.chunks), headers)
        return FakeResponse(reply.status, body or b"", headers)


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_servers() -> Iterator[Tuple[Router, Dict[str, HTTPServer]]]:
    """Two real servers ("main" and "other", distinct origins), started once per module."""
    router = Router()
    servers: Dict[str, HTTPServer] = {}
    for host in ("main", "other"):
        server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        server.expect_request(re.compile(".*")).respond_with_handler(
            _werkzeug_handler(router, host)
        )
        server.start()
        servers[host] = server
    yield router, servers
    for server in servers.values():
        server.clear()
        server.stop()


def _available(name: str) -> str:
    """The transport name, or a skip when its optional library is missing."""
    if name == "requests":
        pytest.importorskip("requests", reason=NO_REQUESTS)
    return name


def transport_instance(name: str, **options: Any) -> Any:
    """A socket transport by name, built with options (e.g. ``max_connections``)."""
    if name == "requests":
        from meganova.adapters.requests_transport import RequestsTransport

        return RequestsTransport(**options)
    if name == "urllib3":
        from meganova.adapters.urllib3_transport import Urllib3Transport

        return Urllib3Transport(**options)
    from meganova.adapters.stdlib_transport import UrllibTransport

    return UrllibTransport(**options)


@pytest.fixture(params=TRANSPORTS)
def transport_name(request: pytest.FixtureRequest) -> str:
    return _available(str(request.param))


@pytest.fixture
def server(transport_name: str, request: pytest.FixtureRequest) -> Iterator[Server]:
    if transport_name == "fake":
        yield FakeBackend(Router())
        return
    router, servers = request.getfixturevalue("http_servers")
    router.reset()
    yield HTTPServerBackend(router, servers)
    router.reset()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def make_client(
    transport_name: str, server: Server, clock: VirtualClock
) -> Iterator[Callable[..., MegaNova]]:
    """Build clients on this case's transport and server; all are closed afterwards."""
    transport = server.transport if isinstance(server, FakeBackend) else transport_name
    yield from _clients(base_url=server.base_url, clock=clock, transport=transport)


@pytest.fixture
def client(make_client: Callable[..., MegaNova]) -> MegaNova:
    return make_client(max_retries=0)


@pytest.fixture
def socket_transport(transport_name: str) -> str:
    """The transport for a case that needs real sockets; the fake is skipped."""
    if transport_name == "fake":
        pytest.skip(NEEDS_SOCKETS)
    return transport_name


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.stop()


@pytest.fixture(params=SOCKET_TRANSPORTS)
def real_transport(request: pytest.FixtureRequest) -> str:
    """For modules whose every case needs real sockets: no fake to skip."""
    return _available(str(request.param))


@pytest.fixture(scope="module")
def echo_server() -> Iterator[RawServer]:
    """A raw keep-alive server that answers every chat with the user's own text."""
    server = RawServer()
    server.on("/v1/chat/completions", chat_echo)
    yield server
    server.stop()


@pytest.fixture
def make_raw_client(
    socket_transport: str, raw: RawServer, clock: VirtualClock
) -> Iterator[Callable[..., MegaNova]]:
    raw.reset_counts()
    yield from _clients(
        base_url=raw.url("/v1"), clock=clock, max_retries=0, transport=socket_transport
    )


@pytest.fixture
def build(real_transport: str, raw: RawServer) -> Iterator[Callable[..., MegaNova]]:
    """Clients on the raw server over each real transport, no retries, a 5 s timeout."""
    raw.reset_counts()
    yield from _clients(
        base_url=raw.url("/v1"),
        transport=real_transport,
        max_retries=0,
        timeout=5,
        clock=VirtualClock(),
    )


def _clients(**defaults: Any) -> Iterator[Callable[..., MegaNova]]:
    """A fixture body: yields a client factory (``defaults`` under the caller's
    options), then closes every client it made."""
    made: List[MegaNova] = []

    def build(**options: Any) -> MegaNova:
        client = MegaNova(**{"api_key": "sk-test", **defaults, **options})
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


# -- the async transport contract (test_async_transport_contract.py) ---------------------
#
# Each case sees only the port (send, aread, aiter_bytes, aclose), a ``Stage`` of replies
# and a factory of transports, so the suite can run on any async transport.

ASYNC_TRANSPORTS = ("aiohttp", "httpx", "threads", "fake")
ASYNC_SOCKET_TRANSPORTS = ("aiohttp", "httpx", "threads")
ASYNC_KEY = "sk-async-5ecret-K3y-0123456789abcdef"
MISSING = {
    "aiohttp": "aiohttp is not installed (pip install 'meganova[aiohttp]')",
    "httpx": "httpx is not installed (pip install 'meganova[httpx]')",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Stage:
    """Replies by path: written on the raw server's sockets for a real transport, or
    handed out by an ``AsyncFakeTransport`` handler for the fake."""

    def __init__(self, raw: Optional[RawServer]) -> None:
        self.raw = raw
        self._fake: Dict[str, Callable[[], FakeResponse]] = {}
        self.fake_requests: List[Request] = []

    @property
    def sockets(self) -> bool:
        return self.raw is not None

    def url(self, path: str) -> str:
        return self.raw.url(path) if self.raw is not None else f"http://fake.test{path}"

    def on(
        self,
        path: str,
        status: int = 200,
        headers: Optional[Dict[str, str]] = None,
        chunks: Optional[List[bytes]] = None,
        body: bytes = b"",
    ) -> None:
        """A well-formed keep-alive reply: ``body`` with its Content-Length, or
        ``chunks`` as HTTP chunks."""
        headers = dict(headers or {})
        if self.raw is None:
            self._fake[path] = lambda: FakeResponse(
                status, list(chunks) if chunks is not None else body, headers
            )
            return
        from tests.contract.rawserver import LAST_CHUNK, chunk, head

        if chunks is not None:
            wire = head(status, {**headers, "Transfer-Encoding": "chunked"})
            wire += b"".join(chunk(c) for c in chunks) + LAST_CHUNK
        else:
            wire = head(status, {**headers, "Content-Length": str(len(body))}) + body
        self.raw.on(path, lambda conn, request: conn.send(wire))

    def script(self, path: str, script: Callable[..., bool]) -> None:
        """A raw-socket script (real transports only)."""
        assert self.raw is not None
        self.raw.on(path, script)

    def handle(self, request: Request) -> FakeResponse:
        self.fake_requests.append(request)
        path = urlsplit(request.url).path
        factory = self._fake.get(path)
        return factory() if factory is not None else FakeResponse(404, b"")


def async_transport_instance(name: str, stage: Stage, **options: Any) -> Any:
    if name == "fake":
        from meganova.adapters.fake_transport import AsyncFakeTransport

        return AsyncFakeTransport(stage.handle)
    if name == "aiohttp":
        pytest.importorskip("aiohttp", reason=MISSING["aiohttp"])
        from meganova.adapters.aiohttp_transport import AiohttpTransport

        return AiohttpTransport(**options)
    if name == "httpx":
        pytest.importorskip("httpx", reason=MISSING["httpx"])
        from meganova.adapters.httpx_transport import HttpxTransport

        return HttpxTransport(**options)
    from meganova.adapters.thread_transport import ThreadTransport
    from meganova.adapters.urllib3_transport import Urllib3Transport

    return ThreadTransport(Urllib3Transport(**options))


@pytest.fixture(params=ASYNC_TRANSPORTS)
def async_transport_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stage(async_transport_name: str, request: pytest.FixtureRequest) -> Stage:
    if async_transport_name == "fake":
        return Stage(None)
    server: RawServer = request.getfixturevalue("raw")
    server.reset_counts()
    return Stage(server)


@pytest.fixture
def socket_stage(stage: Stage) -> Stage:
    """The stage of a case that needs real sockets; the fake is skipped."""
    if not stage.sockets:
        pytest.skip(NEEDS_SOCKETS)
    return stage


@pytest.fixture
async def make_async_transport(async_transport_name: str, stage: Stage, anyio_backend: str) -> Any:
    """Build transports of this case's kind (``proxy=None`` unless given); each is
    closed afterwards."""
    made: List[Any] = []

    def build(**options: Any) -> Any:
        if async_transport_name != "fake":
            options.setdefault("proxy", None)
        transport = async_transport_instance(async_transport_name, stage, **options)
        made.append(transport)
        return transport

    yield build
    for transport in made:
        await transport.aclose()


def async_request(
    url: str,
    method: str = "GET",
    *,
    headers: Optional[Dict[str, str]] = None,
    body: Optional[bytes] = None,
    timeout: Any = (2.0, 2.0),
    deadline: Optional[float] = None,
) -> Request:
    return Request(
        method,
        url,
        headers or {},
        body,
        timeout=Timeout.coerce(timeout),
        budget=TimeBudget(deadline, time.monotonic) if deadline is not None else None,
    )


def frames_holding(error: BaseException, secret: str) -> List[str]:
    """Every local, in every frame of ``error`` and its chain, whose repr (or bytes)
    shows ``secret`` or its tail."""
    forms = [secret, secret[10:]]
    seen: set = set()
    todo = [error]
    leaks: List[str] = []
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
        tb = item.__traceback__
        while tb is not None:
            for name, value in tb.tb_frame.f_locals.items():
                try:
                    shown = repr(value)
                except Exception:
                    continue
                raw = bytes(value) if isinstance(value, (bytes, bytearray)) else b""
                if any(f in shown for f in forms) or secret.encode() in raw:
                    leaks.append(f"{tb.tb_frame.f_code.co_name}() local {name!r}")
            tb = tb.tb_next
    return leaks


# The fixtures and parameters that name a case's transport.
TRANSPORT_PARAMS = ("transport_name", "real_transport", "async_transport_name", "transport")


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """``MEGANOVA_TEST_TRANSPORTS=urllib3,requests`` keeps only those transports' cases and
    the cases that name no transport: CI reruns the suite on urllib3 1.26 and with the fast
    paths off for the transports those can change, not for the fake, aiohttp or httpx."""
    wanted = os.environ.get("MEGANOVA_TEST_TRANSPORTS", "")
    if not wanted:
        return
    keep = set(wanted.split(","))
    selected, deselected = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        named = {params[k] for k in TRANSPORT_PARAMS if isinstance(params.get(k), str)}
        (deselected if named and not named & keep else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
