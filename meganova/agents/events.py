"""What an agent run reports: the events of ``run(stream=True)`` / ``astream`` and the
final ``AgentResult``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Union

from ..core.models.chat import TokenUsage

StopReason = Literal["complete", "max_turns", "error", "stopped"]
"""Why a run ended (``AgentResult.stop_reason``)."""

__all__ = [
    "AgentEvent",
    "AgentResult",
    "DoneEvent",
    "StopReason",
    "TextEvent",
    "ToolCallEvent",
    "ToolResultEvent",
    "TurnEndEvent",
]


@dataclass
class AgentResult:
    """How a run ended.

    Attributes:
        content: The last answer's text (with ``max_turns``, the last text the model
            sent; ``""`` when it sent none).
        turns: Model calls made in this run.
        tool_calls_made: Tool calls the model asked for in this run.
        usage: Tokens summed over this run's model calls.
        messages: The conversation as sent at the end: the system prompt, the history
            kept in memory, this run's messages.
        stop_reason: ``"complete"`` (an answer without tool calls), ``"max_turns"``,
            ``"stopped"`` (a hook returned ``Stop``) or ``"error"`` (an ``on_error``
            hook returned ``Stop``; ``error`` holds the failure).
        model: The model asked.
        error: The failure, when ``stop_reason`` is ``"error"``.
    """

    content: str
    turns: int
    tool_calls_made: int
    usage: TokenUsage
    messages: List[Dict[str, Any]]
    stop_reason: StopReason
    model: str = ""
    error: Optional[BaseException] = None

    @property
    def total_tokens(self) -> int:
        """``usage.total_tokens`` (meganova 0.4.0's name)."""
        return self.usage.total_tokens


@dataclass(frozen=True)
class TextEvent:
    """A piece of the model's answer text, as it streams in."""

    text: str
    turn: int
    type: Literal["text"] = field(default="text", init=False)


@dataclass(frozen=True)
class ToolCallEvent:
    """The model asked for a tool. ``arguments``: the decoded arguments (``None`` when
    they were not a JSON object; ``raw_arguments`` holds the text as sent)."""

    id: str
    name: str
    arguments: Optional[Dict[str, Any]]
    raw_arguments: str
    turn: int
    type: Literal["tool_call"] = field(default="tool_call", init=False)


@dataclass(frozen=True)
class ToolResultEvent:
    """What went back to the model for the call ``id``; ``is_error`` when the tool
    raised, was unknown, got arguments that did not fit, or was denied by a hook."""

    id: str
    name: str
    content: str
    is_error: bool
    turn: int
    type: Literal["tool_result"] = field(default="tool_result", init=False)


@dataclass(frozen=True)
class TurnEndEvent:
    """A model call and the tool calls it asked for are done."""

    turn: int
    message: Dict[str, Any]
    usage: Optional[TokenUsage]
    type: Literal["turn_end"] = field(default="turn_end", init=False)


@dataclass(frozen=True)
class DoneEvent:
    """The run is over; ``result`` as ``run()`` returns it."""

    result: AgentResult
    type: Literal["done"] = field(default="done", init=False)


AgentEvent = Union[TextEvent, ToolCallEvent, ToolResultEvent, TurnEndEvent, DoneEvent]
"""Any event of a streamed run; tell them apart by class or by ``type``."""
