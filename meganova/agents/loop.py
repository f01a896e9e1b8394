"""The agent's loop, written once for both clients: a generator that yields effects
(call the model, call a hook, run these tools, report an event) and receives their
outcomes, or has their failure thrown in. ``runner`` drives it with ``MegaNova``,
``arunner`` with ``AsyncMegaNova``; neither decides anything.

It does no I/O and no waiting: every step it takes is a decision on values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generator, List, Optional, Sequence, Tuple, Union

from ..core.errors import InvalidArgumentError, MeganovaError
from ..core.models.chat import TokenUsage
from .events import (
    AgentEvent,
    AgentResult,
    DoneEvent,
    StopReason,
    ToolCallEvent,
    ToolResultEvent,
    TurnEndEvent,
)
from .history import Memory
from .policy import Deny, Failure, ModelCall, ModelReply, Stop, ToolOutcome, ToolUse
from .toolbox import BoundCall, Toolbox, render_result

__all__ = ["CallHook", "CallModel", "Emit", "Outcome", "RunSpec", "RunTools", "agent_flow"]

Message = Dict[str, Any]


# -- effects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CallModel:
    """Send ``messages``; the outcome is the reply's assistant message (wire form) and
    usage as ``(message, usage)``. ``stream``: stream it, reporting text as it comes."""

    turn: int
    messages: List[Message]
    stream: bool


@dataclass(frozen=True)
class CallHook:
    """Call ``hook(argument)`` (awaiting it if it is async); the outcome is its value."""

    hook: Callable[..., Any]
    argument: Any


@dataclass(frozen=True)
class RunTools:
    """Run the calls (concurrently, bounded); the outcome is one ``Outcome`` per call, in
    the same order."""

    calls: Tuple[BoundCall, ...]


@dataclass(frozen=True)
class Emit:
    """Report ``event`` to a streaming caller; the outcome is ``None``."""

    event: AgentEvent


Effect = Union[CallModel, CallHook, RunTools, Emit]


@dataclass(frozen=True)
class Outcome:
    """What one tool call returned, or the exception it raised."""

    value: Any = None
    error: Optional[BaseException] = None


@dataclass(frozen=True)
class RunSpec:
    """What a run needs besides the prompt (from the ``Agent``)."""

    model: str
    system_prompt: Optional[str]
    toolbox: Toolbox
    hooks: Dict[str, List[Callable[..., Any]]]
    memory: Memory
    max_turns: int
    stream: bool


# -- the loop --------------------------------------------------------------------------


class _Run:
    """One run's running totals."""

    def __init__(self, spec: RunSpec) -> None:
        self.spec = spec
        self.usage = TokenUsage()
        self.turns = 0
        self.tool_calls = 0
        self.content = ""
        self.error: Optional[BaseException] = None  # a tool's, which on_error said ends the run
        self.system: Optional[Message] = (
            {"role": "system", "content": spec.system_prompt} if spec.system_prompt else None
        )

    def add_usage(self, usage: Optional[TokenUsage]) -> None:
        if usage is None:
            return
        self.usage = TokenUsage(
            prompt_tokens=self.usage.prompt_tokens + (usage.prompt_tokens or 0),
            completion_tokens=self.usage.completion_tokens + (usage.completion_tokens or 0),
            total_tokens=self.usage.total_tokens + (usage.total_tokens or 0),
        )

    def messages(self) -> List[Message]:
        head = [self.system] if self.system is not None else []
        return head + self.spec.memory.messages

    def result(self, reason: StopReason, error: Optional[BaseException] = None) -> AgentResult:
        return AgentResult(
            content=self.content,
            turns=self.turns,
            tool_calls_made=self.tool_calls,
            usage=self.usage,
            messages=self.messages(),
            stop_reason=reason,
            model=self.spec.model,
            error=error,
        )


Flow = Generator[Effect, Any, AgentResult]


def agent_flow(spec: RunSpec, prompt: str) -> Flow:
    """One ``run``: returns its ``AgentResult`` (and emits it as a ``DoneEvent``). A
    failure leaves the memory as it was before the run."""
    memory = spec.memory
    if memory._busy:
        raise MeganovaError(
            "this agent (or its memory) is already running a prompt; one agent holds one "
            "conversation: make an Agent per conversation to run prompts side by side",
            code="agent_busy",
        )
    memory._busy = True
    mark = memory._mark()
    try:
        memory._begin({"role": "user", "content": prompt})
        run = _Run(spec)
        result = yield from _turns(run)
    except BaseException:
        memory._rollback(mark)
        raise
    finally:
        memory._busy = False
    yield Emit(DoneEvent(result))
    return result


def _turns(run: _Run) -> Flow:
    spec = run.spec
    while run.turns < spec.max_turns:
        run.turns += 1
        turn = run.turns
        outgoing = spec.memory._window(run.system)
        sent = len(spec.memory)
        for hook in spec.hooks["before_model"]:
            answer = yield CallHook(hook, ModelCall(turn, list(outgoing)))
            if isinstance(answer, Stop):
                return run.result("stopped")
            if isinstance(answer, list):
                outgoing = answer
        try:
            message, usage = yield CallModel(turn, outgoing, spec.stream)
        except Exception as exc:
            stop = yield from _failed(run, exc, None)
            if stop:
                return run.result("error", exc)
            if isinstance(exc, MeganovaError):
                exc.agent_messages = run.messages()
            raise
        run.add_usage(usage)
        spec.memory._add(message)
        if usage is not None:
            spec.memory._record_usage(
                sent, run.system, usage.prompt_tokens or 0, usage.completion_tokens or 0
            )
        text = message.get("content")
        if isinstance(text, str) and text:
            run.content = text
        stopped = False
        for hook in spec.hooks["after_model"]:
            if isinstance((yield CallHook(hook, ModelReply(turn, message, usage))), Stop):
                stopped = True
        calls = message.get("tool_calls") or []
        if calls:
            run.tool_calls += len(calls)
            stopped = (yield from _tools(run, turn, calls, stopped)) or stopped
        yield Emit(TurnEndEvent(turn, message, usage))
        if stopped:
            return run.result("stopped")
        if run.error is not None:
            return run.result("error", run.error)
        if not calls:
            run.content = text if isinstance(text, str) else ""
            return run.result("complete")
    return run.result("max_turns")


def _failed(run: _Run, exc: BaseException, use: Optional[ToolUse]) -> Generator[Effect, Any, bool]:
    """Tell the ``on_error`` hooks; ``True`` when one of them says ``Stop``."""
    stop = False
    for hook in run.spec.hooks["on_error"]:
        answer = yield CallHook(hook, Failure(exc, run.turns, use, run.messages()))
        stop = stop or isinstance(answer, Stop)
    return stop


_NOT_RUN = "Not run: the run was stopped."
Planned = Tuple[ToolUse, Optional[str], Optional[BoundCall]]


def _tools(
    run: _Run, turn: int, calls: Sequence[Any], stopped: bool
) -> Generator[Effect, Any, bool]:
    """Check, run and answer one assistant message's tool calls; ``True`` when a hook
    said ``Stop``. Every call gets a result message, in call order, even when it was not
    run, so the conversation stays valid for the next call."""
    spec = run.spec
    plan: List[Planned] = []
    for call in calls:
        use, decoded = _decode(spec.toolbox, call, turn)
        yield Emit(
            ToolCallEvent(
                use.id,
                use.name,
                decoded if isinstance(decoded, dict) else None,
                _raw(call),
                turn,
            )
        )
        if isinstance(decoded, str):
            plan.append((use, decoded, None))
            continue
        verdict: Optional[str] = _NOT_RUN if stopped else None
        for hook in spec.hooks["before_tool"] if verdict is None else ():
            verdict = _verdict(use, (yield CallHook(hook, use)))
            if verdict is not None:
                stopped = stopped or verdict is _NOT_RUN
                break
        if verdict is not None:
            plan.append((use, verdict, None))
            continue
        checked = spec.toolbox.bind(use.name, use.arguments)
        plan.append((use, checked, None) if isinstance(checked, str) else (use, None, checked))
    if stopped:  # nothing runs once a hook said stop
        plan = [(use, _NOT_RUN if bound else text, None) for use, text, bound in plan]
    runnable = tuple(bound for _, _, bound in plan if bound is not None)
    outcomes = iter((yield RunTools(runnable)) if runnable else ())
    for use, text, bound in plan:
        outcome = ToolOutcome(use, text or "", True)
        if bound is not None:
            done: Outcome = next(outcomes)
            if done.error is None:
                outcome = ToolOutcome(use, render_result(done.value), False, value=done.value)
            else:
                error = done.error
                outcome = ToolOutcome(
                    use, f"Error: {type(error).__name__}: {error}", True, error=error
                )
                if (yield from _failed(run, error, use)):
                    run.error = error
        for hook in spec.hooks["after_tool"]:
            answer = yield CallHook(hook, outcome)
            if isinstance(answer, Stop):
                stopped = True
            elif isinstance(answer, str):
                outcome.content = answer
        spec.memory._add({"role": "tool", "tool_call_id": use.id, "content": outcome.content})
        yield Emit(ToolResultEvent(use.id, use.name, outcome.content, outcome.is_error, turn))
    return stopped


def _raw(call: Any) -> str:
    function = call.get("function") or {}
    raw = function.get("arguments")
    if raw is None:
        return ""
    return raw if isinstance(raw, str) else json.dumps(raw)


def _decode(toolbox: Toolbox, call: Any, turn: int) -> Tuple[ToolUse, Union[Dict[str, Any], str]]:
    function = call.get("function") or {}
    name = str(function.get("name") or "")
    decoded = toolbox.decode(name, _raw(call))
    arguments = dict(decoded) if isinstance(decoded, dict) else {}
    return ToolUse(str(call.get("id") or ""), name, arguments, turn), decoded


def _verdict(use: ToolUse, answer: Any) -> Optional[str]:
    """A ``before_tool`` answer: ``None`` to go on (arguments changed in ``use`` when
    given), else the text the model gets instead of running the tool."""
    if answer is None or answer is True:
        return None
    if isinstance(answer, Stop):
        return _NOT_RUN
    if answer is False:
        answer = Deny()
    if isinstance(answer, Deny):
        return f"Denied: {answer.reason}"
    if isinstance(answer, dict):
        use.arguments = dict(answer)
        return None
    raise InvalidArgumentError(
        f"a before_tool hook returned {type(answer).__name__}; it may return None, True, "
        "False, Deny(...), Stop(...) or a dict of arguments",
        argument="hooks",
    )


def reply_of(response: Any) -> Tuple[Message, Optional[TokenUsage]]:
    """A chat response's first choice as the assistant message to keep (wire form), and
    its usage: the outcome of ``CallModel``."""
    message: Message = {"role": "assistant", "content": ""}
    if response.choices:
        said = response.choices[0].message
        content = said.content if isinstance(said.content, str) else None
        calls = said.tool_calls or []
        message["content"] = content if content or not calls else None
        if calls:
            message["tool_calls"] = [
                {
                    "id": call.id or f"call_{index}",
                    "type": call.type or "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
                for index, call in enumerate(calls)
            ]
    return message, response.usage
