"""0.4.0 names that were renamed: they resolve to today's class, with a warning."""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable, Mapping, Tuple

# 0.4.0 name -> (module that defines today's class, today's name)
Renames = Mapping[str, Tuple[str, str]]


def public_name(name: str) -> str:
    """Where users import ``name`` from today."""
    try:
        types = importlib.import_module("meganova.types")
    except ImportError:
        return name
    return f"meganova.types.{name}" if hasattr(types, name) else name


def resolve(module: str, name: str, renames: Renames, *, stacklevel: int = 3) -> Any:
    home, new = renames[name]
    value = getattr(importlib.import_module(home), new)
    warnings.warn(
        f"{module}.{name} is the meganova 0.4.0 name; use {public_name(new)} (see MIGRATING.md)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return value


def renamed(module: str, renames: Renames, **others: Any) -> Callable[[str], Any]:
    """A module ``__getattr__`` for a 0.4.0 module: renamed names warn; ``others`` (for
    example stand-ins) are returned as they are."""

    def __getattr__(name: str) -> Any:
        if name in renames:
            return resolve(module, name, renames)
        if name in others:
            return others[name]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
