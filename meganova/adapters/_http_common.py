"""What both socket transports share: honest error messages, body-length checks and
the reply state machine."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import ssl
import time
import traceback
import zlib
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from ..core.budget import SLACK
from ..core.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from ..core.http import SENSITIVE_HEADERS, Headers, Request
from ..core.proxy import PROXY_AUTHENTICATION_REQUIRED, Proxy
from ..core.redact import redact_text
from ..core.retry import CERTIFICATE_VERIFY_FAILED

READ_SIZE = 65536
DECODED_PIECE = 262144  # most decompressed bytes one step returns (a bomb's bound per read)
NO_BODY_STATUSES = frozenset({204, 304})
MAX_LINE = 65536  # as http.client: a size or trailer line longer than this is hostile
_HEX = b"0123456789abcdefABCDEF"
_SHUT_RDWR = socket.SHUT_RDWR  # bound here: finalizers may run while modules are torn down
_SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)
# End of a chunk's data and the next size line; anything unusual takes the slow path.
_NEXT_SIZE = re.compile(rb"\r?\n([0-9a-fA-F]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n").match


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: enough to say where, never a query."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def redact(text: str, request: Request) -> str:
    """Remove every credential the request carries from a message."""
    return redact_text(text, request.headers, SENSITIVE_HEADERS)


def forget_locals(exc: BaseException) -> None:
    """Clear the local variables of the finished frames a library exception passed
    through, along its cause/context chain: urllib3's ``headers`` and http.client's
    ``msg`` hold the request's credentials, and error reporters record locals (Sentry,
    ``TracebackException(capture_locals=True)``). Frames still running (ours, further
    up the stack) are left as they are. The exceptions keep their types and text."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 32:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        traceback.clear_frames(item.__traceback__)
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)


def describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def expected_length(method: str, status: int, headers: Mapping[str, str]) -> int | None:
    """Bytes the body must have on the wire when the reply says so (``None``: it does
    not say, or the body is chunked)."""
    if method == "HEAD" or status in NO_BODY_STATUSES or 100 <= status < 200:
        return None
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    raw = headers.get("content-length")
    if raw is None:
        return None
    try:
        values = {int(v) for v in raw.split(",")}
    except ValueError:
        return None
    if len(values) != 1:
        return None
    length = values.pop()
    return length if length >= 0 else None


def truncated(request: Request, expected: int, received: int) -> APIConnectionError:
    return APIConnectionError(
        f"The connection to {origin(request.url)} closed after {received} of {expected} body bytes",
        request_sent=True,
    )


class ContentDecoder:
    """Undoes ``Content-Encoding: gzip`` (or ``x-gzip``) and ``deflate`` (zlib-wrapped,
    or raw as some servers send it) incrementally, in bounded steps: ``decode`` returns
    at most ``DECODED_PIECE`` bytes, keeping the compressed rest; while ``pending``,
    call it again with ``b""`` before feeding more. So a small compressed block never
    becomes a huge one in memory (a gzip bomb is cut off by whoever counts the pieces:
    ``max_response_bytes`` for a whole body, the event cap for a stream). ``finish``
    checks the compressed stream ended. Both transports and the fake decode here, so a
    reply reads the same on each. Corrupt data raises ``zlib.error``."""

    __slots__ = ("_fed", "_gzip", "_more", "_obj", "_seen", "_tail")

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._fed = False
        self._tail = b""  # compressed input not decoded yet
        self._more = False  # the last step filled its piece: zlib may hold more output
        # deflate: what was fed before the first output, to decode again as raw deflate
        # if the zlib header turns out wrong (it may arrive a byte at a time)
        self._seen: bytes | None = None if gzip else b""

    @property
    def pending(self) -> bool:
        """Whether ``decode(b"")`` may return more without new input."""
        return self._more or bool(self._tail)

    def decode(self, data: bytes) -> bytes:
        tail = self._tail
        if tail:
            data = tail + data if data else tail
        elif not data and not self._more:
            return b""
        obj = self._obj
        seen = self._seen
        try:
            out = obj.decompress(data, DECODED_PIECE)
        except zlib.error:
            if seen is None:
                raise
            # deflate without the zlib wrapper (RFC 1951 alone): what some servers send
            self._seen = None
            obj = self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = obj.decompress(seen + data, DECODED_PIECE)
        else:
            if seen is not None:
                seen += data
                self._seen = None if out or len(seen) > MAX_LINE else seen
        if data:
            self._fed = True
        self._tail = obj.unconsumed_tail
        self._more = len(out) == DECODED_PIECE
        if self._gzip and obj.eof and obj.unused_data:  # another gzip member follows
            self._tail = obj.unused_data
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return out

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """Everything ``data`` decodes to, one bounded piece at a time."""
        out = self.decode(data)
        while True:
            if out:
                yield out
            if not self.pending:
                return
            out = self.decode(b"")

    def finish(self) -> bytes:
        """The body ended (call when not ``pending``): raises if the compressed
        stream did not."""
        if not self._fed:
            return b""  # an empty body: nothing was compressed
        out = self._obj.flush()
        if not self._obj.eof:
            raise zlib.error("the compressed body ended early")
        return out


def content_decoder(method: str, status: int, headers: Mapping[str, str]) -> ContentDecoder | None:
    """The decoder a reply's ``Content-Encoding`` needs; ``None`` for identity, for a
    reply without a body, and for codings we do not decode (never asked for: the body
    is then passed on as it came)."""
    coding = headers.get("content-encoding")
    if coding is None or method == "HEAD" or status in NO_BODY_STATUSES:
        return None
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return ContentDecoder(gzip=True)
    if coding == "deflate":
        return ContentDecoder(gzip=False)
    return None


def corrupt_body(
    request: Request, status: int, headers: Headers, exc: BaseException
) -> APIResponseValidationError:
    coding = headers.get("content-encoding", "").strip()
    return APIResponseValidationError(
        f"The {coding} body of the reply from {origin(request.url)} does not decompress "
        f"({describe(exc)})",
        status=status,
    )


class PidGuard:
    """Tells whether the process forked since the last check, so a child never
    reuses sockets it inherited from its parent."""

    __slots__ = ("pid",)

    def __init__(self) -> None:
        self.pid = os.getpid()

    def forked(self) -> bool:
        pid = os.getpid()
        if pid == self.pid:
            return False
        self.pid = pid
        return True


def closed_while_reading(request: Request) -> APIConnectionError:
    return APIConnectionError(
        f"The reply from {origin(request.url)} was closed while it was being read",
        request_sent=True,
    )


def rebuild(cls: Any, options: dict[str, Any]) -> Any:
    """Unpickles a transport: a fresh instance with the options it was made with."""
    return cls(**options)


def check_options(verify: object, max_connections: object) -> None:
    if not isinstance(verify, (bool, str)):
        raise InvalidArgumentTypeError(
            "verify must be True, False or a CA bundle path", argument="verify"
        )
    if isinstance(verify, str) and not os.path.exists(verify):
        raise InvalidArgumentError(
            f"verify: no CA bundle at {verify!r} (pass True, False or an existing path)",
            argument="verify",
        )
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise InvalidArgumentTypeError("max_connections must be an int", argument="max_connections")
    if max_connections < 1:
        raise InvalidArgumentTypeError("max_connections must be >= 1", argument="max_connections")


def finish_message(error: APIConnectionError, exc: BaseException, request: Request) -> None:
    error.message = redact(f"{error.message} ({describe(exc)})", request)
    budget = request.budget
    if isinstance(error, APITimeoutError) and budget is not None and budget.remaining() < SLACK:
        # The socket's wait was cut to what was left: say why it was short.
        error.message += f": {budget.message()}"
    error.args = (error.message,)
    if _certificate_refused(exc):
        error.code = CERTIFICATE_VERIFY_FAILED  # core does not retry it: it cannot pass later


def _certificate_refused(exc: BaseException) -> bool:
    """Whether the failure is a certificate that did not verify (urllib3 wraps ssl's)."""
    todo: list[object] = [exc]
    for _ in range(8):
        if not todo:
            return False
        item = todo.pop()
        # urllib3 1.26 checks hostnames itself and raises its own CertificateError.
        if isinstance(item, ssl.SSLCertVerificationError) or (
            type(item).__name__ == "CertificateError"
        ):
            return True
        if isinstance(item, BaseException):
            todo.extend(a for a in item.args if isinstance(a, BaseException))
            todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
    return False


def invalid_input(exc: BaseException) -> bool:
    """An invalid URL or header value (``ValueError``), not a network failure that some
    libraries also make a ``ValueError`` (ssl's certificate error is both)."""
    return isinstance(exc, (ValueError, http.client.InvalidURL)) and not isinstance(exc, OSError)


def unsendable(exc: BaseException, request: Request) -> APIConnectionError:
    """An invalid URL or header value, found by the library before anything was sent:
    the same request would fail the same way, so it is never retried."""
    error = APIConnectionError(
        f"The request to {origin(request.url)} cannot be sent: invalid URL or header value",
        request_sent=False,
    )
    error.retryable = False
    finish_message(error, exc, request)
    return error


def translate_socket_error(exc: BaseException, request: Request, phase: str) -> APIConnectionError:
    """Map a socket/ssl/http.client failure. ``phase``: ``connect`` (nothing sent),
    ``send`` (request written or being written, no reply yet) or ``read`` (body)."""
    where = origin(request.url)
    sent = phase != "connect"
    error: APIConnectionError
    if phase != "read" and invalid_input(exc):
        return unsendable(exc, request)
    if isinstance(exc, (socket.timeout, TimeoutError)):
        if phase == "connect":
            error = APITimeoutError(f"Timed out connecting to {where}", request_sent=False)
        elif phase == "send":
            error = APITimeoutError(
                f"Timed out waiting for a reply from {where}", request_sent=True
            )
        else:
            error = APITimeoutError(f"Timed out reading the reply from {where}", request_sent=True)
    elif isinstance(exc, ssl.SSLError):
        error = APIConnectionError(f"TLS failed with {where}", request_sent=sent)
    elif isinstance(exc, socket.gaierror):
        error = APIConnectionError(f"Could not resolve the host of {where}", request_sent=False)
    elif phase == "connect":
        error = APIConnectionError(f"Could not connect to {where}", request_sent=False)
    elif isinstance(exc, (OSError, http.client.HTTPException)):
        what = "while reading the reply" if phase == "read" else "before a reply arrived"
        error = APIConnectionError(f"The connection to {where} broke {what}", request_sent=True)
    else:
        error = APIConnectionError(f"The request to {where} failed", request_sent=sent)
    finish_message(error, exc, request)
    return error


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its arguments that are exceptions, and its causes (bounded)."""
    found: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(found) < 16:
        item = todo.pop()
        if isinstance(item, BaseException) and item not in found:
            found.append(item)
            todo.extend(a for a in item.args if isinstance(a, BaseException))
            todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)
    return found


def proxy_failure(exc: BaseException, request: Request, proxy: Proxy) -> APIConnectionError:
    """The proxy could not be reached, or would not open the way to the target (nothing
    was sent to the target). A 407 is not retried: the credentials will not change."""
    where = origin(request.url)
    chain = _chain(exc)
    error: APIConnectionError
    refused = any("407" in str(item) for item in chain)
    if refused:
        hint = (
            "it did not accept the credentials in the proxy URL"
            if proxy.has_credentials
            else "it requires credentials (http://user:password@host:port)"
        )
        error = APIConnectionError(
            f"The proxy {proxy.url} refused the way to {where}: {hint} (407)",
            request_sent=False,
        )
    elif any(isinstance(item, (socket.timeout, TimeoutError)) for item in chain) or any(
        "timed out" in str(item).lower() for item in chain
    ):
        error = APITimeoutError(
            f"Timed out connecting through the proxy {proxy.url} to {where}", request_sent=False
        )
    else:
        error = APIConnectionError(
            f"Could not connect through the proxy {proxy.url} to {where}", request_sent=False
        )
    finish_message(error, exc, request)
    if refused:
        error.code = PROXY_AUTHENTICATION_REQUIRED
        error.retryable = False  # the same credentials will be refused again
    scrub_proxy(error, proxy)
    return error


def proxy_refused(request: Request, proxy: Proxy) -> APIConnectionError:
    """A forwarding proxy answered 407 instead of passing the request on."""
    return proxy_failure(OSError("407 Proxy Authentication Required"), request, proxy)


def scrub_proxy(error: APIConnectionError, proxy: Proxy | None) -> APIConnectionError:
    """Remove the proxy's credentials, in any form, from an error's message."""
    if proxy is not None and proxy.has_credentials:
        error.message = proxy.redact(error.message)
        error.args = (error.message,)
    return error


class ChunkedFramingError(http.client.HTTPException):
    """The chunked transfer coding of a body is malformed."""


class ChunkedDecoder:
    """Sans-I/O de-framer for ``Transfer-Encoding: chunked``: ``feed`` takes whatever
    bytes arrived and returns the body data among them at once (never waits for a whole
    chunk). ``done`` turns true after the last chunk and its trailers; bytes fed after
    that are kept in ``excess`` (the connection must then not be reused). Malformed
    framing raises ``ChunkedFramingError``. Line ends may be CRLF or a bare LF, as
    http.client accepts."""

    __slots__ = ("_buf", "_left", "_state", "excess")

    def __init__(self) -> None:
        self._buf = b""
        self._left = 0
        self._state = _SIZE
        self.excess = b""

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, data: bytes) -> bytes:
        if self._state == _DONE:
            self.excess += data
            return b""
        buf = self._buf + data if self._buf else data
        end = len(buf)
        pos = 0
        out: list[bytes] = []
        state = self._state
        left = self._left
        append = out.append
        while pos < end:
            if state == _DATA:
                stop = pos + left
                if stop <= end:
                    append(buf[pos:stop])
                    pos = stop
                    left = 0
                    state = _DATA_END
                    # Tight loop over whole chunks: data, then CRLF + next size line.
                    while (m := _NEXT_SIZE(buf, pos)) is not None:
                        pos = m.end()
                        left = int(m[1], 16)
                        if not left:
                            state = _TRAILER
                            break
                        stop = pos + left
                        if stop > end:
                            state = _DATA
                            break
                        append(buf[pos:stop])
                        pos = stop
                        left = 0
                else:
                    append(buf[pos:])
                    left -= end - pos
                    pos = end
            elif state == _DATA_END and (m := _NEXT_SIZE(buf, pos)) is not None:
                # The common case in one regex match: CRLF, then the next size line.
                pos = m.end()
                left = int(m[1], 16)
                state = _DATA if left else _TRAILER
            elif state == _SIZE:
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    if end - pos > MAX_LINE:
                        raise ChunkedFramingError("chunk size line too long")
                    break
                size = _chunk_size(buf[pos:nl])
                pos = nl + 1
                if size:
                    left = size
                    state = _DATA
                else:
                    state = _TRAILER
            elif state == _DATA_END:
                if buf[pos] == 10:  # b"\n"
                    pos += 1
                elif buf.startswith(b"\r\n", pos):
                    pos += 2
                elif end - pos == 1 and buf[pos] == 13:  # b"\r", its b"\n" still to come
                    break
                else:
                    raise ChunkedFramingError("chunk data not followed by CRLF")
                state = _SIZE
            else:  # _TRAILER: header lines until an empty one
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    if end - pos > MAX_LINE:
                        raise ChunkedFramingError("trailer line too long")
                    break
                line = buf[pos:nl]
                pos = nl + 1
                if line in (b"", b"\r"):
                    state = _DONE
                    self.excess = buf[pos:]
                    pos = end
        self._buf = buf[pos:] if pos < end else b""
        self._state = state
        self._left = left
        if not out:
            return b""
        return out[0] if len(out) == 1 else b"".join(out)


def _chunk_size(line: bytes) -> int:
    """The size of a chunk-size line (without its LF): hex digits, optional
    ``;extensions``, optional CR and surrounding blanks."""
    semi = line.find(b";")
    if semi >= 0:
        line = line[:semi]
    digits = line.strip(b" \t\r")
    if not digits or len(digits) > 16 or digits.strip(_HEX):
        raise ChunkedFramingError(f"invalid chunk size line {line[:40]!r}")
    return int(digits, 16)


class DechunkedBody:
    """Reads a chunked body straight off http.client's buffered socket file, one
    ``read1`` at a time: whatever arrived, de-framed, in as few blocks as possible."""

    __slots__ = ("_read1", "decoder")

    def __init__(self, fp: Any) -> None:
        self._read1 = fp.read1
        self.decoder = ChunkedDecoder()

    def read(self) -> bytes:
        """The body data that has arrived (waits for at least one byte of it); ``b""``
        once the body ended. A body cut short raises ``http.client.IncompleteRead``."""
        decoder = self.decoder
        if decoder._state == _DONE:
            return b""
        read1 = self._read1
        feed = decoder.feed
        while True:
            block = read1(READ_SIZE)
            if not block:
                raise http.client.IncompleteRead(b"")
            data = feed(block)
            if data or decoder._state == _DONE:
                return data


_KEEP = object()  # no socket timeout to restore


class SocketResponse:
    """A reply read off a pooled socket; subclasses say how their library reads,
    releases and fails. The connection goes back to the pool only when the body was
    read to its end (and its length checked); otherwise the socket is closed, never
    drained at length: an abandoned stream may never end."""

    # Class defaults, so the finalizer of a reply whose __init__ failed does nothing.
    _closed = True
    _complete = False
    _sock: socket.socket | None = None
    _restore_timeout: object = _KEEP

    def __init__(
        self,
        request: Request,
        status: int,
        headers: Headers,
        reason: str,
        sock: socket.socket | None = None,
    ) -> None:
        self._request = request
        self._sock = sock
        self._status = status
        self._headers = headers
        self._reason = reason
        self._received = 0
        self._started = False
        self._complete = False
        self._closed = False
        self._body: DechunkedBody | None = None
        self._decoder = content_decoder(request.method, status, headers)

    # -- what each library does -------------------------------------------------------

    def _length_enforced(self) -> bool:
        """Whether the library itself raises on a short body read whole."""
        raise NotImplementedError

    def _read_all(self) -> bytes:
        raise NotImplementedError

    def _dechunker(self) -> DechunkedBody | None:
        """A de-framer over the socket file of an unread chunked body, or ``None``."""
        raise NotImplementedError

    def _read_raw(self) -> bytes:
        """What has arrived of the body through the library (``b""``: its end)."""
        raise NotImplementedError

    def _read_error(self, exc: BaseException) -> APIConnectionError:
        raise NotImplementedError

    def _recycle(self, in_step: bool) -> None:
        """The body was read to its end: hand the connection back (``in_step``: no
        bytes followed the body, so it may be reused)."""
        raise NotImplementedError

    def _discard(self) -> None:
        """Close the socket; the connection is not reused."""
        raise NotImplementedError

    def _release(self) -> None:
        """``close`` after the end of the body: ``_recycle`` already gave it back."""

    # -- the shared state machine -----------------------------------------------------

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
        if (
            self._started
            or self._complete
            or self._closed
            or self._decoder is not None
            or self._request.budget is not None  # a deadline is checked between reads
        ):
            # Decoded in bounded steps (whoever needs a cap counts: core's read_capped).
            return b"".join(self.iter_bytes())
        self._started = True
        enforced = self._length_enforced()
        try:
            data = self._read_all()
        except Exception as exc:
            self._discard()
            raise self._read_error(exc) from exc
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
        """What has arrived of the body, decoded (``b""``: its end)."""
        decoder = self._decoder
        if decoder is None:
            return self._read_wire()
        while True:
            try:
                if decoder.pending:
                    out = decoder.decode(b"")
                else:
                    data = self._read_wire()
                    if not data:
                        self._decoder = None
                        return decoder.finish()
                    out = decoder.decode(data)
            except zlib.error as exc:
                self._decoder = None
                if not self._complete:
                    self._discard()
                self._closed = True
                raise corrupt_body(self._request, self._status, self._headers, exc) from exc
            if out:
                return out

    def _read_wire(self) -> bytes:
        """What has arrived of the body as sent (``b""``: its end)."""
        if self._complete or self._closed:
            return b""
        budget = self._request.budget
        if budget is not None and budget.expired():
            # Our connections bound each socket read by the budget; this also bounds a
            # library's reply we do not build (a pool manager or session of the user's).
            self._discard()
            raise APITimeoutError(
                f"Timed out reading the reply from {origin(self._request.url)}: {budget.message()}",
                request_sent=True,
            )
        try:
            body = self._body
            if body is not None:
                chunk = body.read()
            elif not self._started and (body := self._dechunker()) is not None:
                # De-chunk ourselves: the libraries return one HTTP chunk per call.
                self._body = body
                chunk = body.read()
            else:
                chunk = self._read_raw()
            self._started = True
        except Exception as exc:
            self._discard()
            if self._closed:  # close() in another thread cut this read short
                raise closed_while_reading(self._request) from exc
            raise self._read_error(exc) from exc
        if chunk:
            self._received += len(chunk)
            return chunk
        if self._closed:
            raise closed_while_reading(self._request)
        self._finish()
        return b""

    def _finish(self, *, check_length: bool = True) -> None:
        if check_length:
            expected = expected_length(self._request.method, self._status, self._headers)
            if expected is not None and self._received < expected:
                self._discard()
                raise truncated(self._request, expected, self._received)
        self._complete = True
        restore = self._restore_timeout
        if restore is not _KEEP:  # drain() shortened it: the pool gets it back as it was
            self._restore_timeout = _KEEP
            with contextlib.suppress(OSError):
                if self._sock is not None:
                    self._sock.settimeout(restore)  # type: ignore[arg-type]
        body = self._body
        self._recycle(body is None or not body.decoder.excess)

    def drain(self, max_bytes: int, timeout: float) -> bool:
        """Read the rest of the body if it ends within ``max_bytes`` and ``timeout``
        seconds, which hands the connection back to the pool; otherwise (a server that
        keeps the stream open or keeps sending after the answer) cut it off as
        ``close`` does. Never waits longer than ``timeout``. Returns whether the body
        ended."""
        if self._closed or self._complete:
            return self._complete
        sock = self._sock
        if sock is not None:
            try:
                self._restore_timeout = sock.gettimeout()
                deadline = time.monotonic() + timeout
                while max_bytes >= 0:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    sock.settimeout(left)  # bounds this read's wait, whatever arrives
                    data = self._read_some()
                    if not data:
                        break
                    max_bytes -= len(data)
            except Exception:  # a timeout or a failure: the connection is discarded
                pass
        complete = self._complete
        self.close()
        return complete

    def close(self) -> None:
        """Release the connection; an unfinished body is cut off and its socket closed.
        Safe from another thread while one reads: shutting the socket down wakes a read
        blocked on it (which then raises ``APIConnectionError``), so closing never waits
        for the read timeout."""
        if self._closed:
            return
        self._closed = True
        if self._complete:
            self._release()
            return
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._discard()

    def __del__(self) -> None:
        # Refcounting or the garbage collector, in any thread, at any moment (maybe in
        # the middle of a pool operation): only shut the socket of an unfinished body.
        # Never the pool, never a lock; the pool makes a new connection in its place.
        if self._closed or self._complete:
            return
        sock = self._sock
        if sock is not None:
            # try/except, not contextlib: no module global needed at interpreter exit
            try:  # noqa: SIM105
                sock.shutdown(_SHUT_RDWR)
            except Exception:
                pass
            try:  # noqa: SIM105
                sock.close()
            except Exception:
                pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self._status})"
