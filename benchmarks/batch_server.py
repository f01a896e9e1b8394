"""The bulk-run benchmark's server: asyncio on 127.0.0.1, each chat reply held for
``--latency`` seconds (a model's time to answer), and a scripted 429 burst: every
request arriving in ``[--burst-at, --burst-at + --burst-for)`` seconds after the first
one is refused with ``Retry-After`` (``--retry-after`` seconds).

It counts what it served: ``GET /stats`` gives the requests, the 200s, the 429s, the
request ids answered more than once, and the burst's interval (from its first 429 to the
first 200 after its last), so the harness can check the run's summary against it.
Prints ``PORT <n>`` when ready; stops when its stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

REPLY = json.dumps(
    {
        "id": "chatcmpl-batchbench",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "meganova-ai/manta-flash-1.0",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "A short answer to a short prompt."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
    },
    separators=(",", ":"),
).encode()


def reply(status: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n"
        + extra
        + b"\r\n"
        + body
    )


class Server:
    def __init__(self, args: argparse.Namespace) -> None:
        self.latency = args.latency
        self.burst_at = args.burst_at
        self.burst_for = args.burst_for
        self.ok_reply = reply(b"200 OK", REPLY)
        ms = str(int(args.retry_after * 1000)).encode()
        self.limited = reply(
            b"429 Too Many Requests",
            b'{"error":{"message":"rate limited","type":"rate_limit_error"}}',
            b"retry-after-ms: " + ms + b"\r\n",
        )
        self.reset()

    def reset(self) -> None:
        self.first: float | None = None
        self.requests = 0
        self.ok = 0
        self.refused = 0
        self.served: dict[bytes, int] = {}
        self.first_429: float | None = None
        self.last_429: float | None = None
        self.first_ok_after: float | None = None
        self.last_reply = 0.0

    def stats(self) -> bytes:
        duplicates = sum(1 for n in self.served.values() if n > 1)
        burst = None
        if self.first_429 is not None:
            burst = [self.first_429, self.first_ok_after or self.last_reply]
        return json.dumps(
            {
                "requests": self.requests,
                "ok": self.ok,
                "rate_limited": self.refused,
                "distinct_ok": len(self.served),
                "duplicates": duplicates,
                "first": self.first,
                "last_reply": self.last_reply,
                "burst": burst,
                "cpu": time.process_time(),
            }
        ).encode()

    async def answer(self, body: bytes) -> bytes:
        now = time.monotonic()
        if self.first is None:
            self.first = now
        self.requests += 1
        since = now - self.first
        await asyncio.sleep(self.latency)
        if self.burst_at <= since < self.burst_at + self.burst_for:
            self.refused += 1
            if self.first_429 is None:
                self.first_429 = now
            self.last_429 = now
            self.last_reply = time.monotonic()
            return self.limited
        if self.last_429 is not None and self.first_ok_after is None:
            self.first_ok_after = now
        # the request's id is its first message's text: {"role":"user","content":"<id>"}
        start = body.find(b'"content":"') + 11
        tag = body[start : body.find(b'"', start)]
        self.served[tag] = self.served.get(tag, 0) + 1
        self.ok += 1
        self.last_reply = time.monotonic()
        return self.ok_reply

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                path = head.split(b" ", 2)[1]
                if path == b"/stats":
                    out = reply(b"200 OK", self.stats())
                elif path == b"/reset":
                    self.reset()
                    out = reply(b"200 OK", b"{}")
                else:
                    out = await self.answer(body)
                writer.write(out)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--burst-at", type=float, default=2.0)
    parser.add_argument("--burst-for", type=float, default=0.3)
    parser.add_argument("--retry-after", type=float, default=0.5)
    args = parser.parse_args()
    server = Server(args)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, backlog=1024)
    port = listener.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the harness closes stdin
    listener.close()


if __name__ == "__main__":
    asyncio.run(main())
