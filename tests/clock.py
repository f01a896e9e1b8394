"""A virtual clock for tests: sleeping advances time instantly and is recorded."""

from __future__ import annotations


class VirtualClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = 0.0
        self.wall = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
