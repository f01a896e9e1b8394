"""The transport contract: every case runs unchanged for urllib3, stdlib and fake.

Cases that need real sockets (resets, stalls, pooling, refused connections) run for
urllib3 and stdlib only; the fake is skipped with the reason NEEDS_SOCKETS.
"""

from __future__ import annotations

import os
import queue
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

import pytest

from meganova import MegaNova, __version__
from meganova.core.engine import RequestOptions
from meganova.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from tests.contract import rawserver
from tests.contract.conftest import Server, transport_instance
from tests.contract.rawserver import RawServer, refused_url
from tests.helpers import FORKS_WITH_THREADS, run_python

Factory = Callable[..., MegaNova]
KEY = "sk-test"


def assert_clean(error: BaseException, *, chained: bool = True) -> None:
    """A transport failure: typed, cause chained (unless the transport itself found the
    fault, e.g. a body shorter than its Content-Length), no key in the message."""
    assert isinstance(error, APIConnectionError)
    assert error.__cause__ is not None or not chained
    assert KEY not in str(error) and KEY not in repr(error.args)
    assert not type(error).__module__.startswith(("urllib3", "http", "socket", "ssl"))


# -- methods, query, bodies, headers ---------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_methods_reach_the_server(server: Server, client: MegaNova, method: str) -> None:
    server.reply(method, "/v1/things/1", json={"method": method})
    assert client.engine.request(method, "/things/1", cast_to=dict) == {"method": method}
    (seen,) = server.received
    assert (seen.method, seen.path) == (method, "/v1/things/1")


def test_query_string_is_encoded(server: Server, client: MegaNova) -> None:
    server.reply("GET", "/v1/search", json={"ok": True})
    query = {"q": "a b&c=d/é", "limit": 5, "flag": True, "tags": ["x", "y"], "none": None}
    client.engine.request("GET", "/search", cast_to=dict, query=query)
    (seen,) = server.received
    assert seen.query == {
        "q": ["a b&c=d/é"],
        "limit": ["5"],
        "flag": ["true"],
        "tags": ["x", "y"],
    }


def test_json_bodies_both_ways(server: Server, client: MegaNova) -> None:
    sent = {"text": "héllo \u2603", "n": [1, 2.5, None], "nested": {"ok": False}}
    server.reply("POST", "/v1/echo", json=lambda r: {"echo": r.json()})
    assert client.engine.request("POST", "/echo", cast_to=dict, json=sent) == {"echo": sent}
    (seen,) = server.received
    assert seen.headers["content-type"] == "application/json"
    assert seen.json() == sent


def test_large_body_round_trips(server: Server, client: MegaNova) -> None:
    blob = "x" * 1_000_000
    server.reply("POST", "/v1/echo", json=lambda r: {"size": len(r.body), "same": r.json() == blob})
    reply = client.engine.request("POST", "/echo", cast_to=dict, json=blob)
    assert reply == {"size": len(blob) + 2, "same": True}


def test_headers_sent(server: Server, make_client: Factory) -> None:
    client = make_client(user_agent_extra="myapp/2.0")
    server.reply("GET", "/v1/h", json={})
    client.engine.request("GET", "/h", cast_to=dict)
    (seen,) = server.received
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.headers["user-agent"] == f"meganova-python/{__version__} myapp/2.0"
    assert seen.headers["x-mn-sdk"] == "python"
    assert "x-mn-region" not in seen.headers
    assert "idempotency-key" not in seen.headers


def test_region_header_only_when_set(server: Server, make_client: Factory) -> None:
    server.reply("GET", "/v1/h", json={})
    make_client(region="eu-west").engine.request("GET", "/h", cast_to=dict)
    make_client(region="auto").engine.request("GET", "/h", cast_to=dict)
    first, second = server.received
    assert first.headers["x-mn-region"] == "eu-west"
    assert "x-mn-region" not in second.headers


def test_post_carries_an_idempotency_key(server: Server, client: MegaNova) -> None:
    server.reply("POST", "/v1/p", json={})
    client.engine.request("POST", "/p", cast_to=dict, json={})
    client.engine.request(
        "POST", "/p", cast_to=dict, json={}, options=RequestOptions.build(idempotency_key="k-1")
    )
    first, second = server.received
    assert first.headers["idempotency-key"].startswith("mn-")
    assert second.headers["idempotency-key"] == "k-1"


def test_response_headers_and_request_id(server: Server, client: MegaNova) -> None:
    server.reply("GET", "/v1/r", json={"a": 1}, headers={"x-request-id": "req_123", "X-Multi": "1"})
    response = client.engine.open_stream("GET", "/r")
    try:
        assert response.status == 200
        assert response.headers["X-REQUEST-ID"] == "req_123"
        assert response.headers["x-multi"] == "1"
        assert response.read() == b'{"a": 1}'
        assert response.read() == b""
    finally:
        response.close()


# -- status mapping -----------------------------------------------------------------------

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
def test_status_maps_to_error_class(
    server: Server, client: MegaNova, status: int, cls: type[APIError]
) -> None:
    body = {"error": {"message": f"bad {status}", "code": f"c{status}"}}
    server.reply("GET", "/v1/e", status, json=body, headers={"x-request-id": f"req_{status}"})
    with pytest.raises(cls) as info:
        client.engine.request("GET", "/e", cast_to=dict)
    error = info.value
    assert type(error) is cls
    assert (error.status, error.code, error.message) == (status, f"c{status}", f"bad {status}")
    assert error.request_id == f"req_{status}"
    assert error.headers["x-request-id"] == f"req_{status}"
    assert KEY not in str(error)
    assert len(server.received) == 1


ERROR_SHAPES = [
    (b'{"error": {"message": "nested", "code": "auth"}}', "nested", "auth"),
    (b'{"error": {"message": "no code"}}', "no code", None),
    (b'{"error": "plain string"}', "plain string", None),
    (b'{"detail": "fastapi text"}', "fastapi text", None),
    (
        b'{"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]}',
        "body.model: field required",
        None,
    ),
    (b'{"status": "failed", "message": "envelope"}', "envelope", None),
    (b"<html>502 Bad Gateway</html>", "<html>502 Bad Gateway</html>", None),
]


@pytest.mark.parametrize(("body", "message", "code"), ERROR_SHAPES)
def test_every_error_body_shape(
    server: Server, client: MegaNova, body: bytes, message: str, code: str | None
) -> None:
    server.reply("GET", "/v1/e", 400, body=body, headers={"content-type": "text/plain"})
    with pytest.raises(BadRequestError) as info:
        client.engine.request("GET", "/e", cast_to=dict)
    assert (info.value.message, info.value.code) == (message, code)
    assert info.value.body == body


# -- streaming ----------------------------------------------------------------------------


def test_chunks_arrive_as_they_are_sent(server: Server, client: MegaNova) -> None:
    gate = threading.Event()
    server.reply("POST", "/v1/stream", chunks=[b"first", gate, b"second", b"third"])
    response = client.engine.open_stream("POST", "/stream", json={})
    chunks: queue.Queue[Any] = queue.Queue()

    def reader() -> None:
        try:
            for piece in response.iter_bytes():
                chunks.put(piece)
            chunks.put(None)
        except BaseException as exc:  # pragma: no cover - reported below
            chunks.put(exc)

    worker = threading.Thread(target=reader, daemon=True)
    worker.start()
    try:
        first = chunks.get(timeout=5)  # buffered transports would hold it until the gate
    finally:
        gate.set()
    assert first == b"first"
    rest: List[bytes] = []
    while (item := chunks.get(timeout=5)) is not None:
        assert isinstance(item, bytes), item
        rest.append(item)
    worker.join(5)
    response.close()
    assert b"".join(rest) == b"secondthird"


def test_early_close_then_more_requests(server: Server, make_client: Factory) -> None:
    client = make_client(max_retries=0)
    server.reply("GET", "/v1/stream", chunks=[b"data: 1\n\n", b"data: 2\n\n" * 1000])
    server.reply("GET", "/v1/ok", json={"ok": True})
    for _ in range(50):
        response = client.engine.open_stream("GET", "/stream")
        assert next(iter(response.iter_bytes())).startswith(b"data: 1")
        response.close()
        assert list(response.iter_bytes()) == []
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}


# -- redirects ----------------------------------------------------------------------------


def test_redirect_to_another_host_never_carries_the_key(server: Server, client: MegaNova) -> None:
    server.reply("GET", "/landing", json={"where": "other"}, host="other")
    server.reply(
        "GET", "/v1/moved", 302, body=b"", headers={"Location": server.url("/landing", "other")}
    )
    # Core follows it, but strips the credentials first.
    assert client.engine.request("GET", "/moved", cast_to=dict) == {"where": "other"}
    (landing,) = server.received_at("/landing", "other")
    assert "authorization" not in landing.headers
    assert KEY not in repr(list(landing.headers.items()))
    assert server.received_at("/v1/moved")[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_same_host_redirect_is_followed(server: Server, client: MegaNova, status: int) -> None:
    server.reply("GET", "/v1/old", status, body=b"", headers={"Location": "/v1/new"})
    server.reply("GET", "/v1/new", json={"here": True})
    assert client.engine.request("GET", "/old", cast_to=dict) == {"here": True}
    (new,) = server.received_at("/v1/new")
    assert new.headers["authorization"] == f"Bearer {KEY}"


def test_307_keeps_method_and_body(server: Server, client: MegaNova) -> None:
    server.reply("POST", "/v1/old", 307, body=b"", headers={"Location": "/v1/new"})
    server.reply("POST", "/v1/new", json=lambda r: r.json())
    assert client.engine.request("POST", "/old", cast_to=dict, json={"a": 1}) == {"a": 1}


# -- threads ------------------------------------------------------------------------------


def test_sixteen_threads_share_one_client(server: Server, make_client: Factory) -> None:
    client = make_client(max_retries=0)
    server.reply("GET", "/v1/echo", json=lambda r: {"t": r.query["t"][0], "n": r.query["n"][0]})

    def work(t: int) -> int:
        for n in range(15):
            got = client.engine.request("GET", "/echo", cast_to=dict, query={"t": t, "n": n})
            assert got == {"t": str(t), "n": str(n)}
        return t

    with ThreadPoolExecutor(16) as pool:
        assert sorted(pool.map(work, range(16))) == list(range(16))
    assert len(server.received) == 16 * 15


# -- real sockets only --------------------------------------------------------------------


def test_connection_refused(make_raw_client: Factory) -> None:
    client = make_raw_client(base_url=refused_url())
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", "/x", cast_to=dict)
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is False
    assert_clean(info.value)


def test_read_timeout_on_a_stalled_server(make_raw_client: Factory, raw: RawServer) -> None:
    release = threading.Event()
    raw.on("/v1/stall", rawserver.stall(release))
    client = make_raw_client(timeout=(2.0, 0.2))
    started = time.monotonic()
    try:
        with pytest.raises(APITimeoutError) as info:
            client.engine.request("GET", "/stall", cast_to=dict)
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert info.value.request_sent is True
    assert_clean(info.value)


def test_read_timeout_on_slow_headers(make_raw_client: Factory, raw: RawServer) -> None:
    release = threading.Event()
    raw.on("/v1/slow", rawserver.slow_headers(release))
    client = make_raw_client(timeout=(2.0, 0.2))
    try:
        with pytest.raises(APITimeoutError) as info:
            client.engine.request("GET", "/slow", cast_to=dict)
    finally:
        release.set()
    assert_clean(info.value)


def test_read_timeout_mid_stream(make_raw_client: Factory, raw: RawServer) -> None:
    release = threading.Event()

    def script(conn: rawserver.RawConnection, request: rawserver.RawRequest) -> bool:
        conn.send(rawserver.head(200, {"Transfer-Encoding": "chunked"}) + rawserver.chunk(b"one"))
        release.wait(rawserver.WAIT_LIMIT)
        return False

    raw.on("/v1/halfstream", script)
    client = make_raw_client(timeout=(2.0, 0.2))
    response = client.engine.open_stream("GET", "/halfstream")
    chunks = response.iter_bytes()
    try:
        assert next(chunks) == b"one"
        with pytest.raises(APITimeoutError) as info:
            next(chunks)
    finally:
        release.set()
        response.close()
    assert info.value.request_sent is True
    assert_clean(info.value)


@pytest.mark.parametrize(
    "script", [rawserver.reset_mid_body, rawserver.truncated_chunked, rawserver.truncated_sized]
)
def test_broken_body_raises_connection_error(
    make_raw_client: Factory, raw: RawServer, script: rawserver.Script
) -> None:
    raw.on("/v1/broken", script)
    client = make_raw_client()
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", "/broken", cast_to=dict)
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.request_sent is True
    assert_clean(info.value)
    # The same failure while streaming.
    response = client.engine.open_stream("GET", "/broken")
    with pytest.raises(APIConnectionError) as streamed:
        for _ in response.iter_bytes():
            pass
    response.close()
    assert_clean(streamed.value, chained=False)
    # And the client still works afterwards.
    raw.on("/v1/ok", rawserver.json_reply({"ok": True}))
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}


def test_connections_are_reused(make_raw_client: Factory, raw: RawServer) -> None:
    raw.on("/v1/ok", rawserver.json_reply(lambda r: {"path": r.target}))
    client = make_raw_client()
    for n in range(20):
        assert client.engine.request("GET", "/ok", cast_to=dict, query={"n": n})["path"].endswith(
            f"n={n}"
        )
    stream = client.engine.open_stream("GET", "/ok")
    assert b"".join(stream.iter_bytes()).startswith(b'{"path"')
    stream.close()
    assert client.engine.request("GET", "/ok", cast_to=dict)
    assert raw.connections == 1
    assert len(raw.requests) == 22


def test_a_server_closing_an_idle_connection_does_not_fail_the_next_call(
    make_raw_client: Factory, raw: RawServer
) -> None:
    raw.on("/v1/once", rawserver.close_after_reply({"ok": True}))
    client = make_raw_client(max_retries=0)
    for _ in range(3):
        assert client.engine.request("GET", "/once", cast_to=dict) == {"ok": True}
        time.sleep(0.02)  # let the server's FIN arrive
    assert raw.connections == 3


def test_abandoned_endless_streams_never_hang_a_small_pool(
    socket_transport: str, make_raw_client: Factory, raw: RawServer
) -> None:
    stop = threading.Event()
    raw.on("/v1/endless", rawserver.endless_stream(stop))
    raw.on("/v1/ok", rawserver.json_reply({"ok": True}))
    client = make_raw_client(transport=transport_instance(socket_transport, max_connections=2))
    started = time.monotonic()
    try:
        for _ in range(200):
            response = client.engine.open_stream("GET", "/endless")
            assert next(iter(response.iter_bytes())).startswith(b"data: ")
            response.close()
        # Never drained, never handed back dirty: the next answer is the right one.
        assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    finally:
        stop.set()
    assert time.monotonic() - started < 30
    assert raw.connections == 201  # each abandoned stream's socket was closed, not reused


@FORKS_WITH_THREADS
def test_fork_child_does_not_reuse_parent_sockets(make_raw_client: Factory, raw: RawServer) -> None:
    if not hasattr(os, "fork"):
        pytest.skip("no os.fork on this platform")
    raw.on("/v1/ok", rawserver.json_reply({"ok": True}))
    client = make_raw_client()
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 1
        try:
            code = 0 if client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True} else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    # Parent kept its connection; the child opened its own.
    assert raw.connections == 2
    assert [r.connection for r in raw.requests] == [1, 2, 1]


def test_verify_false_and_ca_bundle_over_tls(socket_transport: str) -> None:
    trustme = pytest.importorskip("trustme")
    import ssl
    from http.server import BaseHTTPRequestHandler, HTTPServer

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"https://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        with ca.cert_pem.tempfile() as bundle:
            trusted = MegaNova(
                api_key=KEY, base_url=base, transport=socket_transport, verify=bundle
            )
            assert trusted.engine.request("GET", "/x", cast_to=dict) == {}
            trusted.close()
        strict = MegaNova(api_key=KEY, base_url=base, transport=socket_transport, max_retries=0)
        with pytest.raises(APIConnectionError) as info:
            strict.engine.request("GET", "/x", cast_to=dict)
        assert "TLS" in str(info.value)
        assert_clean(info.value)
        strict.close()
        with pytest.warns() if socket_transport in ("urllib3", "requests") else _nothing():
            loose = MegaNova(api_key=KEY, base_url=base, transport=socket_transport, verify=False)
            assert loose.engine.request("GET", "/x", cast_to=dict) == {}
        loose.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


# -- the standard-library transport without urllib3 ---------------------------------------

NO_URLLIB3 = textwrap.dedent(
    """
    import sys, threading, json
    sys.modules["urllib3"] = None
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_GET(self):
            body = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/v1" % httpd.server_address[1]
    from meganova import MegaNova
    for spec in ("stdlib", None):
        with MegaNova(api_key="sk-test", base_url=base, transport=spec) as client:
            got = client.engine.request("GET", "/models", cast_to=dict)
            print(type(client.transport).__name__, got["path"])
    assert "urllib3" not in [m for m in sys.modules if sys.modules[m] is not None]
    httpd.shutdown()
    """
)


def test_stdlib_transport_works_without_urllib3() -> None:
    result = run_python(NO_URLLIB3)
    assert result.stdout.split("\n")[:2] == [
        "UrllibTransport /v1/models",
        "UrllibTransport /v1/models",
    ]
