"""Proxies, on both socket transports, through a real local proxy (proxyserver.py):
HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY (either case) by default, the ``proxy=``
option over them, ``proxy=None`` without them; plain http forwarded, https through a
``CONNECT`` tunnel (TLS to the target, verified: the proxy never sees the key);
credentials in the proxy URL sent as ``Proxy-Authorization`` and never shown."""

from __future__ import annotations

import logging
import pickle
import socket
import ssl
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from pytest_httpserver import HTTPServer

from meganova import MegaNova
from meganova.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from tests.clock import VirtualClock
from tests.contract.proxyserver import ProxyServer
from tests.helpers import chat_handler

trustme = pytest.importorskip("trustme")

KEY = "sk-proxy-0123456789abcdef"
USER = "corp user"
PASSWORD = "p@ss:w0rd/secret"  # characters that must be percent-encoded in a URL
MESSAGES = [{"role": "user", "content": "Hi"}]


Target = Tuple[str, List[str], Any]  # base URL, Authorization headers the API saw, verify


@pytest.fixture(scope="module")
def http_target() -> Iterator[Target]:
    seen: List[str] = []
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/v1/chat/completions").respond_with_handler(chat_handler(seen, "via"))
    server.start()
    yield f"http://127.0.0.1:{server.port}/v1", seen, True
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def https_target() -> Iterator[Target]:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    seen: List[str] = []
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.expect_request("/v1/chat/completions").respond_with_handler(chat_handler(seen, "via"))
    server.start()
    with ca.cert_pem.tempfile() as bundle:
        yield f"https://127.0.0.1:{server.port}/v1", seen, bundle
    server.clear()
    server.stop()


@pytest.fixture(params=["http", "https"])
def target(request: pytest.FixtureRequest) -> Target:
    found: Target = request.getfixturevalue(f"{request.param}_target")
    found[1].clear()
    return found


@pytest.fixture
def proxy() -> Iterator[ProxyServer]:
    server = ProxyServer()
    yield server
    server.stop()


@pytest.fixture
def auth_proxy() -> Iterator[ProxyServer]:
    server = ProxyServer(credentials=(USER, PASSWORD))
    yield server
    server.stop()


@pytest.fixture
def dead_proxy_url() -> Iterator[str]:
    """A proxy URL where nothing listens: a port held bound but not listening, so
    connections are refused and no other server can take it during the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def make(real_transport: str) -> Iterator[Callable[..., MegaNova]]:
    made: List[MegaNova] = []

    def build(target: Target, **options: Any) -> MegaNova:
        base_url, _, verify = target
        settings = {"max_retries": 0, "timeout": 5, "clock": VirtualClock(), **options}
        client = MegaNova(
            api_key=KEY, base_url=base_url, transport=real_transport, verify=verify, **settings
        )
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()


def both_ways(client: MegaNova) -> None:
    assert client.chat.create(messages=MESSAGES, model="m").choices[0].message.content == "via"
    stream = client.chat.stream(messages=MESSAGES, model="m")
    assert "".join(chunk.delta for chunk in stream) == "via"


def went_through(proxy: ProxyServer, target: Target) -> None:
    """Every request of ``both_ways`` went through ``proxy``: forwarded as an absolute
    URL for http, a CONNECT tunnel for https (where the key stays out of its sight)."""
    base_url, api_saw, _ = target
    assert api_saw == [f"Bearer {KEY}"] * 2  # the API got both, with the key
    assert proxy.seen, "the proxy was not used"
    authority = base_url.split("://", 1)[1].split("/", 1)[0]
    if base_url.startswith("https"):
        assert {(s.method, s.target) for s in proxy.seen} == {("CONNECT", authority)}
        assert all(KEY not in repr(s) for s in proxy.seen)
    else:
        assert [(s.method, s.target) for s in proxy.seen] == [
            ("POST", f"http://{authority}/v1/chat/completions")
        ] * 2


def scheme_of(target: Target) -> str:
    return target[0].split("://", 1)[0]


# -- the environment ----------------------------------------------------------------


@pytest.mark.parametrize("case", [str.upper, str.lower], ids=["upper", "lower"])
def test_the_environment_proxy_for_the_scheme(
    target: Target,
    proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
    case: Callable[[str], str],
    dead_proxy_url: str,
) -> None:
    scheme = scheme_of(target)
    other = "https" if scheme == "http" else "http"
    monkeypatch.setenv(case(f"{scheme}_proxy"), proxy.url)
    monkeypatch.setenv(case(f"{other}_proxy"), dead_proxy_url)  # not for this scheme
    both_ways(make(target))
    went_through(proxy, target)


def test_all_proxy_when_none_names_the_scheme(
    target: Target,
    proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    both_ways(make(target))
    went_through(proxy, target)


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "example.com, 127.0.0.1", "*"])
def test_no_proxy_reaches_the_host_directly(
    target: Target,
    proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    monkeypatch.setenv(f"{scheme_of(target).upper()}_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    both_ways(make(target))
    assert proxy.seen == [] and proxy.connections == 0
    # The same server by another name is not in NO_PROXY (unless it is "*").
    base_url, api_saw, verify = target
    other = (base_url.replace("127.0.0.1", "localhost"), api_saw, verify)
    api_saw.clear()
    both_ways(make(other))
    if no_proxy == "*":
        assert proxy.seen == []
    else:
        went_through(proxy, other)


def test_no_proxy_for_other_hosts_keeps_the_proxy(
    target: Target,
    proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{scheme_of(target)}_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "example.com,.internal")
    both_ways(make(target))
    went_through(proxy, target)


# -- the proxy option ---------------------------------------------------------------


def test_the_option_overrides_the_environment(
    target: Target,
    proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
    dead_proxy_url: str,
) -> None:
    monkeypatch.setenv("ALL_PROXY", dead_proxy_url)
    monkeypatch.setenv("NO_PROXY", "*")  # the environment's bypass goes with it
    both_ways(make(target, proxy=proxy.url))
    went_through(proxy, target)


def test_proxy_none_ignores_the_environment(
    target: Target,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
    dead_proxy_url: str,
) -> None:
    monkeypatch.setenv("ALL_PROXY", dead_proxy_url)
    monkeypatch.setenv(f"{scheme_of(target).upper()}_PROXY", dead_proxy_url)
    both_ways(make(target, proxy=None))
    assert target[1] == [f"Bearer {KEY}"] * 2


def test_with_options_gives_a_client_on_another_proxy(
    target: Target, proxy: ProxyServer, make: Callable[..., MegaNova]
) -> None:
    direct = make(target, proxy=None)
    proxied = direct.with_options(proxy=proxy.url, timeout=4)
    assert type(proxied.transport) is type(direct.transport)
    assert proxied.transport is not direct.transport
    try:
        both_ways(proxied)
        went_through(proxy, target)
        assert proxied.timeout.read == 4
        seen = len(proxy.seen)
        both_ways(direct)  # the original is unchanged
        assert len(proxy.seen) == seen
        back = proxied.with_options(proxy=None)
        both_ways(back)
        assert len(proxy.seen) == seen
        back.close()
    finally:
        proxied.close()


def test_a_pickled_client_keeps_its_proxy(
    target: Target, proxy: ProxyServer, make: Callable[..., MegaNova]
) -> None:
    client = make(target, proxy=proxy.url, clock=None)  # the system clock pickles
    copy = pickle.loads(pickle.dumps(client))
    try:
        both_ways(copy)
        went_through(proxy, target)
    finally:
        copy.close()


# -- credentials --------------------------------------------------------------------


def secrets_absent(text: str) -> None:
    for secret in ("w0rd", "p%40ss", PASSWORD, "Y29ycCB1c2Vy"):  # base64 of "corp user"
        assert secret not in text, f"{secret!r} in {text!r}"


def test_credentials_in_the_url_become_proxy_authorization(
    target: Target,
    auth_proxy: ProxyServer,
    make: Callable[..., MegaNova],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="meganova")
    monkeypatch.setenv("ALL_PROXY", auth_proxy.url_with(USER, PASSWORD))
    client = make(target)
    both_ways(client)
    went_through(auth_proxy, target)
    expected = auth_proxy.expected_authorization()
    assert {s.headers.get("proxy-authorization") for s in auth_proxy.seen} == {expected}
    explicit = make(target, proxy=auth_proxy.url_with(USER, PASSWORD))
    both_ways(explicit)
    for text in (repr(client), repr(client.transport), repr(explicit), repr(explicit.transport)):
        secrets_absent(text)
    from meganova.adapters import _httpclient_fast

    secrets_absent(repr(_httpclient_fast._checked_lines))  # no process-wide copy
    assert "<redacted>" in repr(explicit.transport)
    secrets_absent(caplog.text)


@pytest.mark.parametrize("given", ["none", "wrong"])
def test_a_407_is_a_typed_error_never_retried_never_showing_credentials(
    target: Target, auth_proxy: ProxyServer, make: Callable[..., MegaNova], given: str
) -> None:
    url = auth_proxy.url if given == "none" else auth_proxy.url_with(USER, "wr0ng" + PASSWORD)
    client = make(target, proxy=url, max_retries=2)
    with pytest.raises(APIConnectionError) as info:
        client.chat.create(messages=MESSAGES, model="m")
    error = info.value
    assert error.code == "proxy_authentication_required"
    assert error.request_sent is False
    assert "407" in str(error) and auth_proxy.url in str(error)
    assert len(auth_proxy.seen) == 1  # a retry cannot fix credentials
    assert target[1] == []  # nothing reached the API
    for text in (str(error), repr(error), repr(error.__dict__)):
        secrets_absent(text)
    pickled = pickle.dumps(error)
    for secret in (b"w0rd", b"Y29ycCB1c2Vy"):
        assert secret not in pickled


def test_a_proxy_that_is_down_is_a_connection_error(
    target: Target, make: Callable[..., MegaNova], dead_proxy_url: str
) -> None:
    with_credentials = dead_proxy_url.replace("://", f"://user:{PASSWORD.replace('/', '%2F')}@")
    client = make(target, proxy=with_credentials.replace("@", "@", 1))
    with pytest.raises(APIConnectionError) as info:
        client.chat.create(messages=MESSAGES, model="m")
    error = info.value
    assert not isinstance(error, APITimeoutError)
    assert error.request_sent is False
    assert dead_proxy_url in str(error)
    secrets_absent(str(error))
    secrets_absent(repr(error))


# -- bad values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["socks5://127.0.0.1:1080", "http://", "http://h:notaport", "http://h:1/path"]
)
def test_a_bad_proxy_option_is_refused_naming_it(real_transport: str, value: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        MegaNova(api_key=KEY, transport=real_transport, proxy=value)
    assert info.value.argument == "proxy"
    client = MegaNova(api_key=KEY, transport=real_transport, proxy=None)
    with pytest.raises(InvalidArgumentError):
        client.with_options(proxy=value)
    client.close()


def test_a_proxy_option_of_the_wrong_type(real_transport: str) -> None:
    with pytest.raises(InvalidArgumentTypeError) as info:
        MegaNova(api_key=KEY, transport=real_transport, proxy=8080)  # type: ignore[arg-type]
    assert info.value.argument == "proxy"


def test_a_bad_environment_proxy_names_the_variable_not_the_secret(
    real_transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("all_proxy", f"socks5://user:{PASSWORD.replace('/', '%2F')}@127.0.0.1:1")
    if real_transport == "requests":
        # requests reads the environment itself (socks is its requests[socks] extra):
        # without PySocks the call fails, typed, once, and without the secret.
        pytest.importorskip("requests")
        try:
            import socks  # noqa: F401
        except ImportError:
            pass
        else:
            pytest.skip("PySocks is installed: requests would use the socks proxy")
        client = MegaNova(api_key=KEY, transport="requests", max_retries=2, clock=VirtualClock())
        with pytest.raises(APIConnectionError) as call:
            client.chat.create(messages=MESSAGES, model="m")
        assert call.value.attempts == 1
        secrets_absent(str(call.value))
        client.close()
    else:
        with pytest.raises(ConfigurationError) as info:
            MegaNova(api_key=KEY, transport=real_transport)
        assert "ALL_PROXY" in str(info.value) and "socks5" in str(info.value)
        secrets_absent(str(info.value))
    MegaNova(api_key=KEY, transport=real_transport, proxy=None).close()  # the way out


def test_the_stdlib_transport_refuses_a_tls_proxy() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        MegaNova(api_key=KEY, transport="stdlib", proxy="https://127.0.0.1:3128")
    assert info.value.argument == "proxy"


def test_a_transport_of_your_own_takes_no_proxy_option() -> None:
    from meganova.adapters.fake_transport import FakeTransport

    with pytest.raises(InvalidArgumentError) as info:
        MegaNova(api_key=KEY, transport=FakeTransport(), proxy="http://127.0.0.1:3128")
    assert info.value.argument == "proxy"
    client = MegaNova(api_key=KEY, transport=FakeTransport())
    with pytest.raises(InvalidArgumentError):
        client.with_options(proxy="http://127.0.0.1:3128")
