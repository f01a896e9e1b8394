"""The system clock: what the engine reads, and the waits the drivers perform."""

from __future__ import annotations

import time
from typing import Protocol


class WaitingClock(Protocol):
    """A clock the drivers can wait on: the engine's ``Clock`` plus ``sleep``
    (``AsyncMegaNova`` also uses ``asleep`` when the clock has one)."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Reads ``time.monotonic`` / ``time.time``; sleeps with ``time.sleep`` (sync) or
    ``asyncio.sleep`` (async). A clock of your own (``MegaNova(clock=...)``) needs
    ``monotonic``, ``time`` and ``sleep``, and ``asleep`` for ``AsyncMegaNova``."""

    # Looked up on the time module per call (not bound at import): tools that patch
    # time.monotonic / time.time (freezegun) reach the SDK's clock too.
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio  # not at import time: a sync-only process never loads asyncio

        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"
