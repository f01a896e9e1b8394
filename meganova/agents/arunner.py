"""The agent loop's async driver: the same loop as ``run``, effects performed with an
``AsyncMegaNova`` client. Async tools and hooks are awaited; sync tools run in worker
threads; the tool calls of one turn run concurrently, at most ``max_parallel_tools``."""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, AsyncGenerator, List, Optional

from .events import AgentEvent, TextEvent
from .loop import CallHook, CallModel, Emit, Outcome, RunTools, reply_of
from .toolbox import BoundCall

if TYPE_CHECKING:
    from .loop import Flow
    from .runner import Agent

__all__ = ["AsyncDriver"]


class AsyncDriver:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    async def drive(self, flow: Flow) -> AsyncGenerator[AgentEvent, None]:
        value: Any = None
        error: Optional[BaseException] = None
        try:
            while True:
                try:
                    effect = flow.send(value) if error is None else flow.throw(error)
                except StopIteration:
                    return
                value, error = None, None
                if isinstance(effect, Emit):
                    yield effect.event
                elif isinstance(effect, CallModel) and effect.stream:
                    # text is reported while the reply streams: a generator of its own
                    try:
                        async for item in self.stream_model(effect):
                            if isinstance(item, TextEvent):
                                yield item
                            else:
                                value = item
                    except Exception as exc:
                        error = exc
                else:
                    try:
                        value = await self.perform(effect)
                    except Exception as exc:  # thrown into the loop, which decides
                        error = exc
        finally:
            flow.close()

    async def perform(self, effect: Any) -> Any:
        if isinstance(effect, CallModel):
            params = self.agent._chat_params(effect)
            return reply_of(await self.agent.client.chat.completions.create(**params))
        if isinstance(effect, CallHook):
            answer = effect.hook(effect.argument)
            return await answer if inspect.isawaitable(answer) else answer
        assert isinstance(effect, RunTools)
        return await self.run_tools(effect.calls)

    async def stream_model(self, effect: CallModel) -> AsyncGenerator[Any, None]:
        params = self.agent._chat_params(effect)
        stream = await self.agent.client.chat.completions.create(**params)
        async with stream:
            async for chunk in stream:
                for choice in chunk.choices:
                    text = choice.delta.content if choice.index == 0 else None
                    if text:
                        yield TextEvent(text, effect.turn)
            yield reply_of(await stream.get_final_response())

    async def run_tools(self, calls: Any) -> List[Outcome]:
        gate = asyncio.Semaphore(self.agent.max_parallel_tools)

        async def one(call: BoundCall) -> Outcome:
            async with gate:
                try:
                    if call.tool.is_async:
                        value = await call.invoke()
                    else:
                        value = await asyncio.to_thread(call.invoke)
                        if inspect.isawaitable(value):
                            value = await value
                except Exception as exc:  # the model reads it as the tool's result
                    return Outcome(error=exc)
                return Outcome(value=value)

        if len(calls) == 1:
            return [await one(calls[0])]
        return list(await asyncio.gather(*(one(call) for call in calls)))
