"""A chat server on 127.0.0.1 for bulk-run tests: one thread per connection, an optional
delay per request, scripted 429s, and a record of what arrived (the text of each
request's first message, which the tests make its custom_id, and when)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, List, Optional, Tuple

Script = Callable[[int, str], Optional[Tuple[int, dict]]]  # (n, tag) -> (status, headers)


class ChatServer:
    """``base_url`` is the API root; ``arrivals`` lists ``(monotonic time, tag)``."""

    def __init__(self, *, delay: float = 0.0, script: Optional[Script] = None) -> None:
        self.delay = delay
        self.script = script
        self.arrivals: List[Tuple[float, str]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, delayed ACKs
                # add 40 ms to every reply
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                tag = body["messages"][0]["content"] if "messages" in body else body.get("input")
                with server.lock:
                    n = len(server.arrivals)
                    server.arrivals.append((time.monotonic(), tag))
                scripted = server.script(n, tag) if server.script else None
                if server.delay:
                    time.sleep(server.delay)
                if scripted is not None:
                    status, headers = scripted
                    reply = json.dumps({"error": {"message": "slow down", "code": "rate"}})
                else:
                    status, headers = 200, {}
                    reply = json.dumps(
                        {
                            "id": "chatcmpl-1",
                            "object": "chat.completion",
                            "model": body.get("model", "m"),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": f"re {tag}"},
                                    "finish_reason": "stop",
                                }
                            ],
                            "usage": {
                                "prompt_tokens": 3,
                                "completion_tokens": 2,
                                "total_tokens": 5,
                            },
                        }
                    )
                data = reply.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def tags(self) -> List[str]:
        with self.lock:
            return [tag for _, tag in self.arrivals]


def chat_requests(n: int, prefix: str = "r") -> List[dict]:
    """``n`` chat requests whose custom_id is also their message's text."""
    return [
        {
            "custom_id": f"{prefix}{i}",
            "method": "chat.create",
            "params": {"model": "m", "messages": [{"role": "user", "content": f"{prefix}{i}"}]},
        }
        for i in range(n)
    ]
