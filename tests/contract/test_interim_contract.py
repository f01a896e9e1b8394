"""Interim ``1xx`` replies (``103 Early Hints``, ``102 Processing``) before the real
one are skipped on every socket transport; before, a 103 was raised as ``APIError(103)``
(http.client skips only ``100 Continue``). A server that sends nothing but interim
replies gets an error, never a hang.
"""

from __future__ import annotations

import json
import threading
from typing import Callable, List

import pytest

from meganova import MegaNova
from meganova.errors import APIConnectionError
from tests.contract.rawserver import (
    LAST_CHUNK,
    SSE_CHUNKED,
    RawConnection,
    RawRequest,
    RawServer,
    chunk,
    head,
)
from tests.helpers import CHAT_PATH, DONE, USER, ev

Factory = Callable[..., MegaNova]
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
PROCESSING = b"HTTP/1.1 102 Processing\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
REPLY = {
    "id": "c",
    "object": "chat.completion",
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
}


def json_after(interim: List[bytes], *, pause: bool = False) -> Callable[..., bool]:
    """The interim replies, then the real one (``pause``: in separate TCP segments, so
    the real reply is not yet buffered when the interim one is parsed)."""
    body = json.dumps(REPLY).encode()
    final = head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})

    def script(conn: RawConnection, request: RawRequest) -> bool:
        for item in interim:
            if not conn.send(item):
                return False
            if pause:
                threading.Event().wait(0.02)
        return conn.send(final + body)

    return script


@pytest.mark.parametrize(
    "interim",
    [[EARLY_HINTS], [PROCESSING, EARLY_HINTS], [CONTINUE, EARLY_HINTS, PROCESSING]],
    ids=["103", "102-103", "100-103-102"],
)
@pytest.mark.parametrize("pause", [False, True], ids=["one-write", "apart"])
def test_interim_replies_are_skipped(
    build: Factory, raw: RawServer, interim: List[bytes], pause: bool
) -> None:
    raw.on(CHAT_PATH, json_after(interim, pause=pause))
    client = build()
    for _ in range(2):  # the connection stays in step: the second call reuses it
        assert client.chat.create(messages=USER, model="m").choices[0].message.content == "hi"
    assert raw.connections == 1 and len(raw.requests) == 2


def test_an_interim_reply_before_a_stream_is_skipped(build: Factory, raw: RawServer) -> None:
    events = b"".join(chunk(e) for e in (ev("Hel"), ev("lo", finish="stop"), DONE))

    def script(conn: RawConnection, request: RawRequest) -> bool:
        return conn.send(EARLY_HINTS + head(200, SSE_CHUNKED) + events + LAST_CHUNK)

    raw.on(CHAT_PATH, script)
    stream = build().chat.stream(messages=USER, model="m")
    assert stream.get_final_response().choices[0].message.content == "Hello"


def test_an_error_after_an_interim_reply_keeps_its_status(build: Factory, raw: RawServer) -> None:
    body = b'{"error": {"message": "slow down"}}'
    error = head(429, {"Content-Length": str(len(body)), "Retry-After": "1"}) + body
    raw.on(CHAT_PATH, lambda conn, request: conn.send(EARLY_HINTS + error))
    with pytest.raises(Exception) as info:
        build().chat.create(messages=USER, model="m")
    assert getattr(info.value, "status", None) == 429


def test_endless_interim_replies_are_an_error_not_a_hang(build: Factory, raw: RawServer) -> None:
    raw.on(CHAT_PATH, lambda conn, request: conn.send(EARLY_HINTS * 500) and False)
    with pytest.raises(APIConnectionError) as info:
        build().chat.create(messages=USER, model="m")
    assert "interim" in str(info.value)
