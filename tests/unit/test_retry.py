"""Retry decisions, Retry-After parsing and backoff bounds (pure core)."""

import time
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.errors import error_for_status
from meganova.core.http import Headers
from meganova.core.retry import RetrySettings, backoff_delay, decide, parse_retry_after
from meganova.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    InvalidArgumentError,
)

SETTINGS = RetrySettings(max_retries=2)
NOW = 1_700_000_000.0


def status_error(status, **headers):
    return error_for_status(
        status,
        headers=headers,
        body=b"",
        request_id=None,
        retry_after=parse_retry_after(headers, NOW),
    )


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (status_error(408), True),
        (status_error(409), True),
        (status_error(429), True),
        (status_error(500), True),
        (status_error(502), True),
        (status_error(503), True),
        (status_error(504), True),
        (status_error(400), False),
        (status_error(401), False),
        (status_error(403), False),
        (status_error(404), False),
        (status_error(422), False),
        (status_error(400, **{"x-should-retry": "true"}), True),
        (status_error(503, **{"x-should-retry": "false"}), False),
        (status_error(429, **{"retry-after": "120"}), False),
        (APIConnectionError("refused", request_sent=False), True),
        (APITimeoutError("read timeout", request_sent=True), True),
        (APIResponseValidationError("bad body"), False),
        (InvalidArgumentError("bad arg"), False),
        (KeyError("bug"), False),
    ],
)
def test_what_is_retried(error, retry):
    assert decide(error, 1, SETTINGS, rand=lambda: 0.5).retry is retry


def test_attempts_are_bounded_by_max_retries():
    error = status_error(503)
    assert decide(error, 2, SETTINGS, rand=lambda: 0.0).retry
    assert not decide(error, 3, SETTINGS, rand=lambda: 0.0).retry
    assert not decide(error, 1, RetrySettings(max_retries=0), rand=lambda: 0.0).retry


def test_retry_after_is_waited_exactly():
    verdict = decide(status_error(429, **{"retry-after": "3"}), 1, SETTINGS, rand=lambda: 0.9)
    assert verdict.retry and verdict.delay == 3.0


def test_deadline_stops_a_retry_that_would_overrun_it():
    error = status_error(429, **{"retry-after": "5"})
    assert not decide(error, 1, SETTINGS, rand=lambda: 0, remaining=4.0).retry
    assert decide(error, 1, SETTINGS, rand=lambda: 0, remaining=6.0).retry


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "junk", "retry-after": "9"}, 9.0),
        (
            {
                "retry-after": format_datetime(
                    datetime.fromtimestamp(NOW + 30, timezone.utc), usegmt=True
                )
            },
            30.0,
        ),
        (
            {
                "retry-after": format_datetime(
                    datetime.fromtimestamp(NOW - 30, timezone.utc), usegmt=True
                )
            },
            None,
        ),
        ({"retry-after": "0"}, None),
        ({"retry-after": "-4"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers, expected):
    value = parse_retry_after(headers, NOW)
    assert value == pytest.approx(expected) if expected is not None else value is None


@given(st.text(max_size=40))
def test_parse_retry_after_never_raises(text):
    value = parse_retry_after({"retry-after": text, "retry-after-ms": text}, NOW)
    assert value is None or value > 0


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0, max_value=1))
def test_backoff_bounds(retries_taken, r):
    delay = backoff_delay(retries_taken, SETTINGS, lambda: r)
    base = min(0.5 * 2 ** min(retries_taken, 60), 8.0)
    assert 0.75 * base - 1e-9 <= delay <= base + 1e-9
    assert delay <= 8.0


def test_backoff_doubles_from_half_a_second():
    no_jitter = [backoff_delay(n, SETTINGS, lambda: 0.0) for n in range(6)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


@pytest.mark.parametrize("name", ["X-Should-Retry", "x-should-retry", "X-SHOULD-RETRY"])
def test_the_server_hint_is_read_whatever_its_case(name):
    assert not decide(status_error(503, **{name: "false"}), 1, SETTINGS, rand=lambda: 0).retry
    assert decide(status_error(400, **{name: "true"}), 1, SETTINGS, rand=lambda: 0).retry


@pytest.mark.parametrize("name", ["Retry-After-Ms", "RETRY-AFTER-MS"])
def test_retry_after_headers_are_case_insensitive(name):
    assert parse_retry_after(Headers({name: "250", "Retry-After": "9"}), NOW) == 0.25
    assert status_error(429, **{name: "250"}).retry_after == 0.25


@pytest.mark.parametrize(
    "error",
    [
        status_error(503),
        status_error(429, **{"x-should-retry": "true"}),
        APIConnectionError("redirect loop", request_sent=True),
        APITimeoutError("slow", request_sent=True),
    ],
)
def test_an_error_marked_not_retryable_is_never_retried(error):
    assert decide(error, 1, SETTINGS, rand=lambda: 0).retry
    error.retryable = False
    assert not decide(error, 1, SETTINGS, rand=lambda: 0).retry


def test_a_subclass_can_be_not_retryable_as_a_whole():
    class TooLarge(APIConnectionError):
        retryable = False

    assert not decide(TooLarge("over the cap"), 1, SETTINGS, rand=lambda: 0).retry


def test_memory_error_is_not_retried():
    assert not decide(MemoryError(), 1, SETTINGS, rand=lambda: 0).retry


@pytest.fixture
def far_zone(monkeypatch):
    """Local time 14 hours ahead of UTC: a local reading of a date is off by hours."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    if time.timezone == 0:
        monkeypatch.setenv("TZ", "UTC-14")  # no zone database: the POSIX form
        time.tzset()
    assert time.timezone == -14 * 3600
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "form",
    [
        "%a %b %d %H:%M:%S %Y",  # asctime: no zone at all
        "%a, %d %b %Y %H:%M:%S -0000",  # RFC 2822's "zone unknown"
        "%A, %d-%b-%y %H:%M:%S GMT",  # RFC 850
        "%a, %d %b %Y %H:%M:%S GMT",  # IMF-fixdate
    ],
)
def test_a_retry_after_date_is_utc_whatever_the_local_zone(far_zone, form):
    with_locale_names = time.strftime(form, time.gmtime(NOW + 40))
    assert parse_retry_after({"retry-after": with_locale_names}, NOW) == pytest.approx(40.0)
