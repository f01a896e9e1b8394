"""httpx's own transport, in shards of a few connections each behind one queue.

httpcore's connection pool, each time a request arrives or a connection frees, walks
all its connections, and for each idle one counts all of them again, then matches
every waiting request against every connection: with 200 calls on 100 connections
that walk is most of a call's CPU. Here requests wait in one semaphore (a waiter
costs nothing until its turn) and each goes to a shard with room for it, a plain
``httpx.AsyncHTTPTransport`` of at most ``SHARD`` connections, whose walks stay
short. The last shard freed is the next one used, so a light load keeps reusing the
same few warm connections. Public httpx API only: a transport of transports.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, List, Optional

import httpx

__all__ = ["SHARD", "ShardedTransport"]

SHARD = 2  # connections per shard (1 is a little cheaper, but churns between two origins)


class ShardedTransport(httpx.AsyncBaseTransport):
    """At most ``max_connections`` connections, in shards built by ``make(size)``.
    Waiting for room is bounded by the request's ``pool`` timeout, as in httpx."""

    def __init__(
        self, make: Callable[[int], httpx.AsyncBaseTransport], max_connections: int
    ) -> None:
        whole, rest = divmod(max_connections, SHARD)
        sizes = [SHARD] * whole + ([rest] if rest else [])
        self._shards = [make(size) for size in sizes]
        # One token per connection allowed, naming its shard; taken from the end.
        self._tokens: List[int] = [i for i in reversed(range(len(sizes))) for _ in range(sizes[i])]
        self._room = asyncio.Semaphore(max_connections)  # as many as tokens are left

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        room = self._room
        if room.locked():
            timeout: Any = request.extensions.get("timeout", {})
            try:
                await asyncio.wait_for(room.acquire(), timeout.get("pool"))
            except asyncio.TimeoutError:
                raise httpx.PoolTimeout("no connection came free", request=request) from None
        else:
            await room.acquire()  # at once
        token = self._tokens.pop()
        try:
            response = await self._shards[token].handle_async_request(request)
        except BaseException:
            self._leave(token)
            raise
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Releasing(response.stream, self, token),
            extensions=response.extensions,
            request=request,
        )

    def _leave(self, token: int) -> None:
        self._tokens.append(token)
        self._room.release()

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


class _Releasing(httpx.AsyncByteStream):
    """A reply's body; closing it (httpx does at its end) gives its place back."""

    __slots__ = ("_owner", "_stream", "_token")

    def __init__(self, stream: Any, owner: ShardedTransport, token: int) -> None:
        self._stream = stream
        self._owner: Optional[ShardedTransport] = owner
        self._token = token

    def __aiter__(self) -> AsyncIterator[bytes]:
        # The shard's own iterator: no layer of ours per chunk.
        iterator: AsyncIterator[bytes] = self._stream.__aiter__()
        return iterator

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            owner, self._owner = self._owner, None
            if owner is not None:
                owner._leave(self._token)
