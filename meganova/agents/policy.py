"""Hooks: your functions the agent calls around each model call and each tool call.

Every hook is optional and may be a plain function or (with ``AsyncMegaNova``) an
``async def``. What a hook returns steers the run:

- ``before_model(call: ModelCall)``: ``None`` to go on, a list of messages to send
  instead, or ``Stop(...)``.
- ``after_model(reply: ModelReply)``: ``None`` or ``Stop(...)``.
- ``before_tool(use: ToolUse)``: ``None``/``True`` to allow, ``Deny("reason")`` (or
  ``False``) to refuse (the model reads the reason as the tool's result), a dict of
  arguments to use instead (checked like the model's), or ``Stop(...)``.
- ``after_tool(outcome: ToolOutcome)``: ``None``, a str to send the model instead of
  the result, or ``Stop(...)``.
- ``on_error(failure: Failure)``: ``None`` (a model-call failure is then raised),
  or ``Stop(...)`` to end the run with ``stop_reason="error"`` instead of raising.

An exception a hook raises is not caught: it ends the run and reaches the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from ..core.errors import InvalidArgumentError
from ..core.models.chat import TokenUsage

__all__ = [
    "Deny",
    "Failure",
    "Hooks",
    "ModelCall",
    "ModelReply",
    "Stop",
    "ToolOutcome",
    "ToolUse",
]

HookFn = Callable[..., Any]


@dataclass(frozen=True)
class Deny:
    """Returned by ``before_tool``: do not run the tool; ``reason`` goes to the model."""

    reason: str = "the call was refused"


@dataclass(frozen=True)
class Stop:
    """Returned by any hook: end the run now (``stop_reason="stopped"``, or ``"error"``
    from ``on_error``)."""

    reason: str = ""


@dataclass
class ModelCall:
    """What ``before_model`` sees: the messages about to be sent (turn 1 is the first
    model call of the run)."""

    turn: int
    messages: List[Dict[str, Any]]


@dataclass
class ModelReply:
    """What ``after_model`` sees: the assistant message (wire form) and its usage."""

    turn: int
    message: Dict[str, Any]
    usage: Optional[TokenUsage]

    @property
    def content(self) -> str:
        """The answer's text (``""`` when it only calls tools)."""
        text = self.message.get("content")
        return text if isinstance(text, str) else ""

    @property
    def tool_calls(self) -> List[Dict[str, Any]]:
        """The tool calls it asks for (wire form: ``id``, ``function.name``,
        ``function.arguments``)."""
        return list(self.message.get("tool_calls") or [])


@dataclass
class ToolUse:
    """A tool call the model asked for: ``arguments`` decoded from its JSON."""

    id: str
    name: str
    arguments: Dict[str, Any]
    turn: int


@dataclass
class ToolOutcome:
    """What ``after_tool`` sees: the call, the text going back to the model, and what the
    tool returned (``value``) or raised (``error``)."""

    use: ToolUse
    content: str
    is_error: bool
    value: Any = None
    error: Optional[BaseException] = None


@dataclass
class Failure:
    """What ``on_error`` sees: the exception, the turn, the tool call it came from
    (``None`` for a model call) and the conversation so far."""

    error: BaseException
    turn: int
    tool: Optional[ToolUse]
    messages: List[Dict[str, Any]]


@dataclass
class Hooks:
    """The functions an ``Agent`` calls around model and tool calls (see the module
    text for what each may return).

    Args:
        before_model: Called with a ``ModelCall`` before each model call.
        after_model: Called with a ``ModelReply`` after each model call.
        before_tool: Called with a ``ToolUse`` before each tool call: allow, deny, or
            change the arguments (this is where approval of dangerous tools goes).
        after_tool: Called with a ``ToolOutcome`` after each tool call.
        on_error: Called with a ``Failure`` when a model call or a tool fails.
    """

    before_model: Optional[HookFn] = None
    after_model: Optional[HookFn] = None
    before_tool: Optional[HookFn] = None
    after_tool: Optional[HookFn] = None
    on_error: Optional[HookFn] = None


_KINDS = ("before_model", "after_model", "before_tool", "after_tool", "on_error")


def hook_lists(hooks: Union[Hooks, Sequence[Hooks], None]) -> Dict[str, List[HookFn]]:
    """Each kind's functions, in the order given (checked: ``Agent(hooks=...)``)."""
    if hooks is None:
        given: Sequence[Hooks] = ()
    elif isinstance(hooks, Hooks):
        given = (hooks,)
    elif isinstance(hooks, (list, tuple)) and all(isinstance(h, Hooks) for h in hooks):
        given = hooks
    else:
        raise InvalidArgumentError("hooks must be a Hooks(...) or a list of them", argument="hooks")
    lists: Dict[str, List[HookFn]] = {kind: [] for kind in _KINDS}
    for item in given:
        for kind in _KINDS:
            fn = getattr(item, kind)
            if fn is None:
                continue
            if not callable(fn):
                raise InvalidArgumentError(
                    f"hooks: {kind} must be a function, got {type(fn).__name__}",
                    argument="hooks",
                )
            lists[kind].append(fn)
    return lists
