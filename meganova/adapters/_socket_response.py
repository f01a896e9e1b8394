"""The reply state machine both socket transports share: a body read to its end
gives the connection back, any other ending closes the socket, never a lock taken
from a finalizer."""

from __future__ import annotations

import contextlib
import socket
import time
import zlib
from typing import Iterator

from ..core.body_length import expected_length
from ..core.decompress import content_decoder
from ..core.errors import APIConnectionError, APITimeoutError
from ..core.http import Headers, Request
from ._chunked_reader import DechunkedBody
from ._deadline_watch import DeadlineWatch
from ._errors import closed_while_reading, corrupt_body, origin, truncated
from ._reply_head import OwnHead

_SHUT_RDWR = socket.SHUT_RDWR  # bound here: finalizers may run while modules are torn down

_KEEP = object()  # no socket timeout to restore


class SocketResponse(OwnHead):
    """A reply read off a pooled socket; subclasses say how their library reads,
    releases and fails. The connection goes back to the pool only when the body was
    read to its end (and its length checked); otherwise the socket is closed, never
    drained at length: an abandoned stream may never end."""

    # Class defaults, so the finalizer of a reply whose __init__ failed does nothing.
    _closed = True
    _complete = False
    _sock: socket.socket | None = None
    _restore_timeout: object = _KEEP
    # Whether our reader bounds every socket wait by the call's deadline (a reply off
    # our own connections); otherwise a watch cuts the read at the deadline.
    _bounded = True
    _watch: DeadlineWatch | None = None
    _expired = False  # the watch shut the socket down at the deadline

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
        if budget is not None:
            if budget.expired():
                self._stop_watch()
                self._discard()
                raise self._deadline_passed()
            if not self._bounded and self._watch is None:
                self._watch = DeadlineWatch(budget, self._cut_at_deadline)
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
            self._stop_watch()
            self._discard()
            if self._expired:  # the deadline watch cut this read short
                raise self._deadline_passed() from exc
            if self._closed:  # close() in another thread cut this read short
                raise closed_while_reading(self._request) from exc
            raise self._read_error(exc) from exc
        if chunk:
            self._received += len(chunk)
            return chunk
        if self._expired:  # the socket shut at the deadline ended the body early
            self._discard()
            raise self._deadline_passed()
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
        self._stop_watch()
        restore = self._restore_timeout
        if restore is not _KEEP:  # drain() shortened it: the pool gets it back as it was
            self._restore_timeout = _KEEP
            with contextlib.suppress(OSError):
                if self._sock is not None:
                    self._sock.settimeout(restore)  # type: ignore[arg-type]
        body = self._body
        self._recycle(body is None or not body.decoder.excess)

    def _deadline_passed(self) -> APITimeoutError:
        budget = self._request.budget
        why = budget.message() if budget is not None else "the call's deadline passed"
        return APITimeoutError(
            f"Timed out reading the reply from {origin(self._request.url)}: {why}",
            request_sent=True,
        )

    def _cut_at_deadline(self) -> None:
        """The deadline watch's action (its own thread): shut the socket down, which
        wakes a read blocked on it, as ``close`` does."""
        if self._closed or self._complete:
            return
        self._expired = True
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _stop_watch(self) -> None:
        watch = self._watch
        if watch is not None:
            self._watch = None
            watch.cancel()

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
        self._stop_watch()
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
