"""The API key never leaks, and logging is quiet until asked for.

The key must not appear in the repr/str of the client or its config, in any log line
at any level from any logger (urllib3 and werkzeug included), in any exception message,
args or pickle, nor in a request a redirect sends to another host. Runs a representative
workload on every transport against real local servers (the contract harness).
"""

# The contract fixtures are imported by name, so parameters shadow them on purpose.
# ruff: noqa: F811

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import textwrap
import traceback
from typing import Any, Callable, List

import pytest

import meganova
from meganova import MegaNova, MeganovaError
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.http import Headers, Request
from tests.contract.conftest import (  # noqa: F401  (fixtures used by name)
    Server,
    clock,
    http_servers,
    make_client,
    server,
    transport_name,
)
from tests.contract.rawserver import RawServer, json_reply, refused_url
from tests.helpers import CHAT_PATH as PATH
from tests.helpers import DONE, ev, run_python

KEY = "sk-live-5ecret-K3y-0123456789abcdef"
MARKER = "body-marker-7f3a"  # text that only ever travels in bodies
USER = [{"role": "user", "content": MARKER}]
CHAT_OK = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": MARKER}, "finish_reason": "stop"}
    ],
}
RID = {"x-request-id": "req_abc"}


def no_key(text: str) -> None:
    assert KEY not in text
    assert KEY[10:] not in text  # nor a recognisable piece of it


def run_workload(server: Server, client: MegaNova) -> List[BaseException]:
    """Every kind of call and failure a real application meets; returns the errors."""
    # The chat route answers in order: a reply, a stream, a broken stream.
    server.reply("POST", PATH, json=CHAT_OK, headers=RID)
    server.reply("POST", PATH, chunks=[ev(MARKER), ev("", "stop"), DONE])
    server.reply("POST", PATH, chunks=[ev(MARKER), b"data: {broken\n\n"])
    # An error event inside a 200 stream that echoes the key.
    echoed = b'{"error": {"message": "Invalid key ' + KEY.encode() + b'", "code": 401}}'
    server.reply("POST", PATH, chunks=[ev(MARKER), b"data: " + echoed + b"\n\n"])
    server.reply("GET", "/v1/models", json={"object": "list", "data": []}, headers=RID)
    server.reply("GET", "/v1/retry", 429, headers={"retry-after-ms": "5", **RID})
    server.reply("GET", "/v1/retry", json={"ok": True}, headers=RID)
    server.reply("GET", "/v1/boom", 500, json={"error": {"message": "boom"}}, headers=RID)
    # A server that echoes the key back: it must not end up in the error.
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_key"}}
    server.reply("GET", "/v1/deny", 401, json=echo, headers=RID)
    server.reply(
        "GET", "/v1/html", body=b"<html>" + MARKER.encode(), headers={"Content-Type": "text/html"}
    )
    server.reply("GET", "/landing", json={"where": "other"}, host="other")
    server.reply(
        "GET", "/v1/moved", 302, body=b"", headers={"Location": server.url("/landing", "other")}
    )

    errors: List[BaseException] = []

    def expect_error(call: Callable[[], Any]) -> None:
        try:
            call()
        except MeganovaError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected an error")

    assert client.chat.create(messages=USER, model="m").choices[0].message.content == MARKER
    assert client.engine.request("GET", "/retry", cast_to=dict) == {"ok": True}
    client.models.list()
    assert client.engine.request("GET", "/moved", cast_to=dict) == {"where": "other"}
    expect_error(lambda: client.engine.request("GET", "/boom", cast_to=dict))
    expect_error(lambda: client.engine.request("GET", "/deny", cast_to=dict))
    expect_error(lambda: client.engine.request("GET", "/html", cast_to=dict))
    expect_error(lambda: client.chat.create(messages=USER, model=""))
    assert "".join(c.delta for c in client.chat.stream(messages=USER, model="m")) == MARKER
    expect_error(lambda: list(client.chat.stream(messages=USER, model="m")))
    expect_error(lambda: list(client.chat.stream(messages=USER, model="m")))
    return errors


def test_the_key_never_leaks_through_logs_errors_or_redirects(
    server: Server,
    make_client: Callable[..., MegaNova],
    transport_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    caplog.set_level(logging.DEBUG, logger="meganova")  # even if MEGANOVA_LOG set a level
    client = make_client(api_key=KEY, max_retries=1)
    errors = run_workload(server, client)
    if transport_name != "fake":
        refused = make_client(api_key=KEY, base_url=refused_url(), max_retries=1)
        try:
            refused.engine.request("GET", "/x", cast_to=dict)
        except MeganovaError as exc:
            errors.append(exc)
    assert len(errors) >= 5

    # The key did travel to the API host (so the checks below are meaningful)...
    assert server.received_at(PATH)[0].headers["authorization"] == f"Bearer {KEY}"
    # ...and never to another host a redirect pointed at.
    (landing,) = server.received_at("/landing", "other")
    assert "authorization" not in landing.headers
    no_key(repr(list(landing.headers.items())))

    # Logs at DEBUG from every logger, with tracebacks.
    text = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    no_key(text)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("meganova")]
    assert any("attempt=1" in m and "status=200" in m for m in ours), ours
    for message in ours:
        assert MARKER not in message  # never bodies

    for error in errors:
        no_key(str(error))
        no_key(repr(error))
        no_key(repr(error.args))
        no_key(repr(vars(error)))
        pickled = pickle.dumps(error)
        assert KEY.encode() not in pickled
        again = pickle.loads(pickled)
        assert type(again) is type(error) and str(again) == str(error)
    denied = next(e for e in errors if getattr(e, "status", None) == 401)
    assert "<redacted>" in str(denied)


def test_repr_and_str_never_show_the_key() -> None:
    client = MegaNova(api_key=KEY, base_url="https://api.example.com/v1", transport="stdlib")
    clone = client.with_options(timeout=3)
    request = client.engine.build_request("POST", "/x", json={"a": 1})
    for thing in (
        client,
        clone,
        client.config,
        client.config.api_key,
        client.engine,
        client.transport,
        request,
        Headers(request.headers),
        pickle.loads(pickle.dumps(client)),
    ):
        no_key(repr(thing))
        no_key(str(thing))
    assert client.config.api_key.reveal() == KEY
    assert request.headers["Authorization"] == f"Bearer {KEY}"


def test_plain_http_to_a_remote_host_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="meganova")

    def warnings_for(url: str) -> List[str]:
        caplog.clear()
        MegaNova(api_key=KEY, base_url=url, transport=FakeTransport()).close()
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    (warning,) = warnings_for("http://api.example.com/v1")
    assert "plain http" in warning and "api.example.com" in warning
    no_key(warning)
    for quiet in (
        "https://api.example.com/v1",
        "http://127.0.0.1:8080/v1",
        "http://localhost:8080/v1",
        "http://[::1]:8080/v1",
    ):
        assert warnings_for(quiet) == [], quiet


def test_a_redirect_to_another_host_over_the_fake_keeps_the_key_home() -> None:
    seen: List[Request] = []

    def handler(request: Request) -> FakeResponse:
        seen.append(request)
        if "evil" in request.url:
            return FakeResponse(200, b"{}")
        return FakeResponse(307, b"", {"Location": "https://evil.example.net/steal"})

    client = MegaNova(
        api_key=KEY, base_url="https://api.example.com/v1", transport=FakeTransport(handler)
    )
    client.engine.request("POST", "/x", cast_to=dict, json={})
    home, away = seen
    assert home.headers["Authorization"] == f"Bearer {KEY}"
    assert not any(k.lower() in ("authorization", "x-api-key") for k in away.headers)


# -- logging switched on by the environment, in a fresh process ---------------------------

SCRIPT = textwrap.dedent(
    """
    import json, logging, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    KEY, MARKER = sys.argv[1], sys.argv[2]
    calls = []

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(1)
            if len(calls) == 1:
                body, status = b'{"error": {"message": "busy"}}', 503
            else:
                body, status = json.dumps({"id": "c", "model": "m", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": MARKER},
                     "finish_reason": "stop"}]}).encode(), 200
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-request-id", "req_%d" % len(calls))
            self.send_header("retry-after-ms", "1")
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    from meganova import MegaNova
    MegaNova(api_key=KEY, base_url="http://api.example.com/v1").close()  # warns
    base = "http://127.0.0.1:%d/v1" % httpd.server_address[1]
    with MegaNova(api_key=KEY, base_url=base, max_retries=1) as client:
        reply = client.chat.create(messages=[{"role": "user", "content": MARKER}], model="m")
        assert reply.choices[0].message.content == MARKER
    handlers = logging.getLogger("meganova").handlers
    print(",".join(type(h).__name__ for h in handlers))
    httpd.shutdown()
    """
)


def run_script(level: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MEGANOVA_LOG"}
    if level is not None:
        env["MEGANOVA_LOG"] = level
    return run_python(SCRIPT, KEY, MARKER, env=env)


def test_logging_is_quiet_by_default() -> None:
    result = run_script(None)
    assert result.stderr == ""  # not even the plain-http warning
    assert "NullHandler" in result.stdout


def test_meganova_log_debug_shows_every_attempt_without_the_key_or_bodies() -> None:
    err = run_script("debug").stderr
    no_key(err)
    assert MARKER not in err
    assert "plain http" in err and "api.example.com" in err
    lines = [line for line in err.splitlines() if "/v1/chat/completions" in line]
    # One line per attempt: the failed one says it is retried, the last one answered.
    failed, ok = lines
    for part in ("INFO", "POST", "attempt=1 failed", "status=503", "elapsed=", "request_id=req_1",
                 "retrying"):  # fmt: skip
        assert part in failed, failed
    for part in ("DEBUG", "POST", "attempt=2 status=200", "elapsed=", "request_id=req_2"):
        assert part in ok, ok


def test_meganova_log_info_shows_retries_without_the_key_or_bodies() -> None:
    err = run_script("info").stderr
    no_key(err)
    assert MARKER not in err
    assert "DEBUG" not in err
    (retry,) = [line for line in err.splitlines() if "retrying" in line]
    for part in ("INFO", "POST /v1/chat/completions", "attempt=1", "status=503", "elapsed=",
                 "request_id=req_1"):  # fmt: skip
        assert part in retry, retry


# -- the CLI's stderr ---------------------------------------------------------------------


def test_the_cli_prints_a_server_error_without_the_key_or_terminal_controls() -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)  # the key, every character escaped
    message = f"\x1b]0;pwned\x07Bad key {escaped}\x1b[2J\x9b1A, see \u202eexe.txt\r\nmore"
    raw = RawServer()
    raw.on("/v1/models", json_reply({"error": {"message": message}}, status=401))
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MEGANOVA_")}
        env.update(MEGANOVA_API_KEY=KEY, MEGANOVA_BASE_URL=raw.url("/v1"))
        result = subprocess.run(
            [sys.executable, "-m", "meganova", "models"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        raw.stop()
    assert result.returncode == 1, result.stderr
    err = result.stderr
    assert "Bad key <redacted>, see exe.txt" in err
    no_key(err)
    assert err.isprintable() or err.replace("\n", "").isprintable(), repr(err)


# -- a configuration error: no frame of ours holds the key ---------------------------------

PACKAGE = os.path.dirname(os.path.abspath(meganova.__file__))


def our_frame_locals(error: BaseException) -> List[str]:
    """``function: name=repr`` for each local of every SDK frame along the error's
    traceback and chain (an error reporter records these)."""
    shown, todo, seen = [], [error], set()
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        for frame, _ in traceback.walk_tb(item.__traceback__):
            if os.path.abspath(frame.f_code.co_filename).startswith(PACKAGE):
                for name, value in frame.f_locals.items():
                    shown.append(f"{frame.f_code.co_name}: {name}={value!r}")  # never fails
        todo += [e for e in (item.__cause__, item.__context__) if e is not None]
    return shown


PROXY_SECRET = "pr0xy-pa55word"
PROXY = f"http://user:{PROXY_SECRET}@127.0.0.1:3128"


@pytest.mark.parametrize(
    "mistake",
    [
        {"base_url": "ftp://nowhere", "proxy": PROXY},
        {"timeout": -1},
        {"proxy": PROXY.replace("http:", "gopher:")},  # the proxy itself refused
        {"verify": 3, "proxy": PROXY},
    ],
)
@pytest.mark.parametrize("how", ["keyword", "environment", "positional"])
def test_a_configuration_error_leaves_no_key_in_our_frames(
    monkeypatch: pytest.MonkeyPatch, how: str, mistake: dict
) -> None:
    monkeypatch.setenv("MEGANOVA_API_KEY", KEY if how == "environment" else "sk-other-env")
    with pytest.raises(MeganovaError) as caught:
        if how == "keyword":
            MegaNova(api_key=KEY, **mistake)
        elif how == "positional":  # 0.4.0's call shape
            with pytest.warns(DeprecationWarning):
                MegaNova(KEY, mistake.get("base_url", "https://api.example.test/v1"),
                         **{k: v for k, v in mistake.items() if k != "base_url"})  # fmt: skip
        else:
            MegaNova(**mistake)
    shown = our_frame_locals(caught.value)
    assert shown  # the SDK's frames are there...
    leaks = [line for line in shown if KEY in line or KEY[10:] in line or PROXY_SECRET in line]
    assert not leaks, leaks  # ...without the key (nor the environment that holds it)
