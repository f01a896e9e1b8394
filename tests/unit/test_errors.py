"""Every error shape the API is known to send maps to the right typed error."""

import json
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.core.errors import error_for_status, parse_error_body
from meganova.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MeganovaError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (418, APIError),
    ],
)
def test_status_classes(status, cls):
    error = error_for_status(status, headers={}, body=b"", request_id="req_1")
    assert type(error) is cls
    assert isinstance(error, APIError) and isinstance(error, MeganovaError)
    assert error.status == status == error.status_code
    assert error.request_id == "req_1"


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"error": {"message": "bad key", "code": "auth"}}, "bad key", "auth"),
        ({"error": {"message": "slow down"}}, "slow down", None),
        ({"error": "plain string"}, "plain string", None),
        ({"detail": "Agent not found"}, "Agent not found", None),
        (
            {"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]},
            "body.model: field required",
            None,
        ),
        ({"status": "failed", "message": "quota exceeded"}, "quota exceeded", None),
        (["a", "list"], '["a", "list"]', None),
        ("just a string", "just a string", None),
    ],
)
def test_error_body_shapes(body, message, code):
    raw = json.dumps(body).encode()
    error = error_for_status(400, headers={}, body=raw, request_id=None)
    assert error.message == message
    assert error.code == code
    assert error.body == raw


def test_non_json_body_keeps_text_and_falls_back_to_reason():
    error = error_for_status(502, headers={}, body=b"<html>Bad Gateway</html>", request_id=None)
    assert error.message == "<html>Bad Gateway</html>"
    assert error.parsed_body is None
    empty = error_for_status(503, headers={}, body=b"", request_id=None, reason="Unavailable")
    assert empty.message == "Unavailable"


def test_str_carries_status_code_and_request_id():
    error = error_for_status(
        429, headers={}, body=b'{"error":{"message":"m","code":"rl"}}', request_id="r-9"
    )
    assert str(error) == "m (status 429, code rl, request id r-9)"


@pytest.mark.parametrize(
    "error",
    [
        error_for_status(
            429, headers={"retry-after": "3"}, body=b"{}", request_id="r", retry_after=3.0
        ),
        APIConnectionError("reset", request_sent=True),
        APITimeoutError("slow", request_sent=False),
        MeganovaError("base", code="c", status=1),
    ],
)
def test_errors_pickle(error):
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert clone.__dict__ == error.__dict__
    assert str(clone) == str(error)


@given(st.binary(max_size=300))
def test_parser_never_raises_on_bytes(body):
    message, code, param, kind, _ = parse_error_body(body)
    for value in (message, code, param, kind):
        assert value is None or isinstance(value, str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values, st.integers(min_value=400, max_value=599))
def test_any_json_error_body_gives_a_typed_error(value, status):
    error = error_for_status(status, headers={}, body=json.dumps(value).encode(), request_id=None)
    assert isinstance(error, APIError)
    assert isinstance(error.message, str) and error.message


def test_error_headers_are_case_insensitive_and_redacted():
    error = error_for_status(
        429,
        headers={"X-RateLimit-Remaining": "0", "Authorization": "Bearer sk-secret"},
        body=b"{}",
        request_id=None,
    )
    assert error.headers.get("x-ratelimit-remaining") == "0"
    assert error.headers["X-RATELIMIT-REMAINING"] == "0"
    assert "x-ratelimit-remaining" in error.headers
    assert dict(error.headers) == {
        "X-RateLimit-Remaining": "0",
        "Authorization": "Bearer sk-secret",
    }  # still dict-like, names as sent
    assert "sk-secret" not in repr(error.headers)
    clone = pickle.loads(pickle.dumps(error))
    assert clone.headers.get("x-ratelimit-remaining") == "0"
