"""The two drivers: the only code that performs what core's flows yield (send through
the transport, read a body, wait, run attempts under the retry policy, open a stream).
Every decision stays in the flows, so ``MegaNova`` and ``AsyncMegaNova`` share them."""

from __future__ import annotations

from typing import Any, TypeVar

from ..core.effects import Attempts, Effect, Flow, OpenStream, ReadBody, Send, Sleep
from ..core.limits import BodyLimit, join

T = TypeVar("T")


def read_body(response: Any, limit: BodyLimit) -> bytes:
    """The whole body within ``limit``, then the response is closed (a refused body's
    connection is discarded, never drained)."""
    try:
        try:
            if limit.start(response.status, response.headers):
                return bytes(response.read())
            parts = []
            for piece in response.iter_bytes():
                if not limit.take(piece):
                    break
                parts.append(piece)
            else:
                return join(parts) if parts else b""
            # The traceback keeps this frame alive as long as the error: hold nothing in it.
            parts.clear()
            del piece
            raise limit.over()
        except MemoryError:
            pass  # raised below, once the frames holding the partial body are gone
        raise limit.out_of_memory()
    finally:
        response.close()


async def aread_body(response: Any, limit: BodyLimit) -> bytes:
    """``read_body`` for an ``AsyncResponse``."""
    try:
        try:
            if limit.start(response.status, response.headers):
                return bytes(await response.aread())
            parts = []
            async for piece in response.aiter_bytes():
                if not limit.take(piece):
                    break
                parts.append(piece)
            else:
                return join(parts) if parts else b""
            parts.clear()
            del piece
            raise limit.over()
        except MemoryError:
            pass
        raise limit.out_of_memory()
    finally:
        await response.aclose()


class SyncDriver:
    """Runs flows to completion in the calling thread."""

    __slots__ = ("clock", "retry_policy", "transport")

    def __init__(self, transport: Any, retry_policy: Any, clock: Any) -> None:
        self.transport = transport
        self.retry_policy = retry_policy
        self.clock = clock

    def run(self, flow: Flow[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            error = value = None
            try:
                value = self._perform(effect)
            except BaseException as exc:  # thrown into the flow, which decides
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.transport.send(effect.request)
        if isinstance(effect, ReadBody):
            return read_body(effect.response, effect.limit)
        if isinstance(effect, Attempts):
            call = effect.call
            return self.retry_policy.run(lambda number: self.run(call.attempt(number)), call.decide)
        if isinstance(effect, OpenStream):
            return open_stream(effect)
        if isinstance(effect, Sleep):
            self.clock.sleep(effect.seconds)
            return None
        raise TypeError(f"not an effect: {effect!r}")


class AsyncDriver:
    """Runs flows to completion as coroutines; a cancelled run throws ``CancelledError``
    into the flow, so its cleanup runs, and re-raises it."""

    __slots__ = ("clock", "retry_policy", "transport")

    def __init__(self, transport: Any, retry_policy: Any, clock: Any) -> None:
        self.transport = transport
        self.retry_policy = retry_policy
        self.clock = clock

    async def run(self, flow: Flow[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                return result
            error = value = None
            try:
                value = await self._perform(effect)
            except BaseException as exc:
                error = exc

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self.transport.send(effect.request)
        if isinstance(effect, ReadBody):
            return await aread_body(effect.response, effect.limit)
        if isinstance(effect, Attempts):
            call = effect.call
            return await self.retry_policy.arun(
                lambda number: self.run(call.attempt(number)), call.decide
            )
        if isinstance(effect, OpenStream):
            return aopen_stream(effect)
        if isinstance(effect, Sleep):
            await _asleep(self.clock, effect.seconds)
            return None
        raise TypeError(f"not an effect: {effect!r}")


async def _asleep(clock: Any, seconds: float) -> None:
    """The clock's own async wait (a virtual clock's is instant), else asyncio's."""
    asleep = getattr(clock, "asleep", None)
    if asleep is None:
        import asyncio

        await asyncio.sleep(seconds)
    else:
        await asleep(seconds)


def open_stream(effect: OpenStream) -> Any:
    from ..streaming import ChatCompletionStream, ChatStream

    return _wrap(effect, ChatCompletionStream, ChatStream)


def aopen_stream(effect: OpenStream) -> Any:
    from ..streaming_async import AsyncChatCompletionStream, AsyncChatStream

    return _wrap(effect, AsyncChatCompletionStream, AsyncChatStream)


def _wrap(effect: OpenStream, wire: Any, guideline: Any) -> Any:
    """The flavour's stream over the effect's response (``guideline``: its items)."""
    stream = wire(
        effect.response,
        codec=effect.codec,
        clock=effect.clock,
        read_timeout=effect.read_timeout,
        request_id=effect.request_id,
        redactor=effect.redactor,
        budget=effect.budget,
    )
    return guideline(stream) if effect.guideline else stream


class BoundEngine:
    """An engine with its driver: ``request`` and ``open_stream`` run a call at once
    (awaitables with the async driver). Everything else is the engine's."""

    __slots__ = ("driver", "engine")

    def __init__(self, engine: Any, driver: Any) -> None:
        self.engine = engine
        self.driver = driver

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def __repr__(self) -> str:
        return repr(self.engine)

    @property
    def transport(self) -> Any:
        return self.driver.transport

    @property
    def retry_policy(self) -> Any:
        return self.driver.retry_policy

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a call and decode its 2xx body into ``cast_to``."""
        return self.driver.run(self.engine.fetch(method, path, **kwargs))

    def open_stream(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a call and return its 2xx response unread."""
        return self.driver.run(self.engine.open(method, path, **kwargs))
