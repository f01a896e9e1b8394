"""The public transport contract (``meganova.testing.contract``) run as a user runs
it: every transport shipped here passes it against its local server, and so does a
small third-party transport written below over http.client alone. Flawed variants of
that transport show each guarantee is really checked: the suite can fail."""

from __future__ import annotations

import asyncio
import dataclasses
import http.client
import socket
import zlib
from typing import Any, Dict, Iterator, List, Tuple, Type
from urllib.parse import urlsplit

import pytest

from meganova.core.errors import APIConnectionError, APITimeoutError
from meganova.core.http import Headers, Request
from meganova.testing.contract import AsyncTransportContract, TransportContract, server

# -- every transport here -----------------------------------------------------------------


class TestUrllib3Transport(TransportContract):
    def make_transport(self) -> Any:
        from meganova.adapters.urllib3_transport import Urllib3Transport

        return Urllib3Transport(proxy=None)


class TestStdlibTransport(TransportContract):
    def make_transport(self) -> Any:
        from meganova.adapters.stdlib_transport import UrllibTransport

        return UrllibTransport(proxy=None)


class TestRequestsTransport(TransportContract):
    def make_transport(self) -> Any:
        pytest.importorskip("requests", reason="pip install 'meganova[requests]'")
        from meganova.adapters.requests_transport import RequestsTransport

        return RequestsTransport(proxy=None)


class TestAiohttpTransport(AsyncTransportContract):
    def make_transport(self) -> Any:
        pytest.importorskip("aiohttp", reason="pip install 'meganova[aiohttp]'")
        from meganova.adapters.aiohttp_transport import AiohttpTransport

        return AiohttpTransport(proxy=None)


class TestHttpxTransport(AsyncTransportContract):
    async def make_transport(self) -> Any:  # an async factory works too
        pytest.importorskip("httpx", reason="pip install 'meganova[httpx]'")
        from meganova.adapters.httpx_transport import HttpxTransport

        return HttpxTransport(proxy=None)


class TestThreadTransport(AsyncTransportContract):
    def make_transport(self) -> Any:
        from meganova.adapters.stdlib_transport import UrllibTransport
        from meganova.adapters.thread_transport import ThreadTransport

        return ThreadTransport(UrllibTransport(proxy=None))


class TestThreadTransportOverUrllib3(AsyncTransportContract):
    def make_transport(self) -> Any:
        from meganova.adapters.thread_transport import ThreadTransport
        from meganova.adapters.urllib3_transport import Urllib3Transport

        return ThreadTransport(Urllib3Transport(proxy=None))


# -- a third party's transport: http.client, no meganova adapter code ---------------------


class _SkipInterim(http.client.HTTPResponse):
    def begin(self) -> None:  # http.client skips only 100 Continue
        super().begin()
        while 100 <= self.status < 200:
            self.headers = self.msg = None  # type: ignore[assignment]
            super().begin()


class _Connection(http.client.HTTPConnection):
    response_class = _SkipInterim


def _guarded(call: Any) -> Any:
    try:
        return call()
    except socket.timeout as exc:
        raise APITimeoutError(f"timed out: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise APIConnectionError(f"connection failed: {exc!r}") from exc


def _bound(sock: socket.socket, request: Request) -> None:
    """The next wait: the read timeout, or what is left of the deadline when less."""
    limit = request.timeout.read
    if request.budget is not None:
        limit = request.budget.wait_limit(limit)
        if limit <= 0:
            raise socket.timeout("the deadline passed")
    sock.settimeout(limit)


class TinyResponse:
    checks_length = True

    def __init__(self, raw: Any, conn: _Connection, pool: List[_Connection], request: Request):
        self.status, self.reason = raw.status, raw.reason
        self.headers = Headers(raw.getheaders())
        self._raw, self._conn, self._pool, self._ended = raw, conn, pool, False
        self._sock, self._request = conn.sock, request
        gzipped = self.headers.get("content-encoding") == "gzip"
        self._unzip = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None

    def iter_bytes(self) -> Iterator[bytes]:
        while not self._ended:
            _guarded(lambda: _bound(self._sock, self._request))
            data = _guarded(lambda: self._raw.read1(65536))
            if not data:
                if self._raw.length and self.checks_length:  # read1: b"" when cut short
                    raise APIConnectionError("the body ended early")
                self._ended = True
                self._raw.close()  # lets http.client send the next request
                return
            yield self._unzip.decompress(data) if self._unzip else data

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._ended and not self._raw.will_close:
            self._pool.append(conn)
        elif conn is not None:
            conn.close()


class TinyTransport:
    def __init__(self) -> None:
        self._pools: Dict[Tuple[str, int], List[_Connection]] = {}

    def send(self, request: Request) -> TinyResponse:
        url = urlsplit(request.url)
        pool = self._pools.setdefault((url.hostname or "", url.port or 80), [])
        try:
            conn = pool.pop()
        except IndexError:
            conn = _Connection(url.hostname or "", url.port)
        conn.timeout = request.timeout.connect

        def exchange() -> Any:
            if conn.sock is None:
                conn.connect()
            _bound(conn.sock, request)
            target = url.path + (f"?{url.query}" if url.query else "")
            conn.request(request.method, target, request.body, dict(request.headers))
            return conn.getresponse()

        try:
            return TinyResponse(_guarded(exchange), conn, pool, request)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        for pool in self._pools.values():
            while pool:
                pool.pop().close()


class TestTinyThirdPartyTransport(TransportContract):
    def make_transport(self) -> Any:
        return TinyTransport()


# -- the suite can fail --------------------------------------------------------------------


class Buffering(TinyTransport):
    """Reads the whole body before returning the reply."""

    def send(self, request: Request) -> TinyResponse:
        response = super().send(request)
        whole = response.read()
        response.iter_bytes = lambda: iter([whole])  # type: ignore[method-assign]
        return response


class NoPool(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        self.close()
        return super().send(request)


class RawErrors(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        url = urlsplit(request.url)
        socket.create_connection((url.hostname, url.port), 1).close()  # a bare OSError
        return super().send(request)


class ShowsRedacted(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        headers = {name: str(value) for name, value in request.headers.items()}
        return super().send(Request(request.method, request.url, headers, request.body))


class IgnoresShortBodies(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        response = super().send(request)
        response.checks_length = False
        return response


class FollowsRedirects(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        response = super().send(request)
        location = response.headers.get("location")
        if 300 <= response.status < 400 and location:
            response.read()
            response.close()
            return super().send(Request("GET", location, {}, None, request.timeout))
        return response


class PoolsHalfRead(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        response = super().send(request)

        def close() -> None:  # closed mid-body, yet pooled
            response._raw.close()
            response._ended = True
            TinyResponse.close(response)

        response.close = close  # type: ignore[method-assign]
        return response


class IgnoresDeadline(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        return super().send(dataclasses.replace(request, budget=None))


class Resends(TinyTransport):
    def send(self, request: Request) -> TinyResponse:
        try:
            return super().send(request)
        except APIConnectionError:
            return super().send(request)


def run_case(transport: Type[TinyTransport], case: str) -> None:
    class Contract(TransportContract):
        def make_transport(self) -> Any:
            return transport()

    contract = Contract()
    contract.setup_method()
    try:
        getattr(contract, case)()
    finally:
        contract.teardown_method()


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate nobody opens gives up after 2 s instead of 10."""
    monkeypatch.setattr(server, "WAIT_LIMIT", 2.0)


FLAWS = [
    (Buffering, "test_pieces_arrive_before_the_rest_of_the_body_exists", "whole body"),
    (NoPool, "test_a_connection_is_reused_once_its_body_was_read", "connections"),
    (RawErrors, "test_a_refused_connection_is_a_connection_error", "ConnectionRefused"),
    (ShowsRedacted, "test_the_request_arrives_exactly_as_given", "Sensitive"),
    (IgnoresShortBodies, "test_a_truncated_body_is_a_connection_error", "sized"),
    (FollowsRedirects, "test_a_redirect_is_returned_not_followed", "status"),
    (PoolsHalfRead, "test_a_half_read_body_is_never_reused", "next request"),
    (IgnoresDeadline, "test_the_deadline_bounds_a_dripping_body", "nothing was raised"),
    (Resends, "test_a_request_is_sent_once_whatever_happens", "times the GET was sent"),
]


@pytest.mark.parametrize(
    ("transport", "case", "message"), FLAWS, ids=[flaw[0].__name__ for flaw in FLAWS]
)
def test_a_flawed_transport_fails_its_case(
    short_waits: None, transport: Type[TinyTransport], case: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        run_case(transport, case)
    run_case(TinyTransport, case)  # the same case, on the sound transport


class _Unresponsive:
    """An async face over the tiny transport that forgets a reply closed mid-body:
    the cancelled reader's connection stays open."""

    def __init__(self) -> None:
        self.sync = TinyTransport()
        self.replies: List[TinyResponse] = []

    async def send(self, request: Request) -> Any:
        loop = asyncio.get_running_loop()
        reply = await loop.run_in_executor(None, self.sync.send, request)
        self.replies.append(reply)
        return _UnresponsiveReply(reply)

    async def aclose(self) -> None:
        self.sync.close()
        for reply in self.replies:  # only now: the case is over
            reply._ended = False
            reply.close()


class _UnresponsiveReply:
    def __init__(self, response: TinyResponse) -> None:
        self.status, self.headers, self.reason = response.status, response.headers, ""
        self._response = response

    async def aiter_bytes(self) -> Any:
        chunks = self._response.iter_bytes()
        loop = asyncio.get_running_loop()
        while (piece := await loop.run_in_executor(None, next, chunks, None)) is not None:
            yield piece

    async def aread(self) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(None, self._response.read)

    async def aclose(self) -> None:
        if self._response._ended:
            self._response.close()


def test_an_async_transport_that_keeps_a_cancelled_connection_fails() -> None:
    class Contract(AsyncTransportContract):
        def make_transport(self) -> Any:
            return _Unresponsive()

    contract = Contract()
    contract.setup_method()
    try:
        with pytest.raises(AssertionError, match="stayed open"):
            contract.test_cancelling_a_read_mid_body_discards_the_connection()
    finally:
        contract.teardown_method()
