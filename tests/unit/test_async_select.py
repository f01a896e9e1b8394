"""``make_async_transport``: by name, by instance, or the first installed of aiohttp,
httpx and worker threads; a missing library names the extra to install."""

from __future__ import annotations

import pickle
import sys
from typing import Any, Iterator

import pytest

from meganova.adapters import async_select
from meganova.adapters.aiohttp_transport import AiohttpTransport
from meganova.adapters.async_select import make_async_transport
from meganova.adapters.fake_transport import AsyncFakeTransport, FakeTransport
from meganova.adapters.httpx_transport import HttpxTransport
from meganova.adapters.thread_transport import ThreadTransport
from meganova.adapters.urllib3_transport import Urllib3Transport
from meganova.core.errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError


@pytest.fixture
def missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make libraries look uninstalled: not found, and failing to import."""

    def hide(*names: str) -> None:
        real = async_select._installed
        monkeypatch.setattr(async_select, "_installed", lambda n: n not in names and real(n))
        for name in names:
            monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
            for module in [m for m in sys.modules if m.startswith(f"meganova.adapters.{name}")]:
                monkeypatch.delitem(sys.modules, module)

    yield hide


@pytest.mark.parametrize(
    "name, kind",
    [("aiohttp", AiohttpTransport), ("httpx", HttpxTransport), ("threads", ThreadTransport)],
)
def test_by_name(name: str, kind: type) -> None:
    assert isinstance(make_async_transport(name, proxy=None), kind)


def test_the_default_is_the_first_installed(missing: Any) -> None:
    assert type(make_async_transport(None)).__name__ == "AiohttpTransport"
    missing("aiohttp")
    assert type(make_async_transport(None)).__name__ == "HttpxTransport"
    missing("aiohttp", "httpx")
    assert type(make_async_transport(None)).__name__ == "ThreadTransport"


def test_threads_run_urllib3_or_else_the_standard_library(missing: Any) -> None:
    threads = make_async_transport("threads")
    assert isinstance(threads, ThreadTransport)
    assert isinstance(threads.transport, Urllib3Transport)
    missing("urllib3")
    fallback = make_async_transport("threads")
    assert isinstance(fallback, ThreadTransport)
    assert type(fallback.transport).__name__ == "UrllibTransport"


@pytest.mark.parametrize("name", ["aiohttp", "httpx"])
def test_a_missing_library_names_its_extra(missing: Any, name: str) -> None:
    missing(name)
    with pytest.raises(ConfigurationError, match=rf"pip install 'meganova\[{name}\]'"):
        make_async_transport(name)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="aiohttp") as info:
        make_async_transport("curl")
    assert info.value.argument == "transport"


def test_an_async_instance_is_used_as_given() -> None:
    fake = AsyncFakeTransport()
    assert make_async_transport(fake) is fake


def test_a_sync_instance_runs_in_threads() -> None:
    sync = FakeTransport()
    wrapped = make_async_transport(sync)
    assert isinstance(wrapped, ThreadTransport)
    assert wrapped.transport is sync


def test_an_instance_with_a_proxy_is_refused() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        make_async_transport(AsyncFakeTransport(), proxy="http://proxy:3128")
    assert info.value.argument == "proxy"


def test_something_without_send_is_refused() -> None:
    with pytest.raises(InvalidArgumentTypeError) as info:
        make_async_transport(object())  # type: ignore[arg-type]
    assert info.value.argument == "transport"


@pytest.mark.parametrize("name", ["aiohttp", "httpx", "threads"])
def test_options_are_checked_before_any_network_call(name: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        make_async_transport(name, verify="/no/such/bundle.pem")
    assert info.value.argument == "verify"
    with pytest.raises(InvalidArgumentError) as info:
        make_async_transport(name, proxy="socks5://host:1080")
    assert info.value.argument == "proxy"


@pytest.mark.parametrize("kind", [AiohttpTransport, HttpxTransport])
def test_built_outside_a_loop_pickled_and_shown_without_credentials(kind: type) -> None:
    transport = kind(proxy="http://user:pa55word@proxy.test:3128")
    assert "pa55word" not in repr(transport)
    copy = pickle.loads(pickle.dumps(transport))
    assert type(copy) is kind
    assert "pa55word" not in repr(copy)
