"""Every public method, every argument, called with hostile values: wrong types, empty
strings, negative numbers, NaN and infinities, values too large to send. Each must be
refused with an ``InvalidArgumentError`` naming the argument, before any traffic (the
transport records every request, and must have seen none)."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meganova import MegaNova, MeganovaError
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.errors import ConfigurationError, InvalidArgumentError
from meganova.core.http import Request
from tests.clock import VirtualClock
from tests.helpers import JSON

NAN, INF = math.nan, math.inf
USER = [{"role": "user", "content": "Hi"}]

WRONG_STR: List[Any] = [123, 1.5, b"bytes", object(), ["x"], {"x": 1}, True]
EMPTY_STR: List[Any] = ["", "   "]
STR = WRONG_STR + EMPTY_STR
WRONG_INT: List[Any] = ["5", 1.5, True, b"1", object(), [1], NAN, INF]
NEGATIVE: List[Any] = [-1, -(10**6)]
HUGE_INT: List[Any] = [10**30, -(10**30)]  # beyond what JSON numbers on the wire carry
COUNT = WRONG_INT + NEGATIVE + [0] + HUGE_INT
ANY_INT = WRONG_INT + HUGE_INT
WRONG_NUM: List[Any] = ["1", True, object(), [1.0], b"1", NAN, INF, -INF]
WRONG_BOOL: List[Any] = ["yes", 1, 0, 1.0, object()]
TIMEOUTS: List[Any] = [
    -1,
    0,
    NAN,
    INF,
    "10",
    object(),
    (1, 2, 3),
    (-1, 5),
    (5, NAN),
    True,
    (1, 1e10),
    (1e10, 1),
    1e10,
]  # huge ones overflowed inside urllib3
HEADER_VALUE: List[Any] = ["a\r\nB: b", "a\nb", "key\x00", "cl\u00e9\u2603"]  # CR/LF, non-Latin-1
HEADERS: List[Any] = ["x", [("a", "b")], 5, {"X": "a\r\nB: b"}, {"X": 5}, {5: "a"}]
QUERY: List[Any] = ["x", 5, [1], {5: "a"}]
BODY: List[Any] = ["x", 5, [1], {5: "a"}, {"x": NAN}, {"x": [1.0, INF]}]
OPTIONS = {"timeout": TIMEOUTS, "extra_headers": HEADERS, "extra_query": QUERY}
ALL_OPTIONS = {**OPTIONS, "extra_body": BODY}


def handler(request: Request) -> FakeResponse:
    return FakeResponse(200, b'{"id": "vid_1", "status": "completed"}')


@pytest.fixture
def fake() -> FakeTransport:
    return FakeTransport(handler)


@pytest.fixture
def client(fake: FakeTransport) -> Iterator[MegaNova]:
    client = MegaNova(
        api_key="sk-test",
        base_url="https://api.example.com/v1",
        transport=fake,
        clock=VirtualClock(),
        max_retries=0,
    )
    yield client
    client.close()


# (label, method path on the client, valid baseline kwargs, argument -> hostile values)
Spec = Tuple[str, str, Dict[str, Any], Dict[str, List[Any]]]
CHAT_ARGS: Dict[str, List[Any]] = {
    "messages": ["hi", 5, None, {"role": "user"}, [], [5], [{"content": "x"}], [{"role": ""}]],
    "model": STR,
    "temperature": [*WRONG_NUM, -0.1, 2.5, 1e308],
    "max_tokens": COUNT,
    # pass-through options: NaN would silently become null on the wire
    "top_p": [NAN, INF, -INF],
    "tools": [[{"type": "function", "function": {"parameters": {"x": NAN}}}]],
    "idempotency_key": ["", 5, *HEADER_VALUE],
    "deadline": [0, -1, NAN, INF, "5", True, 1e10],
    **ALL_OPTIONS,
}
SPECS: List[Spec] = [
    ("chat.create", "chat.create", {"messages": USER, "model": "m"},
     {**CHAT_ARGS, "stream": WRONG_BOOL}),
    ("chat.stream", "chat.stream", {"messages": USER, "model": "m"}, CHAT_ARGS),
    ("chat.completions.create", "chat.completions.create", {"messages": USER, "model": "m"},
     {**CHAT_ARGS, "stream": WRONG_BOOL}),
    ("models.list", "models.list", {},
     {"capability": STR, "tag": STR, **ALL_OPTIONS}),
    ("models.get", "models.get", {"model_id": "m"}, {"model_id": STR, **ALL_OPTIONS}),
    ("usage.summary", "usage.summary", {"from_": "2026-01-01", "to": "2026-01-31"},
     {"from_": [5, 1.5, object(), b"x", "", "yesterday", "2026-13-01"],
      "to": [5, object(), "", "not a date", "1999-01-01"],
      "group_by": STR, "user_id": STR, "api_key": STR, "team_id": ANY_INT, **ALL_OPTIONS}),
    ("billing.get_balance", "billing.get_balance", {}, ALL_OPTIONS),
    ("billing.get_user_instance_billings", "billing.get_user_instance_billings", {},
     ALL_OPTIONS),
    ("embeddings.create", "embeddings.create", {"input": "hello", "model": "m"},
     {"input": [5, None, b"x", "", [], [5], ["ok", ""], {"a": 1}], "model": STR,
      "encoding_format": WRONG_STR + EMPTY_STR + ["hex"], **ALL_OPTIONS}),
    ("rerank.create", "rerank.create", {"query": "q", "documents": ["a", "b"], "model": "m"},
     {"query": STR, "documents": ["ab", 5, [], [5], None], "model": STR, "top_n": COUNT,
      "return_documents": WRONG_BOOL, **ALL_OPTIONS}),
    ("images.generate", "images.generate", {"prompt": "a cat", "model": "m"},
     {"prompt": STR, "model": STR, "size": [*STR, "big", "0x0x0"], "width": COUNT,
      "height": COUNT, "n": COUNT, "num_steps": COUNT, "guidance_scale": WRONG_NUM,
      "seed": ANY_INT, "negative_prompt": STR, "response_format": [*WRONG_STR, "gif"],
      "max_sequence_length": COUNT, "quality": STR, "style": STR, "image": STR, "mask": STR,
      **ALL_OPTIONS}),
    ("audio.transcribe", "audio.transcribe", {"file": b"RIFFxxxxWAVE"},
     {"file": [5, None, 1.5, b"", "/no/such/file.wav", ["x"]], "model": STR,
      "filename": STR, "content_type": [*STR, *HEADER_VALUE], **OPTIONS,
      "extra_body": BODY[:4]}),  # multipart form fields: NaN travels as the text "nan"
    ("videos.generate", "videos.generate", {"prompt": "a wave", "model": "m"},
     {"prompt": STR, "model": STR, "size": STR, "n_seconds": COUNT, "image_url": STR,
      "aspect_ratio": STR, "seed": ANY_INT, "wait": WRONG_BOOL, **ALL_OPTIONS}),
    ("videos.generate(wait)", "videos.generate",
     {"prompt": "a wave", "model": "m", "wait": True, "poll_interval": 1, "wait_timeout": 2},
     {"poll_interval": [*WRONG_NUM, -1, 0, 0.01, 1e10], "wait_timeout": [*WRONG_NUM, 0, -1]}),
    ("videos.get", "videos.get", {"video_id": "vid_1"},
     {"video_id": STR, "deadline": [0, -1, NAN, INF, "5", True, 1e10], **ALL_OPTIONS}),
    ("videos.wait", "videos.wait", {"job": "vid_1", "poll_interval": 1, "wait_timeout": 2},
     {"job": [5, None, "", object()], "poll_interval": [*WRONG_NUM, -1, 0, 0.01, 1e10],
      "wait_timeout": [*WRONG_NUM, 0, -1], **OPTIONS}),
    ("videos.generate_native", "videos.generate_native", {"model_name": "m", "prompt": "p"},
     {"model_name": STR, "prompt": STR, **ALL_OPTIONS}),
    ("videos.supported_models", "videos.supported_models", {}, ALL_OPTIONS),
    ("serverless.list_models", "serverless.list_models", {},
     {"modality": [5, "", [], [""], [5], object()], "search": STR,
      "highlight": [5, "", [], [5]], "use_case": [5, "", [], [5]],
      "model_family": [5, "", [], [5]], "filter_logic": [5, "", "xor", ["and"]],
      "include_tag_counts": WRONG_BOOL, **ALL_OPTIONS}),
]  # fmt: skip


def method(client: MegaNova, path: str) -> Callable[..., Any]:
    target: Any = client
    for name in path.split("."):
        target = getattr(target, name)
    return target  # type: ignore[no-any-return]


def cases() -> Iterator[Any]:
    for label, path, baseline, args in SPECS:
        for argument, values in args.items():
            for n, value in enumerate(values):
                yield pytest.param(path, baseline, argument, value, id=f"{label}-{argument}-{n}")


def assert_refused(
    call: Callable[[], Any], argument: str, fake: FakeTransport | None = None
) -> MeganovaError:
    sent = 0 if fake is None else len(fake.requests)
    with pytest.raises(MeganovaError) as info:
        call()
    error = info.value
    assert isinstance(error, (InvalidArgumentError, ConfigurationError)), repr(error)
    named = getattr(error, "argument", None) or ""
    root = named.split("[")[0].split(".")[0].split(" ")[0]
    assert root == argument or argument in str(error), (named, str(error))
    assert str(error)  # a message a person can read
    if fake is not None:
        assert len(fake.requests) == sent, "the network was touched"
    return error


@pytest.mark.parametrize(("label", "path", "baseline", "args"), SPECS, ids=[s[0] for s in SPECS])
def test_every_baseline_is_valid(
    client: MegaNova,
    fake: FakeTransport,
    label: str,
    path: str,
    baseline: Dict[str, Any],
    args: Dict[str, List[Any]],
) -> None:
    """The baselines reach the network, so each refusal below is the hostile value's."""
    try:
        result = method(client, path)(**baseline)
        close = getattr(result, "close", None)
        if callable(close):
            close()
    except MeganovaError as exc:
        assert not isinstance(exc, InvalidArgumentError), exc
    assert fake.requests


@pytest.mark.parametrize(("path", "baseline", "argument", "value"), list(cases()))
def test_hostile_argument_is_refused_before_any_traffic(
    client: MegaNova,
    fake: FakeTransport,
    path: str,
    baseline: Dict[str, Any],
    argument: str,
    value: Any,
) -> None:
    kwargs = {**baseline, argument: value}
    assert_refused(lambda: method(client, path)(**kwargs), argument, fake)


# -- arbitrary junk, drawn by hypothesis ---------------------------------------------------

JUNK = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).filter(lambda v: not 0 < v < 2**63),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not math.isfinite(v) or v < 0),
    st.binary(max_size=8),
    st.lists(st.integers(), min_size=1, max_size=3),
    st.dictionaries(st.integers(), st.text(max_size=3), min_size=1, max_size=2),
    st.just(object()),
    st.sampled_from(["", " ", "\t\n"]),
)
STRING_ARGS = [
    ("chat.create", {"messages": USER, "model": "m"}, "model"),
    ("models.get", {"model_id": "m"}, "model_id"),
    ("embeddings.create", {"input": "x", "model": "m"}, "model"),
    ("rerank.create", {"query": "q", "documents": ["a"], "model": "m"}, "query"),
    ("images.generate", {"prompt": "p", "model": "m"}, "prompt"),
    ("videos.get", {"video_id": "v"}, "video_id"),
    ("videos.generate_native", {"model_name": "m"}, "model_name"),
]
COUNT_ARGS = [
    ("chat.create", {"messages": USER, "model": "m"}, "max_tokens"),
    ("images.generate", {"prompt": "p", "model": "m"}, "n"),
    ("rerank.create", {"query": "q", "documents": ["a"], "model": "m"}, "top_n"),
    ("videos.generate", {"prompt": "p", "model": "m"}, "n_seconds"),
]


@given(junk=JUNK, which=st.sampled_from(STRING_ARGS + COUNT_ARGS))
def test_any_junk_in_a_string_or_count_argument_is_refused(
    junk: Any, which: Tuple[str, Dict[str, Any], str]
) -> None:
    path, baseline, argument = which
    fake = FakeTransport(handler)
    client = MegaNova(api_key="sk-test", transport=fake, clock=VirtualClock(), max_retries=0)
    assert_refused(lambda: method(client, path)(**{**baseline, argument: junk}), argument, fake)


# -- the constructor and with_options --------------------------------------------------------

CONSTRUCTOR: Dict[str, List[Any]] = {
    "api_key": [123, b"sk", ["sk"], "", "   ", "sk-a\r\nX: y"],
    "base_url": [123, "", "ftp://x", "api.example.com", "https://x/v1?q=1", b"https://x"],
    "timeout": TIMEOUTS,
    "max_retries": [-1, 1.5, "2", True, None, 10**6, NAN],
    "region": [5, "", "eu\r\nX: y"],
    "user_agent_extra": [5, "a\r\nb"],
    "default_headers": HEADERS,
    "default_model": [5, "", "  "],
    "deadline": [0, -1, NAN, INF, "5", True],
    "verify": [5, None, 1.5, ["ca.pem"]],
    "transport": ["curl", 5, object()],
}


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        pytest.param(a, v, id=f"{a}-{n}")
        for a, values in CONSTRUCTOR.items()
        for n, v in enumerate(values)
    ],
)
def test_constructor_refuses_hostile_options(
    argument: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MEGANOVA_API_KEY", "MEGANOVA_BASE_URL", "MEGANOVA_MODEL", "MEGANOVA_REGION"):
        monkeypatch.delenv(name, raising=False)
    kwargs: Dict[str, Any] = {"api_key": "sk-test", argument: value}
    assert_refused(lambda: MegaNova(**kwargs), argument)


WITH_OPTIONS: Dict[str, List[Any]] = {
    "timeout": [v for v in TIMEOUTS if v is not None],
    "max_retries": [-1, 1.5, "2", True, 10**6],
    "base_url": [123, "ftp://x", "nohost"],
    "region": [5, "eu\r\nX: y"],
    "default_headers": HEADERS,
    "default_model": [5, "", "  "],
    "deadline": [-1, NAN, INF, "5", True],
}


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        pytest.param(a, v, id=f"{a}-{n}")
        for a, values in WITH_OPTIONS.items()
        for n, v in enumerate(values)
    ],
)
def test_with_options_refuses_hostile_options(client: MegaNova, argument: str, value: Any) -> None:
    assert_refused(lambda: client.with_options(**{argument: value}), argument)


# -- every resource method, with any 200 body ------------------------------------------------


def client_replying(body: bytes, headers: Optional[Dict[str, str]] = None) -> MegaNova:
    def handler(request: Request) -> FakeResponse:
        return FakeResponse(200, body, headers or {"Content-Type": "application/json"})

    return MegaNova(
        api_key="sk-test", transport=FakeTransport(handler), clock=VirtualClock(), max_retries=0
    )


BASELINES = [(label, path, baseline) for label, path, baseline, _ in SPECS]


@pytest.mark.parametrize(("label", "path", "baseline"), BASELINES, ids=[b[0] for b in BASELINES])
@settings(max_examples=min(25, settings.default.max_examples))  # many cases
@given(body=st.one_of(JSON.map(msgspec.json.encode), st.binary(max_size=64)))
def test_every_resource_method_survives_any_reply(
    label: str, path: str, baseline: Dict[str, Any], body: bytes
) -> None:
    client = client_replying(body)
    kwargs = dict(baseline)
    if "wait_timeout" in kwargs:
        kwargs["wait_timeout"] = 0.5  # a job that never finishes ends fast (virtual clock)
    try:
        result = method(client, path)(**kwargs)
        for _ in result if hasattr(result, "__next__") else ():
            pass
    except MeganovaError:
        pass
