"""The key stays secret on every transport: not in the frames of a transport error
(error reporters record locals), not in anything built from a server's echo of it
however the server spelt it, not in a process-wide cache, and not on a redirect to
another origin."""

# The contract fixtures are imported by name, so parameters shadow them on purpose.
# ruff: noqa: F811

from __future__ import annotations

import json
import pickle
import traceback
from types import FrameType
from typing import Any, Callable, Iterator, List, Set, Tuple

import pytest

from meganova import MegaNova, MeganovaError
from meganova.adapters import _httpclient_fast
from meganova.core.errors import APIError, APIResponseValidationError
from tests.contract.conftest import (  # noqa: F401  (fixtures used by name)
    Server,
    clock,
    http_servers,
    make_client,
    make_raw_client,
    raw,
    server,
    socket_transport,
    transport_name,
)
from tests.contract.rawserver import RawConnection, RawRequest, RawServer, refused_url
from tests.helpers import CHAT_PATH as PATH
from tests.helpers import ev

KEY = "sk-live-5ecret-K3y-0123456789abcdef"
USER = [{"role": "user", "content": "hi"}]


def spelt(text: str) -> List[str]:
    """Every way the checks below look for a secret: plain, and its recognisable tail."""
    return [text, text[10:]]


def assert_hidden(text: str) -> None:
    for form in spelt(KEY):
        assert form not in text


def escaped(text: str, every: bool = False) -> str:
    """``text`` as a JSON encoder that escapes dashes (or every character) writes it."""
    return "".join(
        f"\\u{ord(c):04X}" if every or c == "-" else c for c in text
    )  # upper-case hex digits on purpose


# -- frames of a transport error ---------------------------------------------------------


def exceptions_of(error: BaseException) -> Iterator[BaseException]:
    """The error and everything chained to it (cause and context), each once."""
    seen: Set[int] = set()
    todo = [error]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo.extend(e for e in (item.__cause__, item.__context__) if e is not None)


def frames_of(error: BaseException) -> Iterator[Tuple[BaseException, FrameType]]:
    for item in exceptions_of(error):
        tb = item.__traceback__
        while tb is not None:
            yield item, tb.tb_frame
            tb = tb.tb_next


def assert_no_frame_holds_the_key(error: BaseException) -> None:
    leaks = []
    for item, frame in frames_of(error):
        for name, value in frame.f_locals.items():
            try:
                shown = repr(value)
            except Exception:
                continue
            raw = bytes(value) if isinstance(value, (bytes, bytearray)) else b""
            if any(form in shown for form in spelt(KEY)) or KEY.encode() in raw:
                leaks.append(f"{type(item).__name__}: {frame.f_code.co_name}() local {name!r}")
    assert not leaks, leaks
    # What an error reporter that records locals prints, chain included.
    report = "".join(
        traceback.TracebackException.from_exception(error, capture_locals=True).format()
    )
    assert_hidden(report)


def fail(call: Callable[[], Any]) -> MeganovaError:
    try:
        call()
    except MeganovaError as exc:
        return exc
    raise AssertionError("expected an error")


def reset_on_request(conn: RawConnection, request: RawRequest) -> bool:
    conn.reset()  # the request was read: reset instead of replying
    return False


def reset_on_connect(conn: RawConnection) -> bool:
    conn.reset()  # before reading anything: the client is still sending
    return False


CALLS = {
    "post": lambda c: c.chat.create(messages=USER, model="m"),
    "stream": lambda c: list(c.chat.completions.create(messages=USER, model="m", stream=True)),
    "get": lambda c: c.models.list(),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_refused_connection_leaves_no_key_in_any_frame(
    socket_transport: str, make_raw_client: Callable[..., MegaNova], call: str
) -> None:
    client = make_raw_client(api_key=KEY, base_url=refused_url(), max_retries=1)
    error = fail(lambda: CALLS[call](client))
    assert error.__cause__ is not None  # the library's error stays chained...
    assert_no_frame_holds_the_key(error)  # ...without the locals of its frames


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_reset_connection_leaves_no_key_in_any_frame(
    socket_transport: str, make_raw_client: Callable[..., MegaNova], raw: RawServer, call: str
) -> None:
    raw.on(PATH, reset_on_request)
    raw.on("/v1/models", reset_on_request)
    client = make_raw_client(api_key=KEY)
    assert_no_frame_holds_the_key(fail(lambda: CALLS[call](client)))


def test_a_reset_while_sending_leaves_no_key_in_any_frame(
    socket_transport: str, make_raw_client: Callable[..., MegaNova]
) -> None:
    server = RawServer(on_connect=reset_on_connect)
    try:
        client = make_raw_client(api_key=KEY, base_url=server.url("/v1"))
        big = [{"role": "user", "content": "x" * 4_000_000}]  # still being sent at the reset
        for _ in range(3):
            error = fail(lambda: client.chat.create(messages=big, model="m"))
            assert_no_frame_holds_the_key(error)
    finally:
        server.stop()


# -- the key echoed back -----------------------------------------------------------------


def assert_error_hides_the_key(error: BaseException) -> None:
    for text in (str(error), repr(error), repr(error.args), repr(vars(error))):
        assert_hidden(text)
        assert escaped(KEY) not in text and escaped(KEY, every=True) not in text
    pickled = pickle.dumps(error)
    assert KEY.encode() not in pickled and escaped(KEY).encode() not in pickled
    again = pickle.loads(pickled)
    assert str(again) == str(error)


ECHOES = {
    # how the server spells the key it echoes
    "dashes-escaped": escaped(KEY),
    "all-escaped": escaped(KEY, every=True),
    "lower-hex": escaped(KEY, every=True).lower(),
    "percent-encoded": KEY.replace("-", "%2d"),
}


@pytest.mark.parametrize("spelling", sorted(ECHOES))
def test_a_key_echoed_in_an_error_body_in_any_spelling_is_scrubbed(
    server: Server, make_client: Callable[..., MegaNova], spelling: str
) -> None:
    body = '{"error": {"message": "Incorrect API key provided: %s", "code": "bad_key"}}'
    server.reply("GET", "/v1/deny", 401, body=(body % ECHOES[spelling]).encode())
    client = make_client(api_key=KEY, max_retries=0)
    error = fail(lambda: client.engine.request("GET", "/deny", cast_to=dict))
    assert isinstance(error, APIError) and error.status == 401
    assert "Incorrect API key provided: <redacted>" in error.message  # the rest kept
    assert_error_hides_the_key(error)
    assert_hidden(json.dumps(error.parsed_body))
    assert b"<redacted>" in error.body


def test_a_key_echoed_in_response_headers_is_scrubbed(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    echo = {"X-Echo-Auth": f"Bearer {KEY}", "x-request-id": f"req-{KEY}", "X-Other": "kept"}
    server.reply("GET", "/v1/boom", 500, json={"error": {"message": "boom"}}, headers=echo)
    client = make_client(api_key=KEY, max_retries=0)
    error = fail(lambda: client.engine.request("GET", "/boom", cast_to=dict))
    assert isinstance(error, APIError)
    assert_error_hides_the_key(error)
    assert error.headers["X-Echo-Auth"] == "Bearer <redacted>"
    assert error.headers["X-Other"] == "kept"
    assert error.request_id == "req-<redacted>"


def test_a_key_echoed_in_a_non_json_2xx_body_is_scrubbed(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    page = f"<html>Welcome, {KEY} / {escaped(KEY)}</html>".encode()
    server.reply("GET", "/v1/html", body=page, headers={"Content-Type": "text/html"})
    client = make_client(api_key=KEY, max_retries=0)
    error = fail(lambda: client.engine.request("GET", "/html", cast_to=dict))
    assert isinstance(error, APIResponseValidationError)
    assert_error_hides_the_key(error)
    assert error.body.startswith(b"<html>Welcome, <redacted> / <redacted>")


def test_a_key_echoed_inside_a_stream_is_scrubbed(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    payload = json.dumps({"error": {"message": "key KEY revoked"}})
    payload = payload.replace("KEY", escaped(KEY, every=True))
    echo = {"X-Echo": KEY}
    server.reply("POST", PATH, chunks=[ev("a"), f"data: {payload}\n\n".encode()], headers=echo)
    server.reply("POST", PATH, chunks=[ev("a"), f"data: {{{escaped(KEY)}\n\n".encode()])
    server.reply("POST", PATH, json=json.loads(payload), headers=echo)  # JSON, not a stream
    client = make_client(api_key=KEY, max_retries=0)
    for _ in range(3):
        error = fail(lambda: list(client.chat.stream(messages=USER, model="m")))
        assert_error_hides_the_key(error)
        assert_hidden(repr(getattr(error, "headers", {})))
        assert_hidden(repr(getattr(error, "data", b"")))


# -- no process-wide cache keeps the key -----------------------------------------------


def test_the_stdlib_header_cache_holds_no_key_and_no_one_shot_values(
    server: Server, make_client: Callable[..., MegaNova], transport_name: str
) -> None:
    if transport_name != "stdlib" or not _httpclient_fast.enabled():
        pytest.skip("the cache belongs to the stdlib transport's fast path")
    server.reply("POST", PATH, json={"id": "c", "choices": []})
    with make_client(api_key=KEY, max_retries=0) as client:
        for _ in range(300):  # more than the cache holds
            client.chat.create(messages=USER, model="m")
    cached = list(_httpclient_fast._checked_lines.values())
    assert cached  # the fixed headers are still cached (the fast path works)
    assert not [line for line in cached if KEY.encode() in line]
    assert not [line for line in cached if line.lower().startswith(b"idempotency-key")]
    assert server.received_at(PATH)[-1].headers["authorization"] == f"Bearer {KEY}"


# -- redirects ---------------------------------------------------------------------------


def test_a_cross_origin_redirect_carries_no_credential_nor_caller_header(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    server.reply(
        "POST", "/v1/move", 307, body=b"", headers={"Location": server.url("/land", "other")}
    )
    server.reply("POST", "/land", json={"ok": True}, host="other")
    client = make_client(
        api_key=KEY, max_retries=0, default_headers={"X-Team": "blue", "X-Api-Key": "sk-team-1234"}
    )
    mine = {"Cookie": "session=abc", "Proxy-Authorization": "Basic dXNlcjpwdw==", "X-Trace": "t1"}
    result = client.engine.request(
        "POST", "/move", cast_to=dict, json={"a": 1}, options=_options(mine, "idem-123")
    )
    assert result == {"ok": True}
    (home,) = server.received_at("/v1/move")
    (away,) = server.received_at("/land", "other")
    for name in ("authorization", "x-api-key", "x-team", "cookie", "proxy-authorization",
                 "x-trace", "idempotency-key"):  # fmt: skip
        assert name in home.headers, name  # they went to the API host...
        assert name not in away.headers, name  # ...and nowhere else
    assert away.json() == {"a": 1}  # a 307 keeps the body
    assert away.headers["content-type"] == "application/json"
    assert away.headers["user-agent"].startswith("meganova-python/")


def test_a_same_origin_redirect_keeps_every_header(
    server: Server, make_client: Callable[..., MegaNova]
) -> None:
    server.reply("POST", "/v1/move", 307, body=b"", headers={"Location": server.url("/v1/here")})
    server.reply("POST", "/v1/here", json={"ok": True})
    client = make_client(api_key=KEY, max_retries=0, default_headers={"X-Team": "blue"})
    client.engine.request(
        "POST", "/move", cast_to=dict, json={}, options=_options({"Cookie": "s=1"}, "idem-9")
    )
    (there,) = server.received_at("/v1/here")
    assert there.headers["authorization"] == f"Bearer {KEY}"
    assert there.headers["x-team"] == "blue" and there.headers["cookie"] == "s=1"
    assert there.headers["idempotency-key"] == "idem-9"


def _options(headers: dict, idempotency_key: str) -> Any:
    from meganova.core.engine import RequestOptions

    return RequestOptions.build(extra_headers=headers, idempotency_key=idempotency_key)
