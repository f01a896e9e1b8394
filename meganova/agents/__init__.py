"""The tool runner: a model that calls your Python functions until it can answer.

>>> from meganova.agents import Agent, tool                       # doctest: +SKIP
>>> agent = Agent(client, model="...", tools=[get_weather])       # doctest: +SKIP
>>> agent.run("Weather in Hanoi?").content                        # doctest: +SKIP

Any callable is a tool; its JSON schema comes from its signature and docstring.
``Hooks`` run around model and tool calls (approval of dangerous tools is a
``before_tool`` hook); ``Memory`` keeps the conversation across runs within a budget.
meganova 0.4.0's other names here (``ToolRegistry``, ``HookManager``, ``AgentTeam``,
the built-in tools and sandboxes, ...) import and fail on use saying what replaces
them (see MIGRATING.md).
"""

from __future__ import annotations

from typing import Any

from ._legacy import install_legacy_modules, legacy_name
from .events import (
    AgentEvent,
    AgentResult,
    DoneEvent,
    StopReason,
    TextEvent,
    ToolCallEvent,
    ToolResultEvent,
    TurnEndEvent,
)
from .history import Memory
from .policy import Deny, Failure, Hooks, ModelCall, ModelReply, Stop, ToolOutcome, ToolUse
from .runner import Agent
from .toolbox import Tool, tool

install_legacy_modules()

__all__ = [
    "Agent",
    "AgentEvent",
    "AgentResult",
    "Deny",
    "DoneEvent",
    "Failure",
    "Hooks",
    "Memory",
    "ModelCall",
    "ModelReply",
    "Stop",
    "StopReason",
    "TextEvent",
    "Tool",
    "ToolCallEvent",
    "ToolOutcome",
    "ToolResultEvent",
    "ToolUse",
    "TurnEndEvent",
    "tool",
]


def __getattr__(name: str) -> Any:
    return legacy_name(__name__, name)
