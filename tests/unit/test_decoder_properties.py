"""Hostile replies: the error-body parser, every response model and chat streams, fed
arbitrary bytes or JSON with extra, missing and mistyped fields, raise nothing but
``MeganovaError`` subclasses, and decode valid input exactly (the SSE decoder's own
properties: tests/unit/core/test_sse.py; every resource method: test_hostile_input)."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import pkgutil
import typing
from typing import Any, Dict, List, Union

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import meganova.core.models as models_pkg
from meganova import MegaNova, MeganovaError
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.adapters.msgspec_codec import MsgspecCodec
from meganova.core.errors import (
    APIError,
    APIResponseValidationError,
    error_for_status,
    parse_error_body,
)
from meganova.core.http import Request
from meganova.core.models.common import Model
from meganova.core.ports import CodecError
from tests.clock import VirtualClock
from tests.helpers import JSON

INT = st.integers(min_value=-(2**53), max_value=2**53)
FLOAT = st.floats(allow_nan=False, allow_infinity=False)

# Many parametrized cases: fewer examples each keeps the file to a few seconds.
PER_CASE = settings(max_examples=min(25, settings.default.max_examples))


def all_models() -> List[type]:
    found = []
    for info in pkgutil.iter_modules(models_pkg.__path__):
        module = importlib.import_module(f"{models_pkg.__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and dataclasses.is_dataclass(obj)
                and issubclass(obj, Model)
                and obj.__module__ == module.__name__
            ):
                found.append(obj)
    return found


MODELS = all_models()
RESPONSE_MODELS = [m for m in MODELS if "request_id" in {f.name for f in dataclasses.fields(m)}]


def engine() -> Any:
    client = MegaNova(api_key="sk-test", transport=FakeTransport(), clock=VirtualClock())
    return client.engine


ENGINE = engine()


# -- a valid value of any model type, built from its type hints ------------------------------


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return JSON
    if tp is type(None):
        return st.none()
    if tp is str:
        return st.text(max_size=12)
    if tp is bool:
        return st.booleans()
    if tp is int:
        return INT
    if tp is float:
        return FLOAT
    if origin is Union:
        return st.one_of([strategy_for(a) for a in args])
    if origin in (list, List):
        return st.lists(strategy_for(args[0] if args else Any), max_size=3)
    if origin in (dict, Dict):
        value = args[1] if args else Any
        return st.dictionaries(st.text(max_size=8), strategy_for(value), max_size=3)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields = {
            f.name: strategy_for(hints[f.name])
            for f in dataclasses.fields(tp)
            if f.init and f.name != "request_id"
        }
        return st.fixed_dictionaries(fields).map(lambda kw: _build(tp, kw)).filter(_built)
    raise NotImplementedError(f"no strategy for {tp!r}")


_INVALID = object()


def _build(tp: Any, kwargs: Dict[str, Any]) -> Any:
    """Some models check their values (a base64 embedding must decode): a draw the
    model itself refuses is not valid input, so it is dropped."""
    try:
        return tp(**kwargs)
    except (ValueError, TypeError):
        return _INVALID


def _built(value: Any) -> bool:
    return value is not _INVALID


def decodable(model: type) -> bool:
    try:
        strategy_for(model)
    except NotImplementedError:
        return False
    return True


@pytest.mark.parametrize("model", [m for m in MODELS if decodable(m)], ids=lambda m: m.__name__)
@PER_CASE
@given(data=st.data())
def test_valid_input_decodes_exactly_and_extra_fields_are_ignored(model: type, data: Any) -> None:
    value = data.draw(strategy_for(model))
    wire = msgspec.to_builtins(value)
    extra = data.draw(
        st.dictionaries(st.text(max_size=8).map(lambda k: "x_" + k), JSON, max_size=3)
    )
    body = msgspec.json.encode({**wire, **extra})
    decoded = ENGINE.decode(body, model, 200, None)
    assert decoded == value


@pytest.mark.parametrize("model", [m for m in MODELS if decodable(m)], ids=lambda m: m.__name__)
@PER_CASE
@given(data=st.data(), exclude_none=st.booleans())
def test_serialised_models_decode_back_to_equal_models(
    model: type, data: Any, exclude_none: bool
) -> None:
    """to_json() is JSON the codec reads back into an equal model; to_dict() is that JSON
    as Python data; model_dump()/model_dump_json() are the same."""
    value = data.draw(strategy_for(model))
    text = value.to_json(exclude_none=exclude_none)
    assert ENGINE.decode(text.encode("utf-8"), model, 200, None) == value
    assert json.loads(text) == value.to_dict(exclude_none=exclude_none)
    assert value.model_dump(exclude_none=exclude_none) == value.to_dict(exclude_none=exclude_none)
    assert value.model_dump_json(exclude_none=exclude_none) == text
    assert json.loads(value.to_json(indent=2)) == value.to_dict()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@PER_CASE
@given(data=st.data())
def test_mistyped_missing_or_junk_input_raises_only_meganova_errors(model: type, data: Any) -> None:
    choice = data.draw(st.integers(0, 2))
    if choice == 0 and decodable(model):
        base = msgspec.to_builtins(data.draw(strategy_for(model)))
        if isinstance(base, dict) and base:
            for name in data.draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)):
                if data.draw(st.booleans()):
                    del base[name]
                else:
                    base[name] = data.draw(JSON)
        body = msgspec.json.encode(base)
    elif choice == 1:
        body = msgspec.json.encode(data.draw(JSON))
    else:
        body = data.draw(st.binary(max_size=64))
    try:
        result = ENGINE.decode(body, model, 200, "req_1")
    except APIResponseValidationError as exc:
        assert exc.body == body and exc.request_id == "req_1"
        return
    assert isinstance(result, model)
    # The codec on its own raises only CodecError.
    codec = MsgspecCodec()
    with contextlib.suppress(CodecError):
        codec.decode(body, model)


def test_invalid_utf8_and_deep_nesting_are_typed() -> None:
    for body in (b'{"id": "\xff"}', b"[" * 100_000 + b"]" * 100_000, b"\xef\xbb\xbf{}", b""):
        for model in RESPONSE_MODELS:
            with contextlib.suppress(APIResponseValidationError):
                ENGINE.decode(body, model, 200, None)


# -- streams --------------------------------------------------------------------------------

EVENT_PARTS = st.sampled_from(
    [b"data: ", b"data:", b"event: error\n", b"event: ping\n", b": keep-alive\n", b"\n", b"\r\n",
     b"\r", b"[DONE]", b"{", b"}", b'{"choices": [', b'{"index": 0, "delta": {"content": "a"}}',
     b'"finish_reason": "stop"', b'{"error": {"message": "x", "code": 429}}', b"id: 1\n",
     b"retry: 5\n", b"\xff\xfe", b"\x00", b"\xef\xbb\xbf"]
)  # fmt: skip
SSE_BODIES = st.one_of(
    st.lists(EVENT_PARTS, max_size=20).map(b"".join),
    st.binary(max_size=128),
)


@given(body=SSE_BODIES, cuts=st.lists(st.integers(0, 200), max_size=6))
def test_a_chat_stream_of_any_bytes_ends_or_raises_a_meganova_error(
    body: bytes, cuts: List[int]
) -> None:
    pieces = [body[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(body)])]

    def handler(request: Request) -> FakeResponse:
        return FakeResponse(
            200, iter([p for p in pieces if p]), {"Content-Type": "text/event-stream"}
        )

    client = MegaNova(
        api_key="sk-test", transport=FakeTransport(handler), clock=VirtualClock(), max_retries=0
    )
    stream = client.chat.stream(messages=[{"role": "user", "content": "x"}], model="m")
    try:
        for item in stream:
            assert isinstance(item.delta, str)
    except MeganovaError:
        pass


# -- error bodies ---------------------------------------------------------------------------


@given(body=st.one_of(st.binary(max_size=128), JSON.map(msgspec.json.encode)))
def test_parse_error_body_never_raises(body: bytes) -> None:
    message, code, param, kind, _ = parse_error_body(body)
    for value in (message, code, param, kind):
        assert value is None or isinstance(value, str)


ERROR_SHAPES = st.fixed_dictionaries(
    {},
    optional={
        "error": JSON | st.fixed_dictionaries({}, optional={
            "message": JSON, "code": JSON, "param": JSON, "type": JSON}),
        "detail": JSON | st.lists(st.fixed_dictionaries({"msg": JSON}, optional={"loc": JSON})),
        "message": JSON,
        "code": JSON,
    },
)  # fmt: skip


@given(
    status=st.integers(100, 999),
    shape=ERROR_SHAPES,
    headers=st.dictionaries(
        st.sampled_from(["retry-after", "x-should-retry", "x-request-id", "retry-after-ms"]),
        st.text(max_size=10),
    ),
)
def test_any_error_reply_becomes_a_typed_error(
    status: int, shape: Dict[str, Any], headers: Dict[str, str]
) -> None:
    body = msgspec.json.encode(shape)
    error = error_for_status(status, headers=headers, body=body, request_id="req_1")
    assert isinstance(error, APIError) and error.status == status
    assert isinstance(str(error), str) and error.request_id == "req_1"
    message, *_ = parse_error_body(body)
    assert message is None or message in str(error) or len(message) == 0


@given(body=st.binary(max_size=64), status=st.sampled_from([400, 401, 404, 429, 500, 503]))
def test_any_error_body_over_the_engine_is_typed(body: bytes, status: int) -> None:
    def handler(request: Request) -> FakeResponse:
        return FakeResponse(status, body, {"retry-after": "x"})

    client = MegaNova(
        api_key="sk-test", transport=FakeTransport(handler), clock=VirtualClock(), max_retries=1
    )
    with pytest.raises(APIError) as info:
        client.chat.create(messages=[{"role": "user", "content": "x"}], model="m")
    assert info.value.status == status
