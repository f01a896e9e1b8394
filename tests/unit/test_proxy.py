"""core/proxy.py: parsing proxy URLs, their credentials, and which proxy a target uses."""

from __future__ import annotations

import base64
import pickle
from typing import List
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.errors import ConfigurationError, InvalidArgumentError
from meganova.core.proxy import (
    PROXY_FROM_ENVIRONMENT,
    Proxy,
    ProxyRoutes,
    parse_proxy,
    routes,
)

latin1 = st.text(
    st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"),
    min_size=1,
    max_size=20,
)


@given(user=latin1, password=latin1)
def test_credentials_round_trip_and_never_show(user: str, password: str) -> None:
    url = f"http://{quote(user, safe='')}:{quote(password, safe='')}@proxy.corp:3128"
    proxy = parse_proxy(url)
    assert (proxy.host, proxy.port, proxy.scheme) == ("proxy.corp", 3128, "http")
    auth = proxy.authorization()
    assert auth is not None and auth.startswith("Basic ")
    assert base64.b64decode(auth[6:]).decode("latin-1") == f"{user}:{password}"
    assert proxy.url == "http://proxy.corp:3128"
    shown = repr(proxy)
    assert f"{quote(user, safe='')}:{quote(password, safe='')}" not in shown
    assert auth[6:] not in shown and "<redacted>" in shown
    message = f"failed: {url} {auth} {user}:{password}"
    assert password not in proxy.redact(message) or len(password) < 4
    assert f"{user}:{password}" not in proxy.redact(message)
    assert auth not in proxy.redact(message)
    assert pickle.loads(pickle.dumps(proxy)) == proxy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("proxy.corp:3128", ("http", "proxy.corp", 3128)),
        ("http://proxy.corp", ("http", "proxy.corp", 80)),
        ("HTTPS://Proxy.Corp/", ("https", "proxy.corp", 443)),
        ("  http://10.0.0.1:8080  ", ("http", "10.0.0.1", 8080)),
        ("http://[::1]:3128", ("http", "::1", 3128)),
    ],
)
def test_proxy_urls(text: str, expected: tuple) -> None:
    proxy = parse_proxy(text)
    assert (proxy.scheme, proxy.host, proxy.port) == expected
    assert proxy.authorization() is None and not proxy.has_credentials


@pytest.mark.parametrize(
    "text",
    ["socks5://u:hunter22@h:1", "ftp://h", "http://", "http://h:99999", "http://h/x", "http://h?q"],
)
def test_bad_proxy_urls_name_the_source_without_the_secret(text: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_proxy(text)
    assert info.value.argument == "proxy" and "hunter22" not in str(info.value)
    with pytest.raises(ConfigurationError) as env_info:
        parse_proxy(text, "HTTPS_PROXY")
    assert "HTTPS_PROXY" in str(env_info.value) and "hunter22" not in str(env_info.value)


def test_routes_pick_the_scheme_then_all_and_ask_the_bypass_with_host_and_port() -> None:
    asked: List[str] = []

    def bypass(host: str) -> bool:
        asked.append(host)
        return host.startswith("direct.")

    table = routes(
        PROXY_FROM_ENVIRONMENT,
        lambda: ({"https": "http://s:1", "all": "http://a:2", "no": "direct.example"}, bypass),
    )
    assert isinstance(table, ProxyRoutes)
    assert table.for_target("https", "api.example", 443) == Proxy("http", "s", 1)
    assert table.for_target("http", "api.example", 80) == Proxy("http", "a", 2)
    assert table.for_target("https", "direct.example", 443) is None
    assert table.for_target("https", "api.example", 443) == Proxy("http", "s", 1)
    assert asked == ["api.example:443", "api.example:80", "direct.example:443"]  # cached


def test_the_option_decides_before_the_environment() -> None:
    def environment() -> tuple:
        raise AssertionError("the environment was read")

    assert routes(None, environment) is None
    explicit = routes("http://p:3", environment)
    assert explicit is not None and explicit.for_target("https", "x", 443) == Proxy("http", "p", 3)
    assert routes(PROXY_FROM_ENVIRONMENT, lambda: ({}, lambda h: False)) is None


def test_the_default_pickles_to_itself() -> None:
    assert pickle.loads(pickle.dumps(PROXY_FROM_ENVIRONMENT)) is PROXY_FROM_ENVIRONMENT
    assert repr(PROXY_FROM_ENVIRONMENT) == "PROXY_FROM_ENVIRONMENT"
