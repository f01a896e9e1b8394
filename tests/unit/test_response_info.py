"""``meganova.response_info``: what each result and error tells about its reply (status,
headers, request id, elapsed, attempts, stream timing, rate limits), on both clients
against the fake Meganova; and the rate-limit header parser."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova import RateLimitInfo, ResponseInfo, response_info
from meganova.errors import (
    APIConnectionError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
    RateLimitError,
)
from meganova.testing import FakeMeganova
from meganova.testing.script import Drop, Error, Json, Stream, Text
from meganova.types import ChatResponse

MODEL = "meganova-ai/manta-flash-1.0"
KEY = "sk-info-test-key-0123456789"
HI = [{"role": "user", "content": "Hi"}]
LIMITS = {
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-remaining-requests": "59",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-limit-tokens": "150000",
    "x-ratelimit-remaining-tokens": "149984",
    "x-ratelimit-reset-tokens": "6m0s",
}


def test_a_reply_tells_its_status_headers_request_id_and_attempts(fake: FakeMeganova) -> None:
    fake.script(Error(503), Text("Ahoy"))
    reply = fake.client().chat.create(messages=HI, model=MODEL)
    info = response_info(reply)
    assert isinstance(info, ResponseInfo)
    assert info.status == 200 and info.attempts == 2
    assert info.request_id == reply.request_id and info.request_id
    assert info.headers["X-REQUEST-ID"] == reply.request_id  # any case
    assert info.elapsed is not None and info.elapsed > 0  # the backoff before attempt 2
    assert info.time_to_first_token is None  # not a stream
    assert "request_id" not in reply.to_dict() and "_mn_response" not in reply.to_dict()
    copy = dataclasses.replace(reply)
    assert reply == copy  # equality ignores the metadata


def test_lists_and_errors_tell_theirs_too(fake: FakeMeganova) -> None:
    client = fake.client(max_retries=1)
    models = client.models.list()
    assert response_info(models).status == 200  # type: ignore[union-attr]
    fake.script(Error(429, headers=LIMITS), Error(429, retry_after=3, headers=LIMITS))
    with pytest.raises(RateLimitError) as caught:
        client.chat.create(messages=HI, model=MODEL)
    info = response_info(caught.value)
    assert info is not None and info.status == 429 and info.attempts == 2
    assert info.request_id == caught.value.request_id
    limits = caught.value.rate_limit
    assert limits == info.rate_limit
    assert (limits.limit_requests, limits.remaining_requests, limits.reset_requests) == (
        60,
        59,
        1.0,
    )
    assert (limits.limit_tokens, limits.remaining_tokens, limits.reset_tokens) == (
        150000,
        149984,
        360.0,
    )
    assert limits.retry_after == 3.0


def test_a_connection_failure_tells_attempts_but_no_status(fake: FakeMeganova) -> None:
    fake.script(Drop(), Drop())
    with pytest.raises(APIConnectionError) as caught:
        fake.client(max_retries=1).models.list()
    info = response_info(caught.value)
    assert info is not None and info.status is None and info.attempts == 2
    assert len(info.headers) == 0


def test_what_no_call_returned_is_refused_by_name(fake: FakeMeganova) -> None:
    for thing in (ChatResponse(), "text"):
        with pytest.raises(InvalidArgumentTypeError) as refused:
            response_info(thing)
        assert refused.value.argument == "result" and "carries no reply" in str(refused.value)
    with pytest.raises(InvalidArgumentError) as caught:
        fake.client().chat.create(messages=HI, model=MODEL, temperature=9)
    with pytest.raises(InvalidArgumentTypeError):
        response_info(caught.value)  # raised before anything was sent


def test_a_successful_reply_tells_its_rate_limits(fake: FakeMeganova) -> None:
    fake.script(Json({"object": "list", "data": []}, headers={**LIMITS, "retry-after": "2"}))
    info = response_info(fake.client().models.list())
    assert info is not None
    assert info.rate_limit.remaining_tokens == 149984 and info.rate_limit.retry_after == 2.0


def test_a_stream_tells_its_time_to_first_and_last_chunk(fake: FakeMeganova) -> None:
    fake.script(Stream(["Ah", "oy"], gap=0.25))
    stream = fake.client().chat.stream(messages=HI, model=MODEL)
    info = response_info(stream)
    assert info is not None and info.time_to_first_token is None  # nothing read yet
    assert response_info(stream.completion_stream) is info
    "".join(item.delta for item in stream)
    assert info.time_to_first_token == 0.0
    assert info.time_to_last_chunk == pytest.approx(0.75)
    assert info.chunks == 3 and info.status == 200 and info.attempts == 1


def test_headers_hide_credentials_and_an_echoed_key(fake: FakeMeganova) -> None:
    echoed = {"Set-Cookie": "session=abc", "X-Echo": f"Bearer {KEY}"}
    fake.script(Json({"object": "list", "data": []}, headers=echoed))
    info = response_info(fake.client(api_key=KEY).models.list())
    assert info is not None
    assert info.headers["set-cookie"] == "<redacted>"
    assert KEY not in info.headers["x-echo"]
    copy = pickle.loads(pickle.dumps(info))
    assert copy.headers == info.headers and copy.status == 200
    assert KEY not in repr(info) and KEY.encode() not in pickle.dumps(info)


def test_a_pickled_result_keeps_its_metadata(fake: FakeMeganova) -> None:
    fake.script(Json({"object": "list", "data": []}, headers=LIMITS))
    models = fake.client(api_key=KEY).models.list()
    copy = pickle.loads(pickle.dumps(models))
    info = response_info(copy)
    assert info is not None and info.rate_limit.limit_requests == 60
    assert KEY.encode() not in pickle.dumps(models)


@pytest.mark.anyio
async def test_the_async_client_tells_the_same(fake: FakeMeganova) -> None:
    fake.script(Error(500), Text("Ahoy"), Stream(["Ah", "oy"], gap=0.5))
    async with fake.async_client() as client:
        reply = await client.chat.create(messages=HI, model=MODEL)
        stream = await client.chat.completions.create(messages=HI, model=MODEL, stream=True)
        async for _ in stream:
            pass
        fake.script(Error(429, headers=LIMITS))
        with pytest.raises(RateLimitError) as caught:
            await client.with_options(max_retries=0).models.list()
    assert response_info(reply).attempts == 2  # type: ignore[union-attr]
    info = response_info(stream)
    assert info is not None and info.time_to_last_chunk == pytest.approx(1.5)
    assert caught.value.rate_limit.limit_tokens == 150000


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1h2m3.5s", 3723.5),
        ("2.5", 2.5),
        ("", None),
        ("soon", None),
        ("5x", None),
        ("-1", None),
        ("12", 12.0),
        ("nan", None),
    ],
)
def test_reset_durations_are_read_in_the_forms_servers_send(
    raw: str, seconds: float | None
) -> None:
    info = RateLimitInfo.from_headers({"x-ratelimit-reset-tokens": raw}, now=0)
    assert info.reset_tokens == (None if seconds is None else pytest.approx(seconds))


@given(st.dictionaries(st.text(max_size=30), st.text(max_size=40), max_size=8))
def test_any_headers_parse_without_raising(headers: dict[str, str]) -> None:
    info = RateLimitInfo.from_headers(headers, now=0)
    for name in RateLimitInfo.__slots__:
        value = getattr(info, name)
        assert value is None or value >= 0


def test_plain_limit_headers_count_as_the_requests_ones() -> None:
    info = RateLimitInfo.from_headers(
        {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "30"},
        now=0,
    )
    assert (info.limit_requests, info.remaining_requests, info.reset_requests) == (10, 0, 30.0)
    assert info.limit_tokens is None
    assert "limit_requests=10" in repr(info)
