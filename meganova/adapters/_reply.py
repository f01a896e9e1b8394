"""The http.client reply under every socket transport (stdlib, and urllib3 reads
through http.client too), installed as the connections' public ``response_class``.

- An interim ``1xx`` reply (``103 Early Hints``, ``102 Processing``) before the real
  one is skipped; http.client itself skips only ``100 Continue``.
- With a time budget (the call has a ``deadline``), every read of the socket, reply
  headers and body alike, waits at most what core allows (``TimeBudget.wait_limit``:
  the read timeout, or what is left of the deadline), so a server that drips one byte
  just inside the read timeout cannot stretch the call. Without one, the socket file is
  http.client's own and nothing here runs per read.

The transport hands the budget over around the library call that builds the reply
(``use_budget``: a context variable, as urllib3 builds it deep inside ``urlopen``).
"""

from __future__ import annotations

import http.client
import io
import socket
from contextvars import ContextVar, Token
from typing import Any, Callable, Optional

from ..core.budget import SLACK, TimeBudget

# More interim replies than this before the real one is a hostile server.
MAX_INTERIM = 100

_budget: ContextVar[Optional[TimeBudget]] = ContextVar("meganova_time_budget", default=None)


def use_budget(budget: TimeBudget | None) -> Token[Optional[TimeBudget]]:
    """Replies built from now on (in this context) read within ``budget``; give the
    token back to ``release_budget`` once the library call returned."""
    return _budget.set(budget)


def release_budget(token: Token[Optional[TimeBudget]]) -> None:
    _budget.reset(token)


_watcher: ContextVar[Optional[Callable[[socket.socket], None]]] = ContextVar(
    "meganova_socket_watcher", default=None
)


def watch_sockets(watcher: Callable[[socket.socket], None]) -> Token[Any]:
    """Replies built from now on (in this context) hand their socket to ``watcher``
    before waiting for the head: the worker thread transport shuts it when its
    ``send`` is cancelled. Give the token back to ``unwatch_sockets``."""
    return _watcher.set(watcher)


def unwatch_sockets(token: Token[Any]) -> None:
    _watcher.reset(token)


class DeadlineReader(io.RawIOBase):
    """A socket's raw reader whose every wait is bounded by the call's budget: the
    socket timeout is lowered to what is left when the read timeout would overrun it,
    and a read after the deadline fails as a timeout at once."""

    def __init__(self, sock: socket.socket, budget: TimeBudget) -> None:
        super().__init__()
        # The socket's own unbuffered reader: the socket counts it as a user, so closing
        # the connection while the reply is read does not close the descriptor under it.
        self._raw = sock.makefile("rb", buffering=0)
        self._socket = sock
        self._budget = budget
        self._read_timeout = sock.gettimeout()  # set by the transport for this request

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int | None:
        budget = self._budget
        limit = budget.wait_limit(self._read_timeout)
        if limit <= 0:
            raise socket.timeout(budget.message())
        sock = self._socket
        current = sock.gettimeout()
        if current is None or current > limit + SLACK:
            sock.settimeout(limit)  # a syscall: only when the budget would be overrun
        return self._raw.readinto(b)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _BoundedSocket:
    """What ``HTTPResponse.__init__`` needs of a socket: ``makefile("rb")``."""

    def __init__(self, sock: socket.socket, budget: TimeBudget) -> None:
        self._sock = sock
        self._budget = budget

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(DeadlineReader(self._sock, self._budget))


class Reply(http.client.HTTPResponse):
    """http.client's reply, skipping interim replies and bounded by the call's budget."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        watcher = _watcher.get()
        if watcher is not None and isinstance(sock, socket.socket):
            watcher(sock)
        budget = _budget.get()
        if budget is not None and isinstance(sock, socket.socket):
            sock = _BoundedSocket(sock, budget)
        super().__init__(sock, *args, **kwargs)

    def begin(self) -> None:
        super().begin()
        interim = 0
        while 100 <= self.status < 200 and self.status != 101:
            # An interim reply has no body; the real reply follows on the same socket.
            interim += 1
            if interim > MAX_INTERIM:
                raise http.client.HTTPException(f"more than {MAX_INTERIM} interim 1xx replies")
            self.headers = self.msg = None  # type: ignore[assignment]
            super().begin()


class KeepsReply:
    """Connection mixin: keeps the http.client reply it built, for the transport to
    read through http.client's public ``read1`` (what has arrived) where urllib3 1.x
    offers only a read that waits for a whole block or its ``read_chunked`` generator,
    whose finalizer gives the connection back to the pool (a lock) from wherever the
    collector runs. urllib3 2.x builds its own reply: nothing is kept then."""

    kept_reply: Reply | None = None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        response = parent.getresponse(*args, **kwargs)
        if isinstance(response, Reply):
            self.kept_reply = response
        return response

    def take_reply(self) -> Reply | None:
        """The reply built last (once: the connection does not keep it after this)."""
        reply, self.kept_reply = self.kept_reply, None
        return reply
