"""What the requests transport adds to the shared contract (which it passes, see
conftest's TRANSPORTS): requests' own environment (REQUESTS_CA_BUNDLE, HTTP_PROXY), a
session of the user's, and requests' mocking tools. Skipped without requests."""

from __future__ import annotations

import pickle
import ssl
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer

from meganova import MegaNova
from meganova.core.http import Request, Timeout
from meganova.errors import APIConnectionError, ConfigurationError
from tests.contract import rawserver
from tests.contract.rawserver import RawConnection, RawRequest, RawServer

requests = pytest.importorskip("requests")
from meganova.adapters.requests_transport import RequestsTransport  # noqa: E402

KEY = "sk-requests-0123456789"
ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC")
PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests reads these itself: each test sets the ones it needs."""
    for name in (*ENV, *PROXY_ENV, "MEGANOVA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.stop()


def ok(raw: RawServer) -> str:
    raw.on("/v1/ok", rawserver.json_reply({"ok": True}))
    return raw.url("/v1")


# -- requests' environment -----------------------------------------------------------


def test_requests_ca_bundle_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/v1/ok").respond_with_json({"ok": True})
    server.start()
    url = f"https://127.0.0.1:{server.port}/v1"
    try:
        client = MegaNova(api_key=KEY, base_url=url, transport="requests", max_retries=0)
        with client, pytest.raises(APIConnectionError, match="TLS"):
            client.engine.request("GET", "/ok", cast_to=dict)
        with ca.cert_pem.tempfile() as bundle:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", bundle)
            with MegaNova(api_key=KEY, base_url=url, transport="requests") as client:
                assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    finally:
        server.stop()


def test_http_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch, raw: RawServer) -> None:
    # The raw server plays a forward proxy: it gets the absolute URL of the target.
    raw.on("http://api.meganova.invalid/v1/ok", rawserver.json_reply({"via": "proxy"}))
    monkeypatch.setenv("HTTP_PROXY", raw.url())
    base = "http://api.meganova.invalid/v1"
    with MegaNova(api_key=KEY, base_url=base, transport="requests", max_retries=0) as client:
        assert client.engine.request("GET", "/ok", cast_to=dict) == {"via": "proxy"}
    (seen,) = raw.requests
    assert seen.target == "http://api.meganova.invalid/v1/ok"
    assert seen.headers["authorization"] == f"Bearer {KEY}"


# -- a session of the user's ---------------------------------------------------------


def test_a_users_session_with_its_headers_and_hooks(raw: RawServer) -> None:
    session = requests.Session()
    session.headers["X-Corp-Gateway"] = "team-a"
    statuses: list[int] = []
    session.hooks["response"].append(lambda r, **kw: statuses.append(r.status_code))
    client = MegaNova(api_key=KEY, base_url=ok(raw), transport=RequestsTransport(session=session))
    assert client.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    client.close()
    (seen,) = raw.requests
    assert seen.headers["x-corp-gateway"] == "team-a"
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    assert seen.headers["user-agent"].startswith("meganova-python/")
    assert seen.headers["accept-encoding"] == "identity"  # not the session's gzip
    assert statuses == [200]
    # Closing the client leaves the user's session usable.
    raw.on("/v1/again", rawserver.json_reply({"again": True}))
    assert session.get(raw.url("/v1/again"), timeout=5).json() == {"again": True}
    session.close()


def test_netrc_credentials_never_replace_the_api_key(
    raw: RawServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    for transport in (RequestsTransport(), RequestsTransport(session=requests.Session())):
        with MegaNova(api_key=KEY, base_url=ok(raw), transport=transport) as client:
            client.engine.request("GET", "/ok", cast_to=dict)
    assert [r.headers["authorization"] for r in raw.requests] == [f"Bearer {KEY}"] * 2


def test_cookies_a_server_sets_are_not_sent_back(raw: RawServer) -> None:
    def set_cookie(conn: RawConnection, request: RawRequest) -> bool:
        body = b"{}"
        headers = {"Set-Cookie": "track=me; Path=/", "Content-Length": str(len(body))}
        return conn.send(rawserver.head(200, headers) + body)

    raw.on("/v1/cookie", set_cookie)
    with MegaNova(api_key=KEY, base_url=raw.url("/v1"), transport="requests") as client:
        client.engine.request("GET", "/cookie", cast_to=dict)
        client.engine.request("GET", "/cookie", cast_to=dict)
    assert ["cookie" in r.headers for r in raw.requests] == [False, False]


def test_send_returns_a_redirect_at_its_headers(raw: RawServer) -> None:
    # requests' Session.send reads a redirect's body to look ahead; here core decides
    # redirects and reads bodies (under its own limits), so send must not wait for it.
    stop = threading.Event()

    def moved(conn: RawConnection, request: RawRequest) -> bool:
        conn.send(rawserver.head(302, {"Location": "/v1/ok", "Transfer-Encoding": "chunked"}))
        conn.send(rawserver.chunk(b"x"))
        stop.wait(rawserver.WAIT_LIMIT)
        return False

    raw.on("/v1/moved", moved)
    transport = RequestsTransport()
    request = Request("GET", raw.url("/v1/moved"), {}, timeout=Timeout(2, 3))
    started = time.monotonic()
    try:
        response = transport.send(request)
        assert time.monotonic() - started < 2
        assert (response.status, response.headers["location"]) == (302, "/v1/ok")
        response.close()
    finally:
        stop.set()
        transport.close()


# -- packaging -----------------------------------------------------------------------


def test_a_client_on_requests_pickles(raw: RawServer) -> None:
    client = MegaNova(api_key=KEY, base_url=ok(raw), transport="requests")
    client.engine.request("GET", "/ok", cast_to=dict)  # a used pool must not travel
    copy = pickle.loads(pickle.dumps(client))
    assert isinstance(copy.transport, RequestsTransport)
    assert copy.transport is not client.transport
    assert copy.engine.request("GET", "/ok", cast_to=dict) == {"ok": True}
    copy.close()
    client.close()


def test_without_requests_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "requests", None)
    monkeypatch.delitem(sys.modules, "meganova.adapters.requests_transport")
    with pytest.raises(ConfigurationError, match=r"pip install 'meganova\[requests\]'"):
        MegaNova(api_key=KEY, transport="requests")


# -- requests' test tools ------------------------------------------------------------

requests_mock_module: Any = pytest.importorskip("requests_mock")


@pytest.fixture
def client() -> Iterator[MegaNova]:
    """The client the guideline's test takes: the default base URL, over requests."""
    with MegaNova(api_key="YOUR_API_KEY", transport="requests") as made:
        yield made


# The guideline's section 11 example, as written.
def test_chat_create_success(client, requests_mock):
    requests_mock.post(
        "https://api.meganova.ai/v1/chat/completions",
        json={
            "id": "msg_123",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello!"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
            },
        },
        status_code=200,
    )

    resp = client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="manta-flash")
    assert resp.choices[0].message.content == "Hello!"


def test_requests_mock_errors_streams_and_unmatched_urls(
    client: MegaNova, requests_mock: Any
) -> None:
    url = "https://api.meganova.ai/v1/chat/completions"
    requests_mock.post(
        url,
        status_code=429,
        json={"error": {"message": "slow down"}},
        headers={"x-request-id": "req_9"},
    )
    from meganova.errors import RateLimitError

    with pytest.raises(RateLimitError) as info:
        client.with_options(max_retries=0).chat.create(
            messages=[{"role": "user", "content": "Hi"}], model="m"
        )
    assert (info.value.message, info.value.request_id) == ("slow down", "req_9")
    events = (
        b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
        b'data: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n'
        b"data: [DONE]\n\n"
    )
    requests_mock.post(url, content=events, headers={"Content-Type": "text/event-stream"})
    stream = client.chat.stream(messages=[{"role": "user", "content": "Hi"}], model="m")
    assert "".join(chunk.delta for chunk in stream) == "Hello"
    # A URL nobody mocked: requests_mock's NoMockAddress, as our typed error.
    with pytest.raises(APIConnectionError, match="No mock address"):
        client.with_options(max_retries=0).models.list()


def test_responses_intercepts_calls_too() -> None:
    responses = pytest.importorskip("responses")
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!"}}]}
    with responses.RequestsMock() as mocked:
        mocked.post(
            "https://api.meganova.ai/v1/chat/completions",
            json=reply,
            headers={"x-request-id": "req_r"},
        )
        with MegaNova(api_key=KEY, transport="requests") as client:
            resp = client.chat.create(messages=[{"role": "user", "content": "Hi"}], model="m")
        (call,) = mocked.calls
    assert (resp.choices[0].message.content, resp.request_id) == ("Hello!", "req_r")
    assert call.request.headers["Authorization"] == f"Bearer {KEY}"
