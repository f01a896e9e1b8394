"""A virtual clock: sleeping advances time instantly, so retries and deadlines cost nothing."""

from __future__ import annotations

import threading


class VirtualClock:
    """Implements the client's clock (``monotonic``, ``time``, ``sleep``) without waiting.

    Pass it as ``MegaNova(..., clock=VirtualClock())``; every sleep is recorded in
    ``sleeps`` and moves ``now`` forward, so a test can assert on retry waits.

    Args:
        start: The wall-clock time (seconds since the epoch) at ``now == 0``.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = 0.0
        self.wall = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """Seconds since the clock started (``now``)."""
        return self.now

    def time(self) -> float:
        """Wall-clock time: ``start`` plus ``now``."""
        return self.wall + self.now

    async def asleep(self, seconds: float) -> None:
        """``sleep`` for ``AsyncMegaNova``: no real wait either.

        Args:
            seconds: How long the caller wanted to wait (a negative value counts as 0).
        """
        self.sleep(seconds)

    def sleep(self, seconds: float) -> None:
        """Record the sleep and move time forward at once.

        Args:
            seconds: How long the caller wanted to wait (a negative value counts as 0).
        """
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time passing elsewhere).

        Args:
            seconds: How far to move (a negative value counts as 0).
        """
        with self._lock:
            self.now += max(0.0, seconds)

    @property
    def slept(self) -> float:
        """Total seconds slept so far."""
        return sum(self.sleeps)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now:g}, sleeps={len(self.sleeps)})"
