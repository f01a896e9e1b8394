"""The clients under test, one class each, all with the same four calls.

Nothing heavy is imported at module level: each class imports its library in ``__init__``,
so a cold start measures that library's own import. Every class is run in its own
process by ``worker.py``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable

MODEL = "meganova-ai/manta-flash-1.0"
MESSAGES = [{"role": "user", "content": "Write a haiku about code at night."}]
MAX_TOKENS = 64
API_KEY = "sk-bench-0000000000000000"


def count_sse(chunks: Iterable[bytes], decode: Callable[[bytes], Any]) -> int:
    """The least an SSE reader can do: split lines, decode each ``data:`` payload."""
    n = 0
    buf = b""
    for data in chunks:
        if buf:
            data = buf + data
        lines = data.split(b"\n")
        buf = lines.pop()
        for line in lines:
            if line[:6] == b"data: ":
                payload = line[6:]
                if payload == b"[DONE]":
                    return n
                decode(payload)
                n += 1
    return n


def _floor_wire() -> tuple[dict[str, str], Callable[[bytes], Any], bytes, bytes]:
    """What both raw floors send and how they decode: headers, a dict decoder, and the
    pre-encoded chat and stream bodies (msgspec is imported here, inside the timed run)."""
    import msgspec

    headers = {
        "Authorization": "Bearer " + API_KEY,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    encode = msgspec.json.Encoder().encode
    chat = {"model": MODEL, "messages": MESSAGES, "max_tokens": MAX_TOKENS}
    return headers, msgspec.json.Decoder().decode, encode(chat), encode({**chat, "stream": True})


class RawUrllib3:
    """Floor: one urllib3 PoolManager, msgspec decoding to plain dicts."""

    def __init__(self, base: str) -> None:
        import urllib3

        self.base = base
        self.pool = urllib3.PoolManager(maxsize=8)
        self.headers, self.decode, self.chat_body, self.stream_body = _floor_wire()

    def chat(self) -> str:
        r = self.pool.request(
            "POST", self.base + "/chat/completions", body=self.chat_body, headers=self.headers
        )
        content: str = self.decode(r.data)["choices"][0]["message"]["content"]
        return content

    def stream(self) -> int:
        r = self.pool.request(
            "POST",
            self.base + "/chat/completions",
            body=self.stream_body,
            headers=self.headers,
            preload_content=False,
        )
        n = count_sse(r.stream(65536), self.decode)
        r.drain_conn()
        r.release_conn()
        return n

    def models(self) -> int:
        r = self.pool.request("GET", self.base + "/models", headers=self.headers)
        return len(self.decode(r.data)["data"])

    def close(self) -> None:
        self.pool.clear()


class RawHttpClient:
    """Floor: ``http.client`` with a kept-alive connection (one per thread), msgspec to dicts."""

    def __init__(self, base: str) -> None:
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.host, self.port, self.prefix = parts.hostname, parts.port, parts.path
        self.HTTPConnection = http.client.HTTPConnection
        self.local = threading.local()
        self.headers, self.decode, self.chat_body, self.stream_body = _floor_wire()

    def _conn(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = self.HTTPConnection(self.host, self.port, timeout=60)
        return conn

    def _call(self, method: str, path: str, body: bytes | None) -> Any:
        conn = self._conn()
        conn.request(method, self.prefix + path, body=body, headers=self.headers)
        return conn.getresponse()

    def chat(self) -> str:
        data = self._call("POST", "/chat/completions", self.chat_body).read()
        content: str = self.decode(data)["choices"][0]["message"]["content"]
        return content

    def stream(self) -> int:
        r = self._call("POST", "/chat/completions", self.stream_body)

        def chunks() -> Iterable[bytes]:
            while True:
                data = r.read1(65536)
                if not data:
                    return
                yield data

        n = count_sse(chunks(), self.decode)
        r.read()
        return n

    def models(self) -> int:
        return len(self.decode(self._call("GET", "/models", None).read())["data"])

    def close(self) -> None:
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()


class Ours:
    """This SDK; ``transport`` is ``"urllib3"`` or ``"stdlib"``."""

    transport = "urllib3"

    def __init__(self, base: str) -> None:
        import meganova

        self.client = meganova.MegaNova(api_key=API_KEY, base_url=base, transport=self.transport)
        engine = self.client.engine
        try:
            import meganova.core.resources.chat

            self.has_chat = True
        except ImportError:  # chat resource not landed yet: drive the engine directly
            self.has_chat = False
        try:
            import meganova.core.resources.models_

            self.has_models = True
        except ImportError:
            self.has_models = False
        self.engine = engine
        self.payload = {"model": MODEL, "messages": MESSAGES, "max_tokens": MAX_TOKENS}

    def chat(self) -> str:
        if self.has_chat:
            resp = self.client.chat.create(messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS)
            content: str = resp.choices[0].message.content
            return content
        data = self.engine.request("POST", "/chat/completions", json=self.payload, cast_to=dict)
        return str(data["choices"][0]["message"]["content"])

    def stream(self) -> int:
        n = 0
        if self.has_chat:
            for _chunk in self.client.chat.stream(
                messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS
            ):
                n += 1
            return n
        response = self.engine.open_stream(
            "POST", "/chat/completions", json={**self.payload, "stream": True}
        )
        decode = self.engine.codec.decode
        try:
            return count_sse(response.iter_bytes(), lambda b: decode(b, dict))
        finally:
            response.close()

    def models(self) -> int:
        if self.has_models:
            return len(self.client.models.list())
        return len(self.engine.request("GET", "/models", cast_to=dict)["data"])

    def close(self) -> None:
        self.client.close()


class OursStdlib(Ours):
    transport = "stdlib"


class OpenAISDK:
    """The OpenAI Python SDK (latest), ``base_url`` pointed at the local server."""

    def __init__(self, base: str) -> None:
        from openai import OpenAI

        self.client = OpenAI(api_key=API_KEY, base_url=base)

    def chat(self) -> str:
        resp = self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            max_tokens=MAX_TOKENS,  # type: ignore[arg-type]
        )
        return str(resp.choices[0].message.content)

    def stream(self) -> int:
        n = 0
        for _chunk in self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            max_tokens=MAX_TOKENS,
            stream=True,  # type: ignore[arg-type]
        ):
            n += 1
        return n

    def models(self) -> int:
        return len(self.client.models.list().data)

    def close(self) -> None:
        self.client.close()


class Meganova040:
    """Today's official SDK, ``meganova==0.4.0`` (requests + pydantic)."""

    def __init__(self, base: str) -> None:
        import meganova

        self.client = meganova.MegaNova(api_key=API_KEY, base_url=base)

    def chat(self) -> str:
        resp = self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS
        )
        return str(resp.choices[0].message.content)

    def stream(self) -> int:
        n = 0
        for _chunk in self.client.chat.completions.create(
            messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS, stream=True
        ):
            n += 1
        return n

    def models(self) -> int:
        return len(self.client.models.list())

    def close(self) -> None:
        pass


CLIENTS: dict[str, type] = {
    "raw_urllib3": RawUrllib3,
    "raw_httpclient": RawHttpClient,
    "ours_urllib3": Ours,
    "ours_stdlib": OursStdlib,
    "openai": OpenAISDK,
    "meganova_040": Meganova040,
}
