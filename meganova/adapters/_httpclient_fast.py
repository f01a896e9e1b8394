"""Every read of http.client's private internals, in one place.

Each path here earns its place in benchmarks/PROFILES.md and has a public-API twin in
the transports, taken when ``enabled()`` is false: on a Python version these paths were
not tested on, when http.client is not shaped as expected, or when the environment sets
``MEGANOVA_NO_FAST_PATH=1`` (CI runs the contract suite both ways). urllib3 reads
replies through http.client, so its transport uses the reply helpers here too.

- ``chunked_socket_file``: a chunked body de-framed by us straight off the buffered
  socket file (http.client's ``read1`` returns one HTTP chunk per call: a streamed
  answer ran at 0.27x of the raw floor instead of 0.84x).
- ``header_pairs``: the parsed header list as received (``getheaders()`` runs the email
  policy on every header, per call).
- ``write_request`` and ``OneSend``: the header block written without one ``putheader``
  call per header, and sent with a small body in one ``send`` (8 threads: every send is
  a GIL hand-off).
"""

from __future__ import annotations

import http.client
import os
import re
import sys
from functools import cache
from typing import Any, Callable, Dict, List, Mapping, Tuple

ENV_NO_FAST_PATH = "MEGANOVA_NO_FAST_PATH"
# Python versions the paths below were tested on (CI: the floor and the newest).
TESTED_PYTHONS = ((3, 9), (3, 13))
ONE_SEND_MAX = 64 * 1024  # above this, copying the body costs more than a syscall


def forced_off() -> bool:
    """``MEGANOVA_NO_FAST_PATH`` set to anything but empty, ``0``, ``false`` or ``no``."""
    value = os.environ.get(ENV_NO_FAST_PATH, "").strip().lower()
    return value not in ("", "0", "false", "no")


@cache
def _shaped_as_expected() -> bool:
    conn = http.client.HTTPConnection("localhost")  # never connects
    return (
        isinstance(getattr(conn, "_buffer", None), list)
        and callable(getattr(conn, "_send_output", None))
        and callable(getattr(http.client.HTTPResponse, "read1", None))
    )


def enabled(version: Tuple[int, ...] = tuple(sys.version_info[:2])) -> bool:
    """Whether the transports may take the paths in this module."""
    low, high = TESTED_PYTHONS
    return not forced_off() and low <= version[:2] <= high and _shaped_as_expected()


# -- replies ------------------------------------------------------------------------


def header_pairs(response: Any) -> List[Tuple[str, str]] | None:
    """The header list an http.client reply parsed, as received (``None``: not there)."""
    pairs = getattr(getattr(response, "msg", None), "_headers", None)
    return pairs if isinstance(pairs, list) else None


def chunked_socket_file(response: Any) -> Any:
    """The buffered socket file under an unread chunked http.client reply, or ``None``
    when it is not there in the expected state (then the library reads the body)."""
    if not getattr(response, "chunked", False) or getattr(response, "chunk_left", 0) is not None:
        return None
    fp = getattr(response, "fp", None)
    return fp if hasattr(fp, "read1") else None


# -- requests -----------------------------------------------------------------------


class OneSend:
    """http.client sends the header block and the body in two ``send`` calls: two
    syscalls that each drop the GIL (a thread hand-off under load). A small bytes body
    goes out with the headers in one."""

    _buffer: List[bytes]  # http.client's (annotations only: nothing here shadows it)
    send: Callable[[Any], None]

    def _send_output(self, message_body: Any = None, encode_chunked: bool = False) -> None:
        if type(message_body) is bytes and len(message_body) <= ONE_SEND_MAX:
            self._buffer.extend((b"", message_body))  # joined: headers CRLF CRLF body
            msg = b"\r\n".join(self._buffer)
            del self._buffer[:]
            self.send(msg)
            return
        super()._send_output(message_body, encode_chunked)  # type: ignore[misc]


# Headers http.client writes itself, or that change how it frames the body.
_FRAMING = frozenset({"host", "accept-encoding", "content-length", "transfer-encoding"})
# (name, value) -> checked line, for the client's fixed headers. Never a Sensitive
# value (the key must not outlive its client in a process-wide table) nor a one-shot
# value (idempotency keys would fill it): those are encoded per request.
_checked_lines: Dict[Tuple[str, str], bytes] = {}
_CACHE_SIZE = 256
_ONE_SHOT = frozenset({"idempotency-key"})
_legal_name = re.compile(r"[^:\s][^:\r\n]*").fullmatch  # as http.client checks names


def _header_lines(headers: Mapping[str, str]) -> List[bytes] | None:
    """Our header lines, encoded and checked as ``putheader`` would; ``None`` when
    anything is unusual (then ``conn.request`` handles, and rejects, it as always)."""
    lines = []
    for item in headers.items():
        try:
            line = _checked_lines.get(item)
        except TypeError:  # an unhashable value: http.client decides what to do
            return None
        if line is not None:
            lines.append(line)
            continue
        name, value = item
        if (
            not isinstance(name, str)
            or not isinstance(value, str)
            or "\r" in value
            or "\n" in value
            or not _legal_name(name)
            or name.lower() in _FRAMING
        ):
            return None
        try:
            # Concatenation, not a format: a Sensitive value formats as "<redacted>".
            line = (name + ": " + value).encode("latin-1")
        except UnicodeEncodeError:
            return None
        if type(value) is str and name.lower() not in _ONE_SHOT:
            if len(_checked_lines) >= _CACHE_SIZE:
                _checked_lines.clear()  # a bound: unusual values cannot grow it
            _checked_lines[item] = line
        lines.append(line)
    return lines


def write_request(
    conn: http.client.HTTPConnection,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
) -> bool:
    """``conn.request`` without one Python ``putheader`` call (and its checks) per
    header: the same bytes on the wire, in the same order. ``False``: nothing was
    written (unusual headers, or http.client not as expected); use ``conn.request``."""
    lines = _header_lines(headers)
    buffer = getattr(conn, "_buffer", None)
    if lines is None or not isinstance(buffer, list):
        return False
    conn.putrequest(method, target)  # request line, Host, Accept-Encoding
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    elif method.upper() in ("PATCH", "POST", "PUT"):
        conn.putheader("Content-Length", "0")  # as http.client does for these methods
    buffer.extend(lines)
    conn.endheaders(body)
    return True
