"""Configuration: arguments win over the environment; bad values are named."""

import pickle

import pytest

from meganova import MegaNova, MeganovaError
from meganova.adapters.fake_transport import FakeTransport
from meganova.core.config import DEFAULT_BASE_URL
from meganova.core.http import Timeout
from meganova.errors import ConfigurationError, InvalidArgumentError, InvalidArgumentTypeError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("MEGANOVA_API_KEY", "MEGANOVA_BASE_URL", "MEGANOVA_MODEL", "MEGANOVA_REGION"):
        monkeypatch.delenv(name, raising=False)


def make(**kw):
    kw.setdefault("transport", FakeTransport())
    return MegaNova(**kw)


def test_missing_key_names_both_ways_to_pass_it():
    with pytest.raises(ConfigurationError) as info:
        make()
    assert "api_key" in str(info.value) and "MEGANOVA_API_KEY" in str(info.value)
    assert isinstance(info.value, MeganovaError)


def test_blank_key_is_missing():
    with pytest.raises(ConfigurationError):
        make(api_key="   ")


def test_key_and_base_url_from_environment(monkeypatch):
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-env")
    monkeypatch.setenv("MEGANOVA_BASE_URL", "http://127.0.0.1:9/v1/")
    client = make()
    assert client.config.api_key.reveal() == "sk-env"
    assert client.base_url == "http://127.0.0.1:9/v1"


def test_arguments_win_over_environment(monkeypatch):
    monkeypatch.setenv("MEGANOVA_API_KEY", "sk-env")
    monkeypatch.setenv("MEGANOVA_BASE_URL", "http://127.0.0.1:9/v1")
    client = make(api_key="sk-arg", base_url="https://example.test/v2")
    assert client.config.api_key.reveal() == "sk-arg"
    assert client.base_url == "https://example.test/v2"


def test_defaults():
    client = make(api_key="sk-x")
    assert client.base_url == DEFAULT_BASE_URL
    assert client.max_retries == 2
    assert client.timeout == Timeout(connect=5.0, read=600.0)
    assert client.config.region == "auto"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10.0, Timeout(10.0, 10.0)),
        (3, Timeout(3.0, 3.0)),
        ((2.0, 120.0), Timeout(2.0, 120.0)),
        ((2.0, None), Timeout(2.0, None)),
        (Timeout(1.0, 9.0), Timeout(1.0, 9.0)),
    ],
)
def test_timeout_forms(value, expected):
    assert make(api_key="k", timeout=value).timeout == expected


@pytest.mark.parametrize(
    ("kwargs", "argument", "exc"),
    [
        ({"timeout": -1}, "timeout", InvalidArgumentError),
        ({"timeout": float("nan")}, "timeout", InvalidArgumentError),
        ({"timeout": "10"}, "timeout", InvalidArgumentTypeError),
        ({"timeout": (1.0, 2.0, 3.0)}, "timeout", InvalidArgumentTypeError),
        ({"max_retries": -1}, "max_retries", InvalidArgumentError),
        ({"max_retries": 1.5}, "max_retries", InvalidArgumentTypeError),
        ({"max_retries": True}, "max_retries", InvalidArgumentTypeError),
        ({"base_url": "ftp://x"}, "base_url", InvalidArgumentError),
        ({"base_url": "api.meganova.ai/v1"}, "base_url", InvalidArgumentError),
        ({"base_url": ""}, "base_url", InvalidArgumentError),
        ({"base_url": "https://user:pw@api.example.test/v1"}, "base_url", InvalidArgumentError),
        ({"region": ""}, "region", InvalidArgumentError),
        ({"api_key": 12345}, "api_key", InvalidArgumentTypeError),
        ({"default_headers": {"X": 1}}, "default_headers", InvalidArgumentTypeError),
        ({"default_headers": {"X": "a\r\nInjected: 1"}}, "default_headers", InvalidArgumentError),
        ({"user_agent_extra": "a\nb"}, "user_agent_extra", InvalidArgumentError),
        ({"user_agent_extra": "bot/\u2603"}, "user_agent_extra", InvalidArgumentError),
        ({"default_headers": {"X-A: b": "v"}}, "default_headers", InvalidArgumentError),
        ({"default_headers": {"X-Snow": "\u2603"}}, "default_headers", InvalidArgumentError),
        ({"api_key": "sk-\u043a\u043b\u044e\u0447"}, "api_key", InvalidArgumentError),
        ({"api_key": "sk-a b"}, "api_key", InvalidArgumentError),
        ({"region": "eu\u2603"}, "region", InvalidArgumentError),
        ({"deadline": 0}, "deadline", InvalidArgumentError),
        ({"transport": "carrier-pigeon"}, "transport", InvalidArgumentError),
        ({"transport": object()}, "transport", InvalidArgumentTypeError),
    ],
)
def test_bad_options_are_named(kwargs, argument, exc):
    kwargs.setdefault("api_key", "sk-x")
    if "transport" in kwargs:
        with pytest.raises(exc) as info:
            MegaNova(**kwargs)
    else:
        with pytest.raises(exc) as info:
            make(**kwargs)
    assert info.value.argument.startswith(argument)
    assert argument in str(info.value)


def test_invalid_argument_is_also_a_builtin_error():
    with pytest.raises(ValueError):
        make(api_key="k", max_retries=-3)
    with pytest.raises(TypeError):
        make(api_key="k", max_retries="3")


def test_key_never_in_repr_or_str():
    client = make(api_key="sk-very-secret-123")
    for text in (repr(client), str(client), repr(client.config), str(client.config)):
        assert "sk-very-secret-123" not in text
    assert "sk-very-secret-123" not in repr(client.config.api_key)


def test_with_options_shares_transport_and_changes_only_what_is_asked():
    client = make(api_key="sk-x", timeout=30.0)
    other = client.with_options(timeout=(1.0, 5.0), max_retries=0)
    assert other.transport is client.transport
    assert other.timeout == Timeout(1.0, 5.0) and other.max_retries == 0
    assert client.timeout == Timeout(30.0, 30.0) and client.max_retries == 2
    assert other.config.api_key == client.config.api_key


def test_with_options_validates():
    with pytest.raises(InvalidArgumentError):
        make(api_key="k").with_options(max_retries=-1)


def test_context_manager_closes_transport():
    transport = FakeTransport()
    with MegaNova(api_key="k", transport=transport) as client:
        assert client.transport is transport
    assert transport.closed


def test_client_pickles_into_a_working_client_without_showing_the_key():
    client = MegaNova(api_key="sk-pickle-me", transport="stdlib", base_url="http://127.0.0.1:1/v1")
    clone = pickle.loads(pickle.dumps(client))
    assert clone.config == client.config
    assert type(clone.transport).__name__ == "UrllibTransport"
    assert "sk-pickle-me" not in repr(clone)


def test_with_options_none_removes_limits_and_defaults():
    client = make(
        api_key="sk-x",
        timeout=5.0,
        deadline=30,
        default_model="m1",
        default_headers={"X-Team": "search", "X-Keep": "1"},
    )
    other = client.with_options(
        timeout=None, deadline=None, default_model=None, default_headers={"x-team": None}
    )
    assert other.timeout == Timeout(None, None)
    assert other.config.deadline is None and other.config.default_model is None
    assert dict(other.config.default_headers) == {"X-Keep": "1"}
    # untouched options stay
    assert client.with_options().config == client.config


def test_with_options_replaces_a_header_whatever_its_case():
    client = make(api_key="sk-x", default_headers={"X-Team": "a"})
    other = client.with_options(default_headers={"x-team": "b"})
    assert dict(other.config.default_headers) == {"x-team": "b"}


def test_with_options_base_url_to_a_remote_plain_http_host_warns(caplog):
    client = make(api_key="sk-x")
    with caplog.at_level("WARNING", logger="meganova"):
        client.with_options(base_url="http://api.example.test/v1")
    assert "plain http" in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:99999/v1",  # port out of range
        "http://127.0.0.1:0/v1",
        "http://127.0.0.1:-1/v1",
        "http://api.example.test:http/v1",  # not a number
        "http://api.example.test:/v1",  # a colon, no port
        "http://api exam.test/v1",  # a space in the host
        "http://api..example.test/v1",
        "http://.example.test/v1",
        "http://[::zz]/v1",  # not an IPv6 address
        "http://api.example.test\\evil/v1",
        "http://:8080/v1",  # no host at all
    ],
)
def test_a_base_url_with_a_bad_host_or_port_is_refused_at_construction(url):
    with pytest.raises(InvalidArgumentError) as info:
        make(api_key="sk-x", base_url=url)
    assert info.value.argument == "base_url"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v1",
        "https://api.meganova.ai/v1",
        "http://[::1]:8000",
        "http://localhost:65535/v1",
        "https://my_gateway.internal/v1",
        "https://bücher.example/v1",  # IDNA host
    ],
)
def test_good_base_urls_are_kept(url):
    assert make(api_key="sk-x", base_url=url).config.base_url == url


@pytest.mark.parametrize(
    ("timeout", "argument"),
    [
        ((1, 1e10), "timeout[1] (read)"),
        ((1e10, 1), "timeout[0] (connect)"),
        (8 * 24 * 3600, "timeout"),
        (float("inf"), "timeout"),
        (0, "timeout"),
    ],
)
def test_timeouts_must_be_sane(timeout, argument):
    with pytest.raises(InvalidArgumentError) as info:
        make(api_key="sk-x", timeout=timeout)
    assert info.value.argument == argument
    assert "a week" in str(info.value)
    with pytest.raises(InvalidArgumentError) as info:
        make(api_key="sk-x").with_options(timeout=timeout)
    assert info.value.argument == argument


def test_the_longest_timeout_and_deadline_are_a_week():
    week = 7 * 24 * 3600
    client = make(api_key="sk-x", timeout=(week, week), deadline=week)
    assert client.config.timeout == Timeout(week, week) and client.config.deadline == week
    with pytest.raises(InvalidArgumentError) as info:
        make(api_key="sk-x", deadline=week + 1)
    assert info.value.argument == "deadline"
