"""The standard-library transport writes exactly the bytes ``http.client`` would."""

from __future__ import annotations

import http.client
import socket
from typing import Dict, Optional

import pytest

from meganova.adapters._httpclient_fast import write_request

HEADERS = {
    "Authorization": "Bearer sk-test",
    "User-Agent": "meganova-python/0",
    "Accept": "application/json",
    "Content-Type": "application/json",
    "Idempotency-Key": "mn-0123",
}


def wire(write: bool, method: str, headers: Dict[str, str], body: Optional[bytes]) -> bytes:
    ours, theirs = socket.socketpair()
    try:
        conn = http.client.HTTPConnection("api.example.com", 8443)
        conn.sock = ours
        if write:
            if not write_request(conn, method, "/v1/x?a=1", headers, body):
                conn.request(method, "/v1/x?a=1", body=body, headers=headers)
        else:
            conn.request(method, "/v1/x?a=1", body=body, headers=headers)
        ours.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = theirs.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)
    finally:
        ours.close()
        theirs.close()


@pytest.mark.parametrize(
    ("method", "headers", "body"),
    [
        ("POST", HEADERS, b'{"a": 1}'),
        ("POST", HEADERS, None),
        ("GET", HEADERS, None),
        ("DELETE", {"X-A": "1"}, None),
        ("PUT", {**HEADERS, "Host": "other"}, b"x"),  # http.client's own path
        ("POST", {**HEADERS, "X-Bad": "a\r\nB: b"}, b"x"),  # rejected the same way
        ("POST", {**HEADERS, "X-U": "\u20ac"}, b"x"),
    ],
)
def test_same_bytes_as_http_client(
    method: str, headers: Dict[str, str], body: Optional[bytes]
) -> None:
    try:
        expected = wire(False, method, headers, body)
    except Exception as exc:
        with pytest.raises(type(exc)):
            wire(True, method, headers, body)
        return
    assert wire(True, method, headers, body) == expected
