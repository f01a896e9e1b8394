"""What many tests script a server with: the chat route, a user turn, SSE events, and a
fresh interpreter running this checkout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Mapping, Optional

import pytest
from hypothesis import strategies as st

from meganova import Hooks
from meganova.core.hooks import EVENT_NAMES
from meganova.core.http import Request, Timeout
from meganova.testing import DEMO_MODEL, FakeMeganova
from meganova.testing.wire import DONE, ChatShape, sse
from tests.contract.rawserver import WAIT_LIMIT, RawConnection, RawRequest, RawServer, send_json

__all__ = [
    "CHAT_PATH",
    "chunked_body",
    "IDLE",
    "JSON",
    "DONE",
    "ROOT",
    "SSE",
    "USER",
    "HookRecorder",
    "chat_handler",
    "ev",
    "fill_the_pool",
    "gzip_bomb",
    "python_env",
    "run_python",
    "serve_fake",
]

CHAT_PATH = "/v1/chat/completions"
USER = [{"role": "user", "content": "Hi"}]
SSE = {"Content-Type": "text/event-stream"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_CHUNK = ChatShape("chatcmpl-9a", DEMO_MODEL, 1767225600)


# The hooks' event names in the order a call emits them: up to its first reply, and a
# whole call that was retried once.
OPENED = ["on_call_start", "on_request", "on_response"]
RETRIED_ONCE = [*OPENED, "on_retry", "on_request", "on_response", "on_call_end"]
STREAM_END = ["on_stream_first_token", "on_stream_end", "on_call_end"]


class HookRecorder:
    """A hook for every event a client emits, recording them (a module-level class: it
    pickles by reference)."""

    def __init__(self) -> None:
        self.events: List[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def hooks(self) -> Hooks:
        return Hooks(**{name: self for name in EVENT_NAMES})

    @property
    def names(self) -> List[str]:
        return [event.hook for event in self.events]

    def of(self, name: str) -> List[Any]:
        return [event for event in self.events if event.hook == name]

    def shown(self) -> str:
        return " ".join(repr(e) + repr(getattr(e, "headers", "")) for e in self.events)


def chat_handler(seen: List[str], content: str) -> Any:
    """A pytest-httpserver handler for the chat route: a reply saying ``content``, as an
    SSE stream when the request asks for one; ``seen`` gets each request's
    ``Authorization`` header."""
    import json

    from werkzeug import Request as WerkzeugRequest
    from werkzeug import Response as WerkzeugResponse

    message = {"role": "assistant", "content": content}
    chat = {
        "id": "c",
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }
    event = {"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": "stop"}]}

    def handle(request: WerkzeugRequest) -> WerkzeugResponse:
        seen.append(request.headers.get("Authorization", ""))
        if json.loads(request.get_data() or b"{}").get("stream"):
            body = b"data: " + json.dumps(event).encode() + b"\n\ndata: [DONE]\n\n"
            return WerkzeugResponse(body, 200, {"Content-Type": "text/event-stream"})
        return WerkzeugResponse(json.dumps(chat), 200, {"Content-Type": "application/json"})

    return handle


def ev(text: Optional[str] = None, finish: Any = None, **delta: Any) -> bytes:
    """One ``chat.completion.chunk`` SSE event: ``text`` as the delta's content, other
    delta fields (``role``, ``tool_calls``, ...) as given."""
    if text is not None:
        delta["content"] = text
    return sse(_CHUNK.chunk(delta, finish))


def run_python(
    script: str, *args: str, env: Optional[Mapping[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter that imports this checkout (``env``: the
    environment to start from, ``os.environ`` by default); it must exit 0."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=python_env(env),
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result


def python_env(env: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """The environment for a fresh interpreter that imports this checkout (``env``:
    the environment to start from, ``os.environ`` by default)."""
    base = dict(os.environ if env is None else env)
    base["PYTHONPATH"] = ROOT + os.pathsep + base.get("PYTHONPATH", "")
    return base


def serve_fake(fake: FakeMeganova) -> Any:
    """A pytest-httpserver handler answering every request from ``fake``, so a real
    transport talks HTTP to the fake Meganova."""
    from werkzeug.wrappers import Response

    def handler(incoming: Any) -> Response:
        request = Request(
            method=incoming.method,
            url=incoming.url,
            headers=dict(incoming.headers),
            body=incoming.get_data() or None,
            timeout=Timeout(connect=None, read=None),
        )
        reply = fake.handle(request)
        return Response(
            reply.iter_bytes(),
            status=reply.status,
            headers=list(reply.headers.items()),
            direct_passthrough=True,
        )

    return handler


# Any JSON value (hypothesis): what a hostile server may send where an object belongs.
_INT = st.integers(min_value=-(2**53), max_value=2**53)
_FLOAT = st.floats(allow_nan=False, allow_infinity=False)
_SCALARS = st.none() | st.booleans() | _INT | _FLOAT | st.text(max_size=12)
JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def chunked_body(parts: List[bytes], *, trailers: bytes = b"", lf_only: bool = False) -> bytes:
    """``parts`` framed with ``Transfer-Encoding: chunked`` (empty parts left out)."""
    nl = b"\n" if lf_only else b"\r\n"
    out = b"".join(f"{len(p):x}".encode() + nl + p + nl for p in parts if p)
    return out + b"0" + nl + trailers + nl


MIB = 1024 * 1024
IDLE = 10  # connections fill_the_pool leaves idle


def default_sigint() -> None:
    """Give a child about to run Python the default Ctrl-C (SIGINT) handling, for cases
    that interrupt it: a run started in the background without job control (``cmd &``
    in a script, ``nohup``) ignores SIGINT, and the children it starts would inherit
    that, so they would run on as if the case had never interrupted them."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# Forking (os.fork, pty.fork) a process that runs threads (the test servers) is what a
# pre-forking app server does; Python 3.12+ warns about it, and these cases prove it works.
FORKS_WITH_THREADS = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


def fill_the_pool(client: Any, raw: RawServer, *, close_after: bool = False) -> None:
    """Leave ``IDLE`` kept-alive connections idle in the client's pool: the server holds
    every reply until ``IDLE`` requests are in flight at once."""
    barrier = threading.Barrier(IDLE, timeout=WAIT_LIMIT)

    def together(conn: RawConnection, request: RawRequest) -> bool:
        barrier.wait()
        return send_json(conn, {"ok": True}) and not close_after

    raw.on("/v1/fill", together)
    with ThreadPoolExecutor(IDLE) as pool:
        results = list(
            pool.map(lambda _: client.engine.request("GET", "/fill", cast_to=dict), range(IDLE))
        )
    assert results == [{"ok": True}] * IDLE
    assert raw.connections == IDLE
    if close_after:  # a reply is out before its connection is closed: wait for the closes
        ends = time.monotonic() + WAIT_LIMIT
        while raw.hung_up < IDLE and time.monotonic() < ends:
            time.sleep(0.005)


def gzip_bomb(size: int) -> bytes:
    """A gzip body that inflates to ``size`` bytes of zeros (a whole number of MiB)
    from about a thousandth of that: one MiB compressed once and repeated (a full flush
    makes every copy independent). Its trailer is left off: no bounded reader gets
    that far."""
    obj = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = obj.compress(b"\0" * MIB) + obj.flush(zlib.Z_FULL_FLUSH)  # with the gzip header
    again = obj.compress(b"\0" * MIB) + obj.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // MIB - 1)
