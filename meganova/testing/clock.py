"""A virtual clock: sleeping advances time instantly, so retries and deadlines cost nothing."""

from __future__ import annotations

import threading


class VirtualClock:
    """Implements the client's clock (``monotonic``, ``time``, ``sleep``) without waiting.

    Pass it as ``MegaNova(..., clock=VirtualClock())``; every sleep is recorded in
    ``sleeps`` and moves ``now`` forward, so a test can assert on retry waits.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = 0.0
        self.wall = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall + self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time passing elsewhere)."""
        with self._lock:
            self.now += max(0.0, seconds)

    @property
    def slept(self) -> float:
        """Total seconds slept so far."""
        return sum(self.sleeps)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now:g}, sleeps={len(self.sleeps)})"
