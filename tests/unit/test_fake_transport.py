"""The in-memory transport: handler or scripted queue, recorded requests, chunked bodies
with failures at a chosen point, and the same client behaviour as a real transport."""

from __future__ import annotations

import threading
from typing import Iterator

import pytest

from meganova import MegaNova
from meganova.adapters.fake_transport import FakeResponse, FakeTransport
from meganova.core.http import Request
from meganova.core.ports import Response, Transport
from meganova.errors import APIConnectionError, APITimeoutError, NotFoundError
from tests.clock import VirtualClock


def request(path: str = "/v1/x") -> Request:
    return Request("GET", f"http://fake.test{path}", {})


def client_on(transport: FakeTransport, **options: object) -> MegaNova:
    return MegaNova(
        api_key="sk-test",
        base_url="http://fake.test/v1",
        transport=transport,
        clock=VirtualClock(),
        **options,  # type: ignore[arg-type]
    )


def test_satisfies_the_ports() -> None:
    transport = FakeTransport(lambda r: FakeResponse())
    assert isinstance(transport, Transport)
    assert isinstance(transport.send(request()), Response)


def test_handler_answers_and_every_request_is_recorded() -> None:
    transport = FakeTransport(lambda r: FakeResponse.json({"url": r.url}))
    client = client_on(transport)
    assert client.engine.request("GET", "/a", cast_to=dict, query={"q": 1}) == {
        "url": "http://fake.test/v1/a?q=1"
    }
    (sent,) = transport.requests
    assert sent.method == "GET" and sent.headers["Authorization"] == "Bearer sk-test"


def test_queue_is_used_before_the_handler_and_in_order() -> None:
    transport = FakeTransport(lambda r: FakeResponse.json({"from": "handler"}))
    transport.add(FakeResponse.json({"n": 1}), FakeResponse.json({"n": 2}))
    client = client_on(transport)
    got = [client.engine.request("GET", "/x", cast_to=dict) for _ in range(3)]
    assert got == [{"n": 1}, {"n": 2}, {"from": "handler"}]


def test_scripted_failures_are_raised_and_retried() -> None:
    transport = FakeTransport(
        replies=[APIConnectionError("reset", request_sent=True), FakeResponse.json({"ok": 1})]
    )
    assert client_on(transport).engine.request("GET", "/x", cast_to=dict) == {"ok": 1}
    assert len(transport.requests) == 2


def test_nothing_to_answer_is_a_connection_error() -> None:
    with pytest.raises(APIConnectionError) as info:
        FakeTransport().send(request())
    assert info.value.request_sent is False


def test_error_status_maps_like_a_real_server() -> None:
    transport = FakeTransport(
        replies=[FakeResponse.json({"error": {"message": "gone"}}, 404, {"x-request-id": "r"})]
    )
    with pytest.raises(NotFoundError) as info:
        client_on(transport, max_retries=0).engine.request("GET", "/x", cast_to=dict)
    assert (info.value.message, info.value.request_id) == ("gone", "r")


def test_a_chunk_that_is_an_exception_breaks_the_stream_there() -> None:
    response = FakeResponse(200, [b"one", b"two", APITimeoutError("stalled"), b"never"])
    chunks = response.iter_bytes()
    assert [next(chunks), next(chunks)] == [b"one", b"two"]
    with pytest.raises(APITimeoutError):
        next(chunks)


def test_a_generator_body_stays_lazy() -> None:
    produced: list[int] = []

    def body() -> Iterator[bytes]:
        for n in range(3):
            produced.append(n)
            yield b"%d" % n

    response = FakeResponse(200, body())
    assert produced == []
    chunks = response.iter_bytes()
    assert next(chunks) == b"0" and produced == [0]
    response.close()
    assert list(chunks) == []
    assert len(produced) < 3  # closing stops it before the end


def test_body_is_read_once_and_close_is_recorded() -> None:
    response = FakeResponse(200, [b"a", b"b"])
    assert response.read() == b"ab"
    assert response.read() == b""
    response.close()
    assert response.closed


def test_sse_helper_frames_events() -> None:
    response = FakeResponse.sse([{"a": 1}, b": keep-alive\n\n"])
    assert response.headers["content-type"] == "text/event-stream"
    assert response.read() == b'data: {"a": 1}\n\n: keep-alive\n\ndata: [DONE]\n\n'


def test_open_stream_returns_the_unread_response() -> None:
    transport = FakeTransport(replies=[FakeResponse.sse([{"n": 1}])])
    response = client_on(transport).engine.open_stream("POST", "/chat", json={})
    assert b"".join(response.iter_bytes()).startswith(b"data: ")
    assert transport.requests[0].headers["Accept"] == "text/event-stream"


def test_safe_across_threads() -> None:
    transport = FakeTransport(lambda r: FakeResponse.json({"url": r.url}))
    client = client_on(transport)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(50):
                got = client.engine.request("GET", f"/t{t}", cast_to=dict, query={"n": n})
                assert got["url"].endswith(f"/t{t}?n={n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(transport.requests) == 400


def test_close_is_recorded() -> None:
    transport = FakeTransport()
    client_on(transport).close()
    assert transport.closed
