"""The fast paths through library internals (adapters/_httpclient_fast.py,
adapters/_urllib3_fast.py) are taken exactly when expected, and the public-API path
gives the same replies when they are off (``MEGANOVA_NO_FAST_PATH=1``, or an untested
library release). CI runs the whole contract suite both ways; this module proves which
path each run took."""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Iterator, List

import pytest
import urllib3

from meganova import MegaNova
from meganova.adapters import _httpclient_fast, _urllib3_fast
from meganova.adapters.stdlib_transport import UrllibTransport
from meganova.adapters.urllib3_transport import Urllib3Transport
from tests.clock import VirtualClock
from tests.contract.rawserver import SSE_CHUNKED, RawConnection, RawRequest, RawServer, chunk, head

EVENTS = [f"data: {i}\n\n".encode() for i in range(50)]
WIRE = b"".join(chunk(e) for e in EVENTS) + b"0\r\n\r\n"


def require_tested_releases() -> None:
    """On a urllib3 or Python the fast paths were not tested on, the transports take the
    public path (asserted here); the fast path's own checks then skip with a request to
    test that release, rather than turning CI red the day a new one is published."""
    python = _httpclient_fast.enabled(sys.version_info[:2])
    library = _urllib3_fast.enabled(urllib3.__version__)
    if python and library:
        return
    assert not Urllib3Transport().fast_path
    assert UrllibTransport().fast_path is python
    pytest.skip(
        f"untested Python {sys.version_info[:2]} or urllib3 {urllib3.__version__}: the public "
        "path is in use; run the contract suite both ways on it, then extend "
        "TESTED_PYTHONS / TESTED_URLLIB3"
    )


def chunked_reply(conn: RawConnection, request: RawRequest) -> bool:
    conn.send(head(200, SSE_CHUNKED) + WIRE)
    return True


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> Dict[str, List[Any]]:
    """What each fast-path helper returned, by name (it still does its job)."""
    seen: Dict[str, List[Any]] = {}
    targets = [
        (_httpclient_fast, "chunked_socket_file"),
        (_httpclient_fast, "header_pairs"),
        (_httpclient_fast, "write_request"),
        (_urllib3_fast, "chunked_socket_file"),
        (_urllib3_fast, "header_pairs"),
    ]
    for module, name in targets:
        real = getattr(module, name)
        key = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        calls = seen.setdefault(key, [])

        def spy(*args: Any, _real: Callable[..., Any] = real, _calls: List[Any] = calls) -> Any:
            result = _real(*args)
            _calls.append(result)
            return result

        monkeypatch.setattr(module, name, spy)
    return seen


@pytest.fixture
def server() -> Iterator[RawServer]:
    raw = RawServer()
    raw.on("/v1/stream", chunked_reply)
    yield raw
    raw.stop()


def stream_twice(transport: str, server: RawServer) -> List[bytes]:
    with MegaNova(
        api_key="sk-test",
        base_url=server.url("/v1"),
        transport=transport,
        max_retries=0,
        clock=VirtualClock(),
    ) as client:
        bodies = []
        for _ in range(2):
            response = client.engine.open_stream("POST", "/stream", json={})
            try:
                bodies.append(b"".join(response.iter_bytes()))
            finally:
                response.close()
        return bodies


def test_on_by_default_and_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEGANOVA_NO_FAST_PATH", raising=False)
    require_tested_releases()
    assert _httpclient_fast.enabled() and _urllib3_fast.enabled()
    assert Urllib3Transport().fast_path and UrllibTransport().fast_path
    for off in ("1", "yes", "true"):
        monkeypatch.setenv("MEGANOVA_NO_FAST_PATH", off)
        assert not _httpclient_fast.enabled() and not _urllib3_fast.enabled()
        assert not Urllib3Transport().fast_path and not UrllibTransport().fast_path
    for on in ("", "0", "false", "no"):
        monkeypatch.setenv("MEGANOVA_NO_FAST_PATH", on)
        assert _httpclient_fast.enabled() and _urllib3_fast.enabled()


def test_only_on_the_releases_it_was_tested_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEGANOVA_NO_FAST_PATH", raising=False)
    assert not _httpclient_fast.enabled((3, 8))
    assert not _httpclient_fast.enabled((3, 99))
    for tested in ("1.26.20", "2.0.7", "2.8.0"):
        assert _urllib3_fast.enabled(tested), tested
    for untested in ("1.25.11", "2.99.0", "3.0.0a1"):
        assert not _urllib3_fast.enabled(untested), untested


@pytest.mark.parametrize("transport", ["urllib3", "stdlib", "requests"])
def test_the_fast_path_is_taken_when_on(
    transport: str,
    server: RawServer,
    spies: Dict[str, List[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if transport == "requests":
        pytest.importorskip("requests")
    monkeypatch.delenv("MEGANOVA_NO_FAST_PATH", raising=False)
    require_tested_releases()
    assert stream_twice(transport, server) == [b"".join(EVENTS)] * 2
    # requests replies are urllib3 replies: read through the urllib3 paths.
    module = "_httpclient_fast" if transport == "stdlib" else "_urllib3_fast"
    # Each chunked body was de-framed by us, off the socket file, and the header list
    # taken as http.client parsed it.
    assert len(spies[f"{module}.chunked_socket_file"]) == 2
    assert all(fp is not None for fp in spies[f"{module}.chunked_socket_file"])
    assert [type(pairs) for pairs in spies[f"{module}.header_pairs"]] == [list, list]
    if transport == "stdlib":
        assert spies["_httpclient_fast.write_request"] == [True, True]
    assert server.connections == 1  # the end was found exactly: the connection is reused


@pytest.mark.parametrize("transport", ["urllib3", "stdlib", "requests"])
def test_the_public_path_gives_the_same_replies_when_off(
    transport: str,
    server: RawServer,
    spies: Dict[str, List[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if transport == "requests":
        pytest.importorskip("requests")
    monkeypatch.setenv("MEGANOVA_NO_FAST_PATH", "1")
    assert stream_twice(transport, server) == [b"".join(EVENTS)] * 2
    assert all(not calls for calls in spies.values()), spies
    assert server.connections == 1


def test_urllib3_one_send_connections_only_with_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MEGANOVA_NO_FAST_PATH", raising=False)
    fast = Urllib3Transport()._pool.pool_classes_by_scheme
    assert issubclass(fast["http"].ConnectionCls, _urllib3_fast._OneSend)
    monkeypatch.setenv("MEGANOVA_NO_FAST_PATH", "1")
    public = Urllib3Transport()._pool.pool_classes_by_scheme
    assert not issubclass(public["http"].ConnectionCls, _urllib3_fast._OneSend)
