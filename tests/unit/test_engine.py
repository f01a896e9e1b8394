"""The engine end to end over the fake transport: headers, bodies, retries, redirects."""

from dataclasses import dataclass
from typing import Optional

import pytest

from meganova import MegaNova, __version__
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.engine import RequestOptions
from meganova.core.models.common import Model
from meganova.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    BadRequestError,
    InternalServerError,
    InvalidArgumentError,
    RateLimitError,
)
from tests.clock import VirtualClock


@dataclass
class Thing(Model):
    id: str
    size: Optional[int] = None
    request_id: Optional[str] = None


def client_with(*replies, clock=None, **kw):
    transport = FakeTransport(replies=replies)
    kw.setdefault("api_key", "sk-engine")
    client = MegaNova(transport=transport, clock=clock or VirtualClock(), **kw)
    return client, transport


def test_headers_on_every_request():
    client, transport = client_with(
        FakeResponse.json({"id": "a"}), user_agent_extra="mybot/1.2", region="eu-west"
    )
    client.engine.request("GET", "/things", cast_to=dict)
    headers = transport.requests[0].headers
    assert headers["Authorization"] == "Bearer sk-engine"
    assert headers["User-Agent"] == f"meganova-python/{__version__} mybot/1.2"
    assert headers["X-MN-SDK"] == "python"
    assert headers["X-MN-Region"] == "eu-west"
    assert "Idempotency-Key" not in headers


def test_region_auto_sends_no_region_header():
    client, transport = client_with(FakeResponse.json({}))
    client.engine.request("GET", "/x", cast_to=dict)
    assert "X-MN-Region" not in transport.requests[0].headers


def test_query_json_and_per_call_options():
    client, transport = client_with(FakeResponse.json({"id": "t1", "size": 3}))
    options = RequestOptions.build(
        timeout=(1.0, 2.0),
        extra_headers={"X-Trace": "abc", "User-Agent": None},
        extra_query={"debug": True},
        extra_body={"seed": 7},
    )
    thing = client.engine.request(
        "POST",
        "/things",
        cast_to=Thing,
        query={"a": 1, "skip": None},
        json={"x": [1]},
        options=options,
    )
    sent = transport.requests[0]
    assert sent.url == "https://api.meganova.ai/v1/things?a=1&debug=true"
    assert sent.body == b'{"x":[1],"seed":7}'
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Trace"] == "abc"
    assert "User-Agent" not in sent.headers
    assert (sent.timeout.connect, sent.timeout.read) == (1.0, 2.0)
    assert thing == Thing(id="t1", size=3)
    assert thing["size"] == 3 and thing.get("missing", 0) == 0


def test_request_id_is_attached_to_models():
    client, _ = client_with(FakeResponse.json({"id": "t"}, headers={"x-request-id": "req_42"}))
    assert client.engine.request("GET", "/t", cast_to=Thing).request_id == "req_42"


def test_retries_reuse_the_idempotency_key_and_wait_on_the_clock():
    clock = VirtualClock()
    client, transport = client_with(
        FakeResponse.json({"error": {"message": "busy"}}, status=503),
        FakeResponse.json({"error": {"message": "slow"}}, status=429, headers={"Retry-After": "2"}),
        FakeResponse.json({"id": "ok"}),
        clock=clock,
    )
    assert client.engine.request("POST", "/t", cast_to=Thing, json={}).id == "ok"
    keys = {r.headers["Idempotency-Key"] for r in transport.requests}
    assert len(transport.requests) == 3 and len(keys) == 1
    assert 0.375 <= clock.sleeps[0] <= 0.5 and clock.sleeps[1] == 2.0


def test_gives_up_after_max_retries_with_attempt_count():
    client, transport = client_with(*[FakeResponse.json({}, status=500)] * 5, max_retries=2)
    with pytest.raises(InternalServerError) as info:
        client.engine.request("GET", "/t", cast_to=dict)
    assert len(transport.requests) == 3 and info.value.attempts == 3


def test_bad_request_is_not_retried():
    client, transport = client_with(FakeResponse.json({"error": "no"}, status=400))
    with pytest.raises(BadRequestError):
        client.engine.request("GET", "/t", cast_to=dict)
    assert len(transport.requests) == 1


def test_retry_after_beyond_the_cap_is_raised_not_waited():
    clock = VirtualClock()
    client, transport = client_with(
        FakeResponse.json({}, status=429, headers={"retry-after": "3600"}), clock=clock
    )
    with pytest.raises(RateLimitError) as info:
        client.engine.request("GET", "/t", cast_to=dict)
    assert info.value.retry_after == 3600 and clock.sleeps == [] and len(transport.requests) == 1


def test_connection_errors_are_retried_then_raised():
    client, transport = client_with(
        *[APIConnectionError("refused", request_sent=False)] * 3, max_retries=2
    )
    with pytest.raises(APIConnectionError) as info:
        client.engine.request("GET", "/t", cast_to=dict)
    assert len(transport.requests) == 3 and info.value.attempts == 3


def test_deadline_bounds_the_whole_call():
    clock = VirtualClock()
    client, transport = client_with(
        *[FakeResponse.json({}, status=503, headers={"retry-after": "4"})] * 10,
        clock=clock,
        max_retries=10,
        deadline=10.0,
    )
    with pytest.raises(InternalServerError):
        client.engine.request("GET", "/t", cast_to=dict)
    assert sum(clock.sleeps) <= 10.0 and len(transport.requests) == 3
    # each attempt's timeouts are cut to what is left of the deadline
    assert transport.requests[-1].timeout.read <= 10.0 - 8.0 + 1e-9


def test_deadline_already_spent_raises_timeout():
    clock = VirtualClock()

    def slow(request):
        clock.now += 5
        return APIConnectionError("reset", request_sent=True)

    transport = FakeTransport(handler=slow)
    client = MegaNova(api_key="k", transport=transport, clock=clock, deadline=4.0, max_retries=5)
    with pytest.raises(APIConnectionError):
        client.engine.request("GET", "/t", cast_to=dict)
    assert len(transport.requests) == 1


def test_undecodable_2xx_body_is_a_typed_error_not_retried():
    client, transport = client_with(FakeResponse(200, b"<html>oops</html>"))
    with pytest.raises(APIResponseValidationError) as info:
        client.engine.request("GET", "/t", cast_to=Thing)
    assert info.value.body == b"<html>oops</html>" and len(transport.requests) == 1


def test_wrong_shape_is_a_typed_error():
    client, _ = client_with(FakeResponse.json({"id": ["not", "a", "string"]}))
    with pytest.raises(APIResponseValidationError):
        client.engine.request("GET", "/t", cast_to=Thing)


def test_same_host_redirect_is_followed_with_the_key():
    client, transport = client_with(
        FakeResponse(307, b"", {"Location": "/v1/elsewhere"}), FakeResponse.json({"id": "r"})
    )
    assert client.engine.request("POST", "/t", cast_to=Thing, json={"a": 1}).id == "r"
    second = transport.requests[1]
    assert second.url == "https://api.meganova.ai/v1/elsewhere"
    assert second.method == "POST" and second.body == b'{"a":1}'
    assert second.headers["Authorization"] == "Bearer sk-engine"


def test_cross_host_redirect_drops_the_key():
    client, transport = client_with(
        FakeResponse(302, b"", {"Location": "https://evil.example/steal"}),
        FakeResponse.json({"id": "r"}),
    )
    client.engine.request("POST", "/t", cast_to=Thing, json={})
    second = transport.requests[1]
    assert second.url == "https://evil.example/steal" and second.method == "GET"
    assert "Authorization" not in second.headers and second.body is None


def test_redirect_loops_end():
    client, _ = client_with(*[FakeResponse(302, b"", {"Location": "/v1/again"})] * 10)
    with pytest.raises(APIConnectionError, match="redirects"):
        client.engine.request(
            "GET", "/t", cast_to=dict, options=RequestOptions.build(max_retries=0)
        )


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"extra_headers": {"X": "a\nb"}}, "extra_headers"),
        ({"extra_headers": ["X"]}, "extra_headers"),
        ({"extra_query": "a=1"}, "extra_query"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"timeout": 0}, "timeout"),
        ({"max_retries": -2}, "max_retries"),
    ],
)
def test_request_options_are_validated(kwargs, argument):
    with pytest.raises(InvalidArgumentError) as info:
        RequestOptions.build(**kwargs)
    assert info.value.argument == argument


def test_timeout_error_is_a_connection_error():
    assert issubclass(APITimeoutError, APIConnectionError)


def test_an_unencodable_field_is_named_before_any_traffic():
    client, transport = client_with()
    with pytest.raises(InvalidArgumentError) as info:
        client.engine.request("POST", "/t", cast_to=dict, json={"ok": 1, "tools": object()})
    assert info.value.argument == "tools" and isinstance(info.value, TypeError)
    assert transport.requests == []


@pytest.mark.parametrize(
    "headers", [{"X-A: b": "v"}, {"X-Snow": "\u2603"}, {"": "v"}, {"X": "a\x00b"}]
)
def test_bad_extra_headers_are_named_before_any_traffic(headers):
    client, transport = client_with()
    with pytest.raises(InvalidArgumentError) as info:
        client.models.list(extra_headers=headers)
    assert info.value.argument == "extra_headers"
    assert transport.requests == []


def test_latin1_header_values_are_allowed():
    client, transport = client_with(FakeResponse.json({"data": []}))
    client.models.list(extra_headers={"X-Team": "caf\u00e9"})
    assert transport.requests[0].headers["X-Team"] == "caf\u00e9"


class PlainCodec:
    """A codec of the user's own: ``encode`` and ``decode`` only (no ``decoder_for``)."""

    def __init__(self):
        from meganova.adapters.msgspec_codec import MsgspecCodec

        self.inner = MsgspecCodec()
        self.decoded = 0

    def encode(self, value):
        return self.inner.encode(value)

    def decode(self, data, type):
        self.decoded += 1
        return self.inner.decode(data, type)


@pytest.mark.parametrize("codec", [None, PlainCodec()], ids=["msgspec", "own codec"])
def test_a_reply_decodes_through_the_clients_codec_and_a_mismatch_is_typed(codec):
    kw = {} if codec is None else {"codec": codec}
    client, _ = client_with(
        FakeResponse.json({"id": "a", "size": 3}, headers={"x-request-id": "req-1"}),
        FakeResponse.json({"id": "b"}),
        FakeResponse.json({"id": ["not", "a", "str"]}, headers={"x-request-id": "req-3"}),
        **kw,
    )
    first = client.engine.request("GET", "/things/a", cast_to=Thing)
    assert (first.id, first.size, first.request_id) == ("a", 3, "req-1")
    assert client.engine.request("GET", "/things/b", cast_to=Thing).id == "b"  # kept decoder
    with pytest.raises(APIResponseValidationError, match="does not match Thing") as info:
        client.engine.request("GET", "/things/c", cast_to=Thing)
    assert info.value.request_id == "req-3"
    if codec is not None:
        assert codec.decoded == 3  # every reply went through the user's codec
