"""A small HTTP/1.1 keep-alive server on 127.0.0.1 with pre-rendered replies.

Serves ``POST /v1/chat/completions`` (JSON, or an SSE stream of ``--chunks`` chunks when the
body says ``"stream": true``), ``GET /v1/models`` (``--models`` models) and ``GET /stats``
(its own request count and CPU seconds, so the harness can report the server's cost).
Under a ``/hold`` prefix (``/hold/v1/...``) a stream is three chunks and pauses ``HOLD_S``
seconds after the first, as a model does between tokens, so the harness can measure the
memory an open stream holds.
One thread per connection; replies are bytes built once at start-up, so per request the
server only splits headers and calls ``sendall``. Prints ``PORT <n>`` when ready.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
import threading
import time

MODEL = "meganova-ai/manta-flash-1.0"
CREATED = 1767225600
HOLD_S = 1.5  # a held stream's pause after its first event
WORDS = (
    "Code ",
    "flows ",
    "like ",
    "rain ",
    "over ",
    "quiet ",
    "stone, ",
    "and ",
    "the ",
    "night ",
)


def chat_body() -> bytes:
    """A ~600-byte chat.completion, the shape of the live API (MEGANOVA_API.md 6.1)."""
    reply = (
        "Code flows like rain over quiet stone; each function a small bright window "
        "in a sleeping city. Tonight the build is green, the tests are calm, and the "
        "server hums along on its single loopback address, answering every call in turn."
    )
    return json.dumps(
        {
            "id": "chatcmpl-bench7c1e2a9f",
            "object": "chat.completion",
            "created": CREATED,
            "model": MODEL,
            "system_fingerprint": "fp_mn_2026_11",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": 21,
                "completion_tokens": 48,
                "total_tokens": 69,
                "prompt_tokens_details": None,
            },
        },
        separators=(",", ":"),
    ).encode()


def sse_events(n: int) -> list[bytes]:
    """``n`` chunks: a role-only first delta, content deltas, a final ``stop``; then [DONE]."""
    events = []
    for i in range(n):
        if i == 0:
            delta: dict[str, object] = {"role": "assistant", "content": ""}
            finish = None
        elif i == n - 1:
            delta, finish = {}, "stop"
        else:
            delta, finish = {"content": WORDS[i % len(WORDS)]}, None
        chunk = {
            "id": "chatcmpl-bench9a",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        events.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def models_body(m: int) -> bytes:
    """``m`` models with every field the live list has (MEGANOVA_API.md 6.2a)."""
    families = ("manta", "qwen", "deepseek", "glm", "kimi", "llama", "mistral", "gemma")
    data = []
    for i in range(m):
        fam = families[i % len(families)]
        vision = i % 5 == 0
        data.append(
            {
                "id": f"{fam}-ai/{fam}-model-{i:04d}-instruct",
                "object": "model",
                "owned_by": "meganova",
                "name": f"{fam.title()} Model {i} Instruct",
                "description": f"A {fam} family model tuned for chat and tool use (variant {i}).",
                "created": CREATED - i * 3600,
                "context_length": (32768, 65536, 131072, 262144)[i % 4],
                "tags": ["chat", "vision"] if vision else ["chat"],
                "default": i == 0,
                "pricing": {"prompt": f"0.{i % 9}0000012", "completion": f"0.{i % 7}0000036"},
                "architecture": {"modality": "text+image->text" if vision else "text->text"},
                "capabilities": {"chat": True, "vision": vision, "tools": i % 3 == 0},
            }
        )
    return json.dumps({"object": "list", "data": data}, separators=(",", ":")).encode()


def http_reply(
    body: bytes, content_type: bytes = b"application/json", status: bytes = b"200 OK"
) -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nx-request-id: req_bench_0001\r\n\r\n"
        + body
    )


def sse_reply(events: list[bytes]) -> bytes:
    """Chunked transfer encoding, one HTTP chunk per SSE event, as a streaming server flushes."""
    parts = [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        b"Cache-Control: no-cache\r\nx-request-id: req_bench_0002\r\nTransfer-Encoding: chunked\r\n\r\n"
    ]
    for ev in events:
        parts.append(b"%x\r\n%s\r\n" % (len(ev), ev))
    parts.append(b"0\r\n\r\n")
    return b"".join(parts)


class Server:
    def __init__(self, chunks: int, models: int) -> None:
        self.chat = http_reply(chat_body())
        self.stream = sse_reply(sse_events(chunks))
        held = sse_events(3)
        self.held = sse_reply(held)
        # a held stream pauses after the headers and the first event's HTTP chunk
        first = b"%x\r\n%s\r\n" % (len(held[0]), held[0])
        self.held_split = self.held.index(first) + len(first)
        self.models = http_reply(models_body(models))
        self.not_found = http_reply(
            b'{"error":{"message":"not found","code":"not_found"}}', status=b"404 Not Found"
        )
        self.count = itertools.count()  # next() is atomic under the GIL
        self.served = 0

    def route(self, method: bytes, path: bytes, body: bytes) -> bytes:
        if method == b"POST" and path.startswith(b"/v1/chat/completions"):
            if b'"stream":true' in body or b'"stream": true' in body:
                return self.stream
            return self.chat
        if method == b"GET" and path.startswith(b"/v1/models"):
            return self.models
        if path == b"/stats":
            body = json.dumps({"requests": self.served, "cpu": time.process_time()}).encode()
            return http_reply(body)
        return self.not_found

    def handle(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        recv, send = conn.recv, conn.sendall
        buf = b""
        try:
            while True:
                end = buf.find(b"\r\n\r\n")
                while end < 0:
                    data = recv(65536)
                    if not data:
                        return
                    buf += data
                    end = buf.find(b"\r\n\r\n")
                head, buf = buf[:end], buf[end + 4 :]
                lines = head.split(b"\r\n")
                method, path, _ = lines[0].split(b" ", 2)
                length, close = 0, False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"connection" and b"close" in value.lower():
                        close = True
                while len(buf) < length:
                    data = recv(65536)
                    if not data:
                        return
                    buf += data
                body, buf = buf[:length], buf[length:]
                if path != b"/stats":
                    self.served = next(self.count) + 1
                hold = path.startswith(b"/hold/")
                reply = self.route(method, path[5:] if hold else path, body)
                if hold and reply is self.stream:
                    send(self.held[: self.held_split])
                    time.sleep(HOLD_S)
                    reply = self.held[self.held_split :]
                send(reply)
                if close:
                    return
        except OSError:
            return
        finally:
            conn.close()

    def serve(self, port: int) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(1024)  # 200 concurrent async callers connect at once
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=5000)
    parser.add_argument("--models", type=int, default=2000)
    args = parser.parse_args()
    server = Server(args.chunks, args.models)
    threading.Thread(target=server.serve, args=(args.port,), daemon=True).start()
    sys.stdin.read()  # leave with the parent: the harness closes our stdin when it is done


if __name__ == "__main__":
    main()
