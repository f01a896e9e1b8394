"""Retries end to end, for every transport: core decides, tenacity runs, the server
counts the attempts, and a VirtualClock makes every wait instant."""

from __future__ import annotations

from typing import Callable

import pytest

from meganova import MegaNova
from meganova.errors import (
    APIConnectionError,
    BadRequestError,
    InternalServerError,
    RateLimitError,
)
from tests.clock import VirtualClock
from tests.contract.conftest import Server
from tests.contract.rawserver import RawServer, refused_url

Factory = Callable[..., MegaNova]
OK = {"ok": True}


def test_429_with_retry_after_then_200(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply("POST", "/v1/r", 429, json={"error": "slow down"}, headers={"Retry-After": "2"})
    server.reply("POST", "/v1/r", json=OK)
    client = make_client(max_retries=2)
    assert client.engine.request("POST", "/r", cast_to=dict, json={"a": 1}) == OK
    first, second = server.received
    assert clock.sleeps == [2.0]
    # Both attempts are the same request: same body, same idempotency key.
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.body == second.body and first.json() == {"a": 1}


def test_retry_after_ms_wins(server: Server, make_client: Factory, clock: VirtualClock) -> None:
    server.reply("GET", "/v1/r", 429, headers={"Retry-After": "9", "retry-after-ms": "250"})
    server.reply("GET", "/v1/r", json=OK)
    assert make_client().engine.request("GET", "/r", cast_to=dict) == OK
    assert clock.sleeps == [0.25]


def test_503_twice_then_200(server: Server, make_client: Factory, clock: VirtualClock) -> None:
    server.reply("GET", "/v1/r", 503, json={"error": {"message": "busy"}})
    server.reply("GET", "/v1/r", 503, json={"error": {"message": "busy"}})
    server.reply("GET", "/v1/r", json=OK)
    assert make_client(max_retries=2).engine.request("GET", "/r", cast_to=dict) == OK
    assert len(server.received) == 3
    # Exponential backoff with jitter: about 0.5 s, then about 1 s.
    first, second = clock.sleeps
    assert 0.375 <= first <= 0.5 and 0.75 <= second <= 1.0


def test_400_is_not_retried(server: Server, make_client: Factory, clock: VirtualClock) -> None:
    server.reply("POST", "/v1/r", 400, json={"error": {"message": "bad", "code": "invalid"}})
    with pytest.raises(BadRequestError) as info:
        make_client(max_retries=5).engine.request("POST", "/r", cast_to=dict, json={})
    assert len(server.received) == 1
    assert info.value.attempts == 1
    assert clock.sleeps == []


def test_500_forever_gives_up_after_max_retries(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply(
        "GET", "/v1/r", 500, json={"error": {"message": "down"}}, headers={"x-request-id": "q"}
    )
    with pytest.raises(InternalServerError) as info:
        make_client(max_retries=3).engine.request("GET", "/r", cast_to=dict)
    assert len(server.received) == 4
    assert info.value.attempts == 4 and info.value.request_id == "q"
    assert len(clock.sleeps) == 3


def test_max_retries_zero_sends_once(server: Server, make_client: Factory) -> None:
    server.reply("GET", "/v1/r", 503)
    with pytest.raises(InternalServerError):
        make_client(max_retries=0).engine.request("GET", "/r", cast_to=dict)
    assert len(server.received) == 1


def test_server_may_forbid_or_force_a_retry(server: Server, make_client: Factory) -> None:
    server.reply("GET", "/v1/no", 503, headers={"x-should-retry": "false"})
    server.reply("GET", "/v1/yes", 400, headers={"x-should-retry": "true"})
    server.reply("GET", "/v1/yes", json=OK)
    client = make_client(max_retries=2)
    with pytest.raises(InternalServerError):
        client.engine.request("GET", "/no", cast_to=dict)
    assert client.engine.request("GET", "/yes", cast_to=dict) == OK
    assert len(server.received_at("/v1/no")) == 1
    assert len(server.received_at("/v1/yes")) == 2


def test_a_retry_after_beyond_the_cap_is_not_waited(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply("GET", "/v1/r", 429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitError) as info:
        make_client(max_retries=2).engine.request("GET", "/r", cast_to=dict)
    assert info.value.retry_after == 3600.0
    assert len(server.received) == 1 and clock.sleeps == []


def test_connection_refused_is_retried_then_raised(
    socket_transport: str, clock: VirtualClock
) -> None:
    client = MegaNova(
        api_key="sk-test",
        base_url=refused_url(),
        transport=socket_transport,
        max_retries=2,
        clock=clock,
    )
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", "/r", cast_to=dict)
    client.close()
    assert info.value.attempts == 3
    assert len(clock.sleeps) == 2
    assert info.value.request_sent is False


def test_server_hints_and_error_headers_match_whatever_their_case(
    server: Server, make_client: Factory
) -> None:
    hint = {"X-Should-Retry": "false", "X-RateLimit-Remaining": "0"}
    server.reply("GET", "/v1/no", 503, headers=hint)
    with pytest.raises(InternalServerError) as info:
        make_client(max_retries=2).engine.request("GET", "/no", cast_to=dict)
    assert len(server.received_at("/v1/no")) == 1  # X-Should-Retry: false was honoured
    assert info.value.headers.get("x-ratelimit-remaining") == "0"
    assert info.value.headers["X-RATELIMIT-REMAINING"] == "0"


def test_a_redirect_loop_is_not_retried(
    server: Server, make_client: Factory, clock: VirtualClock
) -> None:
    server.reply("GET", "/v1/loop", 302, headers={"Location": server.url("/v1/loop")})
    with pytest.raises(APIConnectionError) as info:
        make_client(max_retries=2).engine.request("GET", "/loop", cast_to=dict)
    assert "redirects" in str(info.value) and info.value.retryable is False
    assert len(server.received_at("/v1/loop")) == 6  # the request and 5 redirects, once
    assert clock.sleeps == [] and info.value.attempts == 1


@pytest.mark.parametrize("location", ["ftp://files.example.test/x", "javascript:alert(1)"])
def test_a_redirect_to_a_non_http_scheme_is_not_retried(
    server: Server, make_client: Factory, clock: VirtualClock, location: str
) -> None:
    server.reply("GET", "/v1/away", 301, headers={"Location": location})
    with pytest.raises(APIConnectionError) as info:
        make_client(max_retries=2).engine.request("GET", "/away", cast_to=dict)
    assert "non-HTTP" in str(info.value)
    assert len(server.received_at("/v1/away")) == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:99999/v1/r", "http://127.0.0.1:http/v1/r", "http://exa mple/v1/r"]
)
def test_an_invalid_url_is_not_retried(
    socket_transport: str, clock: VirtualClock, url: str
) -> None:
    if socket_transport == "requests" and " " in url:
        pytest.skip(
            "some requests releases percent-encode the host: a DNS failure, not a URL error"
        )
    client = MegaNova(
        api_key="sk-test",
        base_url="http://127.0.0.1:9/v1",
        transport=socket_transport,
        max_retries=2,
        clock=clock,
    )
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", url, cast_to=dict)
    client.close()
    assert info.value.retryable is False and info.value.request_sent is False
    assert clock.sleeps == [] and info.value.attempts == 1
    assert "sk-test" not in str(info.value)


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "caf\u00e9\u2603"])
def test_a_header_value_the_library_refuses_is_not_retried(
    socket_transport: str, raw: RawServer, clock: VirtualClock, value: str
) -> None:
    """Options built directly skip the argument checks; the transport's library then
    refuses the value before sending: never retried, nothing reaches the server."""
    from meganova.core.engine import RequestOptions

    raw.reset_counts()
    client = MegaNova(
        api_key="sk-test",
        base_url=raw.url("/v1"),
        transport=socket_transport,
        max_retries=2,
        clock=clock,
    )
    options = RequestOptions(extra_headers={"X-Custom": value})
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", "/r", cast_to=dict, options=options)
    client.close()
    assert info.value.retryable is False and clock.sleeps == []
    assert raw.requests == []
