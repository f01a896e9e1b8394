"""Calling the user's hooks: one event to every callable set for it, in order. A hook
that raises is logged (one warning per failed call of it) and the call goes on; an
async hook is awaited (``AsyncMegaNova``); one handed to ``MegaNova`` is closed
unawaited with a warning, since nothing could await it."""

from __future__ import annotations

import inspect
import logging
from typing import Any, Awaitable, List

from ..core.hooks import Hooks
from ..core.log import log_path

logger = logging.getLogger("meganova")

__all__ = ["acall_hooks", "call_hooks", "close_awaitable", "finish_hook", "start_hooks"]


def _failed(hook: Any, event: Any, exc: BaseException) -> None:
    name = getattr(hook, "__qualname__", None) or type(hook).__name__
    context = event.call
    logger.warning(
        "The %s hook %s raised %s; the call goes on",
        event.hook,
        name,
        type(exc).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={  # the facts for structured handlers, as core's log lines give them
            "meganova_event": "hook_failed",
            "meganova_hook": event.hook,
            "meganova_error": type(exc).__name__,
            "meganova_method": context.method,
            "meganova_path": log_path(context.url),
            "meganova_elapsed": getattr(event, "elapsed", None),
        },
    )


def call_hooks(hooks: Hooks, event: Any) -> None:
    """Call every hook set for ``event`` (``MegaNova``: sync callables)."""
    for hook, _, result in start_hooks(hooks, event):
        close_awaitable(result)
        logger.warning(
            "The %s hook %s is async: MegaNova calls hooks synchronously "
            "(use AsyncMegaNova for async hooks); it did not run",
            event.hook,
            getattr(hook, "__qualname__", hook),
        )


async def acall_hooks(hooks: Hooks, event: Any) -> None:
    """Call every hook set for ``event``, awaiting those that return an awaitable."""
    for hook in hooks.handlers(event.hook):
        try:
            result = hook(event)
            if result is not None and inspect.isawaitable(result):
                await result
        except Exception as exc:
            _failed(hook, event, exc)


def start_hooks(hooks: Hooks, event: Any) -> List[Any]:
    """Call every hook set for ``event`` now; the awaitables async ones returned are
    given back (each paired with its hook and event) for ``finish_hook``."""
    pending: List[Any] = []
    for hook in hooks.handlers(event.hook):
        try:
            result = hook(event)
        except Exception as exc:
            _failed(hook, event, exc)
            continue
        if result is not None and inspect.isawaitable(result):
            pending.append((hook, event, result))
    return pending


async def finish_hook(item: Any) -> None:
    """Await one awaitable ``start_hooks`` gave back."""
    hook, event, awaitable = item
    try:
        await awaitable
    except Exception as exc:
        _failed(hook, event, exc)


def close_awaitable(item: Any) -> None:
    """Drop an awaitable that will not be awaited without a 'never awaited' warning."""
    awaitable: Awaitable[Any] = item[2] if isinstance(item, tuple) else item
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()
