"""What a cassette writes instead of secrets: nothing secret reaches the file, even when
the server echoes it (headers, bodies, stream chunks split anywhere), and what is safe
stays readable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.http import Request
from meganova.core.redact import REDACTED, Redactor, Sensitive
from meganova.errors import APIConnectionError
from meganova.testing import Cassette, FakeMeganova, Text, UnmatchedRequestError
from meganova.testing.cassette_redact import Redaction

KEY = "sk-live/echo+Key=42"  # "/" and "+" are escaped by JSON and by URLs
AGENT = "agent_8d21SecretKey"
URL = "https://api.meganova.ai/v1/chat/completions"


@pytest.fixture(autouse=True)
def _no_meganova_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys and URLs come from each test, never from the machine running it."""
    for name in ("MEGANOVA_API_KEY", "MEGANOVA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def echo(request: Request) -> FakeResponse:
    """A server that echoes every credential it got, in headers and body, every way."""
    auth = str.__str__(request.headers.get("Authorization", ""))
    cookie = str.__str__(request.headers.get("Cookie", ""))
    body = {
        "auth": auth,
        "escaped": json.dumps(auth),
        "url": request.url,
        "cookie": cookie,
        "you_sent": (request.body or b"").decode("utf-8", "replace"),
    }
    return FakeResponse(
        200,
        json.dumps(body).encode(),
        {
            "Content-Type": "application/json",
            "X-Echo-Auth": auth,
            "Set-Cookie": "session=abc123session",
            "x-request-id": f"req-{auth}",
            "X-RateLimit-Remaining-Requests": "99",
        },
    )


def written(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_no_key_reaches_the_file_even_when_the_server_echoes_it(tmp_path: Path) -> None:
    path = tmp_path / "echo.jsonl"
    with Cassette(path, mode="record") as cassette:
        client = cassette.client(transport=FakeTransport(echo), api_key=KEY, max_retries=0)
        reply = client.engine.request(
            "POST", "/chat/completions", json={"note": f"my key is {KEY}"}, cast_to=dict
        )
    assert reply["auth"] == f"Bearer {KEY}"  # the live answer is untouched
    text = written(path)
    for form in (KEY, json.dumps(KEY)[1:-1], "sk-live%2Fecho", "sk-live\\/echo", "echo+Key"):
        assert form not in text
    line = json.loads(text)
    assert line["request"]["headers"]["Authorization"] == REDACTED
    assert line["response"]["headers"]["X-Echo-Auth"] == REDACTED  # not on the allowlist
    assert line["response"]["headers"]["Set-Cookie"] == REDACTED
    assert line["response"]["headers"]["x-request-id"] == f"req-{REDACTED}"
    assert line["response"]["headers"]["X-RateLimit-Remaining-Requests"] == "99"
    assert line["request"]["body"]["json"] == {"note": f"my key is {REDACTED}"}


def test_the_key_echoed_across_two_stream_chunks_is_scrubbed(tmp_path: Path) -> None:
    def split_echo(request: Request) -> FakeResponse:
        text = f"data: {json.dumps({'echo': str.__str__(request.headers['Authorization'])})}\n\n"
        data = text.encode()
        middle = data.index(b"echo+Key")
        return FakeResponse(
            200, [data[:middle], data[middle:]], {"Content-Type": "text/event-stream"}
        )

    path = tmp_path / "split.jsonl"
    with Cassette(path, mode="record") as cassette:
        response = cassette.transport(FakeTransport(split_echo)).send(
            Request("POST", URL, {"Authorization": Sensitive(f"Bearer {KEY}")}, b"{}", stream=True)
        )
        assert b"".join(response.iter_bytes()).count(KEY.encode()) == 1
    assert "echo+Key" not in written(path) and "sk-live" not in written(path)
    chunks = json.loads(written(path))["response"]["chunks"]
    assert len(chunks) == 2
    assert REDACTED in chunks[0]["text"]  # where the secret started


def test_agent_keys_in_the_url_path_and_echoed_are_redacted(tmp_path: Path) -> None:
    def agent_echo(request: Request) -> FakeResponse:
        return FakeResponse.json({"agent": request.url.split("/")[-2], "reply": "hello"})

    path = tmp_path / "agent.jsonl"
    url = f"https://studio-api.meganova.ai/agents/v1/{AGENT}/chat"
    with Cassette(path, mode="record") as cassette:
        cassette.transport(FakeTransport(agent_echo)).send(Request("POST", url, {}, b"{}")).read()
    assert AGENT not in written(path) and "SecretKey" not in written(path)
    line = json.loads(written(path))
    assert line["request"]["url"] == f"https://studio-api.meganova.ai/agents/v1/{REDACTED}/chat"
    # Replayed with another agent key: the redacted paths still match.
    with Cassette(path, mode="none") as cassette:
        other = url.replace(AGENT, "agent_other")
        reply = cassette.transport().send(Request("POST", other, {}, b"{}")).read()
    assert json.loads(reply) == {"agent": REDACTED, "reply": "hello"}


def test_an_error_message_quoting_the_url_or_key_is_scrubbed(tmp_path: Path) -> None:
    def refuse(request: Request) -> Any:
        return APIConnectionError(f"could not reach {request.url} with {KEY}", request_sent=False)

    path = tmp_path / "error.jsonl"
    url = f"https://studio-api.meganova.ai/agents/v1/{AGENT}/info"
    with Cassette(path, mode="record") as cassette, pytest.raises(APIConnectionError):
        cassette.transport(FakeTransport(refuse)).send(
            Request("GET", url, {"Authorization": Sensitive(f"Bearer {KEY}")})
        )
    assert AGENT not in written(path) and "echo+Key" not in written(path)
    assert json.loads(written(path))["error"]["type"] == "APIConnectionError"


def test_headers_go_through_an_allowlist_the_user_can_extend_and_narrow(tmp_path: Path) -> None:
    headers = {
        "X-Team": "search",
        "X-Trace": "t-1",
        "Cookie": "sid=cookie-secret",
        "Proxy-Authorization": "Basic dXNlcjpwYXNz",
        "Content-Type": "application/json",
        "User-Agent": "meganova-python/test",
    }
    transport = FakeTransport(lambda request: FakeResponse.json({"ok": True}))
    path = tmp_path / "headers.jsonl"
    options = {"allow_headers": ["x-team", "cookie"], "redact_headers": ["User-Agent"]}
    with Cassette(path, mode="record", **options) as cassette:
        cassette.transport(transport).send(Request("POST", URL, headers, b"{}")).read()
    kept = json.loads(written(path))["request"]["headers"]
    assert kept == {
        "X-Team": "search",  # allowed by the user
        "X-Trace": REDACTED,  # unknown: name kept, value not
        "Cookie": REDACTED,  # a credential, even when "allowed"
        "Proxy-Authorization": REDACTED,
        "Content-Type": "application/json",
        "User-Agent": REDACTED,  # redacted by the user
    }
    assert "cookie-secret" not in written(path) and "dXNlcjpwYXNz" not in written(path)


def test_listed_json_fields_are_redacted_and_replay_still_matches(tmp_path: Path) -> None:
    fake = FakeMeganova()
    fake.script(Text("hello, user"))
    path = tmp_path / "fields.jsonl"
    messages = [{"role": "user", "content": "Hi", "name": "alice@example.com"}]
    with Cassette(path, mode="record", redact_fields=["name"]) as cassette:
        client = cassette.client(transport=fake.transport, api_key=KEY)
        client.chat.create(messages=messages, model="m", password="hunter22")
    assert "alice@example.com" not in written(path) and "hunter22" not in written(path)
    sent = json.loads(written(path))["request"]["body"]["json"]
    assert sent["messages"][0]["name"] == REDACTED and sent["password"] == REDACTED
    with Cassette(path, mode="none", redact_fields=["name"]) as cassette:
        reply = cassette.client().chat.create(messages=messages, model="m", password="hunter22")
    assert reply.text == "hello, user"


def test_listed_secrets_url_credentials_and_secret_query_parameters_are_redacted(
    tmp_path: Path,
) -> None:
    transport = FakeTransport(
        lambda r: FakeResponse.json({"token": "tok-abcdef", "who": "pw-s3cret", "ok": True})
    )
    path = tmp_path / "query.jsonl"
    with Cassette(path, mode="record", secrets=["tok-abcdef"]) as cassette:
        cassette.transport(transport).send(
            Request("GET", "https://me:pw-s3cret@x.invalid/v1/things?api_key=qk-12345&page=2", {})
        ).read()
        cassette.transport(transport).send(
            Request("GET", "https://x.invalid/v1/me", {"X-Mine": Sensitive("mine-secret")})
        ).read()
    text = written(path)
    for secret in ("tok-abcdef", "qk-12345", "pw-s3cret", "mine-secret"):
        assert secret not in text
    first = json.loads(text.splitlines()[0])["request"]["url"]
    assert first == f"https://{REDACTED}@x.invalid/v1/things?api_key={REDACTED}&page=2"


# -- the chunk scrubber, for any chunking -----------------------------------------------


@given(
    before=st.binary(max_size=30).filter(lambda b: b"sk" not in b.lower()),
    after=st.binary(max_size=30).filter(lambda b: b"sk" not in b.lower()),
    cuts=st.lists(st.integers(min_value=0, max_value=100), max_size=6),
    copies=st.integers(min_value=1, max_value=3),
)
def test_scrubbed_chunks_never_hold_the_secret_and_join_as_the_whole_scrubbed(
    before: bytes, after: bytes, cuts: List[int], copies: int
) -> None:
    secret = "sk-Abc/12345"
    data = before + (secret.encode() + after) * copies
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    chunks = [(float(i), data[a:b]) for i, (a, b) in enumerate(zip(points, points[1:]))]
    redaction = Redaction.build()
    scrub = redaction.scrubber(
        redaction.secrets_of(URL, {"Authorization": Sensitive(f"Bearer {secret}")})
    )
    out = scrub.chunks(chunks)
    assert [at for at, _ in out] == [at for at, _ in chunks]  # boundaries kept
    assert b"".join(piece for _, piece in out) == Redactor([secret]).bytes(data)
    assert all(b"sk-Abc" not in piece and b"12345" not in piece for _, piece in out)


def test_an_unmatched_request_leaves_no_key_in_our_frames(tmp_path: Path) -> None:
    """An error reporter records the locals of every frame along a traceback."""
    import os
    import traceback

    import meganova

    # The cassette's own frames (the engine's reprs of agent URLs are the Cloud client's).
    package = os.path.join(os.path.dirname(os.path.abspath(meganova.__file__)), "testing")
    cassette = Cassette(tmp_path / "none.jsonl", mode="none", secrets=["user-listed-secret"])
    url = f"https://studio-api.meganova.ai/agents/v1/{AGENT}/chat"
    with pytest.raises(UnmatchedRequestError) as caught:
        cassette.client(api_key=KEY, base_url=url.rsplit("/", 1)[0]).engine.request(
            "POST", "/chat", json={"message": "hi"}, cast_to=dict
        )
    shown = [
        f"{frame.f_code.co_name}: {name}={value!r}"
        for frame, _ in traceback.walk_tb(caught.value.__traceback__)
        if os.path.abspath(frame.f_code.co_filename).startswith(package)
        for name, value in frame.f_locals.items()
    ]
    assert any(line.startswith("_start:") for line in shown)  # the cassette's frames are there
    leaks = [line for line in shown if "echo+Key" in line or "user-listed-secret" in line]
    # Request's own repr showing an agent URL is core's to mask, not the cassette's.
    leaks += [line for line in shown if "SecretKey" in line and "=Request(" not in line]
    assert not leaks, leaks
    assert AGENT not in str(caught.value) and REDACTED in caught.value.path
