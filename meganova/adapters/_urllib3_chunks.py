"""urllib3 1.x's ``read_chunked`` generators, never left to the garbage collector.

On urllib3 1.x, a chunked body off a pool or session of the user's has one public
reader that returns what has arrived: the ``read_chunked`` generator. Its finalizer
hands the connection back to the pool, which takes the pool's lock; run by the
collector inside a pool operation of the same thread, it deadlocks. So each generator
is held here from its start: a reply closes its own; the generator of a reply dropped
unfinished (its socket already shut by the reply's finalizer) is closed later from our
own code, never from a finalizer: at the transport's next send or close, or at exit.
Only list and dict operations that are atomic under the GIL run in the finalizer."""

from __future__ import annotations

import atexit
import contextlib
import itertools
from collections import deque
from typing import Any, Dict, Iterator

_live: Dict[int, Any] = {}  # token -> generator of a reply still open
_dropped: deque[Any] = deque()  # generators of replies dropped unfinished
_tokens = itertools.count(1)


def start(raw: Any, size: int) -> int:
    """Start ``raw.read_chunked``; returns the token to read and close it with."""
    token = next(_tokens)
    _live[token] = iter(raw.read_chunked(size, decode_content=False))
    return token


def read(token: int) -> bytes:
    """The next HTTP chunk (``b""``: the end, after which the generator is let go)."""
    chunks: Iterator[bytes] | None = _live.get(token)
    data = b"" if chunks is None else bytes(next(chunks, b""))
    if not data:
        _live.pop(token, None)
    return data


def close(token: int) -> None:
    """From the reply's own close (our code, no pool lock held)."""
    chunks = _live.pop(token, None)
    if chunks is not None:
        with contextlib.suppress(Exception):
            chunks.close()


def dropped(token: int) -> None:
    """From the reply's finalizer: keep the generator for ``close_dropped``."""
    chunks = _live.pop(token, None)
    if chunks is not None:
        _dropped.append(chunks)


def close_dropped() -> None:
    """Close the generators of dropped replies (their connections go back closed)."""
    while _dropped:
        try:
            chunks = _dropped.popleft()
        except IndexError:
            return
        with contextlib.suppress(Exception):
            chunks.close()


atexit.register(close_dropped)
