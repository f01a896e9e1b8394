"""A request is sent at most ``max_retries + 1`` times, counted in one place (core), on
every socket transport; the server counts what arrives.

Before, the stdlib transport silently re-sent a POST on each idle kept-alive connection
that failed after the request was written: with ``max_retries=0`` and 10 idle
connections, a server resetting every connection saw the POST 11 times (the error said
``attempts=1``). A pooled connection may be replaced only when nothing was sent on it
(the server had closed it while it was idle).
"""

from __future__ import annotations

from typing import Callable

import pytest

from meganova import MegaNova
from meganova.errors import APIConnectionError
from tests.contract.rawserver import (
    RawConnection,
    RawRequest,
    RawServer,
    json_reply,
)
from tests.helpers import fill_the_pool

Factory = Callable[..., MegaNova]
OK = {"ok": True}


def reset_after_request(conn: RawConnection, request: RawRequest) -> bool:
    conn.reset()
    return False


@pytest.mark.parametrize("max_retries", [0, 2])
def test_a_reset_on_pooled_connections_is_sent_max_retries_plus_one_times(
    build: Factory, raw: RawServer, max_retries: int
) -> None:
    client = build(max_retries=max_retries)
    fill_the_pool(client, raw)
    raw.on("/v1/post", reset_after_request)
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("POST", "/post", cast_to=dict, json={"n": 1})
    posts = [r for r in raw.requests if r.path == "/v1/post"]
    assert len(posts) == max_retries + 1
    assert info.value.attempts == max_retries + 1
    assert len({r.headers["idempotency-key"] for r in posts}) == 1


def test_idle_connections_the_server_closed_are_replaced_before_sending(
    build: Factory, raw: RawServer
) -> None:
    """Nothing was sent on them, so replacing them is not a resend: one request."""
    client = build(max_retries=0)
    fill_the_pool(client, raw, close_after=True)
    raw.on("/v1/post", json_reply(OK))
    closed_by_server = raw.connections
    assert client.engine.request("POST", "/post", cast_to=dict, json={}) == OK
    assert len([r for r in raw.requests if r.path == "/v1/post"]) == 1
    assert raw.connections == closed_by_server + 1


def test_a_reply_cut_short_on_a_pooled_connection_is_one_attempt(
    build: Factory, raw: RawServer
) -> None:
    """The server answered half a reply: that request certainly arrived, never resent."""

    def half(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Le")
        conn.reset()
        return False

    client = build(max_retries=0)
    fill_the_pool(client, raw)
    raw.on("/v1/post", half)
    with pytest.raises(APIConnectionError):
        client.engine.request("POST", "/post", cast_to=dict, json={})
    assert len([r for r in raw.requests if r.path == "/v1/post"]) == 1


def test_stream_requests_are_counted_the_same(build: Factory, raw: RawServer) -> None:
    client = build(max_retries=1)
    fill_the_pool(client, raw)
    raw.on("/v1/chat/completions", reset_after_request)
    with pytest.raises(APIConnectionError):
        client.chat.stream(messages=[{"role": "user", "content": "hi"}], model="m")
    assert len([r for r in raw.requests if r.path == "/v1/chat/completions"]) == 2
