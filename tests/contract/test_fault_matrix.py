"""The fault matrix: every way the network, the server or the caller can misbehave,
against every transport, with what a user gets and how many attempts the server saw.

Each case runs for "urllib3", "stdlib" and "requests" against a real local server
(pytest-httpserver, or the raw-socket server for faults a real server will not make)
and for "fake" where no socket is involved. After each case the same client makes one
more call, which must succeed at once: the pool is healthy. Retry waits go to a virtual
clock (recorded, not slept); only a socket or stream timeout, the thing under test, takes real time.

The observed outcomes are recorded and ``docs/FAULTS.md`` is generated from them:
``MEGANOVA_WRITE_FAULTS=1 pytest tests/contract/test_fault_matrix.py`` rewrites it and
``test_faults_doc_is_in_sync`` fails whenever the doc and the matrix differ.
"""

from __future__ import annotations

import math
import os
import pickle
import threading
import time
import traceback
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from meganova import MegaNova, MeganovaError
from meganova.errors import (
    APIConnectionError,
    APIError,
    InvalidArgumentError,
    RateLimitError,
    StreamError,
)
from tests.clock import VirtualClock
from tests.contract import rawserver
from tests.contract.conftest import SOCKET_TRANSPORTS, TRANSPORTS, Server
from tests.contract.rawserver import (
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
    refused_url,
)
from tests.helpers import CHAT_PATH as PATH
from tests.helpers import DONE, MIB, SSE, USER, ev, fill_the_pool, gzip_bomb

MAX_RETRIES = 2
OK = {"ok": True}
CHAT_OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1767225600,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
}
DOC = Path(__file__).resolve().parents[2] / "docs" / "FAULTS.md"
TESTS = Path(__file__).resolve().parents[1]
WRITE_ENV = "MEGANOVA_WRITE_FAULTS"


class FaultClock(VirtualClock):
    """Real monotonic time (stream timeouts are measured for real), recorded sleeps
    (retry waits cost nothing)."""

    def monotonic(self) -> float:
        return time.monotonic()


@pytest.fixture
def clock() -> FaultClock:
    return FaultClock()


# -- what a case sees and returns --------------------------------------------------------


@dataclass
class Env:
    transport: str
    build: Callable[..., MegaNova]
    clock: FaultClock
    server: Optional[Server] = None
    raw: Optional[RawServer] = None

    def attempts(self, path: str = PATH) -> int:
        if self.raw is not None:
            return sum(1 for r in list(self.raw.requests) if r.path == path)
        assert self.server is not None
        return len(self.server.received_at(path))


@dataclass
class Outcome:
    error: Optional[BaseException]
    attempts: int
    client: MegaNova


@dataclass(frozen=True)
class Case:
    id: str
    fault: str
    expected: str  # exception class name, or "success"
    attempts: int
    run: Callable[[Env], Outcome]
    sockets: bool = False  # needs the raw-socket server (urllib3 and stdlib only)
    note: str = ""


def attempt_call(env: Env, client: MegaNova, call: Callable[[MegaNova], Any]) -> Outcome:
    try:
        call(client)
    except Exception as exc:  # the matrix records whatever a user would catch
        return Outcome(exc, env.attempts(), client)
    return Outcome(None, env.attempts(), client)


def chat(client: MegaNova) -> Any:
    return client.chat.create(messages=USER, model="m")


def stream_all(client: MegaNova) -> List[Any]:
    return list(client.chat.stream(messages=USER, model="m"))


def plain(env: Env, *replies: Dict[str, Any], **options: Any) -> Outcome:
    assert env.server is not None
    for reply in replies:
        env.server.reply("POST", PATH, **reply)
    client = env.build(max_retries=MAX_RETRIES, **options)
    return attempt_call(env, client, chat)


def streamed(env: Env, *events: bytes) -> Outcome:
    assert env.server is not None
    env.server.reply("POST", PATH, chunks=list(events), headers=SSE)
    client = env.build(max_retries=MAX_RETRIES)
    return attempt_call(env, client, stream_all)


def raw_case(
    env: Env, script: rawserver.Script, call: Callable[[MegaNova], Any] = chat, **options: Any
) -> Outcome:
    assert env.raw is not None
    env.raw.on(PATH, script)
    options.setdefault("max_retries", MAX_RETRIES)
    return attempt_call(env, env.build(**options), call)


# -- replies from a well-behaved server that says no -------------------------------------


def retry_after_seconds(env: Env) -> Outcome:
    out = plain(env, {"status": 429, "headers": {"Retry-After": "2"}}, {"json": CHAT_OK})
    assert env.clock.sleeps == [2.0]
    return out


def retry_after_date(env: Env) -> Outcome:
    when = formatdate(env.clock.time() + 3, usegmt=True)
    out = plain(env, {"status": 429, "headers": {"Retry-After": when}}, {"json": CHAT_OK})
    assert env.clock.sleeps == [3.0]
    return out


def retry_after_ms(env: Env) -> Outcome:
    headers = {"Retry-After": "9", "retry-after-ms": "250"}
    out = plain(env, {"status": 429, "headers": headers}, {"json": CHAT_OK})
    assert env.clock.sleeps == [0.25]
    return out


def retry_after_beyond_cap(env: Env) -> Outcome:
    out = plain(env, {"status": 429, "headers": {"Retry-After": "3600"}}, {"json": CHAT_OK})
    assert isinstance(out.error, RateLimitError) and out.error.retry_after == 3600
    assert env.clock.sleeps == []
    return out


def retry_after_asctime(env: Env) -> Outcome:
    """A date without a zone (asctime) is UTC: read as local time in a zone 14 hours
    ahead, the wait would be 14 hours and not taken."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC-14"  # POSIX form: 14 hours east of UTC
    time.tzset()
    try:
        when = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(env.clock.time() + 3))
        out = plain(env, {"status": 429, "headers": {"Retry-After": when}}, {"json": CHAT_OK})
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    assert len(env.clock.sleeps) == 1 and 2.0 <= env.clock.sleeps[0] <= 3.0
    return out


def should_retry_false(env: Env) -> Outcome:
    out = plain(env, {"status": 503, "headers": {"X-Should-Retry": "false"}})
    assert env.clock.sleeps == []
    return out


def redirect_loop(env: Env) -> Outcome:
    assert env.server is not None
    loop = env.server.url("/v1/loop", host="other")
    env.server.reply("POST", PATH, 307, headers={"Location": loop})
    env.server.reply("POST", "/v1/loop", 307, headers={"Location": loop}, host="other")
    out = attempt_call(env, env.build(max_retries=MAX_RETRIES), chat)
    assert len(env.server.received_at("/v1/loop", host="other")) == 5
    assert env.clock.sleeps == []
    return out


def redirect_to_ftp(env: Env) -> Outcome:
    out = plain(env, {"status": 302, "headers": {"Location": "ftp://files.example.test/x"}})
    assert env.clock.sleeps == []
    return out


def unavailable_then_ok(env: Env) -> Outcome:
    out = plain(env, {"status": 503, "json": {"error": {"message": "busy"}}}, {"json": CHAT_OK})
    assert len(env.clock.sleeps) == 1
    return out


def server_error_forever(env: Env) -> Outcome:
    out = plain(env, {"status": 500, "json": {"error": {"message": "boom"}}})
    assert len(env.clock.sleeps) == MAX_RETRIES
    return out


def status_once(status: int) -> Callable[[Env], Outcome]:
    def run(env: Env) -> Outcome:
        out = plain(env, {"status": status, "json": {"error": {"message": "no", "code": "x"}}})
        assert isinstance(out.error, APIError) and out.error.status == status
        assert env.clock.sleeps == []
        return out

    return run


# The fixtures' key ("sk-test") as a server may echo it: JSON-escaped, percent-encoded.
ECHOED_KEY = "sk\\u002Dtest"


def assert_key_hidden(error: Optional[BaseException]) -> None:
    assert error is not None
    shown = repr(vars(error)) + repr(error.args) + str(error)
    pickled = pickle.dumps(error)
    for form in ("sk-test", ECHOED_KEY, "sk%2dtest"):
        assert form not in shown and form.encode() not in pickled, form
    assert "<redacted>" in shown


def key_echoed_in_error(env: Env) -> Outcome:
    body = b'{"error": {"message": "Incorrect API key: %s"}}' % ECHOED_KEY.encode()
    echo = {"X-Echo": "Bearer sk-test", "x-request-id": "req-sk%2dtest"}
    out = plain(env, {"status": 401, "body": body, "headers": echo})
    assert_key_hidden(out.error)
    return out


def key_echoed_in_2xx(env: Env) -> Outcome:
    page = b"<html>signed in as sk-test (" + ECHOED_KEY.encode() + b")</html>"
    out = plain(env, {"body": page, "headers": {"Content-Type": "text/html"}})
    assert_key_hidden(out.error)
    return out


def key_echoed_in_stream(env: Env) -> Outcome:
    payload = b'data: {"error": {"message": "key %s revoked"}}\n\n' % ECHOED_KEY.encode()
    out = streamed(env, ev("a"), payload)
    assert_key_hidden(out.error)
    return out


def redirect_cross_origin(env: Env) -> Outcome:
    assert env.server is not None
    away = env.server.url("/v1/away", host="other")
    env.server.reply("POST", PATH, 307, headers={"Location": away})
    env.server.reply("POST", "/v1/away", json=CHAT_OK, host="other")
    client = env.build(max_retries=MAX_RETRIES, default_headers={"X-Team": "blue"})
    mine = {"Cookie": "s=1", "Proxy-Authorization": "Basic dTpw", "X-Trace": "t"}
    out = attempt_call(env, client, lambda c: c.chat.create(messages=USER, model="m",
                                                             extra_headers=mine))  # fmt: skip
    (landed,) = env.server.received_at("/v1/away", host="other")
    for name in ("authorization", "proxy-authorization", "cookie", "idempotency-key",
                 "x-team", "x-trace"):  # fmt: skip
        assert name not in landed.headers, name
    return out


def not_json(env: Env) -> Outcome:
    reply = {"body": b"<html>502 Bad Gateway</html>", "headers": {"Content-Type": "text/html"}}
    return plain(env, reply)


def invalid_utf8_2xx(env: Env) -> Outcome:
    body = b'{"id": "chatcmpl-1", "choices": [], "model": "\xff\xfe\xfa"}'
    return plain(env, {"body": body, "headers": {"Content-Type": "application/json"}})


def invalid_utf8_error(env: Env) -> Outcome:
    out = plain(env, {"status": 400, "body": b"bad \xff\xfe request"})
    assert out.error is not None and "bad" in str(out.error)
    return out


def huge_2xx(env: Env) -> Outcome:
    text = "x" * (8 * 1024 * 1024)
    reply = {
        **CHAT_OK,
        "choices": [{**CHAT_OK["choices"][0], "message": {"role": "assistant", "content": text}}],
    }  # type: ignore[dict-item]
    assert env.server is not None
    env.server.reply("POST", PATH, json=reply)
    client = env.build(max_retries=MAX_RETRIES)
    got: Dict[str, Any] = {}

    def call(c: MegaNova) -> None:
        got["text"] = c.chat.create(messages=USER, model="m").choices[0].message.content

    out = attempt_call(env, client, call)
    assert out.error is not None or got["text"] == text
    return out


def huge_error(env: Env) -> Outcome:
    out = plain(env, {"status": 500, "body": b"x" * (4 * 1024 * 1024)})
    assert out.error is not None and len(str(out.error)) < 1000  # a preview, not 4 MB
    return out


CAP = MIB  # the max_response_bytes of the size cases (256 MiB by default)
BOMB = gzip_bomb(2048 * MIB)  # about 2 MB that inflate to 2 GiB


def over_the_cap(env: Env, reply: Dict[str, Any]) -> Outcome:
    out = plain(env, reply, {"json": CHAT_OK}, max_response_bytes=CAP)
    assert env.clock.sleeps == []
    return out


def announced_over_cap(env: Env) -> Outcome:
    body = b'{"pad": "' + b"x" * CAP + b'"}'
    return over_the_cap(env, {"body": body, "headers": {"Content-Type": "application/json"}})


def gzip_bomb_body(env: Env) -> Outcome:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return over_the_cap(env, {"body": BOMB, "headers": headers})


def endless_body(env: Env) -> Outcome:
    stop = threading.Event()

    def forever(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}))
        piece = chunk(b"x" * 65536)
        while not stop.is_set() and conn.send(piece):
            stop.wait(0.001)
        return False

    try:
        return raw_case(env, forever, max_response_bytes=CAP)
    finally:
        stop.set()


def stream_gzip_bomb(env: Env) -> Outcome:
    pieces = [BOMB[i : i + 65536] for i in range(0, len(BOMB), 65536)]
    assert env.server is not None
    env.server.reply("POST", PATH, chunks=pieces, headers={**SSE, "Content-Encoding": "gzip"})
    client = env.build(max_retries=MAX_RETRIES)
    return attempt_call(env, client, stream_all)


# -- streams from a server that answers 200 and then misbehaves -----------------------------


def stream_no_done(env: Env) -> Outcome:
    return streamed(env, ev("Hel"), ev("lo"))


def stream_finish_without_done(env: Env) -> Outcome:
    return streamed(env, ev("Hel"), ev("lo", finish="stop"))


def stream_huge_event(env: Env) -> Outcome:
    from meganova.core.sse import DEFAULT_MAX_EVENT_SIZE

    return streamed(env, ev("Hel"), b"data: " + b"x" * (DEFAULT_MAX_EVENT_SIZE + 1) + b"\n\n")


def stream_corrupt_event(env: Env) -> Outcome:
    return streamed(env, ev("Hel"), b"data: {not json\n\n", ev(finish="stop"), DONE)


def stream_invalid_utf8(env: Env) -> Outcome:
    return streamed(env, ev("Hel"), b'data: {"id": "\xff\xfe"}\n\n', DONE)


def stream_error_event(env: Env) -> Outcome:
    error = b'event: error\ndata: {"error": {"message": "overloaded", "type": "server"}}\n\n'
    return streamed(env, ev("Hel"), error)


def stream_error_payload(env: Env) -> Outcome:
    error = b'data: {"error": {"message": "slow down", "code": 429}}\n\n'
    return streamed(env, ev("Hel"), error)


def stream_429_before_it_opens(env: Env) -> Outcome:
    assert env.server is not None
    env.server.reply("POST", PATH, 429, headers={"Retry-After": "1"})
    env.server.reply("POST", PATH, chunks=[ev("a", "stop"), DONE], headers=SSE)
    client = env.build(max_retries=MAX_RETRIES)
    out = attempt_call(env, client, stream_all)
    assert env.clock.sleeps == [1.0]
    return out


# -- arguments a caller got wrong: refused before any traffic ------------------------------


def bad_argument(**kwargs: Any) -> Callable[[Env], Outcome]:
    def run(env: Env) -> Outcome:
        client = env.build(max_retries=MAX_RETRIES)
        args: Dict[str, Any] = {"messages": USER, "model": "m", **kwargs}
        out = attempt_call(env, client, lambda c: c.chat.create(**args))
        assert isinstance(out.error, InvalidArgumentError)
        named = out.error.argument or ""
        assert named and (named in kwargs or named.split("[")[0] in kwargs), named
        return out

    return run


# -- raw sockets: refused, reset, stalled, cut ----------------------------------------------


def refused(env: Env) -> Outcome:
    client = env.build(base_url=refused_url(), max_retries=MAX_RETRIES)
    try:
        chat(client)
    except Exception as exc:
        attempts = getattr(exc, "attempts", 0)
        assert env.raw is not None
        # Healthy afterwards: the same pool reaches a live server.
        return Outcome(exc, attempts, client.with_options(base_url=env.raw.url("/v1")))
    raise AssertionError("a refused connection succeeded")


def untrusted_certificate(env: Env) -> Outcome:
    """An HTTPS server whose certificate no trusted CA signed (verification is on)."""
    trustme = pytest.importorskip("trustme")
    import ssl
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen: List[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # pragma: no cover - must never be reached
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"https://127.0.0.1:{httpd.server_address[1]}/v1"
        client = env.build(base_url=base, max_retries=MAX_RETRIES)
        try:
            chat(client)
        except Exception as exc:
            assert seen == [] and env.clock.sleeps == []
            assert env.raw is not None
            healthy = client.with_options(base_url=env.raw.url("/v1"))
            return Outcome(exc, getattr(exc, "attempts", 0), healthy)
    finally:
        httpd.shutdown()
        httpd.server_close()
    raise AssertionError("an untrusted certificate was accepted")


def proxy_down(env: Env) -> Outcome:
    """The configured proxy refuses connections (its credentials must not show)."""
    import socket

    # Bound but not listening: refused, and no other server can take the port meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        dead = f"http://user:hunter2-secret@127.0.0.1:{held.getsockname()[1]}"
        client = env.build(max_retries=MAX_RETRIES, proxy=dead)
        try:
            chat(client)
        except Exception as exc:
            assert "hunter2-secret" not in str(exc) and "hunter2-secret" not in repr(client)
            client.close()
            return Outcome(exc, getattr(exc, "attempts", 0), env.build(proxy=None))
    raise AssertionError("a request went through a proxy that is down")


def proxy_wants_credentials(env: Env) -> Outcome:
    """A proxy that answers 407: the target is never reached, and it is not retried."""
    from tests.contract.proxyserver import ProxyServer

    proxy = ProxyServer(credentials=("user", "hunter2-secret"))
    try:
        client = env.build(max_retries=MAX_RETRIES, proxy=proxy.url_with("user", "wrong"))
        try:
            chat(client)
        except Exception as exc:
            assert getattr(exc, "code", None) == "proxy_authentication_required"
            assert env.attempts() == 0 and env.clock.sleeps == []
            client.close()
            return Outcome(exc, len(proxy.seen), env.build(proxy=None))
    finally:
        proxy.stop()
    raise AssertionError("a proxy's 407 was taken for the API's reply")


def reset_on_connect(env: Env) -> Outcome:
    assert env.raw is not None
    raw = env.raw

    def hook(conn: RawConnection) -> bool:
        conn.reset()
        return False

    raw.on_connect = hook
    try:
        client = env.build(max_retries=MAX_RETRIES)
        try:
            chat(client)
        except Exception as exc:
            return Outcome(exc, raw.connections, client)
    finally:
        raw.on_connect = None
    raise AssertionError("a reset connection succeeded")


def reset_after_request(conn: RawConnection, request: RawRequest) -> bool:
    conn.reset()
    return False


def reset_then_report_locals(env: Env) -> Outcome:
    out = raw_case(env, reset_after_request)
    assert out.error is not None
    # What an error reporter records: each frame's locals along the chain (the test's
    # own frames, which hold the server's record of the request, aside) and the text.
    chain, todo = [], [out.error]
    while todo:
        item = todo.pop()
        chain.append(item)
        todo += [e for e in (item.__cause__, item.__context__) if e is not None and e not in chain]
    for item in chain:
        for frame, _ in traceback.walk_tb(item.__traceback__):
            if Path(frame.f_code.co_filename).is_relative_to(TESTS):
                continue
            for name, value in frame.f_locals.items():
                assert "sk-test" not in repr(value), (frame.f_code.co_name, name)
    error = out.error
    assert "sk-test" not in "".join(traceback.format_exception(type(error), error, None))
    return out


def with_release(
    env: Env, make: Callable[[threading.Event], rawserver.Script], **options: Any
) -> Outcome:
    release = threading.Event()
    try:
        return raw_case(env, make(release), **options)
    finally:
        release.set()


def headers_never_come(env: Env) -> Outcome:
    return with_release(env, rawserver.stall, timeout=(2.0, 0.2))


def slow_headers(env: Env) -> Outcome:
    return with_release(env, rawserver.slow_headers, timeout=(2.0, 0.2))


def stream_reset_after_events(env: Env) -> Outcome:
    def after(conn: RawConnection) -> bool:
        conn.reset()
        return False

    out = raw_case(env, rawserver.sse_events([ev("Hel"), ev("lo")], after), stream_all)
    assert isinstance(out.error, StreamError) and out.error.partial_text == "Hello"
    return out


def stream_cut_after_events(env: Env) -> Outcome:
    def after(conn: RawConnection) -> bool:
        conn.sock.shutdown(2)
        return False

    out = raw_case(env, rawserver.sse_events([ev("Hel"), ev("lo")], after), stream_all)
    assert isinstance(out.error, StreamError) and out.error.partial_text == "Hello"
    return out


def stream_stalls(env: Env) -> Outcome:
    def make(release: threading.Event) -> rawserver.Script:
        return rawserver.sse_events(
            [ev("a")], lambda conn: release.wait(rawserver.WAIT_LIMIT) and False
        )

    started = time.monotonic()
    release = threading.Event()
    try:
        out = raw_case(env, make(release), stream_all, timeout=(2.0, 0.3))
    finally:
        release.set()
    assert time.monotonic() - started < 2.0
    return out


def keep_alives_forever(env: Env) -> Outcome:
    stop = threading.Event()

    def forever(conn: RawConnection) -> bool:
        while not stop.is_set():
            if not conn.send(chunk(b": keep-alive\n\n")):
                return False
            stop.wait(0.02)
        return False

    started = time.monotonic()
    try:
        out = raw_case(
            env, rawserver.sse_events([ev("a")], forever), stream_all, timeout=(2.0, 0.5)
        )
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 2.0, elapsed
    assert isinstance(out.error, StreamError) and out.error.partial_text == "a"
    return out


def after_done(env: Env, pinging: bool) -> Outcome:
    """The answer and [DONE], then the body never ends: nothing more, or a ping every
    10 ms. The caller is held at most the drain bound, and the connection is dropped."""
    stop = threading.Event()

    def rest(conn: RawConnection) -> bool:
        while not stop.is_set():
            if pinging and not conn.send(chunk(b": ping\n\n")):
                return False
            stop.wait(0.01)
        return False

    events = [ev("a"), ev("b", "stop"), DONE]
    started = time.monotonic()
    try:
        out = raw_case(env, rawserver.sse_events(events, rest), stream_all, timeout=(2.0, 5.0))
    finally:
        stop.set()
    assert time.monotonic() - started < 1.5
    return out


def stream_dropped(env: Env) -> Outcome:
    """``next(stream); del stream``: no close(), no garbage collection needed."""
    assert env.raw is not None
    ended = threading.Event()

    def hold(conn: RawConnection) -> bool:
        conn.sock.settimeout(rawserver.WAIT_LIMIT)
        try:
            while conn.sock.recv(65536):
                pass
            ended.set()  # the client shut its end
        except OSError:
            pass
        return False

    def drop(client: MegaNova) -> None:
        stream = client.chat.stream(messages=USER, model="m")
        next(stream)
        del stream
        assert ended.wait(5.0), "the dropped stream's socket stayed open"

    return raw_case(env, rawserver.sse_events([ev("a")], hold), drop)


def early_hints(env: Env) -> Outcome:
    body = b'{"id": "c", "object": "chat.completion", "choices": []}'
    reply = head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    return raw_case(env, lambda conn, request: conn.send(hints + reply + body))


def drip(stop: threading.Event, prefix: bytes, data: bytes) -> rawserver.Script:
    """``prefix``, then ``data`` one byte every 0.15 s: inside the 0.6 s read timeout."""

    def script(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(prefix)
        for byte in data[:60]:
            if stop.wait(0.15) or not conn.send(bytes([byte])):
                return False
        return False

    return script


def dripping_body(env: Env) -> Outcome:
    body = b'{"id": "c", "object": "chat.completion", "choices": [], "p": "xxxxxxxxxx"}'
    sized = head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    stop = threading.Event()
    started = time.monotonic()
    try:
        out = raw_case(env, drip(stop, sized, body), deadline=1.0, timeout=(2.0, 0.6))
    finally:
        stop.set()
    assert time.monotonic() - started < 2.0
    return out


def dripping_stream(env: Env) -> Outcome:
    stop = threading.Event()

    def steady(conn: RawConnection) -> bool:
        for _ in range(60):
            if stop.wait(0.15) or not conn.send(chunk(ev("a"))):
                return False
        return False

    started = time.monotonic()
    try:
        out = raw_case(
            env,
            rawserver.sse_events([ev("a")], steady),
            stream_all,
            deadline=1.0,
            timeout=(2.0, 0.6),
        )
    finally:
        stop.set()
    assert time.monotonic() - started < 2.0
    assert isinstance(out.error, StreamError) and out.error.partial_text.startswith("aa")
    return out


def pooled_resets(env: Env) -> Outcome:
    assert env.raw is not None
    client = env.build(max_retries=MAX_RETRIES)
    fill_the_pool(client, env.raw)
    env.raw.on(PATH, reset_after_request)
    out = attempt_call(env, client, chat)
    assert env.clock.sleeps and len(env.clock.sleeps) == MAX_RETRIES
    return out


def slow_first_event(env: Env) -> Outcome:
    def script(conn: RawConnection, request: RawRequest) -> bool:
        head_ = head(200, rawserver.SSE_CHUNKED)
        conn.send(head_)
        threading.Event().wait(0.25)  # inside the 1 s read timeout
        events = b"".join(chunk(e) for e in (ev("late"), ev(finish="stop"), DONE))
        return conn.send(events + b"0\r\n\r\n")

    got: Dict[str, str] = {}

    def call(client: MegaNova) -> None:
        got["text"] = client.chat.stream(messages=USER, model="m").get_final_response().text

    out = raw_case(env, script, call, timeout=(2.0, 1.0))
    assert out.error is not None or got["text"] == "late"
    return out


CASES: List[Case] = [
    # server replies
    Case("429-seconds", "429 with `Retry-After: 2`, then 200", "success", 2, retry_after_seconds,
         note="waits 2 s"),
    Case("429-date", "429 with `Retry-After: <HTTP date 3 s ahead>`, then 200", "success", 2,
         retry_after_date, note="waits 3 s"),
    Case("429-ms", "429 with `retry-after-ms: 250` (and `Retry-After: 9`), then 200", "success",
         2, retry_after_ms, note="waits 0.25 s; `retry-after-ms` wins"),
    Case("429-over-cap", "429 with `Retry-After: 3600` (above the 60 s cap)", "RateLimitError",
         1, retry_after_beyond_cap, note="not waited; `error.retry_after == 3600`"),
    Case("429-asctime", "429 with `Retry-After: <asctime date 3 s ahead>` (no zone; local "
         "time 14 h ahead of UTC)", "success", 2, retry_after_asctime,
         note="waits 3 s: a date without a zone is UTC"),
    Case("x-should-retry-false", "503 with `X-Should-Retry: false`", "InternalServerError", 1,
         should_retry_false, note="not retried; header names match whatever their case"),
    Case("redirect-loop", "307 to another host that redirects to itself forever",
         "APIConnectionError", 1, redirect_loop,
         note="6 requests in all (the call and 5 redirects), never retried"),
    Case("redirect-non-http", "302 to an `ftp://` location", "APIConnectionError", 1,
         redirect_to_ftp, note="never retried"),
    Case("503-then-ok", "503, then 200", "success", 2, unavailable_then_ok,
         note="backoff about 0.5 s"),
    Case("500-forever", "500 on every attempt", "InternalServerError", 1 + MAX_RETRIES,
         server_error_forever, note=f"gives up after max_retries={MAX_RETRIES}"),
    Case("400", "400", "BadRequestError", 1, status_once(400)),
    Case("401", "401", "AuthenticationError", 1, status_once(401)),
    Case("403", "403", "PermissionDeniedError", 1, status_once(403)),
    Case("404", "404", "NotFoundError", 1, status_once(404)),
    Case("422", "422", "UnprocessableEntityError", 1, status_once(422)),
    Case("redirect-cross-origin", "307 to another origin", "success", 1, redirect_cross_origin,
         note="`Authorization`, `Proxy-Authorization`, `Cookie`, `Idempotency-Key` and every "
         "`default_headers`/`extra_headers` header stay with the first origin"),
    Case("key-echoed-4xx", "401 echoing the key JSON-escaped (`\\u002D`), in a header and "
         "percent-encoded in the request id", "AuthenticationError", 1, key_echoed_in_error,
         note="`<redacted>` in message, `body`, `parsed_body`, `headers`, `request_id`, pickle"),
    Case("key-echoed-2xx", "200 HTML page echoing the key, plain and JSON-escaped",
         "APIResponseValidationError", 1, key_echoed_in_2xx,
         note="`<redacted>` in message and `body`"),
    Case("2xx-not-json", "200 whose body is HTML, not JSON", "APIResponseValidationError", 1,
         not_json, note="never retried"),
    Case("2xx-invalid-utf8", "200 whose JSON holds invalid UTF-8", "APIResponseValidationError",
         1, invalid_utf8_2xx),
    Case("4xx-invalid-utf8", "400 whose body is invalid UTF-8", "BadRequestError", 1,
         invalid_utf8_error, note="message decoded with replacement characters"),
    Case("huge-2xx", "200 with an 8 MB body", "success", 1, huge_2xx),
    Case("huge-5xx", "500 with a 4 MB non-JSON body", "InternalServerError", 1 + MAX_RETRIES,
         huge_error, note="message is a 500-character preview"),
    Case("over-max-response-bytes", "200 whose `Content-Length` is over `max_response_bytes` "
         "(1 MiB here; 256 MiB by default)", "ResponseTooLargeError", 1, announced_over_cap,
         note="refused before the body is read; never retried"),
    Case("gzip-bomb", "200 whose 2 MB gzip body inflates to 2 GiB (`max_response_bytes` 1 MiB)",
         "ResponseTooLargeError", 1, gzip_bomb_body,
         note="decoded in bounded pieces, stopped at the cap; never retried"),
    # streams
    Case("stream-429", "429 before a stream opens, then a stream", "success", 2,
         stream_429_before_it_opens, note="retried: no event was handed out yet"),
    Case("stream-no-done", "stream ends without `[DONE]` and without a finish reason",
         "IncompleteStreamError", 1, stream_no_done, note="`partial_text` holds what arrived"),
    Case("stream-finish-no-done", "stream ends with a finish reason but without `[DONE]`",
         "success", 1, stream_finish_without_done, note="the server said it had finished"),
    Case("stream-huge-event", "one stream event larger than 16 MB", "StreamEventTooLargeError",
         1, stream_huge_event, note="memory stays bounded"),
    Case("stream-gzip-bomb", "stream whose 2 MB gzip body inflates to 2 GiB",
         "StreamEventTooLargeError", 1, stream_gzip_bomb,
         note="decoded in bounded pieces; stopped at the 16 MiB event cap"),
    Case("stream-corrupt", "stream carries an event whose data is not JSON", "StreamDecodeError",
         1, stream_corrupt_event),
    Case("stream-invalid-utf8", "stream carries an event with invalid UTF-8",
         "StreamDecodeError", 1, stream_invalid_utf8),
    Case("stream-error-event", "`event: error` inside a 200 stream", "APIError", 1,
         stream_error_event),
    Case("stream-key-echoed", "error event inside a 200 stream echoing the key JSON-escaped",
         "APIError", 1, key_echoed_in_stream, note="`<redacted>` in message, `body`, pickle"),
    Case("stream-error-429", "`data: {\"error\": {\"code\": 429}}` inside a 200 stream",
         "RateLimitError", 1, stream_error_payload, note="typed by the status in the payload"),
    # caller mistakes
    Case("arg-wrong-type", "argument of the wrong type (`model=123`)", "InvalidArgumentTypeError",
         0, bad_argument(model=123), note="names the argument; nothing sent"),
    Case("arg-empty", "empty string (`model=\"\"`)", "InvalidArgumentError", 0,
         bad_argument(model=""), note="names the argument; nothing sent"),
    Case("arg-negative", "negative number (`max_tokens=-1`)", "InvalidArgumentError", 0,
         bad_argument(max_tokens=-1), note="names the argument; nothing sent"),
    Case("arg-nan", "NaN (`temperature=nan`)", "InvalidArgumentError", 0,
         bad_argument(temperature=math.nan), note="names the argument; nothing sent"),
    Case("arg-huge", "huge value (`temperature=1e308`)", "InvalidArgumentError", 0,
         bad_argument(temperature=1e308), note="names the argument; nothing sent"),
    Case("arg-timeout", "negative timeout (`timeout=-1`)", "InvalidArgumentError", 0,
         bad_argument(timeout=-1), note="names the argument; nothing sent"),
    Case("arg-timeout-huge", "huge timeout (`timeout=(1, 1e10)`)", "InvalidArgumentError", 0,
         bad_argument(timeout=(1, 1e10)), note="at most a week; nothing sent"),
    Case("arg-idempotency-key", "`idempotency_key` with a line break", "InvalidArgumentError",
         0, bad_argument(idempotency_key="k\r\nX-Evil: 1"),
         note="names the argument; nothing sent"),
    Case("arg-header-injection", "header value with a line break", "InvalidArgumentError", 0,
         bad_argument(extra_headers={"X-A": "a\r\nB: b"}), note="names the argument; nothing sent"),
    Case("arg-framing-header", "a framing header (`extra_headers={\"Content-Length\": \"0\"}`)",
         "InvalidArgumentError", 0, bad_argument(extra_headers={"Content-Length": "0"}),
         note="also `Transfer-Encoding`, `Host`, `Connection` (any case, and in "
         "`default_headers`); nothing sent"),
    # sockets
    Case("refused", "connection refused", "APIConnectionError", 1 + MAX_RETRIES, refused,
         sockets=True, note="counted by the client: nothing listens"),
    Case("tls-untrusted", "HTTPS server with a self-signed certificate (default `verify=True`)",
         "APIConnectionError", 1, untrusted_certificate, sockets=True,
         note='`code == "certificate_verify_failed"`; not retried; no request reaches it'),
    Case("proxy-down", "the proxy (`proxy=` or `HTTPS_PROXY`...) refuses connections",
         "APIConnectionError", 1 + MAX_RETRIES, proxy_down, sockets=True,
         note="names the proxy without its credentials"),
    Case("proxy-407", "the proxy answers 407 (credentials missing or wrong)",
         "APIConnectionError", 1, proxy_wants_credentials, sockets=True,
         note='`code == "proxy_authentication_required"`; not retried; the API is not reached'),
    Case("reset-before-request", "connection reset as soon as it is accepted",
         "APIConnectionError", 1 + MAX_RETRIES, reset_on_connect, sockets=True,
         note="counted as connections"),
    Case("reset-after-request", "connection reset after the request arrived, before a reply",
         "APIConnectionError", 1 + MAX_RETRIES,
         lambda env: raw_case(env, reset_after_request), sockets=True,
         note="retried with the same Idempotency-Key"),
    Case("reset-key-in-locals", "connection reset after the request arrived, the error "
         "reported with its frames' locals (`capture_locals=True`, as Sentry does)",
         "APIConnectionError", 1 + MAX_RETRIES, reset_then_report_locals, sockets=True,
         note="no frame of the error or its cause chain holds the key"),
    Case("headers-never-come", "reply headers never come (read timeout 0.2 s)",
         "APITimeoutError", 1 + MAX_RETRIES, headers_never_come, sockets=True),
    Case("slow-headers", "status line, then the headers never finish (read timeout 0.2 s)",
         "APITimeoutError", 1 + MAX_RETRIES, slow_headers, sockets=True),
    Case("cut-content-length", "body shorter than its Content-Length, then FIN",
         "APIConnectionError", 1 + MAX_RETRIES,
         lambda env: raw_case(env, rawserver.truncated_sized), sockets=True),
    Case("cut-chunked", "chunked body cut before its last chunk, then FIN",
         "APIConnectionError", 1 + MAX_RETRIES,
         lambda env: raw_case(env, rawserver.truncated_chunked), sockets=True),
    Case("reset-mid-body", "connection reset in the middle of the body", "APIConnectionError",
         1 + MAX_RETRIES, lambda env: raw_case(env, rawserver.reset_mid_body), sockets=True),
    Case("endless-body", "200 whose chunked body never ends (`max_response_bytes` 1 MiB)",
         "ResponseTooLargeError", 1, endless_body, sockets=True,
         note="read once, up to the cap; the socket is closed, never drained"),
    Case("stream-reset", "stream reset after 2 events", "StreamConnectionError", 1,
         stream_reset_after_events, sockets=True,
         note="never retried once events were handed out; `partial_text` kept"),
    Case("stream-cut", "stream cut (FIN, no last chunk) after 2 events", "StreamConnectionError",
         1, stream_cut_after_events, sockets=True, note="`partial_text` kept"),
    Case("stream-stall", "stream stalls after 1 event (read timeout 0.3 s)",
         "StreamTimeoutError", 1, stream_stalls, sockets=True),
    Case("keep-alive-forever", "only `: keep-alive` comments after 1 event (read timeout 0.5 s)",
         "StreamTimeoutError", 1, keep_alives_forever, sockets=True,
         note="fires after about 0.5 s: comments are not data"),
    Case("done-then-held", "stream answers and sends `[DONE]`, then its body never ends "
         "(read timeout 5 s)", "success", 1, lambda env: after_done(env, False), sockets=True,
         note="the rest is read for at most 0.25 s (64 KiB); then the connection is dropped"),
    Case("done-then-pings", "stream answers and sends `[DONE]`, then `: ping` every 10 ms "
         "forever", "success", 1, lambda env: after_done(env, True), sockets=True,
         note="the rest is read for at most 0.25 s (64 KiB); then the connection is dropped"),
    Case("stream-dropped", "stream dropped after its first event (`next(s); del s`, "
         "no `close()`)", "success", 1, stream_dropped, sockets=True,
         note="its socket is shut at once (no cycle waits for the collector), never pooled"),
    Case("slow-first-event", "first event after 0.25 s (read timeout 1 s)", "success", 1,
         slow_first_event, sockets=True),
    Case("103-early-hints", "`103 Early Hints` before the real reply", "success", 1,
         early_hints, sockets=True, note="interim 1xx replies are skipped"),
    Case("drip-body", "body dripped one byte per 0.15 s (read timeout 0.6 s, `deadline=1`)",
         "APITimeoutError", 1, dripping_body, sockets=True,
         note="ends at the deadline, not when the body does"),
    Case("drip-stream", "events every 0.15 s, forever (read timeout 0.6 s, `deadline=1`)",
         "StreamTimeoutError", 1, dripping_stream, sockets=True,
         note="the deadline bounds the whole stream; `partial_text` kept"),
    Case("pooled-reset", "10 idle pooled connections; each reset after the request arrives",
         "APIConnectionError", 1 + MAX_RETRIES, pooled_resets, sockets=True,
         note="a request is sent at most `max_retries + 1` times, pool or not"),
]  # fmt: skip

# (case id, transport) -> (outcome, attempts), filled in as the matrix runs
OBSERVED: Dict[Tuple[str, str], Tuple[str, int]] = {}


def check_healthy(env: Env, client: MegaNova) -> None:
    """The next call succeeds at once: no dead socket reused, no wait."""
    if env.raw is not None:
        env.raw.on("/v1/ok", rawserver.json_reply(OK))
    else:
        assert env.server is not None
        env.server.reply("GET", "/v1/ok", json=OK)
    sleeps = len(env.clock.sleeps)
    started = time.monotonic()
    assert client.engine.request("GET", "/ok", cast_to=dict) == OK
    assert time.monotonic() - started < 1.0
    assert len(env.clock.sleeps) == sleeps


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault(
    case: Case, transport_name: str, clock: FaultClock, request: pytest.FixtureRequest
) -> None:
    if case.sockets:
        build = request.getfixturevalue("make_raw_client")  # skips the fake
        env = Env(transport_name, build, clock, raw=request.getfixturevalue("raw"))
    else:
        env = Env(
            transport_name,
            request.getfixturevalue("make_client"),
            clock,
            server=request.getfixturevalue("server"),
        )
    out = case.run(env)
    error = out.error
    name = "success" if error is None else type(error).__name__
    OBSERVED[(case.id, transport_name)] = (name, out.attempts)
    if error is not None and not isinstance(error, MeganovaError):
        raise error
    assert (name, out.attempts) == (case.expected, case.attempts), repr(error)
    retried = isinstance(error, (APIError, APIConnectionError))
    if retried and case.attempts and not isinstance(error, StreamError):
        assert getattr(error, "attempts", None) == case.attempts
    if error is not None:
        assert "sk-test" not in str(error) and "sk-test" not in repr(error.args)
    check_healthy(env, out.client)


# -- the doc -------------------------------------------------------------------------------

HEADER = """\
# Faults and hostile input: what users get

Generated by `tests/contract/test_fault_matrix.py` from the outcomes it observes; do not
edit by hand. Regenerate with `MEGANOVA_WRITE_FAULTS=1 pytest tests/contract/test_fault_matrix.py`.
The test `test_faults_doc_is_in_sync` fails when this file and the matrix differ.

Every case runs against a real local server on 127.0.0.1 for each real transport
(`urllib3`, `stdlib`), and against the in-memory `fake` transport where no socket is
involved. Every exception is a `MeganovaError` subclass. **Attempts** is what the server
saw (with `max_retries={max_retries}`); after every case the same client's next call
succeeds at once (the connection pool is healthy).

How the timeouts are defined:

- `timeout=(connect, read)` (or one number for both). `connect` bounds opening a
  connection; `read` bounds every wait for bytes: the reply headers, and each read of
  the body.
- In a stream, `read` also bounds the time between two **data events**: keep-alive
  comments (`: ...`) and control events (`ping`, `heartbeat`) keep the socket busy but do
  not count, so a generation that only sends keep-alives ends with `StreamTimeoutError`
  after about `read` seconds.
- `deadline` bounds everything a call does: every attempt and wait, the reply headers,
  the body and a whole stream. Each wait for bytes lasts at most the read timeout or
  what is left of the deadline, whichever is less, so a server dripping bytes just
  inside the read timeout cannot stretch a call. Timeouts and deadlines are above 0 and
  at most a week.
- Retries happen only before a stream has handed out its first event; once events were
  delivered, a broken stream raises with the partial content attached (`partial_text`,
  `chunks`, `partial`) and is never silently resent.
- Retry waits follow `Retry-After` / `retry-after-ms` when the server sends them (a wait
  above 60 s is not taken: the error is raised with `retry_after` set), otherwise an
  exponential backoff (0.5 s, 1 s, ... up to 8 s, with jitter).

| Case | Fault or input | Exception users get | Attempts | Transports | Notes |
|---|---|---|---|---|---|
"""


def render(observed: Dict[Tuple[str, str], Tuple[str, int]]) -> str:
    rows = []
    for case in CASES:
        outcomes = {t: observed[(case.id, t)] for t in TRANSPORTS if (case.id, t) in observed}
        distinct = sorted(set(outcomes.values()))
        for outcome, attempts in distinct:
            transports = ", ".join(t for t, o in outcomes.items() if o == (outcome, attempts))
            shown = outcome if outcome == "success" else f"`{outcome}`"
            rows.append(
                f"| {case.id} | {case.fault} | {shown} | {attempts} | {transports} | {case.note} |"
            )
    return HEADER.format(max_retries=MAX_RETRIES) + "\n".join(rows) + "\n"


def expected_outcomes() -> Dict[Tuple[str, str], Tuple[str, int]]:
    runs_on = SOCKET_TRANSPORTS
    return {
        (case.id, t): (case.expected, case.attempts)
        for case in CASES
        for t in (runs_on if case.sockets else TRANSPORTS)
    }


def test_faults_doc_is_in_sync() -> None:
    """Runs after the matrix (file order). A full run renders what was observed; a
    partial run (``-k``) checks the doc against the expectations the matrix asserts."""
    expected = expected_outcomes()
    complete = all(key in OBSERVED for key in expected)
    text = render(dict(OBSERVED) if complete else expected)
    if os.environ.get(WRITE_ENV) == "1":
        if not complete:
            pytest.fail(f"{WRITE_ENV}=1 needs the whole matrix to run")
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        f"docs/FAULTS.md is out of date: run {WRITE_ENV}=1 pytest {__file__}"
    )
    if complete:
        assert dict(OBSERVED) == expected  # every transport agrees with the table
