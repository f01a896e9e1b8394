"""``Agent``: a model, tools, hooks and memory; ``run`` drives the loop (``loop.py``)
with a ``MegaNova`` client, ``arun``/``astream`` with an ``AsyncMegaNova``."""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Dict,
    Generator,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Union,
    overload,
)

from ..core.errors import InvalidArgumentError
from .events import AgentEvent, AgentResult, DoneEvent, TextEvent
from .history import Memory
from .loop import CallHook, CallModel, Emit, Outcome, RunSpec, RunTools, agent_flow, reply_of
from .policy import Hooks, hook_lists
from .toolbox import BoundCall, Toolbox

if TYPE_CHECKING:
    from .loop import Flow

__all__ = ["Agent"]

# chat parameters the loop sets on every call
_OWN_PARAMS = frozenset({"messages", "model", "tools", "stream", "stream_options"})


class Agent:
    """A model that calls your Python functions until it can answer.

    ``run(prompt)`` sends the prompt with the tools' schemas; when the model asks for
    tools, they run (several at once when it asks for several), their results go back,
    and the model is called again, up to ``max_turns`` times. The conversation is kept
    in ``memory`` across runs. Use a ``MegaNova`` client with ``run``, an
    ``AsyncMegaNova`` with ``arun``/``astream``. One agent holds one conversation and runs
    one prompt at a time: starting another while one is under way raises
    ``MeganovaError`` (code ``agent_busy``); make an agent per conversation.

    Args:
        client: A ``MegaNova`` or ``AsyncMegaNova``.
        model: The model to call.
        system_prompt: Sent first in every model call (it is never trimmed).
        tools: Functions (any callable, sync or ``async def``; ``@tool`` optional) or
            ``Tool`` objects. Their schemas come from their signatures and docstrings.
        max_turns: Model calls at most, per run.
        temperature: Sent with each model call when set.
        max_tokens: Sent with each model call when set.
        hooks: A ``Hooks`` (or a list of them), called around model and tool calls.
        memory: Where the conversation is kept (default: ``Memory()``, unlimited).
        max_parallel_tools: How many tool calls of one turn run at the same time.
        name: A name for this agent (for your logs).
        params: More chat parameters sent with each model call (``top_p``,
            ``tool_choice``, ``extra_body``, ...).

    Raises:
        InvalidArgumentError: A tool cannot be described to a model (unsupported
            parameter type, ``*args``, a duplicate or invalid name, not callable; the
            message names the tool and the parameter), or another argument is invalid.
    """

    def __init__(
        self,
        client: Any,
        model: str,
        system_prompt: Optional[str] = None,
        tools: Optional[Sequence[Any]] = None,
        max_turns: int = 10,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        hooks: Union[Hooks, Sequence[Hooks], None] = None,
        memory: Optional[Memory] = None,
        *,
        max_parallel_tools: int = 4,
        name: str = "agent",
        params: Optional[Mapping[str, Any]] = None,
    ) -> None:
        chat = getattr(getattr(client, "chat", None), "completions", None)
        if not callable(getattr(chat, "create", None)):
            raise InvalidArgumentError(
                "client must be a MegaNova or AsyncMegaNova", argument="client"
            )
        if not isinstance(model, str) or not model:
            raise InvalidArgumentError("model must be a non-empty str", argument="model")
        if system_prompt is not None and not isinstance(system_prompt, str):
            raise InvalidArgumentError("system_prompt must be a str", argument="system_prompt")
        _positive("max_turns", max_turns)
        _positive("max_parallel_tools", max_parallel_tools)
        if max_tokens is not None:
            _positive("max_tokens", max_tokens)
        if temperature is not None and (
            isinstance(temperature, bool) or not isinstance(temperature, (int, float))
        ):
            raise InvalidArgumentError("temperature must be a number", argument="temperature")
        if memory is not None and not isinstance(memory, Memory):
            raise InvalidArgumentError("memory must be a Memory(...)", argument="memory")
        if params is not None and not isinstance(params, Mapping):
            raise InvalidArgumentError("params must be a dict", argument="params")
        taken = sorted(set(params or ()) & _OWN_PARAMS)
        if taken:
            raise InvalidArgumentError(
                f"params: the agent sets {', '.join(taken)} itself", argument="params"
            )
        self.client = client
        self.model = model
        self.system_prompt = system_prompt
        self.toolbox = Toolbox(tools or ())
        self.max_turns = max_turns
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.hooks = hooks
        self._hooks = hook_lists(hooks)
        self.memory = memory if memory is not None else Memory()
        self.max_parallel_tools = max_parallel_tools
        self.name = name
        self.params: Dict[str, Any] = dict(params or {})
        self.is_async = _is_async_client(client)
        if not self.is_async:
            _no_async_parts(self.toolbox, self._hooks)

    def __repr__(self) -> str:
        return f"Agent(name={self.name!r}, model={self.model!r}, tools={list(self.toolbox.tools)})"

    @property
    def tools(self) -> List[Dict[str, Any]]:
        """The tools as sent to the model (``{"type": "function", "function": ...}``)."""
        return list(self.toolbox.specs)

    # -- sync ----------------------------------------------------------------------------

    @overload
    def run(self, prompt: str, *, stream: Literal[False] = ...) -> AgentResult: ...

    @overload
    def run(self, prompt: str, *, stream: Literal[True]) -> Iterator[AgentEvent]: ...

    def run(self, prompt: str, *, stream: bool = False) -> Union[AgentResult, Iterator[AgentEvent]]:
        """Run ``prompt`` to an answer (or ``max_turns``), with a ``MegaNova`` client.

        Args:
            prompt: The user's message.
            stream: ``True`` returns an iterator of events instead (``TextEvent`` as the
                answer streams, ``ToolCallEvent``, ``ToolResultEvent``, ``TurnEndEvent``,
                and last ``DoneEvent`` with the result). Stopping early discards the run
                from memory.

        Returns:
            The ``AgentResult``, or the events.

        Raises:
            MeganovaError: A model call failed (the usual typed errors, after retries);
                ``error.agent_messages`` holds the conversation so far. The memory is
                left as it was before the run.
        """
        if self.is_async:
            raise InvalidArgumentError(
                "this agent has an AsyncMegaNova client: use await agent.arun(...)",
                argument="client",
            )
        flow = agent_flow(self._spec(prompt, stream), prompt)
        events = _SyncDriver(self).drive(flow)
        if stream:
            return events
        try:
            for event in events:
                if isinstance(event, DoneEvent):
                    return event.result
        finally:
            events.close()
        raise AssertionError("the agent loop ended without a result")  # pragma: no cover

    # -- async ---------------------------------------------------------------------------

    async def arun(self, prompt: str) -> AgentResult:
        """``run`` with an ``AsyncMegaNova`` client: async tools are awaited, sync tools
        run in worker threads, async hooks are awaited.

        Args:
            prompt: The user's message.

        Returns:
            The ``AgentResult``.

        Raises:
            MeganovaError: As ``run``.
        """
        from .arunner import AsyncDriver

        self._need_async()
        flow = agent_flow(self._spec(prompt, False), prompt)
        events = AsyncDriver(self).drive(flow)
        try:
            async for event in events:
                if isinstance(event, DoneEvent):
                    return event.result
        finally:
            await events.aclose()
        raise AssertionError("the agent loop ended without a result")  # pragma: no cover

    def astream(self, prompt: str) -> AsyncIterator[AgentEvent]:
        """``run(prompt, stream=True)`` with an ``AsyncMegaNova`` client: ``async for
        event in agent.astream(prompt)``.

        Args:
            prompt: The user's message.

        Returns:
            An async iterator of the run's events (the last is ``DoneEvent``).
        """
        from .arunner import AsyncDriver

        self._need_async()
        return AsyncDriver(self).drive(agent_flow(self._spec(prompt, True), prompt))

    # -- shared --------------------------------------------------------------------------

    def _need_async(self) -> None:
        if not self.is_async:
            raise InvalidArgumentError(
                "this agent has a MegaNova client: use agent.run(...)", argument="client"
            )

    def _spec(self, prompt: str, stream: bool) -> RunSpec:
        if not isinstance(prompt, str) or not prompt:
            raise InvalidArgumentError("prompt must be a non-empty str", argument="prompt")
        return RunSpec(
            model=self.model,
            system_prompt=self.system_prompt,
            toolbox=self.toolbox,
            hooks=self._hooks,
            memory=self.memory,
            max_turns=self.max_turns,
            stream=stream,
        )

    def _chat_params(self, effect: CallModel) -> Dict[str, Any]:
        """The keyword arguments of one model call."""
        params: Dict[str, Any] = dict(self.params)
        params.update(messages=effect.messages, model=self.model)
        if len(self.toolbox):
            params["tools"] = self.toolbox.specs
        if self.temperature is not None:
            params["temperature"] = self.temperature
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        if effect.stream:
            params["stream"] = True
            params["stream_options"] = {"include_usage": True}
        return params


class _SyncDriver:
    """Performs the loop's effects with a ``MegaNova`` client, in this thread."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def drive(self, flow: Flow) -> Generator[AgentEvent, None, None]:
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
                    continue
                try:
                    if isinstance(effect, CallModel):
                        value = yield from self.call_model(effect)
                    elif isinstance(effect, CallHook):
                        value = _sync_hook(effect)
                    else:
                        value = self.run_tools(effect)
                except Exception as exc:  # thrown into the loop, which decides
                    error = exc
        finally:
            flow.close()

    def call_model(self, effect: CallModel) -> Generator[AgentEvent, None, Any]:
        create = self.agent.client.chat.completions.create
        params = self.agent._chat_params(effect)
        if not effect.stream:
            return reply_of(create(**params))
        with create(**params) as stream:
            for chunk in stream:
                for choice in chunk.choices:
                    text = choice.delta.content if choice.index == 0 else None
                    if text:
                        yield TextEvent(text, effect.turn)
            return reply_of(stream.get_final_response())

    def run_tools(self, effect: RunTools) -> List[Outcome]:
        calls = effect.calls
        workers = min(len(calls), self.agent.max_parallel_tools)
        if workers <= 1:
            return [_invoke(call) for call in calls]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="meganova-tool") as pool:
            return list(pool.map(_invoke, calls))


def _invoke(call: BoundCall) -> Outcome:
    try:
        value = call.invoke()
    except Exception as exc:  # the model reads it as the tool's result
        return Outcome(error=exc)
    if inspect.isawaitable(value):
        _discard(value)
        return Outcome(error=TypeError("the tool returned an awaitable; use AsyncMegaNova"))
    return Outcome(value=value)


def _sync_hook(effect: CallHook) -> Any:
    value = effect.hook(effect.argument)
    if inspect.isawaitable(value):
        _discard(value)
        raise InvalidArgumentError(
            "an async hook needs an AsyncMegaNova client and agent.arun(...)",
            argument="hooks",
        )
    return value


def _discard(awaitable: Any) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()  # no "never awaited" warning


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive int", argument=name)


def _is_async_client(client: Any) -> bool:
    from ..client import AsyncMegaNova, MegaNova

    if isinstance(client, AsyncMegaNova):
        return True
    if isinstance(client, MegaNova):
        return False
    return inspect.iscoroutinefunction(client.chat.completions.create)


def _no_async_parts(toolbox: Toolbox, hooks: Mapping[str, List[Any]]) -> None:
    for tool in toolbox.tools.values():
        if tool.is_async:
            raise InvalidArgumentError(
                f"tool {tool.name!r} is async: it needs an AsyncMegaNova client (and agent.arun)",
                argument="tools",
            )
    for kind, fns in hooks.items():
        for fn in fns:
            if inspect.iscoroutinefunction(fn):
                raise InvalidArgumentError(
                    f"hooks: {kind} is async: it needs an AsyncMegaNova client (and agent.arun)",
                    argument="hooks",
                )
