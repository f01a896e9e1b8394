"""The contract cases both flavours share, written once: each case talks to a
``Driver`` (a blocking face over a sync or async transport) and a fresh
``ContractServer``; ``suites`` binds them to a flavour."""

from __future__ import annotations

import socket
import time
from typing import Any, Callable, Dict, Optional, Tuple, Type, TypeVar

from ...core.budget import TimeBudget
from ...core.errors import APIConnectionError, APITimeoutError
from ...core.http import Request, Timeout
from ...core.redact import Sensitive
from .drivers import Driver, Exchange
from .server import ContractServer, Gate, Reply

E = TypeVar("E", bound=BaseException)

SHORT = 0.3  # the read timeout of the stall cases, the deadline of the drip
SLACK = 3.0  # what a busy machine may add to a timeout before a case calls it a hang
KEY = "sk-contract-0123456789"


def check(condition: bool, message: str) -> None:
    # Not ``assert``: this module is installed, so pytest does not rewrite it, and
    # ``python -O`` would strip it.
    if not condition:
        raise AssertionError(message)


def equal(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def _raises(kind: Type[E], operation: Callable[[], Any], what: str) -> E:
    try:
        operation()
    except kind as exc:
        return exc
    except Exception as exc:
        raise AssertionError(
            f"{what}: expected {kind.__name__}, got {type(exc).__module__}.{type(exc).__name__}"
        ) from exc
    raise AssertionError(f"{what}: expected {kind.__name__}, nothing was raised")


def request(
    url: str,
    method: str = "GET",
    headers: Optional[Dict[str, str]] = None,
    body: Optional[bytes] = None,
    read: float = 5.0,
    deadline: Optional[float] = None,
) -> Request:
    budget = None if deadline is None else TimeBudget(deadline, time.monotonic)
    timeout = Timeout(connect=5.0, read=read)
    return Request(method, url, headers or {}, body, timeout, stream=True, budget=budget)


class Cases:
    """The cases both flavours share; ``self.driver`` and ``self.server`` are set up
    per case by the subclass."""

    driver: Driver
    server: ContractServer

    # -- helpers ------------------------------------------------------------------------

    def _fetch(self, url: str, **options: Any) -> Tuple[Exchange, bytes]:
        """Send, read the whole body, close."""
        exchange = self.driver.send(request(url, **options))
        try:
            return exchange, exchange.read()
        finally:
            exchange.close()

    def _works(self) -> None:
        """The transport still answers the next request correctly."""
        url = self.server.serve(Reply(body=b"still working"))
        try:
            body = self._fetch(url)[1]
        except Exception as exc:
            raise AssertionError(f"the next request failed: {exc!r}") from exc
        equal(body, b"still working", "the next request's body")

    def _fails(self, url: str, kind: Type[E], what: str, **options: Any) -> E:
        """The failure is raised by ``send`` or while the body is read, never a short
        body returned as if whole."""
        return _raises(kind, lambda: self._fetch(url, **options), what)

    # -- the reply ----------------------------------------------------------------------

    def test_status_reason_headers_and_body_arrive(self) -> None:
        """A reply's status, reason, headers (case-insensitive, repeats joined with
        ``", "``) and body arrive as sent; an empty body reads as ``b""``, twice."""
        headers = [("Content-Type", "application/json"), ("X-Multi", "a"), ("X-Multi", "b")]
        url = self.server.serve(Reply(201, headers, b'{"a": 1}'))
        reply, body = self._fetch(url)
        equal((reply.status, reply.reason), (201, "Created"), "status and reason")
        equal(reply.headers.get("content-type"), "application/json", "Content-Type")
        equal(reply.headers.get("CONTENT-TYPE"), "application/json", "CONTENT-TYPE")
        equal(reply.headers.get("x-multi"), "a, b", "a repeated header")
        equal(body, b'{"a": 1}', "the body")
        empty = self.driver.send(request(self.server.serve(Reply(204))))
        equal(empty.status, 204, "status")
        equal((empty.read(), empty.read()), (b"", b""), "an empty body, read twice")
        empty.close()

    def test_error_statuses_are_returned_not_raised(self) -> None:
        """A 4xx or 5xx reply is returned like any other, with its body: deciding
        what it means is the caller's job."""
        for status, reason in ((400, "Bad Request"), (404, "Not Found"), (503, None)):
            body = b'{"error": {"message": "no"}}'
            reply, got = self._fetch(self.server.serve(Reply(status, body=body, reason=reason)))
            expected = reason or "Service Unavailable"
            equal((reply.status, reply.reason, got), (status, expected, body), f"a {status}")

    def test_a_redirect_is_returned_not_followed(self) -> None:
        """A 3xx reply is returned as it is; its ``Location`` is never fetched (core
        decides whether to follow, and strips credentials across origins)."""
        target = self.server.serve(Reply(body=b"moved here"))
        for status, method in ((302, "GET"), (307, "POST")):
            url = self.server.serve(Reply(status, [("Location", target)], b""))
            reply, _ = self._fetch(url, method=method, body=b"{}" if method == "POST" else None)
            equal(reply.status, status, "the redirect's status")
            equal(reply.headers.get("location"), target, "its Location")
        equal([r.method for r in self.server.received], ["GET", "POST"], "requests made")

    # -- the request --------------------------------------------------------------------

    def test_the_request_arrives_exactly_as_given(self) -> None:
        """Method, path and query (never re-quoted), headers and body arrive as the
        ``Request`` says; a ``Sensitive`` header value goes out as its plain value."""
        target = "/exact/path?q=a%2Fb&e=%C3%A9&empty=&n=1&n=2"
        headers = {
            "Authorization": Sensitive(f"Bearer {KEY}"),
            "X-Custom": "v1",
            "Content-Type": "application/octet-stream",
        }
        payload = b"\x00\xff payload \r\n"
        for method, body in (("GET", None), ("POST", payload), ("PUT", payload), ("DELETE", None)):
            self._fetch(self.server.url(target), method=method, headers=headers, body=body)
            seen = self.server.received[-1]
            equal((seen.method, seen.target), (method, target), "method and target")
            equal(seen.header("authorization"), f"Bearer {KEY}", "a Sensitive header")
            equal(seen.header("x-custom"), "v1", "X-Custom")
            equal(seen.body, body or b"", f"the {method} body")
            if body is not None:
                equal(seen.header("content-length"), str(len(body)), "Content-Length")

    # -- bodies -------------------------------------------------------------------------

    def test_pieces_arrive_before_the_rest_of_the_body_exists(self) -> None:
        """Each piece of a streamed body can be read as soon as it arrives: the rest
        is sent only after the first piece was read."""
        gate = Gate()
        url = self.server.serve(Reply(chunks=[b"data: one\n\n", gate, b"data: two\n\n"]))
        reply = self.driver.send(request(url))
        try:
            first = reply.piece()
            check(not gate.timed_out, "the first piece came only once the whole body had")
            equal(first, b"data: one\n\n", "the first piece")
        finally:
            gate.open()
        rest = b""
        while (piece := reply.piece()) is not None:
            rest += piece
        equal(rest, b"data: two\n\n", "the rest")
        reply.close()

    def test_read_after_partial_iteration_gives_the_rest(self) -> None:
        """``read()`` after iterating part of a body returns the rest (and then
        ``b""``): nothing is lost or repeated."""
        gate = Gate()
        url = self.server.serve(Reply(chunks=[b"first;", gate, b"second;", b"third"]))
        reply = self.driver.send(request(url))
        try:
            first = reply.piece()
        finally:
            gate.open()
        equal(first, b"first;", "the first piece")
        equal(reply.read(), b"second;third", "read() after it")
        equal(reply.read(), b"", "read() at the end")
        reply.close()

    def test_gzip_bodies_are_decoded(self) -> None:
        """A ``Content-Encoding: gzip`` body reads decoded, sized or chunked; a
        streamed one piece by piece as it arrives."""
        text = b"hello, compressed world " * 40
        _, body = self._fetch(self.server.serve(Reply(body=text, gzip=True)))
        equal(body, text, "a sized gzip body")
        gate = Gate()
        url = self.server.serve(Reply(chunks=[b"data: one\n\n", gate, text], gzip=True))
        reply = self.driver.send(request(url))
        try:
            first = reply.piece()
            check(not gate.timed_out, "the first gzip piece came only with the whole body")
        finally:
            gate.open()
        equal(first, b"data: one\n\n", "the first decoded piece")
        equal(reply.read(), text, "the rest, decoded")
        reply.close()

    def test_interim_replies_are_skipped(self) -> None:
        """Interim ``1xx`` replies (``103 Early Hints``, ``102 Processing``) before
        the real one are skipped, and the connection stays in step."""
        url = self.server.serve(
            Reply(headers=[("X-Real", "yes")], body=b"real", interim=(103, 102))
        )
        for _ in range(2):
            reply, body = self._fetch(url)
            equal((reply.status, reply.headers.get("x-real"), body), (200, "yes", b"real"), "reply")
        equal(self.server.connections, 1, "connections (the second request reused it)")

    # -- connections --------------------------------------------------------------------

    def test_a_connection_is_reused_once_its_body_was_read(self) -> None:
        """Sequential requests whose bodies were read to the end (by ``read`` or by
        iterating) and closed share one connection."""
        sized = self.server.serve(Reply(body=b"x" * 1000))
        chunked = self.server.serve(Reply(chunks=[b"y" * 10, b"z" * 10]))
        self._fetch(sized)
        self._fetch(chunked)
        reply = self.driver.send(request(sized))
        while reply.piece() is not None:
            pass
        reply.close()
        equal(self.server.connections, 1, "connections")
        equal(self.server.requests_on(1), 3, "requests on it")

    def test_a_half_read_body_is_never_reused(self) -> None:
        """A reply closed before its body ended is never handed to the next request
        half-read, and closing it returns at once, even when the body never ends."""
        never_ends = Gate()
        big = self.server.serve(Reply(body=b"a" * 2_000_000))
        endless = self.server.serve(Reply(chunks=[b"b" * 100, never_ends]))
        for url in (big, endless):
            reply = self.driver.send(request(url))
            check(reply.piece() is not None, "a first piece")
            started = time.monotonic()
            reply.close()
            check(time.monotonic() - started < SLACK, "close() drained a body that never ends")
            self._works()
            first, after = self.server.received[-2:]
            reused = after.connection == first.connection
            check(not reused or first.complete, "the next request went on the half-read socket")
        never_ends.open()

    # -- failures -----------------------------------------------------------------------

    def test_a_refused_connection_is_a_connection_error(self) -> None:
        """Nobody listening: ``APIConnectionError`` (not a timeout)."""
        held = socket.socket()  # bound, not listening: refused, and nobody else gets it
        held.bind(("127.0.0.1", 0))
        try:
            url = f"http://127.0.0.1:{held.getsockname()[1]}/x"
            error = self._fails(url, APIConnectionError, "a refused connection")
        finally:
            held.close()
        check(not isinstance(error, APITimeoutError), "a refused connection is not a timeout")

    def test_a_stall_before_the_reply_times_out(self) -> None:
        """A server that answers nothing: ``APITimeoutError`` after about the read
        timeout."""
        url = self.server.serve(Reply(stall=True))
        started = time.monotonic()
        self._fails(url, APITimeoutError, "a stalled server", read=SHORT)
        elapsed = time.monotonic() - started
        check(elapsed < SHORT + SLACK, f"timed out after {elapsed:.1f}s, not ~{SHORT}s")
        self._works()

    def test_a_stall_mid_body_times_out(self) -> None:
        """A body that stops arriving: ``APITimeoutError`` while reading, after about
        the read timeout."""
        gate = Gate()
        url = self.server.serve(Reply(chunks=[b"first", gate, b"never sent"]))
        reply = self.driver.send(request(url, read=SHORT))
        equal(reply.piece(), b"first", "the first piece")
        started = time.monotonic()
        _raises(APITimeoutError, reply.piece, "a stall mid-body")
        elapsed = time.monotonic() - started
        check(elapsed < SHORT + SLACK, f"timed out after {elapsed:.1f}s, not ~{SHORT}s")
        reply.close()
        gate.open()
        self._works()

    def test_the_deadline_bounds_a_dripping_body(self) -> None:
        """``Request.budget`` (what is left of the call's deadline) bounds every read:
        a body dripping well inside the read timeout still ends in ``APITimeoutError``
        once the budget is spent."""
        url = self.server.serve(Reply(chunks=[b".", 0.1] * 50))  # 5 s of drip
        started = time.monotonic()
        self._fails(url, APITimeoutError, "a dripping body past the deadline", deadline=SHORT)
        elapsed = time.monotonic() - started
        check(elapsed < SHORT + SLACK, f"the {SHORT}s deadline ended the read after {elapsed:.1f}s")
        self._works()

    def test_a_request_is_sent_once_whatever_happens(self) -> None:
        """A transport never resends: a connection reset before any reply is
        ``APIConnectionError``, and the server saw the request once (retrying is the
        caller's decision, counted against its ``max_retries``)."""
        url = self.server.serve(Reply(stall=True, cut="reset"))
        for method in ("GET", "POST", "DELETE"):
            body = b"{}" if method == "POST" else None
            before = len(self.server.received)
            self._fails(
                url,
                APIConnectionError,
                f"a {method} reset before its reply",
                method=method,
                body=body,
            )
            equal(len(self.server.received) - before, 1, f"times the {method} was sent")
        self._works()

    def test_a_reset_mid_body_is_a_connection_error(self) -> None:
        """A connection reset mid-body: ``APIConnectionError`` (not a timeout), never
        a short body; the transport carries on."""
        url = self.server.serve(Reply(body=b'{"partial": ', cut="reset"))
        error = self._fails(url, APIConnectionError, "a reset mid-body")
        check(not isinstance(error, APITimeoutError), "a reset is not a timeout")
        self._works()

    def test_a_truncated_body_is_a_connection_error(self) -> None:
        """A chunked body without its last chunk, or a sized one shorter than its
        ``Content-Length``, then the connection closed: ``APIConnectionError``, never
        a short body; the transport carries on."""
        chunked = Reply(chunks=[b'{"partial": '], cut="close")
        sized = Reply(body=b'{"partial": ', cut="close")
        for name, reply in (("chunked", chunked), ("sized", sized)):
            url = self.server.serve(reply)
            error = self._fails(url, APIConnectionError, f"a truncated {name} body")
            check(not isinstance(error, APITimeoutError), "a truncated body is not a timeout")
            self._works()

    def test_close_is_idempotent(self) -> None:
        """Closing a reply twice (read or not) and the transport twice is harmless."""
        url = self.server.serve(Reply(chunks=[b"a" * 100, b"b" * 100]))
        read = self.driver.send(request(url))
        read.read()
        unread = self.driver.send(request(url))
        for reply in (read, read, unread, unread):
            reply.close()
        self.driver.close_transport()
        self.driver.close_transport()
