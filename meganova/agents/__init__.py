"""0.4.0's ``meganova.agents`` (the agent runner, tools, hooks, memory, sandboxes): not in
this release yet.

Its names, and those of its submodules (``meganova.agents.tools.knowledge``, ...),
import, so an application that mentions them still starts; using one (calling it,
decorating with it, subclassing it) raises ``UnavailableFeatureError`` saying what to
do (see MIGRATING.md, "What's not in 0.5.0").
"""

from __future__ import annotations

from .._compat.removed import install_finder, stand_ins, warn_on_import

FEATURE = "the agent runner"
INSTEAD = (
    "The agent runner returns in a later release; until then keep it on meganova 0.4.0 "
    "in a separate environment, or run your tool loop over client.chat.completions.create "
    "with tools=[...]."
)

warn_on_import(__name__, FEATURE, INSTEAD)
install_finder(__name__ + ".", FEATURE, INSTEAD)

__all__ = [
    "Agent",
    "AgentResult",
    "AgentTurnEvent",
    "tool",
    "ToolDefinition",
    "ToolRegistry",
    "Hook",
    "HookContext",
    "HookManager",
    "HookResult",
    "HookType",
    "pre_tool_use",
    "post_tool_use",
    "pre_model_call",
    "post_model_call",
    "on_error",
    "Memory",
    "MessageMemory",
    "SlidingWindowMemory",
    "TokenBudgetMemory",
    "AgentTeam",
    "TeamResult",
]

__getattr__ = stand_ins(__name__, FEATURE, INSTEAD)
