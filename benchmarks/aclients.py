"""The async clients under test, one class each, with ``chat()``, ``stream(hold)``, ``aclose()``.

As in clients.py, each class imports its library in ``__init__``; ``aworker.py`` builds
one inside its event loop, in a process of its own. ``stream(hold)`` awaits ``hold()``
once, after the first chunk, so the memory probe can keep many streams open at once.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable, Optional

from clients import API_KEY, MAX_TOKENS, MESSAGES, MODEL, _floor_wire

# Connections each raw floor keeps alive: aiohttp's default limit. httpx's default keeps
# only 20 alive, which would make the floor reconnect under 200 concurrent calls.
POOL = 100

Hold = Optional[Callable[[], Awaitable[None]]]


async def count_sse(
    chunks: AsyncIterator[bytes], decode: Callable[[bytes], Any], hold: Hold
) -> int:
    """The least an async SSE reader can do: split lines, decode each ``data:`` payload.
    Reads on past ``[DONE]`` to the body's end, so the connection returns to the pool."""
    n = 0
    buf = b""
    done = False
    async for data in chunks:
        if done:
            continue
        if buf:
            data = buf + data
        lines = data.split(b"\n")
        buf = lines.pop()
        for line in lines:
            if line[:6] == b"data: ":
                payload = line[6:]
                if payload == b"[DONE]":
                    done = True
                    break
                decode(payload)
                n += 1
                if n == 1 and hold is not None:
                    await hold()
    return n


async def count_chunks(stream: AsyncIterator[Any], hold: Hold) -> int:
    n = 0
    async for _chunk in stream:
        n += 1
        if n == 1 and hold is not None:
            await hold()
    return n


class RawAiohttp:
    """Floor: one ``aiohttp.ClientSession``, msgspec decoding to plain dicts."""

    def __init__(self, base: str) -> None:
        import aiohttp

        self.url = base + "/chat/completions"
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=POOL))
        self.headers, self.decode, self.chat_body, self.stream_body = _floor_wire()

    async def chat(self) -> str:
        async with self.session.post(self.url, data=self.chat_body, headers=self.headers) as r:
            data = await r.read()
        content: str = self.decode(data)["choices"][0]["message"]["content"]
        return content

    async def stream(self, hold: Hold = None) -> int:
        async with self.session.post(self.url, data=self.stream_body, headers=self.headers) as r:
            return await count_sse(r.content.iter_any(), self.decode, hold)

    async def aclose(self) -> None:
        await self.session.close()


class RawHttpx:
    """Floor: one ``httpx.AsyncClient``, msgspec decoding to plain dicts."""

    def __init__(self, base: str) -> None:
        import httpx

        self.url = base + "/chat/completions"
        limits = httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL)
        self.client = httpx.AsyncClient(limits=limits, timeout=60)
        self.headers, self.decode, self.chat_body, self.stream_body = _floor_wire()

    async def chat(self) -> str:
        r = await self.client.post(self.url, content=self.chat_body, headers=self.headers)
        content: str = self.decode(r.content)["choices"][0]["message"]["content"]
        return content

    async def stream(self, hold: Hold = None) -> int:
        async with self.client.stream(
            "POST", self.url, content=self.stream_body, headers=self.headers
        ) as r:
            return await count_sse(r.aiter_raw(), self.decode, hold)

    async def aclose(self) -> None:
        await self.client.aclose()


class OursAsync:
    """This SDK's ``AsyncMegaNova``; ``transport`` is ``"aiohttp"``, ``"httpx"`` or ``"threads"``."""

    transport = "aiohttp"

    def __init__(self, base: str) -> None:
        from meganova import AsyncMegaNova  # type: ignore[attr-defined]

        self.client = AsyncMegaNova(api_key=API_KEY, base_url=base, transport=self.transport)

    async def chat(self) -> str:
        resp = await self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=MAX_TOKENS
        )
        return str(resp.choices[0].message.content)

    async def stream(self, hold: Hold = None) -> int:
        stream = await self.client.chat.completions.create(
            model=MODEL, messages=MESSAGES, max_tokens=MAX_TOKENS, stream=True
        )
        return await count_chunks(stream, hold)

    async def aclose(self) -> None:
        await self.client.close()


class OursHttpx(OursAsync):
    transport = "httpx"


class OursThreads(OursAsync):
    transport = "threads"


class AsyncOpenAISDK:
    """The OpenAI SDK's ``AsyncOpenAI``, ``base_url`` pointed at the local server."""

    def __init__(self, base: str) -> None:
        from openai import AsyncOpenAI

        self.client = AsyncOpenAI(api_key=API_KEY, base_url=base)

    async def chat(self) -> str:
        resp = await self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=MAX_TOKENS,
        )
        return str(resp.choices[0].message.content)

    async def stream(self, hold: Hold = None) -> int:
        stream = await self.client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=MAX_TOKENS,
            stream=True,
        )
        return await count_chunks(stream, hold)

    async def aclose(self) -> None:
        await self.client.close()


ACLIENTS: dict[str, type] = {
    "raw_aiohttp": RawAiohttp,
    "raw_httpx": RawHttpx,
    "ours_aiohttp": OursAsync,
    "ours_httpx": OursHttpx,
    "ours_threads": OursThreads,
    "async_openai": AsyncOpenAISDK,
}
