"""The two drivers: the only code that performs what core's flows yield (send through
the transport, read a body, wait, run attempts under the retry policy, open a stream).
Every decision stays in the flows, so ``MegaNova`` and ``AsyncMegaNova`` share them."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Any, Awaitable, Callable, TypeVar

from ..core.effects import Attempts, Effect, Emit, Flow, OpenStream, ReadBody, Send, Sleep
from ..core.errors import MeganovaError
from ..core.hooks import Hooks
from ..core.limits import BodyLimit, join
from ..core.observe import CallWatch, StreamWatch, operation_name
from ..core.response_info import ATTRIBUTE, attach_info, info_of
from ._hooks import acall_hooks, call_hooks, close_awaitable, finish_hook, start_hooks

T = TypeVar("T")


def keep_reply(target: object, call: Any) -> None:
    """``target`` (a result or an error) keeps the ``call`` whose reply made it, for
    ``response_info`` (which makes the ``ResponseInfo`` only if asked)."""
    try:
        state = target.__dict__
    except AttributeError:  # a str, a dict: nothing to tell
        return
    if ATTRIBUTE not in state:
        state[ATTRIBUTE] = call
        call.request = call.json = None  # a kept result keeps neither


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
    """Runs flows to completion in the calling thread. ``run`` runs a user's call: its
    result (or error) carries the reply's ``ResponseInfo``, and with ``hooks`` set the
    call's events reach them."""

    __slots__ = ("clock", "hooks", "retry_policy", "transport")

    def __init__(
        self, transport: Any, retry_policy: Any, clock: Any, hooks: Hooks | None = None
    ) -> None:
        self.transport = transport
        self.retry_policy = retry_policy
        self.clock = clock
        self.hooks = hooks

    def run(self, flow: Flow[T]) -> T:
        hooks = self.hooks
        if hooks is not None:
            return self._observed(flow, hooks)
        value: Any = None
        error: BaseException | None = None
        last: Any = None  # the Call of the latest request: its reply is the result's
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                if last is not None and last.attempts:
                    keep_reply(result, last)
                return result
            except MeganovaError as exc:
                if last is not None and last.attempts:
                    keep_reply(exc, last)
                raise
            error = value = None
            try:
                kind = effect.__class__
                if kind is Attempts:
                    call = effect.call  # type: ignore[union-attr]
                    if last is not None:
                        call.started = last.started  # elapsed counts from the call's start
                    last = call
                    value = self.retry_policy.run(partial(self._attempt, call), call.decide)
                elif kind is OpenStream:
                    value = open_stream(effect, last)  # type: ignore[arg-type]
                else:
                    value = self._perform(effect)
            except BaseException as exc:  # thrown into the flow, which decides
                error = exc

    def resume(self, flow: Flow[T], call: Any, watch: CallWatch | None) -> T:
        """Run the rest of a call whose request ``call`` was answered (a raw streaming
        reply's ``parse()``); an observed call's events go on under its ``watch``."""
        hooks = self.hooks
        if hooks is None or watch is None:
            return self.run(flow)
        return self._observed(flow, hooks, watch, call)

    def _observed(
        self, flow: Flow[T], hooks: Hooks, watch: CallWatch | None = None, last: Any = None
    ) -> T:
        """``run`` for a client with hooks: the call's events are emitted too."""
        clock = self.clock
        if watch is None:
            watch = CallWatch(operation_name(getattr(flow, "__qualname__", "")))
        value: Any = None
        error: BaseException | None = None
        streamed = False
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                info = None if last is None else last.response_info()
                if info is not None:
                    attach_info(result, info)
                if not streamed:  # a stream ends its call when it ends
                    self._emit(hooks, watch.end(clock.monotonic(), result=result, info=info))
                return result
            except BaseException as exc:
                info = None if last is None else last.response_info()
                if isinstance(exc, MeganovaError):
                    if info is not None:
                        attach_info(exc, info)
                    info = info_of(exc)  # its own when an attempt raised it
                # Interrupted (KeyboardInterrupt) too: a call that started always ends.
                with contextlib.suppress(Exception):
                    self._emit(hooks, watch.end(clock.monotonic(), error=exc, info=info))
                raise
            error = value = None
            try:
                kind = effect.__class__
                if kind is Attempts:
                    call = effect.call  # type: ignore[union-attr]
                    last = call
                    self._emit(hooks, watch.attempts(call))
                    value = self.retry_policy.run(
                        partial(self._attempt, call), self._deciding(call, hooks)
                    )
                elif kind is OpenStream:
                    streamed = True
                    value = open_stream(
                        effect,  # type: ignore[arg-type]
                        last,
                        watch,
                        lambda event: self._emit(hooks, event),
                    )
                else:
                    value = self._perform(effect)
            except BaseException as exc:
                error = exc

    def _deciding(self, call: Any, hooks: Hooks) -> Callable[[BaseException, int], Any]:
        """``call.decide``, emitting ``on_retry`` when it says retry (before the wait)."""

        def decide(error: BaseException, number: int) -> Any:
            verdict = call.decide(error, number)
            if verdict.retry:
                self._emit(hooks, call.retry_event(error, number, verdict.delay))
            return verdict

        return decide

    def _attempt(self, call: Any, number: int) -> Any:
        return self._drive(call.attempt(number))

    def _emit(self, hooks: Hooks, event: Any) -> None:
        if event is not None:
            call_hooks(hooks, event)

    def _drive(self, flow: Flow[T]) -> T:
        """Run a flow (an attempt) to its end, performing what it yields."""
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
                kind = effect.__class__  # an attempt's two effects, without a call more
                if kind is Send:
                    value = self.transport.send(effect.request)  # type: ignore[union-attr]
                elif kind is ReadBody:
                    value = read_body(effect.response, effect.limit)  # type: ignore[union-attr]
                else:
                    value = self._perform(effect)
            except BaseException as exc:  # thrown into the flow, which decides
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.transport.send(effect.request)
        if isinstance(effect, ReadBody):
            return read_body(effect.response, effect.limit)
        if isinstance(effect, Emit):
            hooks = self.hooks
            if hooks is not None:
                call_hooks(hooks, effect.event)
            return None
        if isinstance(effect, Attempts):
            call = effect.call
            return self.retry_policy.run(
                lambda number: self._drive(call.attempt(number)), call.decide
            )
        if isinstance(effect, OpenStream):
            return open_stream(effect, None)
        if isinstance(effect, Sleep):
            self.clock.sleep(effect.seconds)
            return None
        raise TypeError(f"not an effect: {effect!r}")


class AsyncDriver:
    """Runs flows to completion as coroutines; a cancelled run throws ``CancelledError``
    into the flow, so its cleanup runs, and re-raises it. As ``SyncDriver``, ``run``
    attaches the reply's ``ResponseInfo`` and emits the events of observed calls
    (a hook may be ``async``: it is awaited)."""

    __slots__ = ("clock", "hooks", "retry_policy", "transport")

    def __init__(
        self, transport: Any, retry_policy: Any, clock: Any, hooks: Hooks | None = None
    ) -> None:
        self.transport = transport
        self.retry_policy = retry_policy
        self.clock = clock
        self.hooks = hooks

    async def run(self, flow: Flow[T]) -> T:
        hooks = self.hooks
        if hooks is not None:
            return await self._observed(flow, hooks)
        value: Any = None
        error: BaseException | None = None
        last: Any = None
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                if last is not None and last.attempts:
                    keep_reply(result, last)
                return result
            except MeganovaError as exc:
                if last is not None and last.attempts:
                    keep_reply(exc, last)
                raise
            error = value = None
            try:
                kind = effect.__class__
                if kind is Attempts:
                    call = effect.call  # type: ignore[union-attr]
                    if last is not None:
                        call.started = last.started
                    last = call
                    value = await self.retry_policy.arun(partial(self._attempt, call), call.decide)
                elif kind is OpenStream:
                    value = aopen_stream(effect, last)  # type: ignore[arg-type]
                else:
                    value = await self._perform(effect)
            except BaseException as exc:
                error = exc

    async def resume(self, flow: Flow[T], call: Any, watch: CallWatch | None) -> T:
        """As ``SyncDriver.resume``."""
        hooks = self.hooks
        if hooks is None or watch is None:
            return await self.run(flow)
        return await self._observed(flow, hooks, watch, call)

    async def _observed(
        self, flow: Flow[T], hooks: Hooks, watch: CallWatch | None = None, last: Any = None
    ) -> T:
        clock = self.clock
        if watch is None:
            watch = CallWatch(operation_name(getattr(flow, "__qualname__", "")))
        value: Any = None
        error: BaseException | None = None
        streamed = False
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                result: T = stop.value
                info = None if last is None else last.response_info()
                if info is not None:
                    attach_info(result, info)
                if not streamed:
                    await self._emit(hooks, watch.end(clock.monotonic(), result=result, info=info))
                return result
            except BaseException as exc:
                info = None if last is None else last.response_info()
                if isinstance(exc, MeganovaError):
                    if info is not None:
                        attach_info(exc, info)
                    info = info_of(exc)  # its own when an attempt raised it
                # Cancelled too: a call that started always ends (the hooks are called
                # while the cancellation goes on; the CancelledError is raised after).
                with contextlib.suppress(Exception):
                    await self._emit(hooks, watch.end(clock.monotonic(), error=exc, info=info))
                raise
            error = value = None
            try:
                kind = effect.__class__
                if kind is Attempts:
                    call = effect.call  # type: ignore[union-attr]
                    last = call
                    await self._emit(hooks, watch.attempts(call))
                    value = await self._attempts(call, hooks)
                elif kind is OpenStream:
                    streamed = True
                    value = aopen_stream(
                        effect,  # type: ignore[arg-type]
                        last,
                        watch,
                        lambda event: self._emit(hooks, event),
                    )
                else:
                    value = await self._perform(effect)
            except BaseException as exc:
                error = exc

    async def _attempts(self, call: Any, hooks: Hooks) -> Any:
        """The attempts of an observed call. ``on_retry`` hooks are called when the
        retry is decided (before the wait); an async one is awaited before the next
        attempt starts (the retry policy's ``decide`` cannot await)."""
        pending: list[Any] = []

        def decide(error: BaseException, number: int) -> Any:
            verdict = call.decide(error, number)
            if verdict.retry:
                event = call.retry_event(error, number, verdict.delay)
                if event is not None:
                    pending.extend(start_hooks(hooks, event))
            return verdict

        async def attempt(number: int) -> Any:
            while pending:
                await finish_hook(pending.pop(0))
            return await self._drive(call.attempt(number))

        try:
            return await self.retry_policy.arun(attempt, decide)
        finally:
            for awaitable in pending:  # never awaited: the call ended first
                close_awaitable(awaitable)

    def _attempt(self, call: Any, number: int) -> Awaitable[Any]:
        return self._drive(call.attempt(number))

    async def _emit(self, hooks: Hooks, event: Any) -> None:
        if event is not None:
            await acall_hooks(hooks, event)

    async def _drive(self, flow: Flow[T]) -> T:
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
                kind = effect.__class__  # as the sync driver's: one coroutine less each
                if kind is Send:
                    value = await self.transport.send(effect.request)  # type: ignore[union-attr]
                elif kind is ReadBody:
                    value = await aread_body(effect.response, effect.limit)  # type: ignore[union-attr]
                else:
                    value = await self._perform(effect)
            except BaseException as exc:
                error = exc

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self.transport.send(effect.request)
        if isinstance(effect, ReadBody):
            return await aread_body(effect.response, effect.limit)
        if isinstance(effect, Emit):
            hooks = self.hooks
            if hooks is not None:
                await acall_hooks(hooks, effect.event)
            return None
        if isinstance(effect, Attempts):
            call = effect.call
            return await self.retry_policy.arun(
                lambda number: self._drive(call.attempt(number)), call.decide
            )
        if isinstance(effect, OpenStream):
            return aopen_stream(effect, None)
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


def open_stream(effect: OpenStream, call: Any, watch: Any = None, emit: Any = None) -> Any:
    """The sync stream of an ``OpenStream`` (``call``: the request it answers; with
    ``watch`` and ``emit``, an observed call's stream events reach the hooks)."""
    if effect.raw is not None:  # with_streaming_response: the bytes as they arrive
        from ..raw import StreamingResponse

        return StreamingResponse._opened(effect, call, watch, emit)
    from ..streaming import ChatCompletionStream, ChatStream, ParsedChatCompletionStream

    wire = ChatCompletionStream if effect.parse is None else ParsedChatCompletionStream
    return _wrap(effect, wire, ChatStream, call, watch, emit)


def aopen_stream(effect: OpenStream, call: Any, watch: Any = None, emit: Any = None) -> Any:
    """``open_stream`` for ``AsyncMegaNova`` (``emit`` returns an awaitable)."""
    if effect.raw is not None:
        from ..raw import AsyncStreamingResponse

        return AsyncStreamingResponse._opened(effect, call, watch, emit)
    from ..streaming_async import (
        AsyncChatCompletionStream,
        AsyncChatStream,
        AsyncParsedChatCompletionStream,
    )

    wire = AsyncChatCompletionStream if effect.parse is None else AsyncParsedChatCompletionStream
    return _wrap(effect, wire, AsyncChatStream, call, watch, emit)


def _wrap(effect: OpenStream, wire: Any, guideline: Any, call: Any, watch: Any, emit: Any) -> Any:
    """The flavour's stream over the effect's response (``guideline``: its items;
    ``effect.parse``: a parsed wire stream's final response goes through it)."""
    info = None if call is None else call.response_info()
    started = effect.clock.monotonic() if call is None else call.started
    stream = wire(
        effect.response,
        codec=effect.codec,
        clock=effect.clock,
        read_timeout=effect.read_timeout,
        request_id=effect.request_id,
        redactor=effect.redactor,
        budget=effect.budget,
    )
    if effect.parse is not None:
        stream._parse = effect.parse
    stream._observe(StreamWatch(info, watch, started, call), emit)
    if info is not None:
        attach_info(stream, info)
    if effect.guideline:
        stream = guideline(stream)
        if info is not None:
            attach_info(stream, info)
    return stream


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
