"""meganova 0.4.0's ``meganova.agents`` names and module paths that are not today's:
renamed ones resolve with a ``DeprecationWarning``; the rest import and fail on use
saying what replaces them (``UnavailableFeatureError``, see MIGRATING.md)."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Dict, Tuple

from .._compat.aliases import Renames, resolve
from .._compat.removed import unavailable

PACKAGE = "meganova.agents"
# 0.4.0 submodules (today's modules have other names, so these never shadow them)
OLD_MODULES = ("agent", "hooks", "memory", "subagents", "tools", "sandbox")

RENAMES: Renames = {
    "ToolDefinition": (PACKAGE + ".toolbox", "Tool"),
    "MessageMemory": (PACKAGE + ".history", "Memory"),
}
KEPT = ("Agent", "AgentResult", "tool")

_HOOKS = (
    "Pass Hooks(before_model=..., after_model=..., before_tool=..., after_tool=..., "
    "on_error=...) to Agent(hooks=...); a before_tool hook returns Deny(reason) to refuse "
    "a call or a dict to change its arguments."
)
_TOOLS = (
    "Built-in tools and sandboxes are not part of the SDK: pass your own functions "
    "(or another library's) in Agent(tools=[...])."
)
INSTEAD: Dict[str, Tuple[str, str]] = {
    "AgentTurnEvent": (
        "the agent runner's event class",
        "agent.run(prompt, stream=True) yields typed events: TextEvent, ToolCallEvent, "
        "ToolResultEvent, TurnEndEvent, DoneEvent.",
    ),
    "ToolRegistry": (
        "the agent runner's tool registry",
        "Pass the functions to Agent(tools=[...]); agent.tools lists their schemas.",
    ),
    **{
        name: ("the agent runner's hook classes", _HOOKS)
        for name in (
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
        )
    },
    "SlidingWindowMemory": ("the agent runner's memory classes", "Use Memory(max_turns=...)."),
    "TokenBudgetMemory": ("the agent runner's memory classes", "Use Memory(max_tokens=...)."),
    **{
        name: (
            "the agent runner's teams",
            "Chain agents yourself (one's result.content in the next one's prompt), or run "
            "them side by side with asyncio.gather over agent.arun(...).",
        )
        for name in ("AgentTeam", "TeamResult")
    },
}

_made: Dict[Tuple[str, str], type] = {}


def legacy_name(module: str, name: str) -> Any:
    """A 0.4.0 name looked up in ``module`` (``meganova.agents`` or an old submodule)."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    if name in RENAMES:
        return resolve(module, name, RENAMES, stacklevel=4)
    if module != PACKAGE and name in KEPT:
        return getattr(importlib.import_module(PACKAGE), name)
    if module == PACKAGE and name not in INSTEAD:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    feature, instead = INSTEAD.get(
        name, ("the agent runner's built-in tools and sandboxes", _TOOLS)
    )
    key = (module, name)
    if key not in _made:
        _made[key] = unavailable(module, name, feature, instead)
    return _made[key]


class _OldModules:
    """Resolves 0.4.0's module paths (``meganova.agents.hooks``,
    ``meganova.agents.tools.knowledge``, ...) to modules of ``legacy_name`` lookups."""

    prefixes = tuple(f"{PACKAGE}.{name}" for name in OLD_MODULES)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not any(fullname == p or fullname.startswith(p + ".") for p in self.prefixes):
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, self, is_package=True)  # type: ignore[arg-type]

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        name = module.__name__
        module.__path__ = []
        module.__getattr__ = lambda attr: legacy_name(name, attr)


def install_legacy_modules() -> None:
    if not any(isinstance(f, _OldModules) for f in sys.meta_path):
        sys.meta_path.append(_OldModules())
