"""The rate budget every worker of a bulk run shares (pure: readings of a clock in,
waits out; it never sleeps).

Requests per minute and tokens per minute are each a token bucket, kept as a
theoretical arrival time (GCRA): a request reserves its cost and is told when it may
start, so workers queue in order instead of waking together to race for the bucket.
A bucket holds at most one second's allowance, so a run starts at its rate rather
than with a minute's burst.

A 429 or a ``Retry-After`` seen by any worker pauses all of them: ``pause`` moves every
start not yet made (reservations already handed out included) past the pause, so the
workers do not all retry at once when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["RateBudget", "Ticket"]

BURST_SECONDS = 1.0


class _Bucket:
    """One GCRA bucket: ``rate`` units per second, at most ``burst`` seconds of them at once."""

    __slots__ = ("burst", "rate", "tat")

    def __init__(self, per_minute: float, burst: float) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.tat = float("-inf")  # theoretical arrival time of the next unit

    def reserve(self, now: float, cost: float) -> float:
        """When a request costing ``cost`` may start; its cost is taken now."""
        start = max(now, self.tat - self.burst)
        self.tat = max(self.tat, start) + cost / self.rate
        return start

    def give_back(self, cost: float) -> None:
        """Return (or, negative, take more of) what a request was charged."""
        if self.tat != float("-inf"):
            self.tat -= cost / self.rate

    def shift(self, now: float, seconds: float) -> None:
        if self.tat > now:
            self.tat += seconds


@dataclass
class Ticket:
    """A reserved start: ``start`` as of pause count ``shift``."""

    start: float
    shift: float


class RateBudget:
    """The shared budget. ``None`` for a limit means no limit of that kind. ``burst``:
    seconds of allowance usable at once (0: strictly even spacing, for a run that is one
    of many sharing a limit one after the other, as Dask partitions do)."""

    def __init__(
        self,
        max_requests_per_minute: Optional[float] = None,
        max_tokens_per_minute: Optional[float] = None,
        *,
        burst: float = BURST_SECONDS,
    ) -> None:
        for name, value in (
            ("max_requests_per_minute", max_requests_per_minute),
            ("max_tokens_per_minute", max_tokens_per_minute),
        ):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        rpm, tpm = max_requests_per_minute, max_tokens_per_minute
        self._requests = _Bucket(rpm, burst) if rpm else None
        self._tokens = _Bucket(tpm, burst) if tpm else None
        self.paused_until = float("-inf")
        self._shift = 0.0  # total seconds every pending start was moved by pauses
        self.pauses = 0

    def reserve(self, now: float, tokens: int) -> Ticket:
        """Charge one request of ``tokens`` (estimated) and say when it may start."""
        start = max(now, self.paused_until)
        if self._requests is not None:
            start = max(start, self._requests.reserve(start, 1))
        if self._tokens is not None:
            start = max(start, self._tokens.reserve(start, tokens))
        return Ticket(start, self._shift)

    def wait(self, ticket: Ticket, now: float) -> float:
        """Seconds still to wait before ``ticket``'s request may go (0: go now). Ask
        again after waiting: a pause may have moved it meanwhile."""
        start = max(ticket.start + (self._shift - ticket.shift), self.paused_until)
        return max(0.0, start - now)

    def correct(self, tokens: int) -> None:
        """The request used ``tokens`` more than estimated (fewer when negative)."""
        if self._tokens is not None and tokens:
            self._tokens.give_back(-tokens)

    def refund(self, tokens: int) -> None:
        """The request was refused before the server did its work (a 429, an invalid
        argument): its request stays counted, its tokens come back."""
        if self._tokens is not None:
            self._tokens.give_back(tokens)

    def refund_request(self, tokens: int) -> None:
        """Nothing was sent: the request and its tokens come back."""
        if self._requests is not None:
            self._requests.give_back(1)
        self.refund(tokens)

    def pause(self, now: float, seconds: float) -> None:
        """Every worker waits ``seconds`` from ``now`` (a pause already longer stands;
        one ending sooner is extended)."""
        until = now + max(0.0, seconds)
        if until <= self.paused_until:
            return
        if now >= self.paused_until:
            self.pauses += 1  # a new pause (not one more 429 extending the current one)
        moved = until - max(now, self.paused_until)
        self.paused_until = until
        self._shift += moved
        for bucket in (self._requests, self._tokens):
            if bucket is not None:
                bucket.shift(now, moved)
