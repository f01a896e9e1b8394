"""The cassette file format: any exchange survives a round trip through its line, and
a line that is not an exchange is refused by name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.testing import (
    CassetteFormatError,
    CassetteRequest,
    CassetteResponse,
    Exchange,
    RecordedError,
)
from meganova.testing.cassette_format import decode_line, encode_line, json_body, seconds
from tests.helpers import JSON

TEXT = st.text(max_size=20)
HEADERS = st.dictionaries(st.text(min_size=1, max_size=10), TEXT, max_size=4)
TIMES = st.floats(min_value=0, max_value=1e6).map(seconds)
CONTAINERS = st.one_of(
    st.lists(JSON, max_size=3), st.dictionaries(st.text(max_size=8), JSON, max_size=4)
)
BODIES = st.one_of(
    st.binary(max_size=40),
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    CONTAINERS.map(lambda v: json.dumps(v).encode()),
    CONTAINERS.map(
        lambda v: json.dumps(v, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ),
)
ERRORS = st.builds(
    RecordedError,
    type=st.sampled_from(["APIConnectionError", "APITimeoutError"]),
    message=TEXT,
    request_sent=st.none() | st.booleans(),
)
REQUESTS = st.builds(
    CassetteRequest,
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    url=st.text(max_size=30).map(lambda t: "https://api.test/v1/" + t),
    headers=HEADERS,
    body=BODIES,
)


@st.composite
def responses(draw: Any) -> CassetteResponse:
    streamed = draw(st.booleans())
    if streamed:
        chunks = tuple(draw(st.lists(st.tuples(TIMES, BODIES), max_size=4)))
    else:
        chunks = ((0.0, draw(BODIES)),)
    end = draw(st.sampled_from(["eof", "error", "closed"]))
    return CassetteResponse(
        status=draw(st.integers(min_value=100, max_value=599)),
        reason=draw(TEXT),
        headers=draw(HEADERS),
        chunks=chunks,
        streamed=streamed,
        end=end,
        error=draw(ERRORS) if end == "error" else None,
        elapsed=draw(TIMES),
    )


@st.composite
def exchanges(draw: Any) -> Exchange:
    request = draw(REQUESTS)
    if draw(st.booleans()):
        return Exchange(request, draw(responses()))
    return Exchange(request, None, draw(ERRORS))


def same_body(stored: bytes, original: bytes) -> bool:
    """Exact bytes, or (for JSON, which is stored parsed) the same JSON value."""
    value = json_body(original)
    return stored == original if value is None else json.loads(stored) == value


@given(exchanges())
def test_any_exchange_survives_the_round_trip_through_one_line(exchange: Exchange) -> None:
    line = encode_line(exchange)
    assert "\n" not in line and isinstance(json.loads(line), dict)
    line.encode("utf-8")  # the file is UTF-8
    back = decode_line(line)
    assert encode_line(back) == line  # stable: a replay writes what it read
    assert back.request.method == exchange.request.method
    assert back.request.url == exchange.request.url
    assert back.request.headers == exchange.request.headers
    assert same_body(back.request.body, exchange.request.body)
    assert back.error == exchange.error
    if exchange.response is None:
        assert back.response is None
        return
    original, stored = exchange.response, back.response
    assert stored is not None
    assert (stored.status, stored.reason, stored.headers, stored.end, stored.error) == (
        original.status,
        original.reason,
        original.headers,
        original.end,
        original.error,
    )
    assert stored.elapsed == original.elapsed and stored.streamed == original.streamed
    if original.streamed:
        assert stored.chunks == original.chunks  # every chunk, exactly, at its time
    else:
        assert same_body(stored.body, original.body)


def test_keys_come_in_a_fixed_order() -> None:
    exchange = Exchange(
        CassetteRequest("POST", "https://x/v1/c", {"B": "1", "A": "2"}, b'{"z": 1, "a": 2}'),
        CassetteResponse(200, "OK", {"Content-Type": "text/plain"}, ((0.0, b"hi"),)),
    )
    line = json.loads(encode_line(exchange))
    assert list(line) == ["request", "response"]
    assert list(line["request"]) == ["method", "url", "headers", "body"]
    assert list(line["request"]["headers"]) == ["B", "A"]  # as sent
    assert list(line["request"]["body"]["json"]) == ["z", "a"]  # the body's own order
    assert line["response"] == {
        "status": 200,
        "reason": "OK",
        "elapsed": 0.0,
        "headers": {"Content-Type": "text/plain"},
        "body": {"text": "hi"},
    }


def test_json_that_would_not_survive_being_stored_parsed_is_stored_as_text() -> None:
    for raw in (b'{"a": 1, "a": 2}', b'{"a": NaN}', b'{"a": 1e999}', b'{"a": "\\ud800"}', b"[1,"):
        assert json_body(raw) is None
        exchange = Exchange(CassetteRequest("POST", "https://x/", {}, raw), None, ERROR)
        assert decode_line(encode_line(exchange)).request.body == raw


ERROR = RecordedError("APIConnectionError", "refused")
GOOD = encode_line(Exchange(CassetteRequest("GET", "https://x/"), None, ERROR))


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[]",
        '{"request": 3}',
        '{"request": {"method": "GET", "url": "u"}}',  # neither response nor error
        GOOD.replace('"GET"', "7"),
        GOOD.replace('"error"', '"response": {"status": 99}, "x"'),
        GOOD[:-1] + ', "response": {"status": 200}}',  # both
        '{"request": {"method": "GET", "url": "u", "body": {"base64": "!!"}}, "error": '
        '{"type": "E", "message": "m"}}',
        '{"request": {"method": "GET", "url": "u"}, "response": {"status": 200, '
        '"chunks": [{"at": -1, "text": ""}]}}',
        '{"request": {"method": "GET", "url": "u"}, "response": {"status": 200, "end": "x"}}',
        '{"request": {"method": "GET", "url": "u"}, "response": {"status": 200, "end": "error"}}',
    ],
)
def test_a_line_that_is_not_an_exchange_is_refused_naming_where(line: str) -> None:
    with pytest.raises(CassetteFormatError, match=r"cassette\.jsonl, line 7"):
        decode_line(line, "cassette.jsonl, line 7")
