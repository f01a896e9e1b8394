"""The call's deadline for a reply whose socket reads we do not bound ourselves: one
read through a pool or session of the user's (built without ``_reply.DeadlineReader``)
may wait for a whole block while a server drips bytes just inside the read timeout.
A watch thread cuts it: once the deadline passes, the reply's socket is shut down,
which wakes the blocked read, and the reply reports the deadline."""

from __future__ import annotations

import threading
import weakref
from typing import Callable

from ..core.budget import TimeBudget

_MIN_WAIT = 0.01  # seconds between looks at a budget whose clock is not the real one


class DeadlineWatch:
    """Calls ``cut`` once ``budget`` is spent, unless ``cancel`` came first. Holds
    ``cut``'s object weakly: a reply dropped unread is not kept alive by its watch (the
    thread ends at its next look)."""

    __slots__ = ("_stop",)

    def __init__(self, budget: TimeBudget, cut: Callable[[], None]) -> None:
        self._stop = threading.Event()
        thread = threading.Thread(
            target=_watch,
            args=(budget, weakref.WeakMethod(cut), self._stop),
            name="meganova-deadline",
            daemon=True,
        )
        thread.start()

    def cancel(self) -> None:
        self._stop.set()


def _watch(
    budget: TimeBudget, cut: weakref.WeakMethod[Callable[[], None]], stop: threading.Event
) -> None:
    while not stop.wait(max(budget.remaining(), _MIN_WAIT)):
        method = cut()
        if method is None:
            return  # the reply is gone
        if budget.expired():
            method()
            return
