"""Every read of urllib3's private internals, in one place.

Each path here has a public-API twin in ``urllib3_transport``, taken when ``enabled()``
is false: on a urllib3 release these paths were not tested on, on a Python where the
http.client paths are off (a urllib3 reply reads through http.client), when an attribute
is not there as expected, or with ``MEGANOVA_NO_FAST_PATH=1``.

- The http.client reply under a urllib3 reply (``raw._fp``) gives the header list as
  received and, for a chunked body, the socket file we de-frame ourselves (urllib3's
  ``read1`` returns one HTTP chunk per call through several layers: 0.27x -> 0.84x of
  the raw floor on a streamed answer).
- urllib3 < 2.2 has no ``read1`` and its ``read(amt)`` waits for ``amt`` bytes; the
  http.client reply's ``read1`` returns what has arrived.
- Connection classes that send a small body with the header block in one ``send``
  (they rely on urllib3 writing through http.client's ``send``; 8 threads: +12%).
"""

from __future__ import annotations

import contextlib
import http.client
from typing import Any, List, Tuple

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from . import _httpclient_fast
from ._httpclient_fast import ONE_SEND_MAX
from ._reply import Reply

# urllib3 releases the paths below were tested on (CI: the oldest accepted and the newest).
TESTED_URLLIB3 = ((1, 26), (2, 8))


def _version(text: str) -> Tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def enabled(version: str = urllib3.__version__) -> bool:  # type: ignore[attr-defined]
    """Whether the transport may take the paths in this module."""
    low, high = TESTED_URLLIB3
    return low <= _version(version) <= high and _httpclient_fast.enabled()


# -- replies ------------------------------------------------------------------------


def http_response(raw: Any) -> http.client.HTTPResponse | None:
    """The http.client reply a urllib3 reply reads from (``None``: not there)."""
    fp = getattr(raw, "_fp", None)
    return fp if isinstance(fp, http.client.HTTPResponse) else None


def header_pairs(raw: Any) -> List[Tuple[str, str]] | None:
    fp = http_response(raw)
    return None if fp is None else _httpclient_fast.header_pairs(fp)


def chunked_socket_file(raw: Any) -> Any:
    """The socket file under an unread chunked body, or ``None`` (urllib3 reads)."""
    if not getattr(raw, "chunked", False):
        return None
    fp = http_response(raw)
    return None if fp is None else _httpclient_fast.chunked_socket_file(fp)


def close_http_response(raw: Any) -> None:
    """We read a chunked body to its end ourselves, so urllib3 did not see the end:
    close http.client's reply (not the socket) before urllib3 releases the connection."""
    fp = http_response(raw)
    if fp is not None:
        with contextlib.suppress(Exception):
            fp.close()


def read_available(raw: Any, size: int) -> bytes | None:
    """What has arrived of the body, up to ``size`` (``None``: no http.client reply)."""
    fp = http_response(raw)
    if fp is None:
        return None
    data = bytes(fp.read1(size))
    if not data:
        fp.close()
    return data


# -- requests -----------------------------------------------------------------------


class _OneSend:
    """urllib3 (through http.client) sends the header block and the body in two
    ``send`` calls; with a socket timeout each is a poll plus a send, and each of those
    drops the GIL: a thread hand-off under load. A small bytes body goes out with the
    headers in one ``send``."""

    _corked: List[bytes] | None = None

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **kw: Any
    ) -> None:
        parent: Any = super()
        if type(body) is not bytes or len(body) > ONE_SEND_MAX or kw.get("chunked"):
            parent.request(method, url, body=body, headers=headers, **kw)
            return
        corked: List[bytes] = []
        self._corked = corked
        try:
            parent.request(method, url, body=body, headers=headers, **kw)
        finally:
            self._corked = None
        parent.send(b"".join(corked))

    def send(self, data: Any) -> None:
        corked = self._corked
        if corked is not None:
            corked.append(bytes(data))
            return
        parent: Any = super()
        parent.send(data)


class _Connection(_OneSend, HTTPConnection):
    response_class = Reply  # as urllib3_transport's: skips 1xx, reads within the deadline


class _TLSConnection(_OneSend, HTTPSConnection):
    response_class = Reply


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


def install_one_send(manager: Any) -> None:
    """Make a pool manager we own open its pools with the one-send connections."""
    manager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
