"""A call's time budget: what is left of its ``deadline`` (pure; no I/O here).

Core decides how long each wait may last: the read timeout, or what is left of the
deadline when that is less. Transports enforce it on every read of the socket (reply
headers, body, stream), and a stream checks it between events, so a server that drips
one byte just inside the read timeout cannot stretch a call past its deadline.
"""

from __future__ import annotations

from typing import Callable

# A socket's timeout is reset only when it would overrun the budget by more than this:
# a deadline is kept within 50 ms without a syscall on every read.
SLACK = 0.05


class TimeBudget:
    """``seconds`` from now on ``monotonic`` (the engine's clock)."""

    __slots__ = ("ends_at", "monotonic", "seconds")

    def __init__(self, seconds: float, monotonic: Callable[[], float]) -> None:
        self.seconds = seconds
        self.monotonic = monotonic
        self.ends_at = monotonic() + seconds

    def remaining(self) -> float:
        return self.ends_at - self.monotonic()

    def expired(self) -> bool:
        return self.monotonic() >= self.ends_at

    def wait_limit(self, read: float | None) -> float:
        """The longest the next wait for bytes may last: ``read`` (``None``: no limit),
        or what is left of the budget when that is less (``<= 0``: nothing is left)."""
        left = self.ends_at - self.monotonic()
        return left if read is None or left < read else read

    def message(self) -> str:
        return f"the call's deadline of {self.seconds:g}s passed"

    def __repr__(self) -> str:
        return f"TimeBudget(seconds={self.seconds:g}, remaining={self.remaining():.3f})"
